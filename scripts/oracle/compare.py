#!/usr/bin/env python3
"""Differential check: compares `diacert eval --format jsonl` output with the oracle's JSONL.

Usage: compare.py ORACLE.jsonl DIACERT.jsonl [--round ROUND]
Compares, per dossier: certification outcome, tier, points, every criterion's status, points and
missing fields; loan outcome, condition statuses and terms; award category, rank and prize (for
dossiers of ROUND). Prints each disagreement and exits 1 if there is any.
"""
import json
import sys
from decimal import Decimal


def load(path):
    rows = {}
    for line in open(path, encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            rows[row.get("id") or row.get("dossier")] = row
    return rows


def main():
    oracle, ours = load(sys.argv[1]), load(sys.argv[2])
    round_id = sys.argv[sys.argv.index("--round") + 1] if "--round" in sys.argv else None
    problems = []

    def differ(dossier, what, expected, got):
        problems.append(f"{dossier}: {what}: oracle {expected!r}, diacert {got!r}")

    for dossier, expected in sorted(oracle.items()):
        got = ours.get(dossier)
        if got is None:
            problems.append(f"{dossier}: missing from diacert output")
            continue
        if not expected.get("valid", True):
            if "errors" not in got:
                differ(dossier, "validity", "invalid", "valid")
            continue
        results = got["results"]
        ec, gc = expected["certification"], results["certification"]
        for key in ("outcome", "tier"):
            if ec[key] != gc[key]:
                differ(dossier, f"certification {key}", ec[key], gc[key])
        if ec["outcome"] == "late":
            pass  # not evaluated in the round: no points or criteria to compare
        elif Decimal(ec["points"]) != Decimal(gc["points"]):
            differ(dossier, "certification points", ec["points"], gc["points"])
        for a, b in zip(ec.get("criteria", []), gc["criteria"] if ec["outcome"] != "late" else []):
            if a["id"] != b["id"] or a["status"] != b["status"] or Decimal(a["points"]) != Decimal(b["points"]):
                differ(dossier, f"criterion {a['id']}", (a["status"], a["points"]), (b["status"], b["points"]))
            elif sorted(a["missing"]) != sorted(b["missing"]):
                differ(dossier, f"criterion {a['id']} missing", a["missing"], b["missing"])
        el, gl = expected["loan"], results["loan"]
        if el["outcome"] != gl["outcome"]:
            differ(dossier, "loan outcome", el["outcome"], gl["outcome"])
        statuses = {c["id"]: c["status"] for c in gl["conditions"]}
        for condition in el["conditions"]:
            if statuses.get(condition["id"]) != condition["status"]:
                differ(dossier, f"loan condition {condition['id']}", condition["status"], statuses.get(condition["id"]))
        if el.get("terms") and gl.get("terms"):
            for key, value in el["terms"].items():
                if key in gl["terms"] and Decimal(str(value)) != Decimal(str(gl["terms"][key])):
                    differ(dossier, f"loan term {key}", value, gl["terms"][key])
        if round_id and expected.get("round") == round_id:
            ea, ga = expected["award"], results["award"]
            for key in ("category", "rank", "prize"):
                if ea.get(key) is not None or ga.get(key) is not None:
                    if str(ea.get(key)) != str(ga.get(key)):
                        differ(dossier, f"award {key}", ea.get(key), ga.get(key))
    for problem in problems:
        print(problem)
    print(f"{len(oracle)} dossiers compared, {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
