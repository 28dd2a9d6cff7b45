#!/usr/bin/env python3
"""Reference implementation ("oracle") of the Dia 5-city scheme, draft 2027.1.

Independent of the Swift engine: it reads the scheme from ../../../shared/docs/dia-scheme.md as written and
implements it as plainly as possible, so that both can be run over the same dossiers and must agree
(differential testing). Python 3.11, standard library + PyYAML only (works with Debian's /usr/bin/python3 and
python3-yaml).

    python3 scripts/oracle/dia_oracle.py --round 2027-1 fixtures/dossiers/*.yaml fixtures/dossiers/*.json
    python3 scripts/oracle/dia_oracle.py --summary fixtures/dossiers/*

prints one JSON object per dossier (JSONL) or, with --summary, a table of counts.

Every choice the draft leaves open is written down below as I1..I28 and referred to where it is applied.

Interpretations
---------------
Form (§2)
 I1  Fields without `?` in §2 are required; a dossier missing one is invalid and is not evaluated (like a
     misspelt or mistyped field). Sections whose every field is optional (`emissions`, `base_year`,
     `history`) may be left out entirely. `target` must be present because `target.sbt` and `target.re_action`
     are required; "no target" therefore means `target.year` / `target.reduction_pct` left out. An explicit
     `null` is the same as leaving the field out.
 I2  YAML is read with the YAML 1.2 core schema: only true/false (True/TRUE/False/FALSE) are booleans, so
     `yes`/`no`/`on`/`off` are strings and fail a bool field; timestamps and dates are plain strings parsed
     by the field's type (a timestamp needs seconds and an offset: 2027-05-10T14:03:00+09:00 or ...Z);
     integers may not have leading zeros (`0012`) and must be written in decimal (no 0x/0o); `.inf`/`.nan`
     are rejected; duplicate keys are rejected (YAML and JSON). An int field does not accept `12.0`.
     Strings that look like numbers must be quoted (`city_code: "112089"`).
 I3  Amounts cannot be negative: capital, employees, revenue, years_in_business, every activity carrier,
     base_year.total_t, target.reduction_pct (also ≤ 100), capex, subsidy, life_years, requested_jpy, award
     years. `annual_reduction_t` and `annual_saving_jpy` may be negative (a measure may raise emissions or
     cost; reduction-planning.md §5.3/§5.6).
 I4  `renewable_kwh` greater than `electricity_kwh` (an unlisted electricity_kwh counts as 0) is a form error:
     Scope 2 would be negative.
Emissions (§2)
 I5  The electricity factor table holds one factor per supplier (FY2025 data). It is applied whatever
     `emissions.fiscal_year` says; when the data year differs a note is emitted (the draft has no other year).
 I6  "Scope 1+2 can be computed when emissions.activity holds at least one carrier." No activity (or an
     empty one) means the total is missing, not zero, so `measured` is `unknown` (missing `emissions.activity`),
     never `not_met`; the loan's `plan` condition is then unknown too (→ loan `incomplete`).
 I7  Division (achieved %) follows the spec's order, (base − total) ÷ base × 100, with the quotient exact when
     it terminates within 38 significant digits and otherwise rounded half-even to 34 significant digits (the
     behaviour of the engine's ExactDecimal). Sums and products are exact. Printed numbers are normalised
     (no trailing zeros): compare them as decimals, not as strings.
Certification (§3)
 I8  `assured`: third_party_verified OR scope3_measured with three-valued logic: true if either is true,
     unknown if neither is true and one is absent.
 I9  `target` rows: row 1 needs reduction_pct and year; row 2 only reduction_pct; row 3 "any target with
     reduction_pct > 0" only reduction_pct — a target without a year still counts as "any target" (so a
     missing year with pct ≥ 46 gives 10 points and lists target.year). A target year in the past is
     taken literally (the draft has no lower bound).
 I10 `achieved` with base_year.total_t = 0 is a division by zero: criterion `error` (0 points). A negative
     achieved reduction (emissions grew) is simply below both thresholds.
 I11 `measures` counts distinct measure ids; every listed measure counts as "in place", whatever its year.
 I12 `plan`: Σ annual_reduction_t over all planned investments (any year) ≥ 10 % of the current total (the
     total of this dossier's emissions year). An empty plan never holds, even when the total is 0. No total
     → unknown.
 I13 `renewable`: a `solar_pv`/`green_power` measure, OR electricity_kwh > 0 and renewable_kwh ≥ 30 % of it.
     Without activity data the second half is unknown; with activity data an unlisted carrier is 0.
 I14 Platinum's "`target.sbt` or `target.re_action`" is read from the two fields (same as `sbt` met).
 I15 `out_of_scope` is decided before `disqualified` (a firm outside the area is not the cities' to
     disqualify). For out_of_scope / disqualified / late dossiers the criteria are still evaluated and shown
     for information (except late), but there is no tier and no next tier.
 I16 Next tier = the tier right above the one held (bronze when not certified). It lists points lacking,
     required criteria not met (with their status), section minimums not reached and, for platinum, the
     sbt/re_action requirement. A required criterion that is unknown/error is "lacking".
 I17 Validity: "3 years from the round's deadline" = until the end of the same calendar date 3 years later,
     Asia/Tokyo (2027-1 → 2030-06-30).
 I18 `compliance.specified_large_emitter` is validated and reported but no rule of draft 2027.1 uses it.
Rounds (§6)
 I19 A dossier is evaluated in the round its `round` field names, which must be a known round. `--round R`
     chooses the round whose award is computed; dossiers of other rounds get award status `other_round`
     (their certification and loan are still evaluated). Without --round every round present is awarded.
 I20 Late = submitted_at ≥ 00:00 Asia/Tokyo of the day after the deadline (the instant is compared, so any
     offset works). A late dossier gets certification outcome `late` (not evaluated) and no award.
     A dossier submitted before the round opens is accepted with a warning (the draft is silent).
 I21 Duplicate (id, round) pairs in one batch make every copy invalid (the award must not depend on the
     order of the files).
Award (§4)
 I22 history.awards absent = no earlier prizes. "In the round's year or the two years before": for round
     2027-x the years 2025, 2026, 2027.
 I23 Score = points + achieved % clamped to [0, 30]; missing or error counts 0. The ranking's second key is
     the raw (unclamped) achieved %, missing/error = 0. Ids are compared by Unicode code point.
 I24 Categories as the spec says, including hotel ≤ 5 employees for `small` (domain.md's 宿泊業 ≤ 20 is a
     different law; the spec is explicit). Boundary values are inclusive (≤).
Loan (§5)
 I25 Three-valued: any condition not_met → `ineligible` (failed conditions, plus any missing fields);
     otherwise any unknown → `incomplete` (missing fields); otherwise `eligible` with the terms of the tier.
 I26 `sme`: capital ≤ limit OR employees ≤ limit ("within" is inclusive). `revenue`: strictly < ¥1bn.
 I27 `certified` uses the dossier's certification in its own round: met iff the outcome is `certified`
     (tier ≥ bronze); not certified / disqualified / out_of_scope / late → not_met (the certification
     result is definite even if some criteria were unknown). The loan is rolling, so late dossiers are still
     evaluated for the loan.
 I28 `plan` (loan) = `measured` AND at least one planned investment (Kleene AND: no investments → not_met
     even without activity data). requested_jpy > limit → still eligible, note `limit_applies`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, UTC
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from pathlib import Path
from typing import Any
from collections.abc import Callable

import yaml

try:
    from zoneinfo import ZoneInfo

    TOKYO: Any = ZoneInfo("Asia/Tokyo")
except Exception:  # pragma: no cover - tzdata missing; Japan has no DST
    TOKYO = timezone(timedelta(hours=9), "JST")

# =====================================================================================================
# 1. Policy tables (dia-scheme.md, draft 2027.1)
# =====================================================================================================

AREA = {
    "112151": "狭山市",
    "112089": "所沢市",
    "112259": "入間市",
    "112097": "飯能市",
    "112429": "日高市",
}

ROUNDS = {
    "2027-1": {"programs": ("certification", "award"), "opens": date(2027, 4, 1), "deadline": date(2027, 6, 30)},
    "2027-2": {"programs": ("certification", "award"), "opens": date(2027, 10, 1), "deadline": date(2027, 12, 24)},
}

INDUSTRIES = (
    "manufacturing",
    "construction",
    "transport",
    "wholesale",
    "retail",
    "services",
    "software",
    "hotel",
    "other",
)

# kg-CO2 per unit (算定省令, current values); activity key → factor.
FUEL_FACTORS = {
    "city_gas_m3": Decimal("2.05"),
    "lpg_kg": Decimal("2.99"),
    "kerosene_l": Decimal("2.50"),
    "gasoline_l": Decimal("2.29"),
    "diesel_l": Decimal("2.62"),
    "heavy_oil_a_l": Decimal("2.75"),
}
ELECTRICITY_CARRIERS = ("electricity_kwh", "renewable_kwh")
CARRIERS = ELECTRICITY_CARRIERS + tuple(FUEL_FACTORS)

# t-CO2 per kWh, keyed by supplier, carrying the data (emissions) year the factor is for (I5).
ELECTRICITY_FACTORS = {
    "tepco_ep": {"t_per_kwh": Decimal("0.000452"), "data_year": 2025},
    "national_default": {"t_per_kwh": Decimal("0.000416"), "data_year": 2025},
}
DEFAULT_SUPPLIER = "national_default"

SECTIONS = ("know", "measure", "reduce", "tell")

# Tiers lowest → highest.
TIERS = (
    {
        "id": "bronze",
        "title": "ブロンズ",
        "min_points": 20,
        "criteria": ("declaration",),
        "sections": {},
        "sbt_or_re_action": False,
    },
    {
        "id": "silver",
        "title": "シルバー",
        "min_points": 40,
        "criteria": ("declaration", "measured"),
        "sections": {"measure": 15},
        "sbt_or_re_action": False,
    },
    {
        "id": "gold",
        "title": "ゴールド",
        "min_points": 60,
        "criteria": ("declaration", "measured", "target"),
        "sections": {"reduce": 20},
        "sbt_or_re_action": False,
    },
    {
        "id": "platinum",
        "title": "プラチナ",
        "min_points": 80,
        "criteria": ("declaration", "measured", "target", "disclosure"),
        "sections": {},
        "sbt_or_re_action": True,
    },
)
TIER_ORDER = {t["id"]: i for i, t in enumerate(TIERS)}
VALIDITY_YEARS = 3

# Award
AWARD_TIERS = ("gold", "platinum")
AWARD_HISTORY_YEARS = 2  # the round's year and the two years before
ACHIEVED_CLAMP = (Decimal(0), Decimal(30))
SMALL_LIMIT_DEFAULT = 20
SMALL_LIMIT_BY_INDUSTRY = {"wholesale": 5, "retail": 5, "services": 5, "hotel": 5}
PRIZES = ("grand", "excellence", "excellence")

# Loan
LOAN_REVENUE_LIMIT = Decimal(1_000_000_000)
SME_LIMITS = {  # industry → (capital ¥ ≤, employees ≤)
    "manufacturing": (Decimal(300_000_000), 300),
    "construction": (Decimal(300_000_000), 300),
    "transport": (Decimal(300_000_000), 300),
    "software": (Decimal(300_000_000), 300),
    "other": (Decimal(300_000_000), 300),
    "wholesale": (Decimal(100_000_000), 100),
    "retail": (Decimal(50_000_000), 50),
    "services": (Decimal(50_000_000), 100),
    "hotel": (Decimal(50_000_000), 200),
}
LOAN_TERMS = (  # first row whose tier the dossier holds
    {
        "tier": "platinum",
        "interest_subsidy_pct": 60,
        "guarantee_fee_subsidy_pct": 100,
        "limit_jpy": 50_000_000,
        "term_years": 10,
    },
    {
        "tier": "gold",
        "interest_subsidy_pct": 50,
        "guarantee_fee_subsidy_pct": 100,
        "limit_jpy": 30_000_000,
        "term_years": 10,
    },
    {
        "tier": "silver",
        "interest_subsidy_pct": 40,
        "guarantee_fee_subsidy_pct": 50,
        "limit_jpy": 20_000_000,
        "term_years": 7,
    },
    {
        "tier": "bronze",
        "interest_subsidy_pct": 30,
        "guarantee_fee_subsidy_pct": 50,
        "limit_jpy": 12_500_000,
        "term_years": 7,
    },
)

# =====================================================================================================
# 2. Check digits
# =====================================================================================================


def corporate_number_check_digit(twelve: str) -> int:
    """法人番号: 9 − (Σ P_n·Q_n mod 9); P_n = n-th digit from the right of the twelve, Q_n = 1 (odd n) / 2 (even n)."""
    if len(twelve) != 12 or not twelve.isascii() or not twelve.isdigit():
        raise ValueError("need 12 ASCII digits")
    total = sum(int(digit) * (1 if n % 2 == 1 else 2) for n, digit in enumerate(reversed(twelve), start=1))
    return 9 - total % 9


def corporate_number_valid(number: str) -> bool:
    return (
        len(number) == 13
        and number.isascii()
        and number.isdigit()
        and int(number[0]) == corporate_number_check_digit(number[1:])
    )


def city_code_check_digit(five: str) -> int:
    """全国地方公共団体コード: r = Σ d_k·(6,5,4,3,2)_k mod 11, check = (11 − r) mod 10."""
    if len(five) != 5 or not five.isascii() or not five.isdigit():
        raise ValueError("need 5 ASCII digits")
    r = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2), strict=True)) % 11
    return (11 - r) % 10


def city_code_valid(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit() and int(code[5]) == city_code_check_digit(code[:5])


# =====================================================================================================
# 3. Exact decimals
# =====================================================================================================

# Sums and products are exact: a huge precision with Inexact trapped, so a silent rounding cannot happen.
EXACT = Context(prec=400, rounding=ROUND_HALF_EVEN, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


class EvalError(Exception):
    """An expression failed (division by zero): the criterion is `error`, evaluation goes on (§3)."""


def divide(a: Decimal, b: Decimal) -> Decimal:
    """a ÷ b as in the engine (I7): exact when it terminates within 38 significant digits, else 34 digits half-even."""
    if b == 0:
        raise EvalError("division by zero")
    wide = Context(prec=38, rounding=ROUND_HALF_EVEN, traps=[])
    q = wide.divide(a, b)
    if wide.flags[Inexact]:
        q = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[]).divide(a, b)
    return q


def fmt(x: Decimal | int) -> str:
    """A number as a plain decimal string without exponent or trailing zeros ("37.925", "15", "0")."""
    if isinstance(x, bool):
        raise TypeError("bool is not a number")
    if isinstance(x, int):
        return str(x)
    if x == 0:
        return "0"
    s = format(x.normalize(EXACT), "f")
    return s


# =====================================================================================================
# 4. Reading files: YAML 1.2 core schema with positions, JSON with Decimal
# =====================================================================================================


@dataclass
class Problem:
    path: str  # dotted field path ("company.employees", "measures[1].id"), "" for the document
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based, in Unicode code points

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class BadNumber:
    """A plain YAML scalar that is a number the dossier format does not accept (leading zero, 0x, .inf)."""

    text: str
    why: str


PathKey = tuple[Any, ...]


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Source:
    """A parsed document plus where each key and value sits (YAML only; JSON positions are not tracked)."""

    data: Any
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def at_value(self, path: PathKey) -> tuple[int | None, int | None]:
        return self.value_marks.get(path, (None, None))

    def at_key(self, path: PathKey) -> tuple[int | None, int | None]:
        return self.key_marks.get(path) or self.value_marks.get(path, (None, None))


_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$")
_RADIX = re.compile(r"^(?:0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_NONFINITE = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$")
_PLAIN = "!diacert/plain"  # tag given to untagged plain scalars, resolved by _core_scalar


class _CoreResolver(yaml.resolver.BaseResolver):
    """No YAML 1.1 implicit typing: untagged plain scalars are resolved by the core schema below."""

    yaml_implicit_resolvers: dict = {}

    def resolve(self, kind, value, implicit):  # type: ignore[override]
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _CoreResolver):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _CoreResolver.__init__(self)


def _core_scalar(node: yaml.ScalarNode) -> Any:
    text, tag = node.value, node.tag
    if tag == _PLAIN:
        if _NULL.match(text):
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if _LEADING_ZERO.match(text):
            return BadNumber(text, "a number with leading zeros")
        if _INT.match(text):
            return int(text)
        if _RADIX.match(text):
            return BadNumber(text, "a hexadecimal/octal number (write it in decimal)")
        if _FLOAT.match(text):
            return Decimal(text)
        if _NONFINITE.match(text):
            return BadNumber(text, "not a finite number")
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool" and (text in _TRUE or text in _FALSE):
        return text in _TRUE
    if tag == "tag:yaml.org,2002:int" and _INT.match(text):
        return int(text)
    if tag == "tag:yaml.org,2002:float" and _FLOAT.match(text):
        return Decimal(text)
    return text  # quoted, block, !!str, or a tag we do not know: a string


def _mark(m: yaml.Mark) -> tuple[int, int]:
    return (m.line + 1, m.column + 1)


def _convert(node: yaml.Node, path: PathKey, src: Source, problems: list[Problem], depth: int = 0) -> Any:
    if depth > 64:
        problems.append(Problem(dotted(path), "nesting too deep (recursive alias?)", *_mark(node.start_mark)))
        return None
    if isinstance(node, yaml.ScalarNode):
        return _core_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            src.value_marks[path + (i,)] = _mark(child.start_mark)
            items.append(_convert(child, path + (i,), src, problems, depth + 1))
        return items
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(dotted(path), "a key must be a plain string", *_mark(key_node.start_mark)))
                continue
            key = key_node.value
            sub = path + (key,)
            if key in result:
                problems.append(Problem(dotted(sub), f"duplicate key '{key}'", *_mark(key_node.start_mark)))
                continue
            src.key_marks[sub] = _mark(key_node.start_mark)
            src.value_marks[sub] = _mark(value_node.start_mark)
            result[key] = _convert(value_node, sub, src, problems, depth + 1)
        return result
    return None


def _decode(raw: bytes) -> tuple[str | None, Problem | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        line_start = raw.rfind(b"\n", 0, e.start) + 1
        column = len(raw[line_start : e.start].decode("utf-8", errors="replace")) + 1
        return None, Problem("", f"invalid UTF-8 (byte 0x{raw[e.start]:02x})", line, column)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def read_yaml(text: str) -> tuple[Source | None, list[Problem]]:
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = _mark(mark) if mark else (None, None)
        what = " ".join(x for x in (e.context, e.problem) if x)
        return None, [Problem("", f"YAML syntax: {what}", *where)]
    except yaml.YAMLError as e:
        return None, [Problem("", f"YAML: {e}")]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem("", "empty document", 1, 1)]
    src = Source(None)
    src.value_marks[()] = _mark(node.start_mark)
    src.data = _convert(node, (), src, problems)
    return src, problems


def read_json(text: str) -> tuple[Source | None, list[Problem]]:
    problems: list[Problem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for k, v in items:
            if k in obj:
                problems.append(Problem(k, f"duplicate key '{k}'"))
                continue
            obj[k] = v
        return obj

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        data = json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        return None, [Problem("", f"JSON syntax: {e.msg}", e.lineno, e.colno)]
    except ValueError as e:
        return None, [Problem("", f"JSON: {e}")]
    return Source(data), problems


def read_dossier(path: Path) -> tuple[Source | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem("", f"cannot read: {e.strerror}")]
    text, problem = _decode(raw)
    if problem:
        return None, [problem]
    assert text is not None
    if path.suffix == ".json":
        return read_json(text)
    if path.suffix in (".yaml", ".yml"):
        return read_yaml(text)
    return None, [Problem("", "unknown file type (want .yaml, .yml or .json)")]


# =====================================================================================================
# 5. The form (§2): schema and validation
# =====================================================================================================


@dataclass
class F:
    """A field of the form."""

    kind: str  # int | decimal | string | bool | timestamp | date | enum | list | object
    required: bool = True
    nonneg: bool = False
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()
    item: F | None = None
    fields: dict[str, F] | None = None
    check: Callable[[Any], str | None] | None = None  # returns an error message or None


def opt(f: F) -> F:
    f.required = False
    return f


_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def _check_id(v: str) -> str | None:
    return None if _ID.match(v) else "id must match [A-Za-z0-9._-]{1,64}"


def _check_version(v: int) -> str | None:
    return None if v == 1 else f"dossier_version {v} is not supported (want 1)"


def _check_round(v: str) -> str | None:
    return None if v in ROUNDS else f"unknown round '{v}' (known: {', '.join(ROUNDS)})"


def _check_corporate_number(v: str) -> str | None:
    if len(v) != 13 or not v.isascii() or not v.isdigit():
        return "corporate_number must be 13 digits"
    expected = corporate_number_check_digit(v[1:])
    return None if int(v[0]) == expected else f"corporate_number check digit is {v[0]}, expected {expected}"


def _check_city_code(v: str) -> str | None:
    if len(v) != 6 or not v.isascii() or not v.isdigit():
        return "city_code must be 6 digits"
    expected = city_code_check_digit(v[:5])
    return None if int(v[5]) == expected else f"city_code check digit is {v[5]}, expected {expected}"


def _check_nonempty(v: str) -> str | None:
    return None if v.strip() else "must not be empty"


def _check_email(v: str) -> str | None:
    if any(ch in v for ch in "\r\n") or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in v):
        return "email contains a line break or control character"
    if len(v) > 254 or v.count("@") != 1:
        return "email must be exactly one address local@domain"
    local, domain = v.split("@")
    if not (1 <= len(local) <= 64 and _EMAIL_LOCAL.match(local) and _EMAIL_DOMAIN.match(domain)):
        return "email must be exactly one address local@domain (no display name, spaces or brackets)"
    return None


def _string(check: Callable[[Any], str | None] | None = None) -> F:
    return F("string", check=check)


def _bool() -> F:
    return F("bool")


def _int(nonneg: bool = True) -> F:
    return F("int", nonneg=nonneg)


def _dec(nonneg: bool = True, maximum: Decimal | None = None) -> F:
    return F("decimal", nonneg=nonneg, maximum=maximum)


def _obj(fields: dict[str, F], required: bool = True) -> F:
    return F("object", fields=fields, required=required)


def _list(item: F) -> F:
    return F("list", item=item)


SCHEMA = _obj(
    {
        "dossier_version": F("int", check=_check_version),
        "id": _string(_check_id),
        "round": _string(_check_round),
        "submitted_at": F("timestamp"),
        "company": _obj(
            {
                "name": _string(_check_nonempty),
                "corporate_number": opt(_string(_check_corporate_number)),
                "city_code": _string(_check_city_code),
                "industry": F("enum", choices=INDUSTRIES),
                "capital_jpy": _dec(),
                "employees": _int(),
                "revenue_jpy": _dec(),
                "years_in_business": _int(),
                "contact": _obj({"name": _string(_check_nonempty), "email": _string(_check_email)}),
            }
        ),
        "compliance": _obj(
            {"city_tax_arrears": _bool(), "env_violation_3y": _bool(), "specified_large_emitter": _bool()}
        ),
        "declaration": _obj({"signed": _bool(), "date": opt(F("date"))}),
        "management": _obj(
            {
                "officer_assigned": _bool(),
                "study_sessions": _list(F("enum", choices=("step1", "step2"))),
                "iso14001": _bool(),
                "ea21": _bool(),
            }
        ),
        "emissions": _obj(
            {
                "fiscal_year": opt(_int()),
                "activity": _obj({c: opt(_dec()) for c in CARRIERS}, required=False),
                "electricity_supplier": opt(F("enum", choices=tuple(ELECTRICITY_FACTORS))),
                "third_party_verified": opt(_bool()),
                "scope3_measured": opt(_bool()),
            },
            required=False,
        ),
        "base_year": _obj({"fiscal_year": opt(_int()), "total_t": opt(_dec())}, required=False),
        "target": _obj(
            {
                "year": opt(_int()),
                "reduction_pct": opt(_dec(maximum=Decimal(100))),
                "sbt": _bool(),
                "re_action": _bool(),
            }
        ),
        "disclosure": _obj({"public_report": _bool()}),
        "measures": _list(_obj({"id": _string(_check_nonempty), "year": _int()})),
        "plan": _obj(
            {
                "investments": _list(
                    _obj(
                        {
                            "measure": _string(_check_nonempty),
                            "year": _int(),
                            "capex_jpy": _dec(),
                            "subsidy_jpy": opt(_dec()),
                            "annual_reduction_t": _dec(nonneg=False),
                            "annual_saving_jpy": _dec(nonneg=False),
                            "life_years": _int(),
                        }
                    )
                )
            }
        ),
        "financing": _obj({"sll_or_pif": _bool(), "requested_jpy": opt(_dec())}),
        "history": _obj({"awards": opt(_list(_int()))}, required=False),
    }
)

_KIND_WORDS = {
    "int": "an integer",
    "decimal": "a number",
    "string": "a string",
    "bool": "true or false",
    "timestamp": "a timestamp with offset (2027-05-10T14:03:00+09:00)",
    "date": "a date (YYYY-MM-DD)",
    "object": "a mapping",
    "list": "a list",
}


def _describe(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, BadNumber):
        return f"{v.text} ({v.why})"
    if isinstance(v, (int, Decimal)):
        return f"the number {v}"
    if isinstance(v, str):
        return f"the string {json.dumps(v, ensure_ascii=False)}"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


class Validator:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.problems: list[Problem] = []

    def error(self, path: PathKey, message: str, at: str = "value") -> None:
        line, column = self.src.at_key(path) if at == "key" else self.src.at_value(path)
        self.problems.append(Problem(dotted(path), message, line, column))

    def missing(self, path: PathKey) -> None:
        # Point at the parent's key (the section that lacks the field); the document start for top-level fields.
        parent = path[:-1]
        line, column = self.src.at_key(parent) if parent else (1, 1)
        self.problems.append(Problem(dotted(path), f"required field '{path[-1]}' is missing", line, column))

    def value(self, spec: F, v: Any, path: PathKey) -> Any:
        """Validate v against spec; returns the normalised value (dates parsed) or None."""
        if isinstance(v, BadNumber):
            self.error(path, f"expected {_KIND_WORDS.get(spec.kind, spec.kind)}, found {v.text}: {v.why}")
            return None
        k = spec.kind
        if k == "object":
            if not isinstance(v, dict):
                self.error(path, f"expected a mapping, found {_describe(v)}")
                return None
            assert spec.fields is not None
            out: dict[str, Any] = {}
            for key in v:
                if key not in spec.fields:
                    near = difflib.get_close_matches(key, list(spec.fields), n=1)
                    hint = f" (did you mean '{near[0]}'?)" if near else ""
                    self.error(path + (key,), f"unknown field '{key}'{hint}", at="key")
            for name, sub in spec.fields.items():
                present = name in v and v[name] is not None  # I1: null = absent
                if not present:
                    if sub.required:
                        self.missing(path + (name,))
                    continue
                checked = self.value(sub, v[name], path + (name,))
                if checked is not None:
                    out[name] = checked
            return out
        if k == "list":
            if not isinstance(v, list):
                self.error(path, f"expected a list, found {_describe(v)}")
                return None
            assert spec.item is not None
            items = [self.value(spec.item, item, path + (i,)) for i, item in enumerate(v)]
            return [x for x in items if x is not None]
        if k == "bool":
            if not isinstance(v, bool):
                hint = ""
                if isinstance(v, str) and v.lower() in ("yes", "no", "on", "off", "y", "n"):
                    hint = " (YAML 1.1 word: write true or false)"
                self.error(path, f"expected true or false, found {_describe(v)}{hint}")
                return None
            return v
        if k == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                self.error(path, f"expected an integer, found {_describe(v)}")
                return None
            if spec.nonneg and v < 0:
                self.error(path, f"must not be negative, found {v}")
                return None
            return self._finish(spec, v, path)
        if k == "decimal":
            if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
                self.error(path, f"expected a number, found {_describe(v)}")
                return None
            d = Decimal(v)
            if not d.is_finite():
                self.error(path, "expected a finite number")
                return None
            if spec.nonneg and d < 0:
                self.error(path, f"must not be negative, found {v}")
                return None
            if spec.maximum is not None and d > spec.maximum:
                self.error(path, f"must be at most {spec.maximum}, found {v}")
                return None
            return self._finish(spec, d, path)
        if k in ("string", "enum", "timestamp", "date"):
            if not isinstance(v, str):
                self.error(
                    path, f"expected {_KIND_WORDS.get(k, 'one of ' + ', '.join(spec.choices))}, found {_describe(v)}"
                )
                return None
            if k == "enum":
                if v not in spec.choices:
                    self.error(path, f"'{v}' is not one of {', '.join(spec.choices)}")
                    return None
                return v
            if k == "timestamp":
                if not _TIMESTAMP.match(v):
                    self.error(path, f"expected {_KIND_WORDS['timestamp']}, found {_describe(v)}")
                    return None
                try:
                    return datetime.fromisoformat(v.replace("Z", "+00:00"))
                except ValueError:
                    self.error(path, f"not a valid timestamp: {v}")
                    return None
            if k == "date":
                try:
                    if not _DATE.match(v):
                        raise ValueError
                    return date.fromisoformat(v)
                except ValueError:
                    self.error(path, f"expected {_KIND_WORDS['date']}, found {_describe(v)}")
                    return None
            return self._finish(spec, v, path)
        raise AssertionError(k)

    def _finish(self, spec: F, v: Any, path: PathKey) -> Any:
        if spec.check:
            message = spec.check(v)
            if message:
                self.error(path, message)
                return None
        return v


def validate(src: Source) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """The dossier as plain values (Decimal numbers, datetime/date) or None, its problems, and warnings."""
    validator = Validator(src)
    data = validator.value(SCHEMA, src.data, ())
    warnings: list[str] = []
    if data is not None:
        activity = data.get("emissions", {}).get("activity", {})
        if "renewable_kwh" in activity and activity["renewable_kwh"] > activity.get("electricity_kwh", 0):  # I4
            validator.error(("emissions", "activity", "renewable_kwh"), "renewable_kwh exceeds electricity_kwh")
        for i, inv in enumerate(data.get("plan", {}).get("investments", [])):
            if "subsidy_jpy" in inv and inv["subsidy_jpy"] > inv["capex_jpy"]:
                warnings.append(f"plan.investments[{i}]: subsidy_jpy exceeds capex_jpy")
    return (data if not validator.problems else None), validator.problems, warnings


# =====================================================================================================
# 6. Three-valued logic for missing data
# =====================================================================================================


class Unknown:
    """Undecidable because fields are missing."""

    __slots__ = ("fields",)

    def __init__(self, fields: set[str] | frozenset[str]) -> None:
        self.fields = frozenset(fields)

    def __repr__(self) -> str:
        return f"Unknown({sorted(self.fields)})"


Tri = bool | Unknown


def t_and(*xs: Tri) -> Tri:
    if any(x is False for x in xs):
        return False
    unknown = [x for x in xs if isinstance(x, Unknown)]
    return Unknown(set().union(*(u.fields for u in unknown))) if unknown else True


def t_or(*xs: Tri) -> Tri:
    if any(x is True for x in xs):
        return True
    unknown = [x for x in xs if isinstance(x, Unknown)]
    return Unknown(set().union(*(u.fields for u in unknown))) if unknown else False


def lift(value: Any, predicate: Callable[[Any], bool]) -> Tri:
    return value if isinstance(value, Unknown) else bool(predicate(value))


def get(d: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or Unknown({path}) when absent (only optional fields can be absent, I1)."""
    node: Any = d
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return Unknown({path})
        node = node[part]
    return node


# =====================================================================================================
# 7. Emissions (§2)
# =====================================================================================================


@dataclass
class Emissions:
    scope1_t: Decimal | None
    scope2_t: Decimal | None
    total_t: Decimal | None
    supplier: str | None
    factor: Decimal | None
    notes: list[str]
    achieved_pct: Decimal | Unknown | EvalError

    @property
    def total(self) -> Decimal | Unknown:
        return self.total_t if self.total_t is not None else Unknown({"emissions.activity"})  # I6

    def as_json(self) -> dict[str, Any]:
        a = self.achieved_pct
        return {
            "scope1_t": None if self.scope1_t is None else fmt(self.scope1_t),
            "scope2_t": None if self.scope2_t is None else fmt(self.scope2_t),
            "total_t": None if self.total_t is None else fmt(self.total_t),
            "electricity_supplier": self.supplier,
            "electricity_factor_t_per_kwh": None if self.factor is None else fmt(self.factor),
            "achieved_reduction_pct": fmt(a) if isinstance(a, Decimal) else None,
            "achieved_reduction_missing": sorted(a.fields) if isinstance(a, Unknown) else [],
            "achieved_reduction_error": str(a) if isinstance(a, EvalError) else None,
            "notes": self.notes,
        }


def compute_emissions(d: dict[str, Any]) -> Emissions:
    em = d.get("emissions", {})
    activity = em.get("activity", {})
    notes: list[str] = []
    if not activity:  # no carrier listed: the total is missing, not zero (I6)
        scope1 = scope2 = total = factor = None
        supplier = None
    else:
        with localcontext(EXACT):
            kg = sum((activity.get(c, Decimal(0)) * f for c, f in FUEL_FACTORS.items()), Decimal(0))
            scope1 = kg / 1000
            kwh = activity.get("electricity_kwh", Decimal(0))
            renewable = activity.get("renewable_kwh", Decimal(0))
            supplier = em.get("electricity_supplier")
            if supplier is None and kwh > 0:
                supplier = DEFAULT_SUPPLIER
                notes.append(f"no electricity_supplier: {DEFAULT_SUPPLIER} factor used")
            factor = ELECTRICITY_FACTORS[supplier]["t_per_kwh"] if supplier else None
            scope2 = (kwh - renewable) * factor if factor is not None else Decimal(0)
            total = scope1 + scope2
        data_year = ELECTRICITY_FACTORS[supplier]["data_year"] if supplier else None
        if data_year is not None and em.get("fiscal_year", data_year) != data_year:  # I5
            notes.append(f"electricity factor for FY{data_year} data applied to FY{em['fiscal_year']} data")
    base = get(d, "base_year.total_t")
    achieved: Decimal | Unknown | EvalError
    absent = ({"emissions.activity"} if total is None else set()) | (
        base.fields if isinstance(base, Unknown) else set()
    )
    if absent:
        achieved = Unknown(absent)  # missing if either is missing (§2)
    else:
        try:
            with localcontext(EXACT):
                achieved = divide(base - total, base) * 100  # I7: (base − total) ÷ base × 100
        except EvalError as e:
            achieved = EvalError(f"achieved reduction: {e} (base_year.total_t is 0)")
    return Emissions(scope1, scope2, total, supplier, factor, notes, achieved)


# =====================================================================================================
# 8. Certification (§3)
# =====================================================================================================


@dataclass
class Criterion:
    id: str
    section: str
    max_points: int
    rows: list[tuple[int, Callable[[], Tri]]]  # (points, holds?) in order; first that holds wins


@dataclass
class CriterionResult:
    id: str
    section: str
    status: str  # met | not_met | unknown | error
    points: int
    max_points: int
    row: int | None
    missing: list[str]
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "section": self.section,
            "status": self.status,
            "points": fmt(self.points),
            "max_points": fmt(self.max_points),
            "row": None if self.row is None else fmt(self.row),
            "missing": self.missing,
        }
        if self.error:
            out["error"] = self.error
        return out


def evaluate_criterion(c: Criterion) -> CriterionResult:
    """First row that holds gives the points; undecidable rows are skipped and their fields listed (§3)."""
    missing: set[str] = set()
    for index, (points, holds) in enumerate(c.rows, start=1):
        try:
            result = holds()
        except EvalError as e:
            return CriterionResult(c.id, c.section, "error", 0, c.max_points, None, sorted(missing), str(e))
        if result is True:
            return CriterionResult(c.id, c.section, "met", points, c.max_points, index, sorted(missing))
        if isinstance(result, Unknown):
            missing |= result.fields
    status = "unknown" if missing else "not_met"
    return CriterionResult(c.id, c.section, status, 0, c.max_points, None, sorted(missing))


def criteria_for(d: dict[str, Any], em: Emissions) -> list[Criterion]:
    mg = d["management"]
    sessions = set(mg["study_sessions"])
    target_pct = get(d, "target.reduction_pct")
    target_year = get(d, "target.year")
    measure_ids = {m["id"] for m in d["measures"]}  # I11: distinct ids
    investments = d["plan"]["investments"]
    activity = d.get("emissions", {}).get("activity")

    def electricity_share() -> Tri:  # I13
        if not activity:
            return Unknown({"emissions.activity"})
        kwh = activity.get("electricity_kwh", Decimal(0))
        renewable = activity.get("renewable_kwh", Decimal(0))
        with localcontext(EXACT):
            return kwh > 0 and renewable >= kwh * Decimal("0.30")

    def achieved_at_least(threshold: int) -> Callable[[], Tri]:
        def holds() -> Tri:
            a = em.achieved_pct
            if isinstance(a, EvalError):
                raise a
            return lift(a, lambda v: v >= threshold)

        return holds

    def plan_holds() -> Tri:  # I12
        if not investments:
            return False
        total = em.total
        if isinstance(total, Unknown):
            return total
        with localcontext(EXACT):
            planned = sum((i["annual_reduction_t"] for i in investments), Decimal(0))
            return planned >= total * Decimal("0.10")

    return [
        Criterion("declaration", "know", 0, [(0, lambda: d["declaration"]["signed"])]),
        Criterion("officer", "know", 5, [(5, lambda: mg["officer_assigned"])]),
        Criterion(
            "study",
            "know",
            5,
            [(5, lambda: {"step1", "step2"} <= sessions), (3, lambda: bool(sessions & {"step1", "step2"}))],
        ),
        Criterion(
            "ems",
            "know",
            10,
            [(10, lambda: mg["iso14001"] or mg["ea21"]), (5, lambda: mg["officer_assigned"] and "step1" in sessions)],
        ),
        Criterion("measured", "measure", 15, [(15, lambda: True if em.total_t is not None else em.total)]),  # I6
        Criterion("base_year", "measure", 5, [(5, lambda: lift(get(d, "base_year.total_t"), lambda v: v > 0))]),
        Criterion(
            "assured",
            "measure",
            5,
            [
                (
                    5,
                    lambda: t_or(
                        lift(get(d, "emissions.third_party_verified"), bool),
                        lift(get(d, "emissions.scope3_measured"), bool),
                    ),
                )
            ],
        ),  # I8
        Criterion(
            "target",
            "reduce",
            15,
            [
                (15, lambda: t_and(lift(target_pct, lambda v: v >= 46), lift(target_year, lambda v: v <= 2030))),
                (10, lambda: lift(target_pct, lambda v: v >= 30)),
                (5, lambda: lift(target_pct, lambda v: v > 0)),  # I9: the year is not needed here
            ],
        ),
        Criterion("achieved", "reduce", 10, [(10, achieved_at_least(20)), (5, achieved_at_least(10))]),  # I10
        Criterion("measures", "reduce", 5, [(5, lambda: len(measure_ids) >= 3), (3, lambda: len(measure_ids) >= 1)]),
        Criterion("plan", "reduce", 5, [(5, plan_holds)]),
        Criterion(
            "renewable",
            "reduce",
            5,
            [(5, lambda: t_or(bool(measure_ids & {"solar_pv", "green_power"}), electricity_share()))],
        ),
        Criterion("disclosure", "tell", 5, [(5, lambda: d["disclosure"]["public_report"])]),
        Criterion("sbt", "tell", 10, [(10, lambda: d["target"]["sbt"]), (5, lambda: d["target"]["re_action"])]),
    ]


def tier_lacking(
    tier: dict[str, Any], points: int, results: dict[str, CriterionResult], sections: dict[str, int], d: dict[str, Any]
) -> tuple[int, list[dict[str, Any]]]:
    """Points lacking and the requirements not held for a tier (empty list + 0 = the tier holds)."""
    lacking: list[dict[str, Any]] = []
    for cid in tier["criteria"]:
        r = results[cid]
        if r.status != "met":  # unknown or error also keep the tier from being granted (§3)
            item: dict[str, Any] = {"criterion": cid, "status": r.status}
            if r.missing:
                item["missing"] = r.missing
            lacking.append(item)
    for section, minimum in tier["sections"].items():
        if sections[section] < minimum:
            lacking.append({"section": section, "points": fmt(sections[section]), "minimum": fmt(minimum)})
    if tier["sbt_or_re_action"] and not (d["target"]["sbt"] or d["target"]["re_action"]):  # I14
        lacking.append({"requirement": "target.sbt or target.re_action"})
    return max(0, tier["min_points"] - points), lacking


def deadline_end(round_id: str) -> datetime:
    """First instant after the deadline: the next day 00:00 Asia/Tokyo (§6, I20)."""
    return datetime.combine(ROUNDS[round_id]["deadline"] + timedelta(days=1), time(0, 0), tzinfo=TOKYO)


def valid_until(round_id: str) -> str:  # I17
    deadline = ROUNDS[round_id]["deadline"]
    try:
        end = deadline.replace(year=deadline.year + VALIDITY_YEARS)
    except ValueError:  # 29 February
        end = deadline.replace(year=deadline.year + VALIDITY_YEARS, day=28)
    return end.isoformat()


def certify(d: dict[str, Any], em: Emissions, late: bool) -> dict[str, Any]:
    if late:  # I20: not evaluated in that round
        return {"outcome": "late", "tier": None, "reasons": ["submitted after the round's deadline"]}
    results = [evaluate_criterion(c) for c in criteria_for(d, em)]
    by_id = {r.id: r for r in results}
    points = sum(r.points for r in results)
    sections = {s: sum(r.points for r in results if r.section == s) for s in SECTIONS}
    missing = sorted({f for r in results for f in r.missing})
    out: dict[str, Any] = {"outcome": None, "tier": None, "tier_title": None}
    reasons = []
    if d["company"]["city_code"] not in AREA:  # I15: out of scope first
        out["outcome"] = "out_of_scope"
        reasons.append("company.city_code is not one of the five cities")
    else:
        if d["compliance"]["city_tax_arrears"]:
            reasons.append("compliance.city_tax_arrears")
        if d["compliance"]["env_violation_3y"]:
            reasons.append("compliance.env_violation_3y")
        if reasons:
            out["outcome"] = "disqualified"
    held = None
    if out["outcome"] is None:
        for tier in TIERS:
            lacking_points, lacking = tier_lacking(tier, points, by_id, sections, d)
            if lacking_points == 0 and not lacking:
                held = tier  # highest whose every condition holds
        out["outcome"] = "certified" if held else "not_certified"
        if held:
            out["tier"], out["tier_title"] = held["id"], held["title"]
    out["reasons"] = reasons
    out["points"] = fmt(points)
    out["sections"] = {s: fmt(v) for s, v in sections.items()}
    out["criteria"] = [r.as_json() for r in results]
    out["met"] = [r.id for r in results if r.status == "met"]
    out["not_met"] = [r.id for r in results if r.status == "not_met"]
    out["unknown"] = [r.id for r in results if r.status == "unknown"]
    out["errors"] = [{"criterion": r.id, "message": r.error} for r in results if r.status == "error"]
    out["missing"] = missing
    out["next_tier"] = None
    if out["outcome"] in ("certified", "not_certified"):
        index = TIER_ORDER[held["id"]] + 1 if held else 0
        if index < len(TIERS):  # I16
            tier = TIERS[index]
            lacking_points, lacking = tier_lacking(tier, points, by_id, sections, d)
            out["next_tier"] = {
                "tier": tier["id"],
                "points_lacking": fmt(lacking_points),
                "requirements_lacking": lacking,
            }
    out["valid_until"] = valid_until(d["round"]) if out["outcome"] == "certified" else None
    return out


# =====================================================================================================
# 9. Loan (§5)
# =====================================================================================================


def loan(d: dict[str, Any], em: Emissions, certification: dict[str, Any]) -> dict[str, Any]:
    c = d["company"]
    capital_limit, employee_limit = SME_LIMITS[c["industry"]]
    investments = d["plan"]["investments"]
    conditions: list[tuple[str, Tri]] = [
        ("revenue", c["revenue_jpy"] < LOAN_REVENUE_LIMIT),  # I26
        ("sme", c["capital_jpy"] <= capital_limit or c["employees"] <= employee_limit),
        ("area", c["city_code"] in AREA),
        ("years", c["years_in_business"] >= 1),
        ("tax", not d["compliance"]["city_tax_arrears"]),
        ("no_sll_pif", not d["financing"]["sll_or_pif"]),
        ("plan", t_and(True if em.total_t is not None else em.total, len(investments) >= 1)),  # I28
        ("certified", certification["outcome"] == "certified"),  # I27
    ]
    rows = []
    failed, missing = [], set()
    for cid, value in conditions:
        status = "met" if value is True else "not_met" if value is False else "unknown"
        row: dict[str, Any] = {"id": cid, "status": status}
        if isinstance(value, Unknown):
            row["missing"] = sorted(value.fields)
            missing |= value.fields
        if value is False:
            failed.append(cid)
        rows.append(row)
    out: dict[str, Any] = {
        "outcome": None,
        "conditions": rows,
        "failed": failed,
        "missing": sorted(missing),
        "terms": None,
        "notes": [],
    }
    if failed:  # I25
        out["outcome"] = "ineligible"
    elif missing:
        out["outcome"] = "incomplete"
    else:
        out["outcome"] = "eligible"
        tier = certification["tier"]
        terms = next(t for t in LOAN_TERMS if TIER_ORDER[tier] >= TIER_ORDER[t["tier"]])
        out["terms"] = {k: fmt(v) if isinstance(v, int) else v for k, v in terms.items()}
        requested = d["financing"].get("requested_jpy")
        if requested is not None and requested > terms["limit_jpy"]:
            out["notes"].append(
                {"code": "limit_applies", "requested_jpy": fmt(requested), "limit_jpy": fmt(terms["limit_jpy"])}
            )
    return out


# =====================================================================================================
# 10. Award (§4), over all dossiers of a round
# =====================================================================================================


def award_category(c: dict[str, Any]) -> str:  # I24
    limit = SMALL_LIMIT_BY_INDUSTRY.get(c["industry"], SMALL_LIMIT_DEFAULT)
    return "small" if c["employees"] <= limit else "sme"


def award_round(entries: list[Entry], round_id: str) -> None:
    """Sets entry.award for every valid dossier of the round."""
    year = int(round_id.split("-")[0])
    window = set(range(year - AWARD_HISTORY_YEARS, year + 1))  # I22
    ranked: dict[str, list[tuple[tuple[Any, ...], Entry, Decimal, Decimal]]] = {"small": [], "sme": []}
    for e in entries:
        assert e.data is not None and e.emissions is not None and e.certification is not None
        reasons = []
        if e.certification["outcome"] != "certified":
            reasons.append(e.certification["outcome"])  # late, not_certified, disqualified, out_of_scope
        elif e.certification["tier"] not in AWARD_TIERS:
            reasons.append("tier_below_gold")  # certified gold or platinum only
        recent = sorted(window & set(e.data.get("history", {}).get("awards", [])))
        if recent:
            reasons.append("recent_prize")
        if reasons:
            e.award = {"status": "ineligible", "reasons": reasons}
            if recent:
                e.award["recent_prize_years"] = [fmt(y) for y in recent]
            continue
        a = e.emissions.achieved_pct
        achieved = a if isinstance(a, Decimal) else Decimal(0)  # I23: missing / error count 0
        clamped = min(max(achieved, ACHIEVED_CLAMP[0]), ACHIEVED_CLAMP[1])
        with localcontext(EXACT):
            score = Decimal(int(e.certification["points"])) + clamped
        category = award_category(e.data["company"])
        # Ranking key (I23): score ↓, raw achieved ↓, submitted_at ↑ (as an instant), id ↑ (code points).
        key = (-score, -achieved, e.data["submitted_at"].astimezone(UTC), e.data["id"])
        ranked[category].append((key, e, score, achieved))
    labels = ("score", "achieved_reduction", "submitted_at", "id")
    for category, items in ranked.items():
        items.sort(key=lambda item: item[0])
        previous = None
        for rank, (key, e, score, achieved) in enumerate(items, start=1):
            decided_by = None
            if previous is not None:
                decided_by = next(label for label, a, b in zip(labels, previous, key, strict=True) if a != b)
            e.award = {
                "status": "eligible",
                "category": category,
                "score": fmt(score),
                "achieved_for_ranking": fmt(achieved),
                "rank": fmt(rank),
                "prize": PRIZES[rank - 1] if rank <= len(PRIZES) else None,
                "rank_decided_by": decided_by,  # which key separated it from the entry ranked just above
            }
            previous = key


# =====================================================================================================
# 11. Driver
# =====================================================================================================


@dataclass
class Entry:
    file: str
    source: Source | None = None
    data: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    late: bool = False
    emissions: Emissions | None = None
    certification: dict[str, Any] | None = None
    award: dict[str, Any] | None = None
    loan: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return self.data is not None and not self.problems

    def as_json(self) -> dict[str, Any]:
        raw = self.source.data if self.source and isinstance(self.source.data, dict) else {}
        out: dict[str, Any] = {
            "file": self.file,
            "id": raw.get("id") if isinstance(raw.get("id"), str) else None,
            "valid": self.valid,
        }
        if not self.valid:
            out["errors"] = [p.as_json() for p in self.problems]
            return out
        assert self.data is not None and self.emissions is not None
        d = self.data
        out.update(
            {
                "round": d["round"],
                "submitted_at": d["submitted_at"].isoformat(),
                "late": self.late,
                "company": {
                    "name": d["company"]["name"],
                    "city_code": d["company"]["city_code"],
                    "city": AREA.get(d["company"]["city_code"]),
                    "industry": d["company"]["industry"],
                    "employees": fmt(d["company"]["employees"]),
                    "specified_large_emitter": d["compliance"]["specified_large_emitter"],  # I18
                },
                "warnings": self.warnings,
                "emissions": self.emissions.as_json(),
                "certification": self.certification,
                "award": self.award,
                "loan": self.loan,
            }
        )
        return out


def evaluate(files: list[str], award_rounds: str | None) -> list[Entry]:
    entries = []
    for name in files:
        e = Entry(name)
        src, problems = read_dossier(Path(name))
        e.source, e.problems = src, problems
        if src is not None and not problems:
            e.data, e.problems, e.warnings = validate(src)
            if e.data is not None and Path(name).stem != e.data["id"]:
                e.warnings.append(f"file name '{Path(name).name}' does not match id '{e.data['id']}'")
        entries.append(e)

    seen = Counter((e.data["id"], e.data["round"]) for e in entries if e.valid and e.data)  # I21
    for e in entries:
        if e.valid and e.data and seen[(e.data["id"], e.data["round"])] > 1:
            e.problems.append(Problem("id", f"duplicate id '{e.data['id']}' in round {e.data['round']}"))
            e.data = None

    for e in entries:
        if not e.valid or e.data is None:
            continue
        d = e.data
        rnd = ROUNDS[d["round"]]
        e.late = d["submitted_at"] >= deadline_end(d["round"])
        if d["submitted_at"] < datetime.combine(rnd["opens"], time(0, 0), tzinfo=TOKYO):
            e.warnings.append("submitted before the round opens")  # I20
        e.emissions = compute_emissions(d)
        e.certification = certify(d, e.emissions, e.late)
        e.loan = loan(d, e.emissions, e.certification)

    valid = [e for e in entries if e.valid and e.data is not None]
    rounds = sorted({e.data["round"] for e in valid})  # type: ignore[index]
    for round_id in rounds:
        members = [e for e in valid if e.data["round"] == round_id]  # type: ignore[index]
        if award_rounds is not None and round_id != award_rounds:
            for e in members:
                e.award = {"status": "other_round"}  # I19
            continue
        award_round(members, round_id)
    return entries


def summary(entries: list[Entry], round_filter: str | None) -> str:
    valid = [e for e in entries if e.valid]
    lines = []

    def table(title: str, counter: Counter, order: list[str] | None = None) -> None:
        lines.append(f"{title}")
        keys = order if order else sorted(counter)
        for k in keys:
            if counter.get(k):
                lines.append(f"  {k:<28} {counter[k]:>3}")
        lines.append("")

    lines.append(f"dossiers: {len(entries)} (valid {len(valid)}, invalid {len(entries) - len(valid)})")
    rounds = Counter(e.data["round"] for e in valid)  # type: ignore[index]
    lines.append("rounds: " + ", ".join(f"{r} {n}" for r, n in sorted(rounds.items())))
    lines.append("")
    table(
        "certification outcome",
        Counter(e.certification["outcome"] for e in valid),  # type: ignore[index]
        ["certified", "not_certified", "disqualified", "out_of_scope", "late"],
    )
    table("tier", Counter(e.certification["tier"] for e in valid if e.certification["tier"]), [t["id"] for t in TIERS])  # type: ignore[index]
    award = Counter()
    for e in valid:
        a = e.award or {}
        if a.get("status") == "eligible":
            award[f"{a['category']}: {a['prize'] or 'no prize'}"] += 1
        else:
            award[f"{a.get('status')}" + (f" ({', '.join(a['reasons'])})" if a.get("reasons") else "")] += 1
    table("award" + (f" (round {round_filter})" if round_filter else ""), award)
    table("loan outcome", Counter(e.loan["outcome"] for e in valid), ["eligible", "ineligible", "incomplete"])  # type: ignore[index]
    table(
        "loan eligible by tier",
        Counter(e.loan["terms"]["tier"] for e in valid if e.loan["outcome"] == "eligible"),  # type: ignore[index]
        [t["id"] for t in TIERS],
    )
    table("loan condition not met", Counter(c for e in valid for c in e.loan["failed"]))  # type: ignore[index]
    table(
        "loan condition unknown",
        Counter(c["id"] for e in valid for c in e.loan["conditions"] if c["status"] == "unknown"),
    )  # type: ignore[index]
    table(
        "criterion status unknown/error",
        Counter(
            f"{c['id']}: {c['status']}"
            for e in valid
            if "criteria" in e.certification
            for c in e.certification["criteria"]
            if c["status"] in ("unknown", "error")
        ),
    )  # type: ignore[index]
    return "\n".join(lines).rstrip() + "\n"


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return fmt(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Reference implementation of the Dia 5-city scheme (draft 2027.1).")
    ap.add_argument("files", nargs="+", help="dossiers (.yaml, .yml, .json)")
    ap.add_argument("--round", dest="round_id", help="the round whose award is computed (default: every round present)")
    ap.add_argument(
        "--summary", action="store_true", help="print counts per outcome/tier/prize/loan outcome instead of JSONL"
    )
    args = ap.parse_args(argv)
    if args.round_id is not None and args.round_id not in ROUNDS:
        ap.error(f"unknown round {args.round_id} (known: {', '.join(ROUNDS)})")
    entries = evaluate(args.files, args.round_id)
    if args.summary:
        sys.stdout.write(summary(entries, args.round_id))
    else:
        for e in entries:
            sys.stdout.write(json.dumps(e.as_json(), ensure_ascii=False, default=_json_default) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
