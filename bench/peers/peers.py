"""The peer benchmark: ensure against mal-simulator, pyfair and a networkx independent-cascade
loop, each on the identical graph (ensure reads the peers' own files through `ensure import`),
compared on results and on trials per second per core, in one run.

    python bench/peers/peers.py --ensure target/release/ensure --work DIR [--quick]

Prints a report (agreement, then speed) and writes DIR/report.md and DIR/summary.json.
See bench/peers/README.md for what each peer computes and how the comparisons are made.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

import networkx as nx
from scipy import stats as sst

import cascade_peer
import fair_peer
import mal_peer
from stats import agreement, mean_ci, quantile, quantile_rank_ci, two_proportion_z

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------- ensure
class Ensure:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        # One-minute load average at each speed measurement: the machine is shared.
        self.loads = []

    def run(self, *args):
        t0 = time.perf_counter()
        out = subprocess.run([self.binary, *args], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if out.returncode != 0:
            raise RuntimeError(f"ensure {' '.join(args)}: {out.stderr}")
        return out.stdout, dt

    def n_edges(self, model):
        """Attack-graph edges of a model, as `ensure check` counts them."""
        out, _ = self.run("check", model)
        return int(re.search(r"attack steps \((\d+) edges\)", out).group(1))

    def simulate(self, model, trials, threads, seed=1):
        out, dt = self.run(
            "simulate", model, "--trials", str(trials), "--threads", str(threads),
            "--seed", str(seed), "--format", "json", "--no-paths",
        )
        return json.loads(out), dt

    def rate(self, model, threads, target_s, seed=1):
        """Trials per second, with the fixed cost of a run (reading, checking and compiling
        the model, starting threads) taken out: the slope between a run of 1,024 trials and a
        run sized to take about target_s seconds. Returns (rate, result of the big run)."""
        small = 1024
        t_small = min(self.simulate(model, small, threads, seed)[1] for _ in range(3))
        probe = 16 * small
        _, t_probe = self.simulate(model, probe, threads, seed)
        guess = (probe - small) / max(t_probe - t_small, 1e-3)
        trials = max(probe, int(guess * target_s) // small * small)
        # The machine is shared: the fastest of three runs is the least disturbed.
        self.loads.append(os.getloadavg()[0])
        runs = [self.simulate(model, trials, threads, seed) for _ in range(3)]
        result = runs[0][0]
        t_big = min(t for _, t in runs)
        return (trials - small) / max(t_big - t_small, 1e-9), result


def malsim_speed_subprocess(n_assets, seed, episodes, budget_s, timeout_s, mem_gb):
    """mal-simulator episodes on the benchlang graph of n_assets, in a child process with a
    memory cap and a time limit, so that running out of either is a result, not a crash."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {HERE!r})
resource.setrlimit(resource.RLIMIT_AS, ({mem_gb} << 30, {mem_gb} << 30))
import mal_peer
t0 = time.perf_counter()
g = mal_peer.attack_graph(mal_peer.network_model({n_assets}, {seed}))
built = time.perf_counter() - t0
times, done, spent = mal_peer.run_episodes(g, ["net0:access"], [], {episodes}, {seed}, budget_s={budget_s})
print(json.dumps({{"episodes": done, "seconds": spent, "build_seconds": built}}))
"""
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return {"status": f"no episode finished within {timeout_s} s"}
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["?"]
        if "MemoryError" in out.stderr or out.returncode in (-9, 137):
            return {"status": f"out of memory (cap {mem_gb} GiB): {tail[0]}"}
        return {"status": f"failed: {tail[0]}"}
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["status"] = "ok"
    r["rate"] = r["episodes"] / r["seconds"]
    return r


# ------------------------------------------------------------------------- agreement
def agreement_attack(ens, work, n_assets, episodes, trials, log):
    """Which steps mal-simulator's exhaustive attacker reaches, against ensure's goal
    probabilities, on one benchlang graph with uncertain steps and defences on with a
    probability."""
    model = mal_peer.network_model(n_assets, seed=11)
    graph = mal_peer.attack_graph(model)
    path = os.path.join(work, f"attack-{n_assets}.json")
    graph.save_to_file(path)
    targets = sorted(
        n.full_name for n in graph.nodes.values()
        if n.name in ("compromise", "read", "steal")
    )
    t0 = time.perf_counter()
    times, done, _ = mal_peer.run_episodes(graph, ["net0:access"], targets, episodes, 5, ttc_mode="DISABLED")
    log(f"  mal-simulator: {done} episodes in {time.perf_counter() - t0:.0f} s")
    imported = os.path.join(work, f"attack-{n_assets}.ensure.json")
    args = ["import", "mal", path, "--entry", "net0:access", "--horizon-hours", "1e7", "--out", imported]
    for t in targets:
        args += ["--goal", t]
    ens.run(*args)
    result, _ = ens.simulate(imported, trials, threads=0)
    goals = {g["id"]: g["p_reached"] for g in result["goals"]}
    rows = []
    for t in targets:
        k_m = sum(x is not None for x in times[t])
        k_e = goals[t]["count"]
        z = two_proportion_z(k_m, done, k_e, trials)
        rows.append((t, k_m / done, k_e / trials, z))
    a = agreement([r[3] for r in rows])
    log(f"  {a['n']} targets ({a['n_exact']} reached always or never by both): max |z| {a['max_abs_z']:.2f},"
        f" mean z² {a['mean_z2']:.2f}, {100 * a['frac_beyond_1_96']:.0f} % beyond 1.96;"
        f" chi-square {a['chi2']:.1f} (99.9 % point {a['chi2_limit']:.1f}): {'agree' if a['agree'] else 'DIFFER'}")
    interesting = sorted(rows, key=lambda r: -min(r[1], 1 - r[1]))[:8]
    for t, pm, pe, z in interesting:
        log(f"    {t:24s} mal-simulator {pm:.3f}  ensure {pe:.3f}  z {z:+.2f}")
    return {
        "assets": n_assets, "episodes": done, "trials": trials, **a,
        "rows": [{"target": t, "p_malsim": pm, "p_ensure": pe, "z": z} for t, pm, pe, z in rows],
    }


def agreement_ttc(ens, work, hops, episodes, trials, log):
    """Times to compromise along a chain of `hops` Exponential(0.5 per day) steps, where a
    one-step-per-iteration attacker and ensure's parallel semantics coincide up to
    mal-simulator's discretisation: each attempt is one iteration and succeeds with probability
    p = 1 - exp(-0.5), so a hop takes ceil(Exponential) iterations; ensure's hop takes the
    Exponential itself. Exact references: Erlang(hops, 0.5/day) for ensure, hops + NegBin(hops, p)
    for mal-simulator; their means differ by hops x (1/p - 1/0.5) days."""
    lam = 0.5
    p = 1 - math.exp(-lam)
    graph = mal_peer.attack_graph(mal_peer.chain_model(hops))
    path = os.path.join(work, f"chain-{hops}.json")
    graph.save_to_file(path)
    target = f"hop{hops}:reach"
    times, done, _ = mal_peer.run_episodes(graph, ["hop0:reach"], [target], episodes, 3)
    t_m = [t for t in times[target] if t is not None]
    imported = os.path.join(work, f"chain-{hops}.ensure.json")
    ens.run("import", "mal", path, "--entry", "hop0:reach", "--goal", target,
            "--horizon-hours", "1e7", "--out", imported)
    result, _ = ens.simulate(imported, trials, threads=0)
    s = result["goals"][0]["ttc_hours"]
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    erlang = sst.gamma(hops, scale=1 / lam)
    negbin = sst.nbinom(hops, p)
    m_mean, m_half = mean_ci(t_m)
    e_mean_days = s["mean"] / 24
    e_half_days = (s["mean_ci95"][1] - s["mean_ci95"][0]) / 2 / 24
    shift = hops * (1 / p - 1 / lam)
    rows = []
    for q in qs:
        key = f"p{int(q * 100)}"
        lo, hi = quantile_rank_ci(t_m, q)
        rows.append({
            "q": q,
            "ensure_days": s[key] / 24, "erlang_days": float(erlang.ppf(q)),
            "malsim_iterations": quantile(t_m, q), "malsim_ci": [lo, hi],
            "negbin_iterations": float(hops + negbin.ppf(q)),
        })
    log(f"  chain of {hops} hops, {done} mal-simulator episodes, {trials} ensure trials")
    log(f"    mean: ensure {e_mean_days:.2f} ± {e_half_days:.2f} d (exact {hops / lam:.2f});"
        f" mal-simulator {m_mean:.2f} ± {m_half:.2f} it (exact {hops / p:.2f});"
        f" mal-simulator - discretisation {m_mean - shift:.2f}")
    for r in rows:
        log(f"    p{int(r['q'] * 100):<2d}: ensure {r['ensure_days']:6.2f} d (Erlang {r['erlang_days']:6.2f});"
            f" mal-simulator {r['malsim_iterations']:4d} it (NegBin {r['negbin_iterations']:4.0f},"
            f" 95 % [{r['malsim_ci'][0]}, {r['malsim_ci'][1]}])")
    # ensure's percentiles come from a log-histogram: allow its bin width (1/64 relative).
    ensure_ok = all(abs(r["ensure_days"] - r["erlang_days"]) <= 0.02 * r["erlang_days"] + 0.05 for r in rows) \
        and abs(e_mean_days - hops / lam) <= 1.5 * e_half_days + 0.01
    malsim_ok = all(r["malsim_ci"][0] <= r["negbin_iterations"] <= r["malsim_ci"][1] for r in rows)
    cross_ok = abs((m_mean - shift) - e_mean_days) <= 1.5 * (m_half + e_half_days)
    return {
        "hops": hops, "episodes": done, "trials": trials, "rows": rows,
        "ensure_mean_days": e_mean_days, "malsim_mean_iterations": m_mean,
        "discretisation_days": shift, "ensure_matches_exact": ensure_ok,
        "malsim_matches_exact": malsim_ok, "means_agree_after_discretisation": cross_ok,
    }


# ----------------------------------------------------------------------------- speed
def speed_attack(ens, work, sizes, malsim_budget_s, malsim_timeout_s, target_s, log):
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        graph = mal_peer.attack_graph(mal_peer.network_model(n, seed=1))
        build = time.perf_counter() - t0
        path = os.path.join(work, f"speed-attack-{n}.json")
        graph.save_to_file(path)
        mal_edges = mal_peer.n_edges(graph)
        n_nodes = len(graph.nodes)
        del graph
        imported = os.path.join(work, f"speed-attack-{n}.ensure.json")
        ens.run("import", "mal", path, "--entry", "net0:access", "--goal", "data0:read",
                "--horizon-hours", "1e7", "--out", imported)
        edges = ens.n_edges(imported)
        r1, _ = ens.rate(imported, 1, target_s)
        r2, _ = ens.rate(imported, 2, target_s)
        peer = malsim_speed_subprocess(n, 1, 1000, malsim_budget_s, malsim_timeout_s, mem_gb=8)
        row = {
            "assets": n, "mal_nodes": n_nodes, "mal_edges": mal_edges, "ensure_edges": edges,
            "mal_toolbox_build_s": build, "ensure_rate_1": r1, "ensure_rate_2": r2,
            "ns_per_edge": 1e9 / (r1 * edges), "malsim": peer,
        }
        rows.append(row)
        log(f"  {n} assets ({n_nodes} MAL steps, {mal_edges} edges; ensure {edges} edges):"
            f" ensure {r1:,.0f} trials/s on 1 core ({row['ns_per_edge']:.1f} ns/edge),"
            f" {r2:,.0f} on 2 (x{r2 / r1:.2f}); mal-simulator "
            + (f"{peer['rate']:.3f} episodes/s" if peer["status"] == "ok" else peer["status"]))
    return rows


def cascade(ens, work, sizes, budget_s, target_s, log):
    rows = []
    for n in sizes:
        g = cascade_peer.dependency_dag(n, seed=2)
        path = os.path.join(work, f"cascade-{n}.json")
        with open(path, "w") as f:
            json.dump(nx.node_link_data(g, edges="edges"), f)
        counts, sizes_, done, dt = cascade_peer.run_cascades(g, 10_000_000, seed=4, budget_s=budget_s)
        imported = os.path.join(work, f"cascade-{n}.ensure.json")
        ens.run("import", "dependency-graph", path, "--out", imported)
        r1, res = ens.rate(imported, 1, target_s)
        r2, _ = ens.rate(imported, 2, target_s)
        trials = res["trials"]
        p_out = {a["id"]: a["p_outage"]["count"] for a in res["assets"]}
        a = agreement([two_proportion_z(counts[v], done, p_out.get(str(v), 0), trials) for v in g.nodes])
        m_nx, h_nx = mean_ci(sizes_)
        down = res["cascade"]["assets_down"]
        h_e = (down["mean_ci95"][1] - down["mean_ci95"][0]) / 2
        nx_rate = done / dt
        row = {
            "nodes": n, "edges": g.number_of_edges(), "networkx_rate": nx_rate,
            "networkx_trials": done, "ensure_rate_1": r1, "ensure_rate_2": r2,
            "ratio": r1 / nx_rate, "per_node": a,
            "mean_failed_networkx": [m_nx, h_nx], "mean_failed_ensure": [down["mean"], h_e],
            "means_agree": abs(m_nx - down["mean"]) <= 1.5 * (h_nx + h_e),
        }
        rows.append(row)
        log(f"  DAG of {n} nodes, {g.number_of_edges()} edges: networkx {nx_rate:,.0f} trials/s,"
            f" ensure {r1:,.0f} on 1 core (x{r1 / nx_rate:,.0f}), {r2:,.0f} on 2 (x{r2 / r1:.2f});"
            f" failed nodes {m_nx:.2f} ± {h_nx:.2f} vs {down['mean']:.2f} ± {h_e:.2f};"
            f" per-node failure probabilities: max |z| {a['max_abs_z']:.2f}, mean z² {a['mean_z2']:.2f},"
            f" chi-square {a['chi2']:.0f} (99.9 % point {a['chi2_limit']:.0f}): {'agree' if a['agree'] else 'DIFFER'}")
    return rows


def fair(ens, work, n_rows, target_s, log):
    best = None
    for rep in range(3):
        risk, dt = fair_peer.run_pyfair(n_rows, seed=42 + rep)
        if best is None or dt < best[1]:
            best = (risk, dt)
    risk, dt = best
    py_rate = n_rows / dt
    m_py, h_py = mean_ci(list(map(float, risk[:200_000])))
    path = os.path.join(work, "fair.ensure.json")
    with open(path, "w") as f:
        json.dump(fair_peer.ensure_model(), f)
    r1, res = ens.rate(path, 1, target_s)
    r2, _ = ens.rate(path, 2, target_s)
    loss = res["loss_eur"]
    h_e = (loss["mean_ci95"][1] - loss["mean_ci95"][0]) / 2
    exact = fair_peer.exact_mean_loss()
    row = {
        "pyfair_rows": n_rows, "pyfair_rate": py_rate, "ensure_rate_1": r1, "ensure_rate_2": r2,
        "ratio": r1 / py_rate, "exact_mean": exact, "pyfair_mean": [m_py, h_py],
        "ensure_mean": [loss["mean"], h_e], "ensure_trials": res["trials"],
        "pyfair_mean_ok": abs(m_py - exact) <= 1.5 * h_py, "ensure_mean_ok": abs(loss["mean"] - exact) <= 1.5 * h_e,
    }
    log(f"  pyfair {py_rate:,.0f} rows/s (best of 3, {n_rows:,} rows); ensure {r1:,.0f} trials/s on 1 core"
        f" (x{r1 / py_rate:.2f}), {r2:,.0f} on 2 (x{r2 / r1:.2f}); mean annual loss: exact {exact:,.0f},"
        f" pyfair {m_py:,.0f} ± {h_py:,.0f}, ensure {loss['mean']:,.0f} ± {h_e:,.0f}")
    return row


# ----------------------------------------------------------------------------- report
def report(s):
    L = []
    a = L.append
    a("| workload | graph | peer | peer, trials/s (1 core) | ensure, trials/s (1 core) | ratio | ensure, 2 threads | target |")
    a("|---|---|---|---:|---:|---:|---:|---|")
    for r in s["speed_attack"]:
        m = r["malsim"]
        peer = f"{m['rate']:.3f}" if m["status"] == "ok" else m["status"]
        ratio = f"{r['ensure_rate_1'] / m['rate']:,.0f}" if m["status"] == "ok" else "—"
        a(f"| attack simulation | benchlang, {r['assets']:,} assets ({r['ensure_edges']:,} edges) | mal-simulator 3.3.0 |"
          f" {peer} | {r['ensure_rate_1']:,.0f} ({r['ns_per_edge']:.1f} ns/edge) | {ratio} |"
          f" {r['ensure_rate_2']:,.0f} (x{r['ensure_rate_2'] / r['ensure_rate_1']:.2f}) | ≤ 20 ns/edge |")
    for r in s["cascade"]:
        a(f"| independent cascade | DAG, {r['nodes']:,} nodes, {r['edges']:,} edges | networkx loop |"
          f" {r['networkx_rate']:,.0f} | {r['ensure_rate_1']:,.0f} | {r['ratio']:,.1f} |"
          f" {r['ensure_rate_2']:,.0f} (x{r['ensure_rate_2'] / r['ensure_rate_1']:.2f}) | ≥ 100x |")
    f = s["fair"]
    a(f"| FAIR-style loss | one scenario | pyfair 0.1a13 | {f['pyfair_rate']:,.0f} | {f['ensure_rate_1']:,.0f} |"
      f" {f['ratio']:.2f} | {f['ensure_rate_2']:,.0f} (x{f['ensure_rate_2'] / f['ensure_rate_1']:.2f}) | ≥ 10x |")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ensure", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--quick", action="store_true", help="small sizes and short runs (a smoke test)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ens = Ensure(os.path.abspath(args.ensure), args.work)
    lines = []

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    q = args.quick
    s = {"load_average_start": os.getloadavg()}
    log("## agreement: which steps are reached (mal-simulator, TTC off, run to exhaustion)")
    s["agreement_attack"] = agreement_attack(ens, args.work, 30 if q else 50, 60 if q else 600, 20_000 if q else 400_000, log)
    log("## agreement: times to compromise on a chain")
    s["agreement_ttc"] = agreement_ttc(ens, args.work, 8, 300 if q else 4000, 20_000 if q else 400_000, log)
    log("## speed: attack simulation")
    s["speed_attack"] = speed_attack(
        ens, args.work, [100, 1000] if q else [100, 1000, 10_000],
        malsim_budget_s=10 if q else 60, malsim_timeout_s=120 if q else 900,
        target_s=1 if q else 4, log=log)
    log("## speed and agreement: independent cascades")
    s["cascade"] = cascade(ens, args.work, [1000] if q else [1000, 10_000], 5 if q else 30, 1 if q else 4, log)
    log("## speed and agreement: FAIR-style loss")
    s["fair"] = fair(ens, args.work, 200_000 if q else 2_000_000, 1 if q else 4, log)
    s["load_average_end"] = os.getloadavg()
    s["load_at_ensure_speed_runs"] = ens.loads
    log(f"one-minute load average at each ensure speed measurement: {', '.join(f'{x:.1f}' for x in ens.loads)}")
    log(f"load average (1, 5, 15 min): at the start {s['load_average_start']}, at the end {s['load_average_end']}")
    table = report(s)
    log("")
    log(table)
    with open(os.path.join(args.work, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.work, "summary.json"), "w") as f:
        # numpy scalars (scipy's chi-square point, comparisons with it) as plain numbers.
        json.dump(s, f, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))


if __name__ == "__main__":
    main()
