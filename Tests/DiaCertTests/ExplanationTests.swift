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

    @Test func aTieOnTheScoreSaysTheTieBreakDecided() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluations = RuleEngine(ruleSet: ruleSet).evaluate(try allFixtures(), roundOverride: "2027-1")
        func ranked(_ id: String) throws -> (DossierEvaluation, AwardResult) {
            let evaluation = try #require(evaluations.first { $0.dossier.id == id })
            guard case .award(let award)? = evaluation.result("award") else { throw PeerError(description: "no award for \(id)") }
            return (evaluation, award)
        }
        // Two SMEs at 96 with the same achieved reduction: the earlier submission ranks first.
        let (kensetsu, kensetsuAward) = try ranked("sayama-kensetsu")
        let (butsuryu, butsuryuAward) = try ranked("iruma-butsuryu")
        #expect(kensetsuAward.prize == "excellence" && butsuryuAward.prize == nil)
        #expect(kensetsuAward.tieBreak == 2 && butsuryuAward.tieBreak == 2)
        let ja = award(Explanation(ruleSet: ruleSet, language: .ja).text(kensetsu))
        #expect(ja.last == "  順位 3: 優秀賞 (得点が同じ申請があり、削減実績の大きい順、次に提出日時の早い順で順位が決まりました)", "\(ja)")
        let en = award(Explanation(ruleSet: ruleSet, language: .en).text(butsuryu))
        #expect(
            en.last == "  Rank 4 (tied on score with another applicant: ordered by achieved reduction (higher first), then submitted at (earlier first))",
            "\(en)")
        // Without a tie on the score nothing is said.
        let (_, seimitsu) = try ranked("tokorozawa-seimitsu")
        #expect(seimitsu.tieBreak == nil)
        // Evaluated alone there is no rank, so no tie either.
        #expect(kensetsu.withoutAwardRanks().result("award").map { if case .award(let a) = $0 { a.tieBreak == nil } else { false } } == true)
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
        #expect(ja.contains("  ! 削減実績 — 計算できません: division by zero  [基準年度比の削減実績 = (計算できません)]"), "\(ja)")
        #expect(!ja.contains("基準年度比の削減実績 = (未記入)"))
        // Data that is really missing still reads as missing.
        let missing = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("hidaka-tosou.yaml")])[0]
        let text = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(missing)
        #expect(text.contains("[基準年度比の削減実績 = (未記入)]"), "\(text)")
    }

    @Test func aListOfRecordsShowsHowManyAndWhatEachIs() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("sayama-denshi.yaml")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        // Each item by its word's value label in the schema (`inverter` → インバーター制御).
        #expect(ja.contains("投資 = 2件 (インバーター制御、太陽光発電)"), "\(ja)")
        #expect(!ja.contains("[…]"))
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("Investments = 2 items (Inverter control, Solar power)"), "\(en)")
        // Lists of enum words by their labels too, without brackets.
        #expect(ja.contains("[受講した勉強会 = ステップ1 基礎編]"), "\(ja)")
        #expect(en.contains("[Study sessions attended = Step 1 (basics)]"), "\(en)")
        for raw in ["inverter", "solar_pv", "step1", "[]"] { #expect(!ja.contains(raw), "\(raw) in \(ja)") }
    }

    @Test func wordsWithoutALabelAndEmptyListsReadForPeople() throws {
        let ruleSet = try ShippedRules.ruleSet()
        // iruma-cloudworks has no measures in place: an empty list reads なし / none, never [].
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("iruma-cloudworks.json")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        #expect(ja.contains("  ✘ 省エネ・脱炭素の対策 — 5点中 0点  [実施済みの対策 = なし]"), "\(ja)")
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("[Measures in place = none]"), "\(en)")
        // A measure the schema does not label is shown as written (the list of measures is open).
        let other = RuleEngine(ruleSet: ruleSet).evaluate(
            [try dossier("sayama-kako.yaml", replacing: "measures: [{id: led, year: 2021}]", with: "measures: [{id: led, year: 2021}, {id: cogeneration, year: 2022}]")])[0]
        let text = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(other)
        #expect(text.contains("[実施済みの対策 = 2件 (LED照明、cogeneration)]"), "\(text)")
    }

    @Test func percentagesAreRoundedAndANegativeReductionIsAnIncrease() throws {
        let ruleSet = try ShippedRules.ruleSet()
        // sayama-kako emits 581.03 t against 560 t in its base year: −3.755 %.
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("sayama-kako.yaml")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        #expect(ja.contains("  ✘ 削減実績 — 10点中 0点  [基準年度比の削減実績 = 3.8% 増加]"), "\(ja)")
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("[Reduction achieved vs base year = 3.8% increase]"), "\(en)")
        #expect(!ja.contains("-3.755") && !en.contains("-3.755"))
        // The decision uses the exact value.
        let achieved = try #require(evaluation.certification?.criteria.first { $0.id == "achieved" }?.values.first?.value)
        #expect(Format.display(achieved).hasPrefix("-3.755"))
        // The investment plan shows the reduction it brings beside the total it is measured against.
        #expect(
            ja.contains(
                "  ✘ 削減につながる投資計画 — 5点中 0点  [投資 = 1件 (ヒートポンプ)、投資計画による年間削減量 (スコープ1+2排出量の10%以上で達成) = 45 t-CO2、スコープ1+2排出量 = 581.03 t-CO2]"
            ), "\(ja)")
    }

    // MARK: Names

    @Test func letsAndProgramResultsAreNamedInWords() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("tokorozawa-seimitsu.yaml")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        // Lets by their `label:` with their unit, table-row fields by the let's `fields:` labels.
        #expect(ja.contains("  ✔ スコープ1+2の算定 — 15点中 15点  [スコープ1+2排出量 = 224.787 t-CO2]"), "\(ja)")
        #expect(ja.contains("  ✔ 削減実績 — 10点中 10点  [基準年度比の削減実績 = 25.4%]"), "\(ja)")
        #expect(ja.contains("、電力使用量 = 412,000 kWh、うち再エネ電力 = 30,000 kWh]"), "\(ja)")
        #expect(
            ja.contains(
                "  ✔ 中小企業者であること  [資本金 = 30,000,000円、中小企業者の資本金の上限 = 300,000,000円、常時使用する従業員数 = 48、中小企業者の従業員数の上限 = 300]"
            ), "\(ja)")
        #expect(ja.contains("  ✔ ダイア5市内の事業所  [主たる事業所がダイア5市内 = はい]"), "\(ja)")
        // The certification a rule read, by its tier's title; never the rank number.
        #expect(ja.contains("  ✔ ブロンズ以上の認定  [認定ランク = プラチナ]"), "\(ja)")
        // A criterion worth no points is a requirement, met or not.
        #expect(ja.contains("  ✔ 脱炭素経営宣言 — 必須 (満たしています)  [宣言済み = はい]"), "\(ja)")
        for raw in ["total_t", "achieved_pct", "in_area", "sme_limit", "electricity_kwh", "programs.", "0点中 0点"] {
            #expect(!ja.contains(raw), "\(raw) in \(ja)")
        }
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("  ✔ Scope 1+2 measured — 15 of 15 points  [Scope 1+2 emissions = 224.787 t-CO2]"), "\(en)")
        #expect(en.contains("  ✔ Certified bronze or higher  [Certification tier = Platinum]"), "\(en)")
        #expect(en.contains("  ✔ Decarbonisation declaration signed — required (met)  [Signed = yes]"), "\(en)")
        #expect(!en.contains("0 of 0 points"))
    }

    @Test func aRequirementNotMetAndNoCertificationAreSaidInWords() throws {
        let ruleSet = try ShippedRules.ruleSet()
        let evaluation = RuleEngine(ruleSet: ruleSet).evaluate([try dossier("sayama-kotsu.yaml")])[0]
        let ja = Explanation(ruleSet: ruleSet, language: .ja, ranking: .alone).text(evaluation)
        #expect(ja.contains("  ✘ 脱炭素経営宣言 — 必須 (満たしていません)  [宣言済み = いいえ]"), "\(ja)")
        // Not certified: the award's reason reads "none", not `null`.
        #expect(award(ja).contains("  ✘ ゴールド以上の認定で、直近3年に受賞がないこと  [認定ランク = なし、直近3年の受賞 = いいえ]"), "\(ja)")
        #expect(!ja.contains("null") && !ja.contains("won_recently"), "\(ja)")
        let en = Explanation(ruleSet: ruleSet, language: .en, ranking: .alone).text(evaluation)
        #expect(en.contains("[Certification tier = none; Prize in the last three years = no]"), "\(en)")
    }

    @Test func aCertificationNotDecidedYetIsNotMissingData() throws {
        let ruleSet = try ShippedRules.ruleSet()
        // On arrival the daemon evaluates the loan with the certification withheld until the round closes.
        let engine = RuleEngine(ruleSet: ruleSet)
        let dossier = try dossier("tokorozawa-seimitsu.yaml")
        let evaluation = engine.evaluate(dossier, round: engine.round(for: dossier), withheld: ["certification"])
        let ja = Explanation(ruleSet: ruleSet, language: .ja).section(evaluation, program: "loan")
        #expect(ja.contains("  ? ブロンズ以上の認定 — 認定結果 (募集締切後に判定されます)\n") || ja.hasSuffix("  ? ブロンズ以上の認定 — 認定結果 (募集締切後に判定されます)"), "\(ja)")
        #expect(!ja.contains("programs.") && !ja.contains("不足: 認定"), "\(ja)")
        let en = Explanation(ruleSet: ruleSet, language: .en).section(evaluation, program: "loan")
        #expect(en.contains("  ? Certified bronze or higher — certification result (decided when the round closes)"), "\(en)")
    }
}
