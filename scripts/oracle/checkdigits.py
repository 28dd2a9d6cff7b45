#!/usr/bin/env python3
"""Make and check the check digits of 法人番号 and 全国地方公共団体コード (dia-scheme.md §2).

    python3 scripts/oracle/checkdigits.py corporate 030202930125   # → 7030202930125
    python3 scripts/oracle/checkdigits.py city 11208                # → 112089
    python3 scripts/oracle/checkdigits.py verify 7030202930125 112089 112088
    python3 scripts/oracle/checkdigits.py fictional 5               # 5 corporate numbers for fixtures

`fictional` draws 12-digit bodies shaped like a さいたま地方法務局 会社法人等番号 (0302-0x-9xxxxx) from a
fixed seed, so the output is reproducible; the numbers are made up and not meant to belong to any real company.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dia_oracle import (  # noqa: E402
    city_code_check_digit,
    city_code_valid,
    corporate_number_check_digit,
    corporate_number_valid,
)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "corporate":
        for body in args:
            print(f"{corporate_number_check_digit(body)}{body}")
    elif command == "city":
        for five in args:
            print(f"{five}{city_code_check_digit(five)}")
    elif command == "verify":
        bad = 0
        for code in args:
            if len(code) == 13:
                ok = corporate_number_valid(code)
                kind = "corporate_number"
            elif len(code) == 6:
                ok = city_code_valid(code)
                kind = "city_code"
            else:
                ok, kind = False, "unknown length"
            bad += not ok
            print(f"{code}\t{kind}\t{'valid' if ok else 'INVALID'}")
        return 1 if bad else 0
    elif command == "fictional":
        rng = random.Random(2027)
        for _ in range(int(args[0])):
            body = "0302" + rng.choice(["01", "02", "03"]) + f"{rng.randint(900000, 999999):06d}"
            print(f"{corporate_number_check_digit(body)}{body}")
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
