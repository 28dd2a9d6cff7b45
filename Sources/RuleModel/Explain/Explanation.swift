public import Diagnostics
import ExpressionLanguage
import Foundation

/// A dossier's result as text a bank officer can read out to a company owner: every criterion with
/// the values it used, the outcome, and what would reach the next tier. Japanese or English.
public struct Explanation: Sendable {
    public let ruleSet: RuleSet
    public let language: Language
    /// Over which dossiers the award was ranked: only a round's closing ranks every applicant, so
    /// only then is a rank and prize said without a qualification.
    public let ranking: AwardRankingScope

    public init(ruleSet: RuleSet, language: Language, ranking: AwardRankingScope = .round) {
        self.ruleSet = ruleSet
        self.language = language
        self.ranking = ranking
    }

    private var ja: Bool { language == .ja }

    private func t(_ en: String, _ ja: String) -> String { self.ja ? ja : en }

    private func title(_ text: LocalizedText) -> String { text.text(in: language) }

    public func text(_ evaluation: DossierEvaluation) -> String {
        var lines: [String] = []
        let dossier = evaluation.dossier
        var name = dossier.id
        if case .string(let company)? = dossier.field("company.name") { name = "\(company) (\(dossier.id))" }
        lines.append(name)
        if let round = evaluation.round {
            let roundTitle = round.title.map(title) ?? round.id
            lines.append(t("Round: ", "募集回: ") + roundTitle + (evaluation.late ? t(" — submitted after the deadline", " — 締切後の提出") : ""))
        }
        lines.append(t("Rules: ", "ルール: ") + "sha256:\(ruleSet.shortHash)")
        for (programID, _) in evaluation.results {
            lines.append("")
            lines += sectionLines(evaluation, program: programID)
        }
        return lines.joined(separator: "\n")
    }

    /// One program's part of the explanation (for a mail section); without its `■` headline when
    /// the mail says the outcome in its own words.
    public func section(_ evaluation: DossierEvaluation, program: String, headline: Bool = true) -> String {
        var lines = sectionLines(evaluation, program: program)
        if !headline, !lines.isEmpty {
            lines.removeFirst()
            lines = lines.map { $0.hasPrefix("  ") ? String($0.dropFirst(2)) : $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// The headline words of a program's outcome (`認定 プラチナ (95点)`), without the program's title.
    public func headline(_ evaluation: DossierEvaluation, program: String) -> String? {
        guard let first = sectionLines(evaluation, program: program).first, let range = first.range(of: ": ") else { return nil }
        return String(first[range.upperBound...])
    }

    private func sectionLines(_ evaluation: DossierEvaluation, program programID: String) -> [String] {
        guard let program = ruleSet.program(programID), let result = evaluation.result(programID) else { return [] }
        switch (result, program.body) {
        case (.certification(let r), .certification(let rules)): return certification(r, rules: rules, program: program)
        case (.eligibility(let r), .eligibility(let rules)): return eligibility(r, rules: rules, program: program)
        case (.award(let r), .award(let rules)): return award(r, rules: rules, program: program)
        default: return []
        }
    }

    // MARK: Certification

    private func certification(_ r: CertificationResult, rules: CertificationRules, program: ProgramDefinition) -> [String] {
        var lines: [String] = []
        let tierTitle = { (id: String) in rules.tiers.first { $0.id == id }.map { title($0.title) } ?? id }
        let headline: String
        switch r.outcome {
        case .certified: headline = t("certified ", "認定 ") + tierTitle(r.tier ?? "") + t(" (\(r.points) points)", " (\(r.points)点)")
        case .notCertified: headline = t("not certified (\(r.points) points)", "認定に至りません (\(r.points)点)")
        case .disqualified: headline = t("not eligible for certification", "認定の対象外 (欠格)")
        case .outOfScope: headline = t("outside the scheme's area", "対象地域外")
        case .incomplete: headline = t("cannot be decided yet: data is missing", "情報が不足しているため判定できません")
        case .late: headline = t("submitted after the deadline: not evaluated in this round", "締切後の提出のため、今回の募集回では審査されません")
        }
        lines.append("■ \(title(program.title)): \(headline)")
        if let validUntil = r.validUntil, let date = try? validUntil.calendarDate(in: ruleSet.calendar.zone) {
            lines.append("  " + t("Valid until \(date)", "有効期限: \(date)"))
        }
        if let scope = r.scope, scope.status != .met, let condition = rules.scope {
            lines.append("  " + reason(condition, scope, program: program))
        }
        for (condition, result) in zip(rules.disqualify, r.disqualify) where result.status == .met {
            lines.append("  ✘ " + (condition.reason.map(title) ?? condition.id) + usedValues(result.values, program: program))
        }
        let sectionText = zip(rules.sections, r.sections).map { "\(title($0.title)) \($1.points)" + t(" pt", "点") }
        if !sectionText.isEmpty { lines.append("  " + t("By section: ", "区分別: ") + sectionText.joined(separator: " / ")) }
        for (criterion, result) in zip(rules.criteria, r.criteria) {
            // A criterion worth no points counts only as a requirement of tiers: "0 of 0 points" says nothing.
            let noPoints = criterion.maxPoints == 0
            let required = rules.tiers.contains { $0.requires.contains(criterion.id) }
            let requirement = required ? t("required", "必須") : t("no points", "配点なし")
            let mark: String
            var detail: String
            switch result.status {
            case .met:
                mark = "✔"
                detail =
                    noPoints
                    ? requirement + t(" (met)", " (満たしています)")
                    : t("\(result.points) of \(criterion.maxPoints) points", "\(criterion.maxPoints)点中 \(result.points)点")
            case .notMet:
                mark = "✘"
                detail = noPoints ? requirement + t(" (not met)", " (満たしていません)") : t("0 of \(criterion.maxPoints) points", "\(criterion.maxPoints)点中 0点")
            case .unknown:
                mark = "?"
                detail = (noPoints ? requirement + t(", ", "、") : "") + t("undecided", "判定不能") + missingText(result.missing, program: program)
            case .error:
                mark = "!"
                detail = (noPoints ? requirement + t(", ", "、") : "") + t("cannot be computed: ", "計算できません: ") + (result.error ?? "")
            }
            lines.append("  \(mark) \(title(criterion.title)) — \(detail)\(usedValues(result.values, program: program, said: result.error))")
        }
        if let next = r.nextTier {
            lines.append("  " + t("To reach ", "次の「") + tierTitle(next.tier) + t(":", "」に必要なこと:"))
            if next.pointsLacking > 0 {
                lines.append("    - " + t("\(next.pointsLacking) more points", "あと \(next.pointsLacking) 点"))
            }
            for lacking in next.criteriaLacking {
                let criterionTitle = rules.criteria.first { $0.id == lacking.id }.map { title($0.title) } ?? lacking.id
                lines.append("    - " + t("meet “\(criterionTitle)”", "「\(criterionTitle)」を満たすこと") + (lacking.status == .unknown ? t(" (data missing)", " (情報不足)") : ""))
            }
            for section in next.sectionsLacking {
                let sectionTitle = rules.sections.first { $0.id == section.section }.map { title($0.title) } ?? section.section
                lines.append("    - " + t("\(section.lacking) more points in “\(sectionTitle)”", "区分「\(sectionTitle)」であと \(section.lacking) 点"))
            }
            if next.conditionLacking != nil, let tier = rules.tiers.first(where: { $0.id == next.tier }) {
                let condition = tier.whenTitle.map(title) ?? tier.when?.source ?? ""
                lines.append("    - " + t("also: ", "さらに: ") + condition)
            }
            if let path = next.cheapestPath, !path.isEmpty {
                let steps = path.map { step -> String in
                    let criterionTitle = rules.criteria.first { $0.id == step.criterion }.map { title($0.title) } ?? step.criterion
                    var text = "「\(criterionTitle)」 \(step.fromPoints)→\(step.toPoints)" + t(" pt", "点")
                    if !step.missing.isEmpty {
                        text += t(" (provide ", " (") + names(step.missing, program: program).joined(separator: t(", ", "、")) + t(")", " を提出)")
                    }
                    return text
                }
                lines.append("    " + t("Shortest way: ", "最短の道: ") + steps.joined(separator: t(", ", "、")))
            }
        }
        return lines
    }

    private func reason(_ condition: Condition, _ result: ConditionResult, program: ProgramDefinition) -> String {
        let mark = result.status == .unknown ? "?" : "✘"
        var text = "\(mark) " + (condition.reason.map(title) ?? condition.title.map(title) ?? condition.id)
        if result.status == .unknown { text += missingText(result.missing, program: program) }
        return text + usedValues(result.values, program: program)
    }

    // MARK: Eligibility

    private func eligibility(_ r: EligibilityResult, rules: EligibilityRules, program: ProgramDefinition) -> [String] {
        var lines: [String] = []
        let headline: String
        switch r.outcome {
        case .eligible: headline = t("eligible", "対象です")
        case .ineligible: headline = t("not eligible", "対象外です")
        case .incomplete: headline = t("cannot be decided yet: data is missing", "情報が不足しているため判定できません")
        }
        lines.append("■ \(title(program.title)): \(headline)")
        if let terms = r.terms {
            lines.append("  " + t("Terms: ", "条件: ") + terms.map { "\(termName($0.name)) \(display($0.value, unit: termUnit($0.name)))" }.joined(separator: t(", ", "、")))
        }
        for note in r.notes { lines.append("  ※ " + title(note.text)) }
        for (condition, result) in zip(rules.conditions, r.conditions) {
            let name = condition.title.map(title) ?? condition.id
            switch result.status {
            case .met: lines.append("  ✔ \(name)\(usedValues(result.values, program: program))")
            case .notMet: lines.append("  ✘ \(name)" + (condition.reason.map { " — " + title($0) } ?? "") + usedValues(result.values, program: program))
            case .unknown: lines.append("  ? \(name)" + missingText(result.missing, program: program))
            case .error: lines.append("  ! \(name)" + t(" — cannot be computed: ", " — 計算できません: ") + (result.error ?? ""))
            }
        }
        return lines
    }

    // MARK: Award

    private func award(_ r: AwardResult, rules: AwardRules, program: ProgramDefinition) -> [String] {
        var lines: [String] = []
        let categoryTitle = r.category.flatMap { id in rules.categories.first { $0.id == id } }
        if r.excludedBecause == "late" {
            lines.append("■ \(title(program.title)): " + t("not ranked (submitted after the deadline)", "締切後の提出のため選考対象外"))
            return lines
        }
        guard r.eligible else {
            lines.append("■ \(title(program.title)): " + t("not eligible", "選考対象外"))
            lines.append("  " + reason(rules.eligible, r.eligibility, program: program))
            return lines
        }
        var headline = t("eligible", "選考対象")
        if let categoryTitle { headline += t(", category ", "・") + title(categoryTitle.title) }
        if let score = r.score { headline += t(", score ", "・得点 ") + display(score, unit: nil) }
        lines.append("■ \(title(program.title)): \(headline)")
        let decided = t(
            "the rank and prize are decided over all applicants of the round after its deadline",
            "順位と賞は、締切後に募集回のすべての申請の中で決まります")
        switch ranking {
        case .alone:
            // Alone, the dossier would always be first: say how it will be decided instead.
            lines.append("  " + t("The rank and prize are decided over all applicants of the round after its deadline", decided))
        case .round, .given:
            guard let rank = r.rank else { break }
            var text = t("Rank \(rank)", "順位 \(rank)")
            if let prize = r.prize, let prizeTitle = categoryTitle?.prizes.first(where: { $0.id == prize }) {
                text += t(": ", ": ") + title(prizeTitle.title)
            }
            if let tie = tieBreakText(r, rules: rules) { text += " (" + tie + ")" }
            if case .given(let count) = ranking {
                text += t(" among the \(count) dossiers given (\(decided))", " (指定した \(count) 件の申請の中での順位です。\(decided))")
            }
            lines.append("  " + text)
        }
        return lines
    }

    /// `得点が同じ申請があり、削減実績の大きい順、次に提出日時の早い順で順位が決まりました` when the
    /// order among dossiers with the same score was decided by the tie-breaks (`rank_by` after the first key).
    private func tieBreakText(_ r: AwardResult, rules: AwardRules) -> String? {
        guard let breaks = tieBreakTitles(r, rules: rules), let first = rules.rankBy.first else { return nil }
        let name = first.title.map(title) ?? first.expression.source
        return t("tied on \(midSentence(name)) with another applicant: ordered by \(breaks)", "\(name)が同じ申請があり、\(breaks)で順位が決まりました")
    }

    /// The tie-breaks that ordered this dossier among those with the same score, in words
    /// (`削減実績の大きい順、次に提出日時の早い順`), for mail templates; nil without such a tie.
    public func tieBreakTitles(_ r: AwardResult, rules: AwardRules) -> String? {
        guard let last = r.tieBreak, last < rules.rankBy.count, last < r.rankKeys.count else { return nil }
        let words = (1...last).map { index -> String in
            let key = rules.rankBy[index]
            let name = key.title.map(title) ?? key.expression.source
            let direction: (en: String, ja: String)
            switch r.rankKeys[index] {
            case .timestamp?: direction = key.descending ? ("later first", "の遅い順") : ("earlier first", "の早い順")
            case .int?, .uint?, .decimal?, .double?: direction = key.descending ? ("higher first", "の大きい順") : ("lower first", "の小さい順")
            default: direction = ("in order", "の順")
            }
            return t("\(midSentence(name)) (\(direction.en))", name + direction.ja)
        }
        return words.joined(separator: t(", then ", "、次に"))
    }

    /// An English title inside a sentence: `Achieved reduction` → `achieved reduction` (`SBT` stays).
    private func midSentence(_ text: String) -> String {
        let characters = Array(text)
        guard characters.count > 1, characters[0].isUppercase, characters[1].isLowercase else { return text }
        return characters[0].lowercased() + String(characters.dropFirst())
    }

    // MARK: Values

    /// The values a line read, in brackets: `[資本金 = 30,000,000円、中小企業者の資本金の上限 = 300,000,000円]`.
    /// - Parameter said: an error message the line already gives, not repeated for the value that caused it.
    private func usedValues(_ values: [UsedValue], program: ProgramDefinition, said: String? = nil) -> String {
        guard !values.isEmpty else { return "" }
        var parts: [String] = []
        for used in values {
            let name = valueName(used.name, program: program)
            let shown: String
            if let value = used.value {
                shown = name.format?(value) ?? display(value, unit: name.unit, field: name.field, negative: name.negative)
            } else if let error = used.error {
                // Not missing: the value was there to compute, and computing it failed.
                shown = error == said ? t("(cannot be computed)", "(計算できません)") : t("(cannot be computed: \(error))", "(計算できません: \(error))")
            } else if name.isPending {
                shown = t("(not decided yet)", "(未定)")
            } else {
                shown = t("(missing)", "(未記入)")
            }
            // `tier` and `tier_rank` read alike (認定ランク = プラチナ): said once.
            let part = "\(name.text) = " + shown
            if !parts.contains(part) { parts.append(part) }
        }
        return "  [" + parts.joined(separator: t("; ", "、")) + "]"
    }

    /// ` — 不足: 資本金` for missing dossier data; a program result not decided yet is said as such
    /// (`認定結果 (募集締切後に判定されます)`), not as data the applicant failed to give.
    private func missingText(_ paths: [String], program: ProgramDefinition) -> String {
        let missing = names(paths.filter { !$0.hasPrefix("programs.") }, program: program)
        let pending = names(paths.filter { $0.hasPrefix("programs.") }, program: program)
        var parts: [String] = []
        if !missing.isEmpty { parts.append(t("missing: ", "不足: ") + missing.joined(separator: t(", ", "、"))) }
        parts += pending
        return parts.isEmpty ? "" : " — " + parts.joined(separator: t("; ", "、"))
    }

    /// What paths are called, each name once (`tier` and `tier_rank` of a program are one result).
    private func names(_ paths: [String], program: ProgramDefinition) -> [String] {
        var result: [String] = []
        for path in paths {
            let name = valueName(path, program: program)
            let text = name.isPending ? pendingText(path) : name.text
            if !result.contains(text) { result.append(text) }
        }
        return result
    }

    /// A program result that is not known yet: `認定結果 (募集締切後に判定されます)`.
    private func pendingText(_ path: String) -> String {
        let id = path.split(separator: ".").dropFirst().first.map(String.init) ?? ""
        let used = ruleSet.program(id)
        if used?.kind == .certification {
            return t("certification result (decided when the round closes)", "認定結果 (募集締切後に判定されます)")
        }
        let name = used.map { title($0.title) } ?? id
        return t("result of “\(name)” (decided when the round closes)", "「\(name)」の結果 (募集締切後に判定されます)")
    }

    /// What a value read by a rule is called in words, and how it is shown.
    private struct ValueName {
        var text: String
        var unit: String? = nil
        /// Shows the value when the unit alone does not say enough (a tier id as its title).
        var format: ((Value) -> String)? = nil
        /// A result of another program (`programs.certification.tier`): missing means not decided yet.
        var isPending = false
        /// The schema field read: its value labels name its words (`led` → `LED照明`).
        var field: FieldSpec? = nil
        /// What a negative value means (`増加`), from the let's `negative:`.
        var negative: LocalizedText? = nil
    }

    /// A dossier field by its schema label (`従業員数`), a let by its `label:`, another program's result
    /// by what it means (`認定ランク`), a round field in words; the raw name only when nothing better exists.
    private func valueName(_ path: String, program: ProgramDefinition) -> ValueName {
        if let field = ruleSet.schema.field(at: path), let label = field.label { return ValueName(text: title(label), unit: field.unit, field: field) }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        let head = parts[0]
        let rest = parts.count > 1 ? parts[1] : ""
        if head == "programs" { return programValueName(rest) ?? ValueName(text: path, isPending: true) }
        if head == "round" {
            switch rest {
            case "id": return ValueName(text: t("Round", "募集回"))
            case "year": return ValueName(text: t("Year of the round", "募集回の年"))
            case "opens": return ValueName(text: t("Round opens", "募集開始"))
            case "deadline": return ValueName(text: t("Round deadline", "募集締切"))
            default: return ValueName(text: path)
            }
        }
        guard let definition = program.lets.first(where: { $0.name == head }) ?? ruleSet.sharedLets.first(where: { $0.name == head }) else {
            return ValueName(text: path)
        }
        if rest.isEmpty {
            guard let label = definition.label else { return ValueName(text: path) }
            return ValueName(text: label.label.map(title) ?? path, unit: label.unit, negative: label.negative)
        }
        if let field = definition.fieldLabels[rest] {
            let text = field.label.map(title) ?? (definition.label?.label.map { title($0) + " (\(rest))" } ?? path)
            return ValueName(text: text, unit: field.unit, negative: field.negative)
        }
        return ValueName(text: definition.label?.label.map { title($0) + " (\(rest))" } ?? path)
    }

    /// `programs.ID.FIELD`: what another program's result field means (`認定ランク = プラチナ`).
    private func programValueName(_ path: String) -> ValueName? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let used = ruleSet.program(parts[0]), parts.count == 2 else { return nil }
        let field = parts[1]
        let points = { (value: Value) -> String in
            guard case .int(let n) = value else { return self.display(value, unit: nil) }
            return self.t("\(n) points", "\(n)点")
        }
        switch used.body {
        case .certification(let rules):
            let none = t("none", "なし")
            let tierName = t("Certification tier", "認定ランク")
            switch field {
            case "tier":
                return ValueName(text: tierName, format: { value in
                    guard case .string(let id) = value else { return none }
                    return rules.tiers.first { $0.id == id }.map { self.title($0.title) } ?? id
                }, isPending: true)
            case "tier_rank":
                return ValueName(text: tierName, format: { value in
                    guard case .int(let rank) = value, rank >= 1, rank <= rules.tiers.count else { return none }
                    return self.title(rules.tiers[Int(rank) - 1].title)
                }, isPending: true)
            case "points": return ValueName(text: t("Certification points", "認定の得点"), format: points, isPending: true)
            case "certified": return ValueName(text: t("Certified", "認定の有無"), isPending: true)
            case "outcome":
                return ValueName(text: t("Certification outcome", "認定の結果"), format: { value in
                    guard case .string(let word) = value, let outcome = CertificationOutcome(rawValue: word) else { return self.display(value, unit: nil) }
                    return self.outcomeWords(outcome)
                }, isPending: true)
            case "missing": return ValueName(text: t("Data missing for the certification", "認定に不足している情報"), isPending: true)
            default:
                if field.hasPrefix("sections."), let section = rules.sections.first(where: { "sections.\($0.id)" == field }) {
                    return ValueName(text: t("Points in “\(title(section.title))”", "区分「\(title(section.title))」の得点"), format: points, isPending: true)
                }
                if field.hasPrefix("criteria."), let criterion = rules.criteria.first(where: { "criteria.\($0.id)" == field }) {
                    return ValueName(text: t("“\(title(criterion.title))”", "「\(title(criterion.title))」"), format: { value in
                        guard case .string(let word) = value, let status = Status(rawValue: word) else { return self.display(value, unit: nil) }
                        return self.statusWords(status)
                    }, isPending: true)
                }
                return nil
            }
        case .eligibility:
            let name = title(used.title)
            switch field {
            case "outcome", "eligible": return ValueName(text: t("“\(name)”", "「\(name)」の対象"), isPending: true)
            default:
                guard field.hasPrefix("terms.") else { return nil }
                let term = String(field.dropFirst("terms.".count))
                return ValueName(text: termName(term), unit: termUnit(term), isPending: true)
            }
        case .award:
            return nil
        }
    }

    private func outcomeWords(_ outcome: CertificationOutcome) -> String {
        switch outcome {
        case .certified: t("certified", "認定")
        case .notCertified: t("not certified", "認定に至らず")
        case .disqualified: t("not eligible", "欠格")
        case .outOfScope: t("outside the area", "対象地域外")
        case .incomplete: t("data missing", "情報不足")
        case .late: t("submitted late", "締切後の提出")
        }
    }

    private func statusWords(_ status: Status) -> String {
        switch status {
        case .met: t("met", "満たしている")
        case .notMet: t("not met", "満たしていない")
        case .unknown: t("undecided", "判定不能")
        case .error: t("cannot be computed", "計算できません")
        }
    }

    private func termName(_ name: String) -> String {
        let names: [String: (String, String)] = [
            "interest_subsidy_pct": ("interest subsidy", "利子補給"), "guarantee_fee_subsidy_pct": ("guarantee-fee subsidy", "保証料補助"),
            "limit_jpy": ("limit", "融資限度額"), "term_years": ("term", "融資期間"),
        ]
        guard let pair = names[name] else { return name }
        return t(pair.0, pair.1)
    }

    private func termUnit(_ name: String) -> String? {
        if name.hasSuffix("_pct") { return "%" }
        if name.hasSuffix("_jpy") { return "JPY" }
        if name.hasSuffix("_years") { return "years" }
        return nil
    }

    /// What a record (a list item such as an investment) is, in a few words: its name, title or
    /// description if it has one, else its first text field, else its first fields; a word the
    /// schema labels (`spec`: the record's fields) by its label.
    private func recordName(_ record: RecordValue, spec: ObjectSpec? = nil) -> String {
        let word = { (key: String, text: String) in spec?.field(key)?.valueLabels[text].map(self.title) ?? text }
        for key in ["name", "title", "description", "label", "kind", "type", "id"] {
            if case .string(let text)? = record[key] { return word(key, text) }
        }
        let fields = zip(record.type.fields, record.fields).compactMap { field, value in value.map { (field.name, $0) } }
        if let text = fields.lazy.compactMap({ name, value -> String? in
            if case .string(let text) = value { return word(name, text) }
            return nil
        }).first {
            return text
        }
        let parts = fields.prefix(3).map { name, value -> String in
            if case .record = value { return "\(name): …" }
            if case .list = value { return "\(name): …" }
            let field = spec?.field(name)
            return "\(name): " + display(value, unit: field?.unit, field: field)
        }
        return "{" + parts.joined(separator: ", ") + (fields.count > 3 ? ", …" : "") + "}"
    }

    /// A value for people: numbers with their unit (percentages to 1 place, other fractions to 3;
    /// the decision used the exact value), words by the schema's value labels, lists in words.
    /// - Parameters:
    ///   - field: the schema field the value comes from, for its value labels (and its items').
    ///   - negative: what a negative number means (`増加`): said after its size instead of a minus sign.
    private func display(_ value: Value, unit: String?, field: FieldSpec? = nil, negative: LocalizedText? = nil) -> String {
        var amount: ExactDecimal
        var grouping = true
        switch value {
        case .bool(let b): return b ? t("yes", "はい") : t("no", "いいえ")
        case .int(let i):
            amount = ExactDecimal(i)
            // Years and other small counts read better without a separator (2030, not 2,030).
            grouping = unit != nil || abs(i) >= 10_000
        case .decimal(let d): amount = d.isInteger ? d : ((try? d.rounded(places: unit == "%" ? 1 : 3, .halfUp)) ?? d)
        case .string(let text): return field?.valueLabels[text].map(title) ?? text
        case .list(let items):
            guard !items.isEmpty else { return t("none", "なし") }
            var item: FieldSpec?
            if case .list(let spec)? = field?.type { item = spec }
            let records = items.compactMap { item -> RecordValue? in
                if case .record(let record) = item { return record }
                return nil
            }
            guard records.count == items.count else {
                return items.map { display($0, unit: item?.unit, field: item) }.joined(separator: t(", ", "・"))
            }
            // A list of records (investments): how many, and what each is.
            var spec: ObjectSpec?
            if case .object(let object)? = item?.type { spec = object }
            let shownItems = 5
            var names = records.prefix(shownItems).map { recordName($0, spec: spec) }
            if records.count > shownItems { names.append("…") }
            return t("\(records.count) item\(records.count == 1 ? "" : "s")", "\(records.count)件") + " (" + names.joined(separator: t(", ", "、")) + ")"
        case .timestamp(let ts): return ts.rfc3339(in: ruleSet.calendar.zone)
        case .record(let record):
            var spec: ObjectSpec?
            if case .object(let object)? = field?.type { spec = object }
            return recordName(record, spec: spec)
        default: return Format.display(value)
        }
        var meaning = ""
        if let negative, amount.isNegative {
            amount = amount.magnitude
            meaning = " " + title(negative)
        }
        let number = amount.formatted(grouping: grouping)
        switch unit {
        case "JPY": return (ja ? number + "円" : "¥" + number) + meaning
        case "%": return number + "%" + meaning
        case "years": return (ja ? number + "年" : number + " years") + meaning
        case let unit?: return number + " " + unit + meaning
        case nil: return number + meaning
        }
    }
}
