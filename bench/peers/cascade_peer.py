"""Independent cascades on a dependency DAG: the graph, and the plain networkx loop that
people write for them.

In the independent-cascade model each node that fails gets one chance to fail each successor
`v`, with the edge's probability `p_propagate`, independently of everything else; seeds fail at
the start. A trial's result is the set of failed nodes.
"""

import random
import time

import networkx as nx


def dependency_dag(n_nodes, seed, max_parents=3):
    """A random DAG: node i depends on 1..max_parents earlier nodes (edges point from what is
    needed to what needs it, the direction failures travel), p_propagate uniform in
    [0.1, 0.6]; node 0 is the seed."""
    rng = random.Random(seed)
    g = nx.DiGraph(name=f"dag-{n_nodes}-{seed}")
    g.add_node(0, seed=True)
    for v in range(1, n_nodes):
        g.add_node(v)
        for u in rng.sample(range(v), min(v, rng.randint(1, max_parents))):
            g.add_edge(u, v, p_propagate=round(rng.uniform(0.1, 0.6), 3))
    return g


def run_cascades(g, n_trials, seed, budget_s=None):
    """The networkx loop: breadth-first over newly failed nodes. Returns per-node failure
    counts, the failed-node count of each trial, trials run and seconds spent."""
    rng = random.Random(seed)
    succ = g.succ
    seeds = [n for n, d in g.nodes(data=True) if d.get("seed")]
    counts = {n: 0 for n in g.nodes}
    sizes = []
    t0 = time.perf_counter()
    done = 0
    for _ in range(n_trials):
        failed = set(seeds)
        frontier = list(seeds)
        while frontier:
            nxt = []
            for u in frontier:
                for v, d in succ[u].items():
                    if v not in failed and rng.random() < d["p_propagate"]:
                        failed.add(v)
                        nxt.append(v)
            frontier = nxt
        for n in failed:
            counts[n] += 1
        sizes.append(len(failed))
        done += 1
        if budget_s is not None and done % 256 == 0 and time.perf_counter() - t0 > budget_s:
            break
    return counts, sizes, done, time.perf_counter() - t0
