"""mal-toolbox attack graphs from benchlang models, and mal-simulator episodes over them.

An episode is what mal-simulator does with one attacker: reset (defence and Bernoulli draws),
then one action per iteration, chosen by a breadth-first agent, until the agent's action surface
is empty (everything it can reach is reached). The time of a step is the iteration at which it
was performed (entry points: 0); with TTCMode.PER_STEP_SAMPLE one attempt takes one iteration
and succeeds with probability F(1), F the step's TTC distribution, so a step with an
Exponential(rate) TTC alone takes ceil(Exponential(rate)) iterations.
"""

import logging
import os
import random
import time

from maltoolbox.attackgraph import AttackGraph
from maltoolbox.language import LanguageGraph
from maltoolbox.model import Model
from malsim import MalSimulator
from malsim.config.agent_settings import AttackerSettings
from malsim.config.sim_settings import MalSimulatorSettings, TTCMode
from malsim.policies import BreadthFirstAttacker

# mal-toolbox and mal-simulator log every compromise at INFO level to logs/ in the working
# directory, which costs the simulator about a sixth of its speed: warnings only, for the peer's
# best figures.
for _name in ("maltoolbox", "malsim"):
    logging.getLogger(_name).setLevel(logging.WARNING)

HERE = os.path.dirname(os.path.abspath(__file__))
LANGUAGE = os.path.join(HERE, "benchlang.mal")

_lang = None


def language():
    global _lang
    if _lang is None:
        _lang = LanguageGraph.load_from_file(LANGUAGE)
    return _lang


def network_model(n_assets, seed, fractional=True):
    """A benchlang model of about n_assets assets: networks, hosts, credentials, data.

    net0 is the internet, the attacker's way in. Each host sits on one or two networks, each
    credential is stored on one host and valid on one or two, each data set is on one host.
    Defences are set per host: `patched` on for 30 % of hosts (with `fractional`, on with
    probability 0.5 for another 10 %), `mfa` on for 20 %.
    """
    rng = random.Random(seed)
    lg = language()
    m = Model(f"bench-{n_assets}-{seed}", lg)
    n_net = max(2, n_assets // 20)
    n_host = max(2, n_assets * 9 // 20)
    n_cred = max(1, n_assets // 4)
    n_data = max(1, n_assets - n_net - n_host - n_cred)
    nets = [m.add_asset("Network", f"net{i}") for i in range(n_net)]
    hosts = []
    for i in range(n_host):
        u = rng.random()
        patched = 1.0 if u < 0.3 else (0.5 if fractional and u < 0.4 else 0.0)
        mfa = 1.0 if rng.random() < 0.2 else 0.0
        hosts.append(m.add_asset("Host", f"host{i}", defenses={"patched": patched, "mfa": mfa}))
    for i, h in enumerate(hosts):
        on = {nets[i % n_net]}
        if rng.random() < 0.5:
            on.add(nets[rng.randrange(n_net)])
        h.add_associated_assets("networks", on)
    valid = {h.name: [] for h in hosts}
    for i in range(n_cred):
        c = m.add_asset("Credentials", f"cred{i}")
        c.add_associated_assets("storedOn", {hosts[rng.randrange(n_host)]})
        targets = {hosts[rng.randrange(n_host)] for _ in range(rng.choice((1, 2)))}
        c.add_associated_assets("validOn", targets)
        for t in targets:
            valid[t.name].append(c)
    # A host that no credential opens could be logged into with nothing (an AND step whose
    # only attack parent is `connect`), which is MAL's rule but not this story's.
    for h in hosts:
        if not valid[h.name]:
            c = m.add_asset("Credentials", f"cred-{h.name}")
            c.add_associated_assets("storedOn", {hosts[rng.randrange(n_host)]})
            c.add_associated_assets("validOn", {h})
    for i in range(n_data):
        d = m.add_asset("Data", f"data{i}")
        d.add_associated_assets("hosts", {hosts[rng.randrange(n_host)]})
    return m


def chain_model(n_hops):
    """hop0 -> hop1 -> ... : one attack step per hop, Exponential(0.5) each."""
    m = Model(f"chain-{n_hops}", language())
    hops = [m.add_asset("Hop", f"hop{i}") for i in range(n_hops + 1)]
    for a, b in zip(hops, hops[1:]):
        a.add_associated_assets("next", {b})
    return m


def attack_graph(model):
    return AttackGraph(language(), model)


def n_edges(graph):
    return sum(len(n.children) for n in graph.nodes.values())


def run_episodes(graph, entry, targets, n_episodes, seed, ttc_mode="PER_STEP_SAMPLE", budget_s=None):
    """Runs mal-simulator episodes; returns per-target lists of times (None: not reached), the
    number of episodes run and the seconds spent in them (graph construction excluded)."""
    sim = MalSimulator(
        graph,
        agents=[AttackerSettings(name="attacker", entry_points=set(entry))],
        sim_settings=MalSimulatorSettings(ttc_mode=TTCMode[ttc_mode], seed=seed),
    )
    target_nodes = [graph.get_node_by_full_name(t) for t in targets]
    times = {t: [] for t in targets}
    spent = 0.0
    done = 0
    for e in range(n_episodes):
        t0 = time.perf_counter()
        states = sim.reset()
        agent = BreadthFirstAttacker({"seed": seed * 1_000_003 + e, "action_ordering": "random"})
        while not sim.done():
            action = agent.get_next_action(states["attacker"])
            states = sim.step({"attacker": [action]} if action else {})
        spent += time.perf_counter() - t0
        done += 1
        order = states["attacker"].performed_nodes_order
        when = {}
        for it, nodes in order.items():
            for n in nodes:
                when.setdefault(n, it)
        for t, node in zip(targets, target_nodes):
            times[t].append(when.get(node))
        if budget_s is not None and spent > budget_s:
            break
    return times, done, spent
