#!/usr/bin/env python3
"""Checks fixtures/faulty/README.md against the oracle.

Every file in fixtures/faulty/ must be listed in the README's table, must be rejected by the oracle, and the oracle
must report an error at the line:column given in the table's last column ("oracle reports").

    python3 scripts/oracle/check_faulty.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dia_oracle  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FAULTY = ROOT / "fixtures" / "faulty"
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|.*\|\s*(\d+):(\d+)[^|]*\|\s*$")


def main() -> int:
    rows = {}
    for line in (FAULTY / "README.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    files = sorted(p.name for p in FAULTY.iterdir() if p.name != "README.md")
    failures = [f"{name}: not listed in README.md" for name in files if name not in rows]
    failures += [f"{name}: listed in README.md but missing" for name in rows if name not in files]
    for name, (line, column) in sorted(rows.items()):
        if name not in files:
            continue
        (entry,) = dia_oracle.evaluate([str(FAULTY / name)], None)
        if entry.valid:
            failures.append(f"{name}: accepted, but it is faulty")
            continue
        places = [(p.line, p.column) for p in entry.problems]
        if (line, column) not in places:
            got = ", ".join(f"{p.line}:{p.column} {p.message}" for p in entry.problems)
            failures.append(f"{name}: no error at {line}:{column} (got {got})")
    for f in failures:
        print("FAIL", f)
    print(f"{len(rows)} faulty files checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
