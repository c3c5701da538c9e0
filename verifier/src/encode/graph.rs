//! Graph preprocessing for the encodings: cones of influence and strongly connected
//! components.
//!
//! Restricting an encoding to a cone is sound: a step can be reached only if it is reachable
//! from some possible entry in the attack graph with every edge present (removing edges never
//! adds a path), and whether a target is reached depends only on its ancestors. Ranks, which
//! rule out self-justifying cycles in a least fixpoint, are needed only inside non-trivial
//! strongly connected components: a justification that never revisits a component is finite.

/// Nodes reachable from `starts` following `next`.
pub fn closure(
    n: usize,
    starts: impl IntoIterator<Item = usize>,
    next: impl Fn(usize) -> Vec<usize>,
) -> Vec<bool> {
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    for s in starts {
        if !seen[s] {
            seen[s] = true;
            stack.push(s);
        }
    }
    while let Some(x) = stack.pop() {
        for y in next(x) {
            if !seen[y] {
                seen[y] = true;
                stack.push(y);
            }
        }
    }
    seen
}

/// Strongly connected components of the subgraph on `nodes` (edges `succ`, restricted to
/// `nodes`). Returns each node's component index (or `u32::MAX` outside `nodes`) and, per
/// component, whether it is non-trivial (more than one node, or a self-loop).
pub fn sccs(
    n: usize,
    nodes: &[usize],
    succ: impl Fn(usize) -> Vec<usize>,
    inside: impl Fn(usize) -> bool,
) -> (Vec<u32>, Vec<bool>) {
    // Iterative Tarjan: models reach hundreds of thousands of steps, too deep to recurse.
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![u32::MAX; n];
    let mut nontrivial = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut next_index = 0u32;
    for &root in nodes {
        if index[root] != UNSEEN {
            continue;
        }
        // Frames: (node, its successors inside, position in them).
        let mut frames: Vec<(usize, Vec<usize>, usize)> = Vec::new();
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        frames.push((
            root,
            succ(root).into_iter().filter(|y| inside(*y)).collect(),
            0,
        ));
        while let Some(frame) = frames.last_mut() {
            let v = frame.0;
            if frame.2 < frame.1.len() {
                let w = frame.1[frame.2];
                frame.2 += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    let ws = succ(w).into_iter().filter(|y| inside(*y)).collect();
                    frames.push((w, ws, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            let self_loop = frame.1.contains(&v);
            frames.pop();
            if let Some(parent) = frames.last() {
                let p = parent.0;
                low[p] = low[p].min(low[v]);
            }
            if low[v] == index[v] {
                let id = nontrivial.len() as u32;
                let mut size = 0;
                loop {
                    let w = stack.pop().expect("Tarjan stack holds the component");
                    on_stack[w] = false;
                    comp[w] = id;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                nontrivial.push(size > 1 || self_loop);
            }
        }
    }
    (comp, nontrivial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_of_a_small_graph() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 4 -> 4, 5 alone
        let edges: Vec<Vec<usize>> = vec![vec![1], vec![2], vec![0, 3], vec![], vec![4], vec![]];
        let nodes: Vec<usize> = (0..6).collect();
        let (comp, nontrivial) = sccs(6, &nodes, |x| edges[x].clone(), |_| true);
        assert_eq!(comp[0], comp[1]);
        assert_eq!(comp[1], comp[2]);
        assert_ne!(comp[2], comp[3]);
        assert!(nontrivial[comp[0] as usize]);
        assert!(!nontrivial[comp[3] as usize]);
        assert!(nontrivial[comp[4] as usize]);
        assert!(!nontrivial[comp[5] as usize]);
        let reach = closure(6, [3usize, 0], |x| edges[x].clone());
        assert_eq!(reach, vec![true, true, true, true, false, false]);
    }
}
