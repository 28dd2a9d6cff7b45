public import Diagnostics
public import ExpressionLanguage

/// What a program decides.
public enum ProgramKind: String, Sendable, CaseIterable {
    /// Tiers awarded by points from criteria.
    case certification
    /// Ranked prizes over all dossiers of a round.
    case award
    /// Conditions that must all hold, and terms chosen by the first matching row (the loan).
    case eligibility
}

/// How a value is named to people (in explanations and mails): a label and a unit, as the schema
/// gives dossier fields.
public struct ValueLabel: Sendable {
    public let label: LocalizedText?
    /// `JPY`, `%`, `years`, or any unit text shown after the number (`t-CO2`).
    public let unit: String?
    /// What a negative value means, said after its size (`増加`: a reduction of −3.8 % reads
    /// `3.8% 増加`); nil shows the minus sign.
    public var negative: LocalizedText? = nil
}

/// A named value computed once per dossier (`let:`), visible to later lets and the program.
public final class LetDefinition: Sendable {
    public let name: String
    public let expression: RuleExpression
    public let slot: Int
    /// What explanations call the value (`{expr: …, label: …, unit: …}`); nil for `name: expression`.
    public let label: ValueLabel?
    /// Labels of the fields of a record-valued let (a table row), by field name.
    public let fieldLabels: [String: ValueLabel]

    init(name: String, expression: RuleExpression, slot: Int, label: ValueLabel? = nil, fieldLabels: [String: ValueLabel] = [:]) {
        self.name = name
        self.expression = expression
        self.slot = slot
        self.label = label
        self.fieldLabels = fieldLabels
    }
}

/// A condition with an id and a reason (scope, disqualifiers, eligibility conditions).
public final class Condition: Sendable {
    public let id: String
    public let title: LocalizedText?
    public let when: RuleExpression
    public let reason: LocalizedText?
    public let location: SourceLocation

    init(id: String, title: LocalizedText?, when: RuleExpression, reason: LocalizedText?, location: SourceLocation) {
        self.id = id
        self.title = title
        self.when = when
        self.reason = reason
        self.location = location
    }
}

/// One first-match row of a criterion: when it holds, the criterion gives `points`.
public struct CriterionRow: Sendable {
    public let when: RuleExpression
    public let points: Int
    public let location: SourceLocation
}

/// A scoring criterion: a single `when` + `points`, or rows where the first that holds wins.
///
/// Rule parts are classes: evaluation walks them for every dossier and a reference is cheaper to pass than a copy.
public final class Criterion: Sendable {
    public let id: String
    public let section: String?
    public let title: LocalizedText
    public let rows: [CriterionRow]
    public let location: SourceLocation

    public var maxPoints: Int { rows.map(\.points).max() ?? 0 }

    init(id: String, section: String?, title: LocalizedText, rows: [CriterionRow], location: SourceLocation) {
        self.id = id
        self.section = section
        self.title = title
        self.rows = rows
        self.location = location
    }
}

public struct Section: Sendable {
    public let id: String
    public let title: LocalizedText
    public let location: SourceLocation
}

/// A certification tier (lowest first in the rule file).
public final class Tier: Sendable {
    public let id: String
    public let title: LocalizedText
    public let minPoints: Int
    /// Criteria that must be met.
    public let requires: [String]
    /// Minimum points per section.
    public let sectionMinimums: [(section: String, points: Int)]
    /// An extra condition (`target.sbt || target.re_action`), with what to tell the applicant.
    public let when: RuleExpression?
    public let whenTitle: LocalizedText?
    public let location: SourceLocation

    init(id: String, title: LocalizedText, minPoints: Int, requires: [String], sectionMinimums: [(section: String, points: Int)], when: RuleExpression?, whenTitle: LocalizedText?, location: SourceLocation) {
        self.id = id
        self.title = title
        self.minPoints = minPoints
        self.requires = requires
        self.sectionMinimums = sectionMinimums
        self.when = when
        self.whenTitle = whenTitle
        self.location = location
    }
}

/// A row of terms: the first whose `when` holds gives its values.
public struct TermsRow: Sendable {
    public let when: RuleExpression
    public let values: [(name: String, value: Value)]
    public let location: SourceLocation
}

/// A remark added to an eligible result when its condition holds (expressions may read `terms`).
public struct ResultNote: Sendable {
    public let id: String
    public let when: RuleExpression
    public let text: LocalizedText
}

public struct Prize: Sendable {
    public let id: String
    public let title: LocalizedText
    public let count: Int
}

public struct AwardCategory: Sendable {
    public let id: String
    public let title: LocalizedText
    public let when: RuleExpression
    public let prizes: [Prize]
    public let location: SourceLocation
}

/// A ranking key; earlier keys decide first, later keys break ties.
public struct RankKey: Sendable {
    public let expression: RuleExpression
    public let descending: Bool
    public let title: LocalizedText?
}

public final class CertificationRules: Sendable {
    /// How long a certificate is valid, from the round's deadline (`validity_years:`).
    public let validityYears: Int?
    public let scope: Condition?
    public let disqualify: [Condition]
    public let sections: [Section]
    public let criteria: [Criterion]
    public let tiers: [Tier]

    init(validityYears: Int?, scope: Condition?, disqualify: [Condition], sections: [Section], criteria: [Criterion], tiers: [Tier]) {
        self.validityYears = validityYears
        self.scope = scope
        self.disqualify = disqualify
        self.sections = sections
        self.criteria = criteria
        self.tiers = tiers
    }
}

public final class EligibilityRules: Sendable {
    public let conditions: [Condition]
    public let terms: [TermsRow]
    public let notes: [ResultNote]
    /// The slot of `terms` while notes are evaluated.
    let termsSlot: Int?

    init(conditions: [Condition], terms: [TermsRow], notes: [ResultNote], termsSlot: Int?) {
        self.conditions = conditions
        self.terms = terms
        self.notes = notes
        self.termsSlot = termsSlot
    }
}

public final class AwardRules: Sendable {
    public let eligible: Condition
    public let score: RuleExpression
    public let categories: [AwardCategory]
    public let rankBy: [RankKey]

    init(eligible: Condition, score: RuleExpression, categories: [AwardCategory], rankBy: [RankKey]) {
        self.eligible = eligible
        self.score = score
        self.categories = categories
        self.rankBy = rankBy
    }
}

/// One program file (`program:`): a certification, an award or an eligibility scheme.
public final class ProgramDefinition: Sendable {
    public enum Body: Sendable {
        case certification(CertificationRules)
        case eligibility(EligibilityRules)
        case award(AwardRules)
    }

    public let id: String
    public let kind: ProgramKind
    public let version: String
    public let title: LocalizedText
    public let uses: [String]
    public let lets: [LetDefinition]
    public let body: Body
    public let file: String
    public let location: SourceLocation
    /// The record bound to `programs` while this program runs: one field per used program.
    let programsType: RecordType

    public var certification: CertificationRules? { if case .certification(let rules) = body { rules } else { nil } }
    public var eligibility: EligibilityRules? { if case .eligibility(let rules) = body { rules } else { nil } }
    public var award: AwardRules? { if case .award(let rules) = body { rules } else { nil } }

    /// Every expression of the program in file order, its lets first, for whole-rule-set walks.
    var expressions: [RuleExpression] {
        var all = lets.map(\.expression)
        switch body {
        case .certification(let rules):
            if let scope = rules.scope { all.append(scope.when) }
            all += rules.disqualify.map(\.when)
            all += rules.criteria.flatMap { $0.rows.map(\.when) }
            all += rules.tiers.compactMap(\.when)
        case .eligibility(let rules):
            all += rules.conditions.map(\.when) + rules.terms.map(\.when) + rules.notes.map(\.when)
        case .award(let rules):
            all += [rules.eligible.when, rules.score] + rules.categories.map(\.when) + rules.rankBy.map(\.expression)
        }
        return all
    }

    init(id: String, kind: ProgramKind, version: String, title: LocalizedText, uses: [String], lets: [LetDefinition], body: Body, file: String, location: SourceLocation, programsType: RecordType) {
        self.id = id
        self.kind = kind
        self.version = version
        self.title = title
        self.uses = uses
        self.lets = lets
        self.body = body
        self.file = file
        self.location = location
        self.programsType = programsType
    }
}
