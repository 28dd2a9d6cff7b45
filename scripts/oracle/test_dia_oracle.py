#!/usr/bin/env python3
"""Tests of the oracle itself (stdlib unittest):

python3 -m unittest discover -s scripts/oracle -v
"""

from __future__ import annotations

import copy
import io
import json
import sys
import tempfile
import unittest
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_faulty  # noqa: E402
import dia_oracle as o  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOSSIERS = ROOT / "fixtures" / "dossiers"
EXPECTED = ROOT / "fixtures" / "expected"

BASE = {
    "dossier_version": 1,
    "id": "t",
    "round": "2027-1",
    "submitted_at": "2027-05-10T14:03:00+09:00",
    "company": {
        "name": "株式会社テスト",
        "corporate_number": "7000012050002",
        "city_code": "112089",
        "industry": "manufacturing",
        "capital_jpy": 10000000,
        "employees": 20,
        "revenue_jpy": 100000000,
        "years_in_business": 5,
        "contact": {"name": "試験 太郎", "email": "test@example.jp"},
    },
    "compliance": {"city_tax_arrears": False, "env_violation_3y": False, "specified_large_emitter": False},
    "declaration": {"signed": True},
    "management": {"officer_assigned": True, "study_sessions": ["step1", "step2"], "iso14001": True, "ea21": False},
    "emissions": {
        "fiscal_year": 2025,
        "activity": {"electricity_kwh": 100000, "city_gas_m3": 1000},
        "electricity_supplier": "tepco_ep",
        "third_party_verified": False,
        "scope3_measured": False,
    },
    "base_year": {"fiscal_year": 2019, "total_t": 60},
    "target": {"year": 2030, "reduction_pct": 46, "sbt": False, "re_action": False},
    "disclosure": {"public_report": True},
    "measures": [{"id": "led", "year": 2022}],
    "plan": {
        "investments": [
            {
                "measure": "led",
                "year": 2027,
                "capex_jpy": 1000000,
                "annual_reduction_t": 5,
                "annual_saving_jpy": 100000,
                "life_years": 15,
            }
        ]
    },
    "financing": {"sll_or_pif": False, "requested_jpy": 5000000},
}
# BASE: scope1 = 1000 × 2.05 / 1000 = 2.05, scope2 = 100000 × 0.000452 = 45.2, total 47.25,
# achieved (60 − 47.25) ÷ 60 × 100 = 21.25 %.


def run(*docs, round_id=None):
    """Evaluate dossiers given as dicts (written as JSON files); returns the oracle's JSON output objects."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, doc in enumerate(docs):
            path = Path(tmp) / f"{doc.get('id', i)}.json"
            path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            files.append(str(path))
        return [e.as_json() for e in o.evaluate(files, round_id)]


def dossier(**changes):
    d = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = d
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[p]
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return d


DELETE = object()


def criterion(result, cid):
    return next(c for c in result["certification"]["criteria"] if c["id"] == cid)


class CheckDigits(unittest.TestCase):
    def test_corporate_number(self):
        self.assertTrue(o.corporate_number_valid("7000012050002"))
        self.assertFalse(o.corporate_number_valid("8000012050002"))
        self.assertFalse(o.corporate_number_valid("700001205000"))
        self.assertEqual(o.corporate_number_check_digit("000012050002"), 7)

    def test_city_code(self):
        for code in (
            "112089",
            "112151",
            "112259",
            "112097",
            "112429",
            "112011",
            "141003",
            "131016",
            "011002",
            "110001",
            "090000",
        ):
            self.assertTrue(o.city_code_valid(code), code)
        self.assertFalse(o.city_code_valid("112088"))
        self.assertEqual(o.city_code_check_digit("11241"), 1)  # 鶴ヶ島市 112411, not 112429


class Decimals(unittest.TestCase):
    def test_divide(self):
        self.assertEqual(o.divide(Decimal(1), Decimal(4)), Decimal("0.25"))
        self.assertEqual(str(o.divide(Decimal(1), Decimal(3))), "0." + "3" * 34)
        self.assertEqual(str(o.divide(Decimal(2), Decimal(3))), "0." + "6" * 33 + "7")
        with self.assertRaises(o.EvalError):
            o.divide(Decimal(1), Decimal(0))

    def test_fmt(self):
        self.assertEqual(o.fmt(Decimal("37.92500")), "37.925")
        self.assertEqual(o.fmt(Decimal("1E+3")), "1000")
        self.assertEqual(o.fmt(Decimal("-0.0")), "0")


class Reading(unittest.TestCase):
    def parse(self, text):
        src, problems = o.read_yaml(text)
        return src.data if src else None, problems

    def test_core_schema(self):
        data, problems = self.parse(
            'a: no\nb: 0012\nc: 1e3\nd: "112089"\ne: 112089\nf: 2027-01-01\ng: True\nh: 0x1F\ni: ~\n'
        )
        self.assertEqual(problems, [])
        self.assertEqual(data["a"], "no")
        self.assertIsInstance(data["b"], o.BadNumber)
        self.assertEqual(data["c"], Decimal("1e3"))
        self.assertEqual(data["d"], "112089")
        self.assertEqual(data["e"], 112089)
        self.assertEqual(data["f"], "2027-01-01")
        self.assertIs(data["g"], True)
        self.assertIsInstance(data["h"], o.BadNumber)
        self.assertIsNone(data["i"])

    def test_duplicate_key_position(self):
        _, problems = self.parse("a: 1\nb:\n  c: 1\n  c: 2\n")
        self.assertEqual([(p.path, p.line, p.column) for p in problems], [("b.c", 4, 3)])

    def test_columns_are_characters(self):
        src, _ = o.read_yaml("名前: {氏名: 見本, n: x}\n")
        self.assertEqual(src.value_marks[("名前", "n")], (1, 17))

    def test_city_code_must_be_text(self):
        (r,) = run(dossier(company__city_code=112089))
        self.assertFalse(r["valid"])
        self.assertIn("expected a string", r["errors"][0]["message"])

    def test_null_is_absent(self):
        (r,) = run(dossier(base_year__total_t=None))
        self.assertEqual(criterion(r, "base_year")["status"], "unknown")
        (r,) = run(dossier(company__name=None))
        self.assertFalse(r["valid"])

    def test_renewable_above_electricity(self):
        (r,) = run(dossier(emissions__activity={"electricity_kwh": 100, "renewable_kwh": 200}))
        self.assertFalse(r["valid"])


class Emissions(unittest.TestCase):
    def test_base(self):
        (r,) = run(dossier())
        e = r["emissions"]
        self.assertEqual((e["scope1_t"], e["scope2_t"], e["total_t"]), ("2.05", "45.2", "47.25"))
        self.assertEqual(e["achieved_reduction_pct"], "21.25")

    def test_default_supplier(self):
        (r,) = run(dossier(emissions__electricity_supplier=DELETE))
        self.assertEqual(r["emissions"]["scope2_t"], "41.6")
        self.assertEqual(r["emissions"]["electricity_supplier"], "national_default")

    def test_fixture_example(self):
        (r,) = [e.as_json() for e in o.evaluate([str(DOSSIERS / "tokorozawa-seimitsu.yaml")], None)]
        e = r["emissions"]
        self.assertEqual((e["scope1_t"], e["scope2_t"], e["total_t"]), ("52.123", "172.664", "224.787"))


class Certification(unittest.TestCase):
    def test_base_is_gold(self):
        (r,) = run(dossier())
        c = r["certification"]
        # know 20 + measure 20 + reduce (15+10+3+5+0) + tell 5
        self.assertEqual((c["outcome"], c["tier"], c["points"]), ("certified", "gold", "78"))
        self.assertEqual(
            c["next_tier"],
            {
                "tier": "platinum",
                "points_lacking": "2",
                "requirements_lacking": [{"requirement": "target.sbt or target.re_action"}],
            },
        )
        self.assertEqual(c["valid_until"], "2030-06-30")

    def test_no_activity(self):
        (r,) = run(dossier(emissions=DELETE))
        c = r["certification"]
        self.assertEqual(criterion(r, "measured")["status"], "unknown")
        self.assertEqual(criterion(r, "measured")["missing"], ["emissions.activity"])
        self.assertEqual(criterion(r, "plan")["status"], "unknown")
        self.assertEqual(c["tier"], "bronze")
        self.assertEqual(r["loan"]["outcome"], "incomplete")
        self.assertEqual(r["loan"]["missing"], ["emissions.activity"])

    def test_target_rows(self):
        (r,) = run(dossier(target__year=DELETE))
        t = criterion(r, "target")
        self.assertEqual((t["status"], t["points"], t["row"], t["missing"]), ("met", "10", "2", ["target.year"]))
        (r,) = run(dossier(target__year=2035))
        self.assertEqual(criterion(r, "target")["points"], "10")
        (r,) = run(dossier(target__reduction_pct=DELETE))
        t = criterion(r, "target")
        self.assertEqual((t["status"], t["missing"]), ("unknown", ["target.reduction_pct"]))
        self.assertEqual(r["certification"]["tier"], "silver")  # gold needs `target`
        (r,) = run(dossier(target__reduction_pct=0))
        self.assertEqual(criterion(r, "target")["status"], "not_met")

    def test_division_by_zero_is_error(self):
        (r,) = run(dossier(base_year__total_t=0))
        a = criterion(r, "achieved")
        self.assertEqual(a["status"], "error")
        self.assertEqual(criterion(r, "plan")["status"], "met")  # other criteria go on

    def test_assured_three_valued(self):
        (r,) = run(dossier(emissions__scope3_measured=DELETE))
        self.assertEqual(criterion(r, "assured")["status"], "unknown")
        (r,) = run(dossier(emissions__scope3_measured=DELETE, emissions__third_party_verified=True))
        self.assertEqual(criterion(r, "assured")["status"], "met")

    def test_empty_plan_never_holds(self):
        (r,) = run(dossier(plan={"investments": []}, emissions__activity={"renewable_kwh": 0}))
        self.assertEqual(criterion(r, "plan")["status"], "not_met")
        self.assertEqual(r["loan"]["failed"], ["plan"])

    def test_out_of_scope_before_disqualified(self):
        (r,) = run(dossier(company__city_code="112011", compliance__city_tax_arrears=True))
        self.assertEqual(r["certification"]["outcome"], "out_of_scope")
        (r,) = run(dossier(compliance__env_violation_3y=True))
        self.assertEqual(r["certification"]["outcome"], "disqualified")
        self.assertEqual(r["loan"]["failed"], ["certified"])

    def test_unsigned_declaration(self):
        (r,) = run(dossier(declaration__signed=False))
        self.assertEqual(r["certification"]["outcome"], "not_certified")
        self.assertEqual(
            r["certification"]["next_tier"]["requirements_lacking"], [{"criterion": "declaration", "status": "not_met"}]
        )


class Rounds(unittest.TestCase):
    def test_deadline(self):
        cases = {
            "2027-06-30T23:59:59+09:00": False,
            "2027-06-30T23:59:59.999999+09:00": False,
            "2027-07-01T00:00:00+09:00": True,
            "2027-06-30T14:59:59Z": False,
            "2027-06-30T15:00:00Z": True,
            "2027-06-30T16:00:00+01:00": True,
        }
        for ts, late in cases.items():
            (r,) = run(dossier(submitted_at=ts))
            self.assertEqual(r["late"], late, ts)
            if late:
                self.assertEqual(r["certification"]["outcome"], "late")
                self.assertEqual(r["loan"]["failed"], ["certified"])

    def test_timestamp_needs_offset(self):
        (r,) = run(dossier(submitted_at="2027-05-10T14:03:00"))
        self.assertFalse(r["valid"])


class Award(unittest.TestCase):
    def test_categories(self):
        for industry, employees, category in (
            ("retail", 5, "small"),
            ("retail", 6, "sme"),
            ("hotel", 12, "sme"),
            ("manufacturing", 20, "small"),
            ("manufacturing", 21, "sme"),
            ("software", 20, "small"),
        ):
            self.assertEqual(o.award_category({"industry": industry, "employees": employees}), category)

    def test_ranking_and_prizes(self):
        docs = []
        for i, (sub, total_t) in enumerate(
            (
                ("2027-05-10T10:00:00+09:00", 60),  # 21.25 %
                ("2027-05-09T10:00:00+09:00", 60),  # same score and reduction, earlier → ahead
                ("2027-05-08T10:00:00+09:00", 59),  # lower reduction, same points: score lower
                ("2027-05-01T10:00:00+09:00", 60),
            )
        ):
            docs.append(dossier(id=f"d{i}", submitted_at=sub, base_year__total_t=total_t))
        docs[3]["history"] = {"awards": [2025]}
        r = {x["id"]: x["award"] for x in run(*docs)}
        self.assertEqual([r["d1"]["rank"], r["d0"]["rank"], r["d2"]["rank"]], ["1", "2", "3"])
        self.assertEqual([r["d1"]["prize"], r["d0"]["prize"], r["d2"]["prize"]], ["grand", "excellence", "excellence"])
        self.assertEqual(r["d0"]["rank_decided_by"], "submitted_at")
        self.assertEqual(r["d3"], {"status": "ineligible", "reasons": ["recent_prize"], "recent_prize_years": ["2025"]})

    def test_fixture_ties(self):
        entries = {e.data["id"]: e for e in o.evaluate(sorted(map(str, DOSSIERS.iterdir())), "2027-1") if e.valid}
        self.assertEqual(entries["hanno-mokko"].award["rank_decided_by"], "achieved_reduction")
        self.assertEqual(entries["iruma-system"].award["prize"], "excellence")
        self.assertIsNone(entries["hanno-mokko"].award["prize"])
        self.assertEqual(entries["iruma-butsuryu"].award["rank_decided_by"], "submitted_at")
        self.assertEqual(entries["sayama-kensetsu"].award["prize"], "excellence")
        self.assertIsNone(entries["iruma-butsuryu"].award["prize"])
        self.assertEqual(entries["komagawa-resort"].award, {"status": "other_round"})


class Loan(unittest.TestCase):
    def test_each_condition(self):
        expectations = {
            "tokorozawa-seimitsu": ("eligible", [], "platinum"),
            "sayama-kensetsu": ("eligible", [], "gold"),
            "hanno-seizai": ("eligible", [], "silver"),
            "pan-kobo-komugi": ("eligible", [], "bronze"),
            "hidaka-shokuhin": ("ineligible", ["revenue"], None),
            "sayama-mart": ("ineligible", ["sme"], None),
            "kawagoe-kikai": ("ineligible", ["area", "certified"], None),
            "iruma-cloudworks": ("ineligible", ["years"], None),
            "iruma-kinzoku": ("ineligible", ["tax", "certified"], None),
            "sayama-kako": ("ineligible", ["no_sll_pif"], None),
            "iruma-auto": ("ineligible", ["plan"], None),
            "sayama-kotsu": ("ineligible", ["certified"], None),
            "hidaka-tosou": ("incomplete", [], None),
        }
        entries = {e.data["id"]: e for e in o.evaluate(sorted(map(str, DOSSIERS.iterdir())), "2027-1") if e.valid}
        for did, (outcome, failed, tier) in expectations.items():
            loan = entries[did].loan
            self.assertEqual((loan["outcome"], loan["failed"]), (outcome, failed), did)
            if tier:
                self.assertEqual(loan["terms"]["tier"], tier, did)

    def test_sme_either_limit(self):
        (r,) = run(dossier(company__industry="services", company__employees=130, company__capital_jpy=20000000))
        self.assertEqual(r["loan"]["conditions"][1], {"id": "sme", "status": "met"})
        (r,) = run(dossier(company__industry="services", company__employees=130, company__capital_jpy=60000000))
        self.assertEqual(r["loan"]["failed"], ["sme"])

    def test_limit_note(self):
        (r,) = run(dossier(financing__requested_jpy=45000000))
        self.assertEqual(
            r["loan"]["notes"], [{"code": "limit_applies", "requested_jpy": "45000000", "limit_jpy": "30000000"}]
        )


class Fixtures(unittest.TestCase):
    def test_expected_output(self):
        """fixtures/expected/ holds the oracle's output; regenerate it (README) when the oracle or fixtures change."""
        files = sorted(str(p.relative_to(ROOT)) for p in DOSSIERS.iterdir())
        for name, args in (
            ("oracle-2027-1.jsonl", ["--round", "2027-1"]),
            ("summary-2027-1.txt", ["--round", "2027-1", "--summary"]),
        ):
            out = io.StringIO()
            cwd = Path.cwd()
            try:
                import os

                os.chdir(ROOT)
                with redirect_stdout(out):
                    o.main(args + files)
            finally:
                os.chdir(cwd)
            self.assertEqual(out.getvalue(), (EXPECTED / name).read_text(encoding="utf-8"), name)

    def test_faulty_readme(self):
        with redirect_stdout(io.StringIO()):
            self.assertEqual(check_faulty.main(), 0)


if __name__ == "__main__":
    unittest.main()
