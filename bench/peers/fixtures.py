"""Writes the small files import/tests/fixtures/ holds, produced by the real tools.

    python bench/peers/fixtures.py import/tests/fixtures

Both are generated from this repository's own inputs (benchlang.mal, a seeded random graph),
so they carry no third-party content.
"""

import json
import os
import sys
import tempfile

import networkx as nx


def main(out_dir):
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    # mal-toolbox writes a logs/ directory into the working directory when imported.
    os.chdir(tempfile.mkdtemp())
    import maltoolbox

    import cascade_peer
    import mal_peer

    graph = mal_peer.attack_graph(mal_peer.network_model(40, seed=7))
    path = os.path.join(out_dir, f"mal-toolbox-{maltoolbox.__version__}-benchlang-40.json")
    graph.save_to_file(path)
    print(path, len(graph.nodes), "steps")

    g = cascade_peer.dependency_dag(12, seed=3)
    for spelling in ("edges", "links"):
        path = os.path.join(out_dir, f"networkx-{nx.__version__}-dag-12-{spelling}.json")
        with open(path, "w") as f:
            json.dump(nx.node_link_data(g, edges=spelling), f, indent=1)
            f.write("\n")
        print(path, g.number_of_edges(), "edges")


if __name__ == "__main__":
    main(sys.argv[1])
