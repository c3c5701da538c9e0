//! The priority queue of the event loops (a campaign's Dijkstra, the cascade): a radix heap.
//!
//! Both loops pop items in increasing `(time, tag)` order, where `time` is the bit pattern of
//! a non-negative `f64` (which orders like the number) and `tag` breaks ties. Both are
//! *monotone*: an item pushed after a pop is never earlier than the item popped, because it
//! is that time plus a non-negative duration. A radix heap exploits this: items sit in
//! buckets by the highest bit in which their time differs from the last time popped, so a
//! push is a few instructions and each item moves down a few buckets over its life, against
//! a binary heap's two sift passes of about log2(n) comparisons.
//!
//! The pop order is exactly that of a binary heap of `Reverse((time, tag))`: items at the
//! current time wait in a small heap ordered by tag, and an item that breaks monotonicity
//! (which the semantics never produces, but a hand-built model could) waits in a plain
//! binary heap that is always served first, being earlier than everything in the buckets.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug)]
pub(crate) struct EventQueue {
    /// The time of the last item popped (or 0).
    last: u64,
    /// Items at `last`, by tag.
    now: Now,
    /// Bucket `b`: items later than `last` whose time first differs from it in bit `b`.
    buckets: [Vec<(u64, u32)>; 64],
    /// Bit `b` set: bucket `b` is not empty.
    mask: u64,
    /// Items pushed earlier than `last`: every one of them precedes every bucketed item.
    behind: BinaryHeap<Reverse<(u64, u32)>>,
}

impl EventQueue {
    pub fn new() -> EventQueue {
        EventQueue {
            last: 0,
            now: Now::default(),
            buckets: std::array::from_fn(|_| Vec::new()),
            mask: 0,
            behind: BinaryHeap::new(),
        }
    }

    #[inline]
    pub fn clear(&mut self) {
        self.last = 0;
        self.now.clear();
        let mut m = self.mask;
        while m != 0 {
            let b = m.trailing_zeros() as usize;
            self.buckets[b & 63].clear();
            m &= m - 1;
        }
        self.mask = 0;
        if !self.behind.is_empty() {
            self.behind.clear();
        }
    }

    #[inline(always)]
    pub fn push(&mut self, time: u64, tag: u32) {
        if time == self.last {
            self.now.push(tag);
        } else if time > self.last {
            let b = bucket(time ^ self.last);
            self.buckets[b].push((time, tag));
            self.mask |= 1 << b;
        } else {
            self.behind.push(Reverse((time, tag)));
        }
    }

    /// The earliest item, ties by smallest tag.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        if !self.behind.is_empty() {
            return self.behind.pop().map(|Reverse(x)| x);
        }
        if let Some(tag) = self.now.pop() {
            return Some((self.last, tag));
        }
        if self.mask == 0 {
            return None;
        }
        let b = self.mask.trailing_zeros() as usize & 63;
        if self.buckets[b].len() == 1 {
            // The earliest item, alone in its bucket: it becomes `last` without a detour
            // through `now` (the other buckets stay valid, as after a refill).
            let (time, tag) = self.buckets[b][0];
            self.buckets[b].clear();
            self.mask &= !(1 << b);
            self.last = time;
            return Some((time, tag));
        }
        self.refill(b);
        self.now.pop().map(|tag| (self.last, tag))
    }

    /// Moves bucket `b`, the earliest non-empty one, down: its minimum becomes `last`, the
    /// items at that time go to `now`, the others to lower buckets (they differ from the new
    /// `last` only below bit `b`). Buckets above `b` stay valid: the new `last` agrees with
    /// the old one above bit `b`.
    fn refill(&mut self, b: usize) {
        let mut items = std::mem::take(&mut self.buckets[b]);
        let mut mask = self.mask & !(1 << b);
        let min = items.iter().map(|x| x.0).min().unwrap_or(self.last);
        self.last = min;
        for &(time, tag) in &items {
            if time == min {
                self.now.push(tag);
            } else {
                let nb = bucket(time ^ min);
                self.buckets[nb].push((time, tag));
                mask |= 1 << nb;
            }
        }
        self.mask = mask;
        items.clear();
        self.buckets[b] = items;
    }

    /// Whether some queued item satisfies `f(tag)`.
    pub fn any_tag(&self, f: impl Fn(u32) -> bool) -> bool {
        self.now.run[self.now.head..].iter().any(|t| f(*t))
            || self.now.extra.0.iter().any(|t| f(*t))
            || self.behind.iter().any(|Reverse((_, t))| f(*t))
            || self.buckets.iter().flatten().any(|(_, t)| f(*t))
    }
}

/// The bucket of an item whose time differs from `last` by `x` (not 0): its highest set bit.
#[inline(always)]
fn bucket(x: u64) -> usize {
    (63 - x.leading_zeros() as usize) & 63
}

/// The tags of the items at the current time, smallest first: tags usually arrive in
/// increasing order (the cascade numbers its events as it schedules them, a completed step's
/// children come in index order), and those go to a sorted run read from its head; the others
/// wait in a heap.
#[derive(Debug, Default)]
struct Now {
    /// Increasing; `run[head..]` are still queued.
    run: Vec<u32>,
    head: usize,
    extra: TagHeap,
}

impl Now {
    #[inline]
    fn clear(&mut self) {
        self.run.clear();
        self.head = 0;
        self.extra.0.clear();
    }

    #[inline(always)]
    fn push(&mut self, tag: u32) {
        if self.head == self.run.len() {
            self.run.clear();
            self.head = 0;
            self.run.push(tag);
        } else if self.run.last().is_some_and(|&top| tag > top) {
            self.run.push(tag);
        } else {
            self.extra.push(tag);
        }
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<u32> {
        let from_run = self.run.get(self.head).copied();
        match (from_run, self.extra.0.first().copied()) {
            (Some(r), Some(e)) if e < r => self.extra.pop(),
            (Some(r), _) => {
                self.head += 1;
                Some(r)
            }
            (None, _) => self.extra.pop(),
        }
    }
}

/// A binary min-heap of tags.
#[derive(Debug, Default)]
struct TagHeap(Vec<u32>);

impl TagHeap {
    #[inline]
    fn push(&mut self, tag: u32) {
        let h = &mut self.0;
        let mut i = h.len();
        h.push(tag);
        while i > 0 {
            let parent = (i - 1) / 2;
            if h[parent] <= tag {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = tag;
    }

    #[inline]
    fn pop(&mut self) -> Option<u32> {
        let h = &mut self.0;
        let last = h.pop()?;
        if h.is_empty() {
            return Some(last);
        }
        let top = h[0];
        let n = h.len();
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let c = if l + 1 < n && h[l + 1] < h[l] {
                l + 1
            } else {
                l
            };
            if h[c] >= last {
                break;
            }
            h[i] = h[c];
            i = c;
        }
        h[i] = last;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::mix;

    /// Pops everything from both a binary heap and the queue, interleaving pushes that keep
    /// (or, with `violate`, break) monotonicity, and checks the sequences agree.
    fn check(seed: u64, n: usize, ties: u64, violate: bool) {
        let mut q = EventQueue::new();
        let mut h: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let mut tag = 0u32;
        let mut r = seed;
        let mut next = || {
            r = mix(r);
            r
        };
        let time = |x: u64| -> u64 {
            // Non-negative doubles, many equal when `ties` is small.
            let v = if ties > 0 {
                (x % ties) as f64
            } else {
                (x >> 11) as f64 * 1e-6
            };
            v.to_bits()
        };
        for _ in 0..n / 4 {
            let t = time(next());
            tag = tag.wrapping_add((next() % 7) as u32 + 1);
            q.push(t, tag);
            h.push(Reverse((t, tag)));
        }
        let mut out_q = Vec::new();
        let mut out_h = Vec::new();
        while let Some(x) = q.pop() {
            out_q.push(x);
            let Reverse(y) = h.pop().expect("same length");
            out_h.push(y);
            assert_eq!(x, y, "seed {seed}");
            if out_q.len() < n {
                for _ in 0..(next() % 3) {
                    let now = f64::from_bits(x.0);
                    let dt = if next() % 4 == 0 {
                        0.0
                    } else {
                        (next() >> 11) as f64 * 1e-9
                    };
                    let t = if violate && next() % 5 == 0 {
                        (now * 0.5).to_bits()
                    } else {
                        (now + dt).to_bits()
                    };
                    let tg = (next() % 1000) as u32;
                    q.push(t, tg);
                    h.push(Reverse((t, tg)));
                }
            }
        }
        assert!(h.is_empty());
        q.clear();
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pops_in_the_order_of_a_binary_heap() {
        for seed in 0..40 {
            check(seed, 400, 0, false);
            check(seed, 400, 5, false);
            check(seed, 400, 0, true);
            check(seed, 400, 3, true);
        }
    }
}
