public import Diagnostics
public import ExpressionLanguage

/// How a criterion, condition or row came out for one dossier.
public enum Status: String, Sendable, Hashable, CaseIterable {
    case met
    case notMet = "not_met"
    /// Needs data the dossier does not have; the missing fields are named.
    case unknown
    /// The expression failed (division by zero, …); the message says why.
    case error
}

/// The value of a dossier field or let that an expression read, for explanations.
public struct UsedValue: Sendable {
    /// `company.employees`, or a let's name.
    public let name: String
    /// Nil when the value is missing or could not be computed.
    public let value: Value?
    /// Why the value could not be computed (a let that failed, e.g. division by zero); nil when it
    /// is simply missing.
    public var error: String? = nil
}

public struct CriterionResult: Sendable {
    public let id: String
    public let status: Status
    public let points: Int
    /// The index of the row that held (rows criteria), or 0 for a single `when`.
    public let row: Int?
    public var missing: [String] { details.map { RuleEngine.displayPaths($0.missing) } ?? [] }
    public var error: String? { details?.error }
    public var values: [UsedValue] { details?.values ?? [] }
    /// Missing fields, error and values; nil (nothing to count references of) when there are none.
    let details: ResultDetails?

    init(id: String, status: Status, points: Int, row: Int?, details: ResultDetails?) {
        self.id = id
        self.status = status
        self.points = points
        self.row = row
        self.details = details
    }
}

public struct ConditionResult: Sendable {
    public let id: String
    public let status: Status
    public var missing: [String] { details.map { RuleEngine.displayPaths($0.missing) } ?? [] }
    public var error: String? { details?.error }
    public var values: [UsedValue] { details?.values ?? [] }
    let details: ResultDetails?

    init(id: String, status: Status, details: ResultDetails?) {
        self.id = id
        self.status = status
        self.details = details
    }
}

/// What a criterion or condition result holds beyond its status: most results have none of it,
/// and then no object is made.
final class ResultDetails: Sendable {
    /// The missing fields as expressions name them (`dossier.target.year`); shown without the
    /// `dossier.` prefix.
    let missing: [String]
    let error: String?
    let values: [UsedValue]

    init(missing: [String], error: String?, values: [UsedValue]) {
        self.missing = missing
        self.error = error
        self.values = values
    }

    /// Nil when there is nothing to hold.
    static func make(missing: [String], error: String?, values: [UsedValue]) -> ResultDetails? {
        missing.isEmpty && error == nil && values.isEmpty ? nil : ResultDetails(missing: missing, error: error, values: values)
    }
}

/// What a tier needs that the dossier does not yet have.
public struct TierShortfall: Sendable {
    public let tier: String
    public let pointsLacking: Int
    /// Required criteria not met (with their status).
    public let criteriaLacking: [(id: String, status: Status)]
    /// Sections below their minimum: (section, points lacking).
    public let sectionsLacking: [(section: String, lacking: Int)]
    /// The tier's extra condition does not hold (or cannot be decided).
    public let conditionLacking: Status?
    /// The fewest unmet criteria (at their best row) that together reach the tier.
    public let cheapestPath: [CriterionStep]?
}

/// One step toward the next tier: raise a criterion from its current points to a row's points.
public struct CriterionStep: Sendable {
    public let criterion: String
    public let fromPoints: Int
    public let toPoints: Int
    /// The row to reach (index into the criterion's rows).
    public let row: Int
    /// The criterion is unknown: providing these fields may be enough.
    public let missing: [String]
}

public enum CertificationOutcome: String, Sendable, CaseIterable {
    case certified
    case notCertified = "not_certified"
    case disqualified
    case outOfScope = "out_of_scope"
    /// Scope or a disqualifier could not be decided for lack of data.
    case incomplete
    /// Submitted after the round's deadline: not evaluated in that round (no tier).
    case late
}

/// A class: results are passed around and stored in arrays; a reference is cheaper than a copy.
public final class CertificationResult: Sendable {
    public let outcome: CertificationOutcome
    public let tier: String?
    public let points: Int
    public var sections: [(id: String, points: Int)] { zip(sectionIDs, sectionPoints).map { ($0, $1) } }
    public let criteria: [CriterionResult]
    public let scope: ConditionResult?
    public let disqualify: [ConditionResult]
    /// Every field whose absence left something undecided.
    public var missing: [String] { RuleEngine.displayPaths(rawMissing) }
    /// The next tier up and what it takes; nil at the top tier or when certification is not possible.
    public let nextTier: TierShortfall?
    /// Why each tier above the granted one was not granted (for explanations).
    public let tierShortfalls: [TierShortfall]
    /// The rank of the tier (1 = lowest tier), 0 when not certified.
    public let tierRank: Int
    /// The last instant the certificate is valid (end of the same date `validity_years` after the
    /// round's deadline), when certified in a round.
    public let validUntil: Timestamp?
    /// Section ids (shared by every result of the rule set) and their points.
    let sectionIDs: [String]
    let sectionPoints: [Int]
    /// Missing fields as expressions name them.
    let rawMissing: [String]

    init(
        outcome: CertificationOutcome, tier: String?, points: Int, sectionIDs: [String], sectionPoints: [Int], criteria: [CriterionResult],
        scope: ConditionResult?, disqualify: [ConditionResult], missing: [String], nextTier: TierShortfall?, tierShortfalls: [TierShortfall],
        tierRank: Int, validUntil: Timestamp?
    ) {
        self.outcome = outcome
        self.tier = tier
        self.points = points
        self.sectionIDs = sectionIDs
        self.sectionPoints = sectionPoints
        self.criteria = criteria
        self.scope = scope
        self.disqualify = disqualify
        self.rawMissing = missing
        self.nextTier = nextTier
        self.tierShortfalls = tierShortfalls
        self.tierRank = tierRank
        self.validUntil = validUntil
    }
}

public enum EligibilityOutcome: String, Sendable, CaseIterable {
    case eligible
    case ineligible
    /// Some condition could not be decided; never treated as eligible.
    case incomplete
}

public struct EligibilityResult: Sendable {
    public let outcome: EligibilityOutcome
    public let conditions: [ConditionResult]
    /// The terms of the first row that held (when eligible).
    public let terms: [(name: String, value: Value)]?
    public let termsRow: Int?
    public let notes: [(id: String, text: LocalizedText)]
    public var missing: [String] { RuleEngine.displayPaths(rawMissing) }
    /// Missing fields as expressions name them.
    let rawMissing: [String]

    init(
        outcome: EligibilityOutcome, conditions: [ConditionResult], terms: [(name: String, value: Value)]?, termsRow: Int?,
        notes: [(id: String, text: LocalizedText)], missing: [String]
    ) {
        self.outcome = outcome
        self.conditions = conditions
        self.terms = terms
        self.termsRow = termsRow
        self.notes = notes
        self.rawMissing = missing
    }
}

public struct AwardResult: Sendable {
    public let eligibility: ConditionResult
    public var eligible: Bool { eligibility.status == .met }
    public let score: Value?
    public let scoreError: String?
    public let category: String?
    /// Ranking keys in order (nil where a key could not be computed).
    public let rankKeys: [Value?]
    /// Filled in when the round is ranked.
    public var rank: Int?
    public var prize: String?
    /// Filled in when the round is ranked and another eligible dossier of the same category has the
    /// same first `rank_by` key (the score): the position of the last tie-break key it took to order
    /// this dossier against those (1 = the second key). Not part of `eval --format json`.
    public var tieBreak: Int?
    /// Why the dossier takes no part in the ranking (late, other round), when that is the reason.
    public var excludedBecause: String?
}

public enum ProgramResult: Sendable {
    case certification(CertificationResult)
    case eligibility(EligibilityResult)
    case award(AwardResult)

    /// The headline outcome word (`certified`, `eligible`, `grand`).
    public var outcome: String {
        switch self {
        case .certification(let r): r.outcome.rawValue
        case .eligibility(let r): r.outcome.rawValue
        case .award(let r): r.prize ?? (r.eligible ? "no_prize" : "not_eligible")
        }
    }
}

/// Every program's result for one dossier.
public struct DossierEvaluation: Sendable {
    public let dossier: Dossier
    public let ruleSetHash: String
    /// The round the dossier was evaluated in.
    public let round: Round?
    /// Submitted after the round's deadline.
    public let late: Bool
    /// Results by program id, in evaluation order.
    public var results: [(program: String, result: ProgramResult)]

    public func result(_ program: String) -> ProgramResult? { results.first { $0.program == program }?.result }

    public var certification: CertificationResult? {
        for entry in results { if case .certification(let r) = entry.result { return r } }
        return nil
    }
}
