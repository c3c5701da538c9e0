//! The memory of a sequence rule: for each join key, the last few `first` events. Bounded in
//! both directions: at most [`RING`] events per key (the oldest goes first), and at most `cap`
//! keys per rule. When the keys fill up, those whose events have all left the window go first
//! (*expired*, harmless); if that frees too little, the least recently used keys go (*evicted*:
//! a later `then` event could have matched them, so they are counted and reported).

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// `first` events kept per key.
pub const RING: usize = 4;

/// A remembered `first` event: its time and its JSON description for the alert.
#[derive(Debug, Clone)]
struct First {
    time: f64,
    json: Box<str>,
}

#[derive(Debug, Default)]
struct Entry {
    /// Ascending by time.
    firsts: Vec<First>,
    touch: u64,
}

/// The keyed memory of one sequence rule.
#[derive(Debug)]
pub struct SeqStore {
    map: HashMap<Box<[u8]>, Entry, RandomState>,
    cap: usize,
    clock: u64,
    /// Keys dropped because all their events had left the window.
    pub expired: u64,
    /// Keys dropped by the cap while some of their events were still in the window.
    pub evicted: u64,
    /// `first` events that left a full ring (the oldest, or a newcomer older than all kept).
    pub overflow: u64,
}

impl SeqStore {
    pub fn new(cap: usize) -> SeqStore {
        SeqStore {
            // A seed fixed per process would do as well; the keys come from the events, so
            // a random one keeps adversarial keys from degrading the table.
            map: HashMap::with_hasher(RandomState::default()),
            cap: cap.max(1),
            clock: 0,
            expired: 0,
            evicted: 0,
            overflow: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Remembers a `first` event. `stale_before`: events older than this can match nothing
    /// any more (the watermark less the window and the allowed lateness).
    pub fn insert(&mut self, key: &[u8], time: f64, json: Box<str>, stale_before: f64) {
        self.clock += 1;
        if !self.map.contains_key(key) && self.map.len() >= self.cap {
            self.make_room(stale_before);
        }
        let clock = self.clock;
        let e = self.map.entry(key.into()).or_default();
        e.touch = clock;
        let pos = e.firsts.partition_point(|f| f.time <= time);
        if e.firsts.len() == RING {
            self.overflow += 1;
            if pos == 0 {
                // Older than everything kept: the newest matter more.
                return;
            }
            e.firsts.remove(0);
            e.firsts.insert(pos - 1, First { time, json });
        } else {
            e.firsts.insert(pos, First { time, json });
        }
    }

    /// The latest remembered event at or before `time` and at most `window` before it.
    pub fn find(&mut self, key: &[u8], time: f64, window: f64) -> Option<&str> {
        self.clock += 1;
        let clock = self.clock;
        let e = self.map.get_mut(key)?;
        let pos = e.firsts.partition_point(|f| f.time <= time);
        let f = e.firsts[..pos].last()?;
        if time - f.time <= window {
            e.touch = clock;
            Some(&f.json)
        } else {
            None
        }
    }

    fn make_room(&mut self, stale_before: f64) {
        let before = self.map.len();
        self.map
            .retain(|_, e| e.firsts.last().is_some_and(|f| f.time >= stale_before));
        self.expired += (before - self.map.len()) as u64;
        let target = self.cap - self.cap / 4;
        if self.map.len() > target {
            // Evict the least recently used down to three quarters of the cap, so that the
            // linear pass is paid once per cap/4 new keys.
            let mut touches: Vec<u64> = self.map.values().map(|e| e.touch).collect();
            let k = self.map.len() - target;
            touches.select_nth_unstable(k - 1);
            let threshold = touches[k - 1];
            let before = self.map.len();
            self.map.retain(|_, e| e.touch > threshold);
            self.evicted += (before - self.map.len()) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Box<str> {
        s.into()
    }

    #[test]
    fn finds_the_latest_first_event_in_the_window() {
        let mut s = SeqStore::new(10);
        s.insert(b"k", 1.0, j("a"), f64::NEG_INFINITY);
        s.insert(b"k", 3.0, j("b"), f64::NEG_INFINITY);
        assert_eq!(s.find(b"k", 3.5, 1.0), Some("b"));
        assert_eq!(s.find(b"k", 2.0, 1.0), Some("a"));
        // Window edges are inclusive; a `first` after the `then` does not count.
        assert_eq!(s.find(b"k", 4.0, 1.0), Some("b"));
        assert_eq!(s.find(b"k", 4.0001, 1.0), None);
        assert_eq!(s.find(b"k", 0.5, 10.0), None);
        assert_eq!(s.find(b"other", 3.0, 10.0), None);
    }

    #[test]
    fn rings_keep_the_newest_events() {
        let mut s = SeqStore::new(10);
        for t in [5.0, 1.0, 4.0, 2.0, 3.0] {
            s.insert(b"k", t, j(&t.to_string()), f64::NEG_INFINITY);
        }
        assert_eq!(s.overflow, 1);
        assert_eq!(s.find(b"k", 1.5, 10.0), None, "1 was dropped");
        assert_eq!(s.find(b"k", 2.5, 10.0), Some("2"));
        s.insert(b"k", 0.5, j("0.5"), f64::NEG_INFINITY);
        assert_eq!(s.overflow, 2);
        assert_eq!(
            s.find(b"k", 0.7, 10.0),
            None,
            "older than all kept: not stored"
        );
        assert_eq!(s.find(b"k", 9.0, 10.0), Some("5"));
    }

    #[test]
    fn keys_are_capped_expired_first_then_least_recently_used() {
        let mut s = SeqStore::new(8);
        for i in 0..8u8 {
            s.insert(&[i], f64::from(i), j("x"), f64::NEG_INFINITY);
        }
        assert_eq!(s.len(), 8);
        // Keys 0..=3 have left the window: they go, and nothing live is lost.
        s.insert(&[100], 10.0, j("x"), 4.0);
        assert_eq!((s.expired, s.evicted, s.len()), (4, 0, 5));
        for i in 101..104u8 {
            s.insert(&[i], 10.0, j("x"), 4.0);
        }
        assert_eq!(s.len(), 8);
        // Nothing is stale now: the least recently used live keys are evicted, down to 6,
        // before the new key goes in.
        s.find(&[4], 4.0, 1.0);
        s.insert(&[200], 11.0, j("x"), 0.0);
        assert_eq!(s.evicted, 2);
        assert_eq!(s.len(), 7);
        assert!(s.find(&[4], 4.0, 1.0).is_some(), "recently used");
        assert!(s.find(&[5], 5.0, 1.0).is_none(), "evicted");
        assert!(s.find(&[6], 6.0, 1.0).is_none(), "evicted");
        assert!(s.find(&[7], 7.0, 1.0).is_some(), "kept");
        assert!(s.find(&[200], 11.0, 1.0).is_some());
    }
}
