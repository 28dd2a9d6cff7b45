import Diagnostics
import ExpressionLanguage
import Foundation
import JSON
import Testing

@testable import RuleModel

/// A rule set written into a temporary directory from strings.
private func ruleSet(_ files: [String: String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> RuleSet {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-mini-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
    let (loaded, diagnostics) = RuleSet.load(directory: directory)
    return try #require(loaded, "\(diagnostics)", sourceLocation: sourceLocation)
}

private let miniSchema = """
    fields:
      id: {type: string}
      round: {type: string}
      submitted_at: {type: timestamp}
      employees: {type: int}
      base_t: {type: decimal, required: false}
      current_t: {type: decimal, required: false}
      signed: {type: bool}
      score: {type: decimal, required: false}
    """

private func miniRounds(_ programs: [String], rolling: [String] = []) -> String {
    """
    timezone: Asia/Tokyo
    rounds:
      - {id: "r1", programs: [\(programs.joined(separator: ", "))], opens: 2027-04-01, deadline: 2027-06-30}
    rolling: [\(rolling.joined(separator: ", "))]
    """
}

private let miniCertification = """
    program: cert
    kind: certification
    sections: [{id: main}]
    criteria:
      - id: signed
        section: main
        when: dossier.signed
        points: 0
      - id: cut
        section: main
        rows:
          - {when: "(dossier.base_t - dossier.current_t) / dossier.base_t * 100 >= 20", points: 10}
          - {when: "(dossier.base_t - dossier.current_t) / dossier.base_t * 100 >= 10", points: 5}
          - {when: "dossier.employees < 10", points: 2}
      - id: staff
        section: main
        when: dossier.employees >= 5
        points: 5
    tiers:
      - {id: low, min_points: 5, requires: [signed]}
      - {id: high, min_points: 12, requires: [signed, cut]}
    """

private func dossier(_ ruleSet: RuleSet, _ yaml: String) throws -> Dossier {
    let text = "round: r1\nsubmitted_at: 2027-05-01T10:00:00+09:00\nsigned: true\n" + yaml
    return try ruleSet.decoder.decode(Array(text.utf8), source: "test.yaml").get()
}

@Suite struct RuleEngineTests {
    @Test func rowsThatCannotBeDecidedAreSkippedAndNamed() throws {
        let rules = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": miniRounds(["cert"]), "cert.yaml": miniCertification])
        let engine = RuleEngine(ruleSet: rules)
        // No base year: rows 1 and 2 are skipped, row 3 holds; the missing field is listed.
        let small = try dossier(rules, "id: a\nemployees: 3\ncurrent_t: 80\n")
        let cut = try #require(engine.evaluate(small, round: rules.calendar.round("r1")).certification?.criteria[1])
        #expect(cut.status == .met)
        #expect(cut.points == 2)
        #expect(cut.row == 2)
        #expect(cut.missing == ["base_t"])
        // Nothing holds and a row was undecidable: unknown, never a silent not_met.
        let large = try dossier(rules, "id: b\nemployees: 30\ncurrent_t: 80\n")
        let unknown = try #require(engine.evaluate(large, round: nil).certification?.criteria[1])
        #expect(unknown.status == .unknown)
        #expect(unknown.missing == ["base_t"])
    }

    @Test func aRunTimeFailureMarksOnlyThatCriterionAsError() throws {
        let rules = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": miniRounds(["cert"]), "cert.yaml": miniCertification])
        let result = try #require(
            RuleEngine(ruleSet: rules).evaluate(try dossier(rules, "id: c\nemployees: 30\nbase_t: 0\ncurrent_t: 5\n"), round: nil)
                .certification)
        #expect(result.criteria[1].status == .error)
        #expect(result.criteria[1].error == "division by zero")
        #expect(result.criteria[2].status == .met)
        #expect(result.points == 5)
        #expect(result.tier == "low")
    }

    @Test func aTierWhoseRequiredCriterionIsUnknownIsNotGrantedAndSaysWhatIsMissing() throws {
        let rules = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": miniRounds(["cert"]), "cert.yaml": miniCertification])
        let result = try #require(
            RuleEngine(ruleSet: rules).evaluate(try dossier(rules, "id: d\nemployees: 30\ncurrent_t: 5\n"), round: nil).certification)
        #expect(result.tier == "low")
        let next = try #require(result.nextTier)
        #expect(next.tier == "high")
        #expect(next.pointsLacking == 7)
        #expect(next.criteriaLacking.map(\.id) == ["cut"])
        #expect(next.criteriaLacking.first?.status == .unknown)
        // Providing the base year and reaching row 1 is the one step that reaches "high".
        let path = try #require(next.cheapestPath)
        #expect(path.map(\.criterion) == ["cut"])
        #expect(path.first?.toPoints == 10)
        #expect(path.first?.missing == ["base_t"])
        #expect(result.missing == ["base_t"])
    }

    @Test func awardRankingIsDeterministicWithEveryTieBreak() throws {
        let award = """
            program: prize
            kind: award
            eligible: has(dossier.score)
            score: dossier.score
            categories:
              - id: all
                when: "true"
                prizes: [{id: grand, count: 1}, {id: excellence, count: 2}]
            rank_by:
              - {expr: dossier.score, order: desc}
              - {expr: dossier.employees, order: asc}
              - {expr: dossier.submitted_at, order: asc}
              - {expr: dossier.id, order: asc}
            """
        let rules = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": miniRounds(["prize"]), "award.yaml": award])
        let entries = [
            ("e1", "score: 90\nemployees: 10"),  // lower score: last among the scored
            ("e2", "score: 95\nemployees: 20"),  // tie on score with e3; more employees → after e3
            ("e3", "score: 95\nemployees: 10"),  // first: best score, fewer employees than e2
            ("e4", "score: 95\nemployees: 20"),  // ties e2 on score and employees, submitted later
            ("e5", "score: 95\nemployees: 20"),  // ties e4 on everything but id
            ("e6", "employees: 5"),  // no score: not eligible
        ]
        let late = "2027-05-02T10:00:00+09:00"
        var dossiers: [Dossier] = []
        for (id, fields) in entries {
            var text = "id: \(id)\n\(fields)\n"
            if id == "e4" || id == "e5" { text = text.replacingOccurrences(of: "id: \(id)", with: "id: \(id)\nsubmitted_at: \(late)") }
            let full = "round: r1\nsigned: true\n" + (text.contains("submitted_at") ? "" : "submitted_at: 2027-05-01T10:00:00+09:00\n") + text
            dossiers.append(try rules.decoder.decode(Array(full.utf8), source: id).get())
        }
        let engine = RuleEngine(ruleSet: rules)
        func ranking(_ input: [Dossier]) -> [String: (Int?, String?)] {
            var result: [String: (Int?, String?)] = [:]
            for evaluation in engine.evaluate(input) {
                if case .award(let award)? = evaluation.result("prize") { result[evaluation.dossier.id] = (award.rank, award.prize) }
            }
            return result
        }
        let expected: [String: (Int?, String?)] = [
            "e3": (1, "grand"), "e2": (2, "excellence"), "e4": (3, "excellence"), "e5": (4, nil), "e1": (5, nil), "e6": (nil, nil),
        ]
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<5 {
            let got = ranking(dossiers.shuffled(using: &generator))
            for (id, want) in expected {
                #expect(got[id]?.0 == want.0 && got[id]?.1 == want.1, "\(id): \(String(describing: got[id]))")
            }
        }
    }

    @Test func anUnknownConditionNeverMakesADossierEligible() throws {
        let loan = """
            program: loan
            kind: eligibility
            conditions:
              - {id: staff, when: dossier.employees >= 1}
              - {id: cut, when: dossier.base_t > dossier.current_t}
            terms:
              - {when: "true", values: {limit_jpy: 1000}}
            """
        let rules = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": miniRounds([], rolling: ["loan"]), "loan.yaml": loan])
        let engine = RuleEngine(ruleSet: rules)
        guard case .eligibility(let incomplete)? = engine.evaluate(try dossier(rules, "id: f\nemployees: 3\n"), round: nil).result("loan") else {
            Issue.record("no loan result")
            return
        }
        #expect(incomplete.outcome == .incomplete)
        #expect(incomplete.missing == ["base_t", "current_t"])
        #expect(incomplete.terms == nil)
        guard case .eligibility(let ineligible)? = engine.evaluate(try dossier(rules, "id: g\nemployees: 0\n"), round: nil).result("loan") else {
            Issue.record("no loan result")
            return
        }
        #expect(ineligible.outcome == .ineligible)
    }

    @Test func resultsCarryTheRuleSetHashOverAllFiles() throws {
        let files = ["schema.yaml": miniSchema, "rounds.yaml": miniRounds(["cert"]), "cert.yaml": miniCertification]
        let first = try ruleSet(files)
        let second = try ruleSet(files)
        #expect(first.hash.count == 64)
        #expect(first.hash == second.hash)
        var changed = files
        changed["cert.yaml"] = miniCertification.replacingOccurrences(of: "min_points: 12", with: "min_points: 13")
        #expect(try ruleSet(changed).hash != first.hash)
        let evaluation = RuleEngine(ruleSet: first).evaluate(try dossier(first, "id: h\nemployees: 3\n"), round: nil)
        #expect(ResultJSON.evaluation(evaluation)["rules"] == .string(first.hash))
    }
}

/// The shipped Dia rules against the fixtures.
@Suite struct ShippedRuleSetTests {
    @Test func shippedRulesAreCleanWithoutWarnings() throws {
        _ = try ShippedRules.ruleSet()
        #expect(ShippedRules.loaded.diagnostics.isEmpty, "\(ShippedRules.loaded.diagnostics)")
    }

    /// The independent Python implementation (`scripts/oracle`) wrote its results for every fixture to
    /// `fixtures/expected`; the engine must agree on every outcome, tier, point, criterion, condition and prize.
    @Test func engineAgreesWithTheOracleOnEveryFixture() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let lines = try String(contentsOfFile: "\(ShippedRules.fixtures)/expected/oracle-2027-1.jsonl", encoding: .utf8)
            .split(separator: "\n")
        let paths = try FileManager.default.contentsOfDirectory(atPath: "\(ShippedRules.fixtures)/dossiers").sorted()
            .map { "\(ShippedRules.fixtures)/dossiers/\($0)" }
        let dossiers = try paths.map { try ruleSet.decoder.load(path: $0).get() }
        let evaluations = Dictionary(
            RuleEngine(ruleSet: ruleSet).evaluate(dossiers).map { ($0.dossier.id, ResultJSON.evaluation($0)) }, uniquingKeysWith: { a, _ in a })
        #expect(lines.count == dossiers.count)
        var compared = 0
        for line in lines {
            let expected = try #require(JSONParser.parse(String(line)).get() as JSONValue?)
            let id = try #require(expected["id"]?.stringValue)
            let got = try #require(evaluations[id], "no evaluation for \(id)")
            let results = try #require(got["results"])
            let certification = try #require(expected["certification"])
            let gotCertification = try #require(results["certification"])
            #expect(certification["outcome"] == gotCertification["outcome"], "\(id)")
            if certification["outcome"]?.stringValue != "late" {
                #expect(certification["tier"] == gotCertification["tier"], "\(id)")
                #expect(decimal(certification["points"]) == decimal(gotCertification["points"]), "\(id)")
                for (want, have) in zip(certification["criteria"]?.arrayValue ?? [], gotCertification["criteria"]?.arrayValue ?? []) {
                    #expect(want["id"] == have["id"] && want["status"] == have["status"], "\(id) \(want)")
                    #expect(decimal(want["points"]) == decimal(have["points"]), "\(id) \(want)")
                    #expect(Set(strings(want["missing"])) == Set(strings(have["missing"])), "\(id) \(want)")
                }
            }
            let loan = try #require(expected["loan"])
            let gotLoan = try #require(results["loan"])
            #expect(loan["outcome"] == gotLoan["outcome"], "\(id)")
            let statuses = Dictionary(
                (gotLoan["conditions"]?.arrayValue ?? []).map { ($0["id"]!.stringValue!, $0["status"]!) }, uniquingKeysWith: { a, _ in a })
            for condition in loan["conditions"]?.arrayValue ?? [] {
                #expect(statuses[condition["id"]!.stringValue!] == condition["status"], "\(id) \(condition)")
            }
            if expected["round"]?.stringValue == "2027-1", let award = expected["award"], let gotAward = results["award"] {
                #expect(award["prize"] ?? .null == gotAward["prize"] ?? .null, "\(id)")
                #expect(award["category"] ?? .null == gotAward["category"] ?? .null, "\(id)")
                #expect(decimal(award["rank"]) == decimal(gotAward["rank"]), "\(id)")
            }
            compared += 1
        }
        #expect(compared == 35)
    }

    private func decimal(_ value: JSONValue?) -> ExactDecimal? {
        switch value {
        case .number(let text)?: ExactDecimal(text)
        case .string(let text)?: ExactDecimal(text)
        default: nil
        }
    }

    private func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
}

/// `diff` moves exactly the dossiers a threshold change should move.
@Suite struct RuleDiffTests {
    private func evaluations(_ directory: String) throws -> (RuleSet, [DossierEvaluation]) {
        let (loaded, diagnostics) = RuleSet.load(directory: directory)
        let ruleSet = try #require(loaded, "\(diagnostics)")
        let paths = try FileManager.default.contentsOfDirectory(atPath: "\(ShippedRules.fixtures)/dossiers").sorted()
        let dossiers = try paths.map { try ruleSet.decoder.load(path: "\(ShippedRules.fixtures)/dossiers/\($0)").get() }
        return (ruleSet, RuleEngine(ruleSet: ruleSet).evaluate(dossiers))
    }

    private func silverChanged(to minimum: Int) throws -> (base: [DossierEvaluation], diff: RuleDiff) {
        let (base, _, diff) = try certificationEdited(
            "    min_points: 40               # dia-scheme.md §3", to: "    min_points: \(minimum)               # dia-scheme.md §3")
        return (base, diff)
    }

    /// The shipped rules against a copy with one text of `certification.yaml` replaced.
    private func certificationEdited(_ original: String, to replacement: String) throws -> (
        base: [DossierEvaluation], new: [DossierEvaluation], diff: RuleDiff
    ) {
        let directory = try copyOfRules()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/certification.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let edited = text.replacingOccurrences(of: original, with: replacement)
        #expect(edited != text)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let (baseRules, base) = try evaluations(ShippedRules.directory)
        let (newRules, new) = try evaluations(directory)
        return (base, new, RuleDiff.compare(base: base, new: new, baseHash: baseRules.hash, newHash: newRules.hash))
    }

    /// Row 1 of `target` (15 points) raised from 46 % to 50 %: two gold companies fall to silver.
    private func targetRaised() throws -> (base: [DossierEvaluation], new: [DossierEvaluation], diff: RuleDiff) {
        try certificationEdited("reduction_pct >= 46 && dossier.target.year <= 2030", to: "reduction_pct >= 50 && dossier.target.year <= 2030")
    }

    @Test func changedLoanTermsAreAChangeEvenWhenTheLoanStaysEligible() throws {
        let (base, new, diff) = try targetRaised()
        let loan = try #require(diff.programs.first { $0.program == "loan" })
        let keikokuso = try #require(loan.changes.first { $0.dossier == "hanno-keikokuso" }, "\(loan.changes.map(\.dossier))")
        #expect(keikokuso.before == "eligible" && keikokuso.after == "eligible")
        #expect(keikokuso.details.contains { $0 == ("terms.limit_jpy", "30,000,000", "20,000,000") }, "\(keikokuso.details)")
        #expect(keikokuso.details.contains { $0 == ("terms.term_years", "10", "7") }, "\(keikokuso.details)")
        // Exactly the dossiers whose terms differ are listed.
        func terms(_ evaluations: [DossierEvaluation]) -> [String: String] {
            var result: [String: String] = [:]
            for evaluation in evaluations {
                guard case .eligibility(let r)? = evaluation.result("loan") else { continue }
                result[evaluation.dossier.id] = (r.terms ?? []).map { "\($0.name)=\(Format.display($0.value))" }.joined(separator: ",")
            }
            return result
        }
        let before = terms(base)
        let after = terms(new)
        let expected = Set(after.keys.filter { before[$0] != after[$0] })
        #expect(expected == ["hanno-keikokuso", "hanno-kenzai"])
        #expect(Set(loan.changes.map(\.dossier)) == expected)
    }

    @Test func changedAwardScoresAreAChangeEvenWhenRankAndPrizeStay() throws {
        let (base, new, diff) = try targetRaised()
        let award = try #require(diff.programs.first { $0.program == "award" })
        // sayama-denshi keeps its grand prize, with 5 points less.
        let denshi = try #require(award.changes.first { $0.dossier == "sayama-denshi" }, "\(award.changes.map(\.dossier))")
        #expect(denshi.before == "grand" && denshi.after == "grand")
        #expect(denshi.details.map(\.id) == ["score"])
        #expect(denshi.details.first.map { $0.before == "119.971" && $0.after == "114.971" } == true, "\(denshi.details)")
        // Every dossier eligible under both rule sets whose score moved is listed.
        func scores(_ evaluations: [DossierEvaluation]) -> [String: String] {
            var result: [String: String] = [:]
            for evaluation in evaluations {
                guard case .award(let r)? = evaluation.result("award"), r.eligible, let score = r.score else { continue }
                result[evaluation.dossier.id] = Format.display(score)
            }
            return result
        }
        let before = scores(base)
        let after = scores(new)
        let moved = Set(after.keys.filter { before[$0] != nil && before[$0] != after[$0] })
        #expect(moved.count >= 5)
        #expect(moved.isSubset(of: Set(award.changes.map(\.dossier))))
        // Only real conditions are hit-counted, not categories or ranks.
        #expect(award.hitCounts.map(\.id) == ["eligible"])
    }

    @Test func raisingSilverByFivePointsMovesExactlySilverDossiersBelowFortyFive() throws {
        let (base, diff) = try silverChanged(to: 45)
        let expected = Set(base.compactMap { evaluation -> String? in
            guard let c = evaluation.certification, c.tier == "silver", c.points < 45 else { return nil }
            return evaluation.dossier.id
        })
        #expect(!expected.isEmpty, "the fixtures should have silver dossiers between 40 and 44 points")
        let certification = try #require(diff.programs.first { $0.program == "certification" })
        let moved = certification.changes.filter { $0.before != $0.after }
        #expect(Set(moved.map(\.dossier)) == expected)
        #expect(moved.allSatisfy { $0.before == "silver" && $0.after == "bronze" })
        #expect(certification.transitions[RuleDiff.Transition(before: "silver", after: "bronze")] == expected.count)
        #expect(diff.programs.first { $0.program == "award" }?.changes.isEmpty == true)
    }

    @Test func aNoteThatStopsApplyingIsAChange() throws {
        func loan(_ threshold: Int) -> String {
            """
            program: loan
            kind: eligibility
            conditions:
              - {id: staff, when: dossier.employees >= 1}
            terms:
              - {when: "true", values: {limit_jpy: 1000}}
            notes:
              - {id: large, when: dossier.employees > \(threshold), text: {ja: 大規模, en: large company}}
            """
        }
        let rounds = miniRounds([], rolling: ["loan"])
        let base = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": rounds, "loan.yaml": loan(10)])
        let new = try ruleSet(["schema.yaml": miniSchema, "rounds.yaml": rounds, "loan.yaml": loan(100)])
        let baseEvaluation = RuleEngine(ruleSet: base).evaluate(try dossier(base, "id: n\nemployees: 50\n"), round: nil)
        let newEvaluation = RuleEngine(ruleSet: new).evaluate(try dossier(new, "id: n\nemployees: 50\n"), round: nil)
        let diff = RuleDiff.compare(base: [baseEvaluation], new: [newEvaluation], baseHash: base.hash, newHash: new.hash)
        let change = try #require(diff.programs.first?.changes.first)
        #expect(change.before == "eligible" && change.after == "eligible")
        #expect(change.details.map(\.id) == ["notes.large"])
        #expect(change.details.first.map { $0.before == "large company" && $0.after == "—" } == true, "\(change.details)")
    }

    @Test func loweringSilverByFivePointsMovesExactlyTheBronzeDossiersThatNowQualify() throws {
        let (base, diff) = try silverChanged(to: 35)
        let expected = Set(base.compactMap { evaluation -> String? in
            guard let c = evaluation.certification, c.tier == "bronze", c.points >= 35,
                c.criteria.first(where: { $0.id == "measured" })?.status == .met,
                (c.sections.first { $0.id == "measure" }?.points ?? 0) >= 15
            else { return nil }
            return evaluation.dossier.id
        })
        let certification = try #require(diff.programs.first { $0.program == "certification" })
        let moved = certification.changes.filter { $0.before != $0.after }
        #expect(Set(moved.map(\.dossier)) == expected)
        #expect(moved.allSatisfy { $0.before == "bronze" && $0.after == "silver" })
    }
}
