import Diagnostics
import ExpressionLanguage
import Foundation
import Testing

@testable import RuleModel

/// What `explain` (and the mails) say: never more than a result means.
@Suite struct ExplanationTests {
    private func dossier(_ name: String, replacing original: String? = nil, with replacement: String = "") throws -> Dossier {
        let ruleSet = try ShippedRules.ruleSet()
        let path = "\(ShippedRules.fixtures)/dossiers/\(name)"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        if let original {
            let edited = text.replacingOccurrences(of: original, with: replacement)
            #expect(edited != text, "\(original) not in \(name)")
            text = edited
        }
        return try ruleSet.decoder.decode(Array(text.utf8), source: path).get()
    }

    private func allFixtures() throws -> [Dossier] {
        let ruleSet = try ShippedRules.ruleSet()
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(ShippedRules.fixtures)/dossiers").sorted()
        return try names.map { try ruleSet.decoder.load(path: "\(ShippedRules.fixtures)/dossiers/\($0)").get() }
    }

    private func award(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("■ ダイア5市脱炭素経営アワード") || $0.hasPrefix("■ Dia 5-city decarbonisation award") })
        else { return [] }
        return Array(lines[start...].prefix { !$0.isEmpty })
    }

    // MARK: Award rank

    @Test func aDossierAloneIsNotGivenARankOrPrize() throws {
        let ruleSet = try ShippedRules.ruleSet()
        // tokorozawa-seimitsu is 2nd (優秀賞) in its round; alone it would come first (大賞).
        let evaluations = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("tokorozawa-seimitsu.yaml")])
        #expect(AwardRankingScope.given(evaluations) == [.alone])
        let ja = award(Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluations[0]))
        #expect(ja == ["■ ダイア5市脱炭素経営アワード: 選考対象・中小企業部門・得点 113.37", "  順位と賞は、締切後に募集回のすべての申請の中で決まります"])
        let en = award(Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluations[0]))
        #expect(
            en == [
                "■ Dia 5-city decarbonisation award: eligible, category SME, score 113.37",
                "  The rank and prize are decided over all applicants of the round after its deadline",
            ])
    }

    @Test func aRankAmongTheDossiersGivenSaysSo() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluations = RuleEngine(ruleSet: ruleSet).evaluate(try allFixtures(), roundOverride: "2027-1")
        let scopes = AwardRankingScope.given(evaluations)
        let index = try #require(evaluations.firstIndex { $0.dossier.id == "tokorozawa-seimitsu" })
        #expect(scopes[index] == .given(35))
        let ja = award(Explanation(ruleSet: ruleSet, language: .ja, ranking: scopes[index]).text(evaluations[index]))
        #expect(ja.last == "  順位 2: 優秀賞 (指定した 35 件の申請の中での順位です。順位と賞は、締切後に募集回のすべての申請の中で決まります)")
        // The daemon ranks every applicant of the round when it closes: that rank is the decision.
        let decided = award(Explanation(ruleSet: ruleSet, language: .ja).text(evaluations[index]))
        #expect(decided.last == "  順位 2: 優秀賞")
    }

    @Test func withoutAwardRanksKeepsEligibilityCategoryAndScore() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("tokorozawa-seimitsu.yaml")])[0]
        guard case .award(let ranked)? = evaluation.result("award"), case .award(let unranked)? = evaluation.withoutAwardRanks().result("award")
        else {
            Issue.record("no award result")
            return
        }
        #expect(ranked.rank == 1 && ranked.prize == "grand")
        #expect(unranked.rank == nil && unranked.prize == nil)
        #expect(unranked.eligible && unranked.category == "sme" && unranked.score.map(Format.display) == ranked.score.map(Format.display))
    }

    // MARK: Values

    @Test func aValueThatCannotBeComputedIsAnErrorNotMissing() throws {
        let ruleSet = try ShippedRules.ruleSet()
        // A base year of 0 t: the achieved reduction divides by zero.
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate(
            [try dossier("sayama-kako.yaml", replacing: "total_t: 560.0}", with: "total_t: 0}")])[0]
        let achieved = try #require(evaluation.certification?.criteria.first { $0.id == "achieved" })
        #expect(achieved.status == .error)
        #expect(achieved.values.first?.error == "division by zero")
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        #expect(ja.contains("  ! 削減実績 — 計算できません: division by zero  [achieved_pct = (計算できません)]"), "\(ja)")
        #expect(!ja.contains("achieved_pct = (未記入)"))
        // Data that is really missing still reads as missing.
        let missing = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("hidaka-tosou.yaml")])[0]
        let text = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(missing)
        #expect(text.contains("[achieved_pct = (未記入)]"), "\(text)")
    }

    @Test func aListOfRecordsShowsHowManyAndWhatEachIs() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("sayama-denshi.yaml")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        #expect(ja.contains("投資 = 2件 (inverter、solar_pv)"), "\(ja)")
        #expect(!ja.contains("[…]"))
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("Investments = 2 items (inverter, solar_pv)"), "\(en)")
        // Lists of words are shown as they are.
        #expect(ja.contains("受講した勉強会 = [step1]"), "\(ja)")
    }
}
