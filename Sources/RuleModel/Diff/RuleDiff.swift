import Diagnostics
import ExpressionLanguage
public import JSON

/// What a rule change does to a set of dossiers: for every program the transition matrix of
/// outcomes, each dossier whose result changed (and how), and the criteria whose hit counts moved.
public struct RuleDiff: Sendable {
    public struct Change: Sendable {
        public let dossier: String
        public let program: String
        public let before: String
        public let after: String
        /// Certification points after minus before.
        public let pointsDelta: Int?
        /// Criteria or conditions whose status or points changed: (id, before, after).
        public let details: [(id: String, before: String, after: String)]
    }

    public struct ProgramSummary: Sendable {
        public let program: String
        /// (before, after) → number of dossiers.
        public let transitions: [Transition: Int]
        public let changes: [Change]
        /// Criteria (or conditions) met: id → (before, after), for those that differ.
        public let hitCounts: [(id: String, before: Int, after: Int)]
    }

    public struct Transition: Hashable, Sendable {
        public let before: String
        public let after: String
        public init(before: String, after: String) {
            self.before = before
            self.after = after
        }
    }

    public let baseHash: String
    public let newHash: String
    public let dossierCount: Int
    public let programs: [ProgramSummary]
    /// Dossiers valid under only one of the two rule sets.
    public let validityChanges: [(dossier: String, base: Bool, new: Bool)]

    /// The label a result gets in the matrix: the tier or outcome, the eligibility outcome, the prize.
    public static func label(_ result: ProgramResult) -> String {
        switch result {
        case .certification(let r): r.tier ?? r.outcome.rawValue
        case .eligibility(let r): r.outcome.rawValue
        case .award(let r): r.prize ?? (r.eligible ? (r.rank != nil ? "ranked, no prize" : "eligible") : "not eligible")
        }
    }

    /// Compares evaluations of the same dossiers (matched by dossier id) under two rule sets.
    public static func compare(
        base: [DossierEvaluation], new: [DossierEvaluation], baseHash: String, newHash: String,
        validity: [(dossier: String, base: Bool, new: Bool)] = []
    ) -> RuleDiff {
        let baseByID = Dictionary(base.map { ($0.dossier.id, $0) }, uniquingKeysWith: { first, _ in first })
        var programIDs: [String] = []
        for evaluation in new + base {
            for entry in evaluation.results where !programIDs.contains(entry.program) { programIDs.append(entry.program) }
        }
        var summaries: [ProgramSummary] = []
        for program in programIDs {
            var transitions: [Transition: Int] = [:]
            var changes: [Change] = []
            var hitsBefore: [String: Int] = [:]
            var hitsAfter: [String: Int] = [:]
            var order: [String] = []
            for evaluation in new {
                guard let old = baseByID[evaluation.dossier.id] else { continue }
                let before = old.result(program)
                let after = evaluation.result(program)
                let beforeLabel = before.map(label) ?? "—"
                let afterLabel = after.map(label) ?? "—"
                transitions[Transition(before: beforeLabel, after: afterLabel), default: 0] += 1
                let beforeItems = before.map(items) ?? []
                let afterItems = after.map(items) ?? []
                for item in beforeItems where item.counted && item.met {
                    hitsBefore[item.id, default: 0] += 1
                    if !order.contains(item.id) { order.append(item.id) }
                }
                for item in afterItems where item.counted && item.met {
                    hitsAfter[item.id, default: 0] += 1
                    if !order.contains(item.id) { order.append(item.id) }
                }
                var details: [(String, String, String)] = []
                for item in afterItems {
                    let previous = beforeItems.first { $0.id == item.id }
                    guard previous?.exact != item.exact else { continue }
                    // Values equal when rounded for display are shown in full, so the change is visible.
                    let roundedAlike = previous?.text == item.text
                    details.append((item.id, (roundedAlike ? previous?.exact : previous?.text) ?? "—", roundedAlike ? item.exact : item.text))
                }
                for item in beforeItems where !afterItems.contains(where: { $0.id == item.id }) {
                    details.append((item.id, item.text, "—"))
                }
                var pointsDelta: Int?
                if case .certification(let b)? = before, case .certification(let a)? = after, a.points != b.points {
                    pointsDelta = a.points - b.points
                }
                if beforeLabel != afterLabel || pointsDelta != nil || !details.isEmpty {
                    changes.append(
                        Change(
                            dossier: evaluation.dossier.id, program: program, before: beforeLabel, after: afterLabel,
                            pointsDelta: pointsDelta, details: details))
                }
            }
            let hitCounts = order.compactMap { id -> (String, Int, Int)? in
                let b = hitsBefore[id] ?? 0
                let a = hitsAfter[id] ?? 0
                return a == b ? nil : (id, b, a)
            }
            summaries.append(ProgramSummary(program: program, transitions: transitions, changes: changes, hitCounts: hitCounts))
        }
        return RuleDiff(
            baseHash: baseHash, newHash: newHash, dossierCount: new.count, programs: summaries, validityChanges: validity)
    }

    /// One part of a result a person would care about: a criterion or condition (`counted`: it
    /// takes part in the hit counts, `met` says whether it holds), or a value such as a loan term,
    /// a note, the award score or rank.
    private struct Item {
        let id: String
        let counted: Bool
        let met: Bool
        /// What is shown (a score rounded to 3 places).
        let text: String
        /// What is compared (the exact value).
        let exact: String

        static func condition(_ id: String, _ met: Bool, _ text: String) -> Item {
            Item(id: id, counted: true, met: met, text: text, exact: text)
        }
        static func value(_ id: String, _ text: String) -> Item { Item(id: id, counted: false, met: false, text: text, exact: text) }
        static func value(_ id: String, _ value: Value) -> Item {
            Item(id: id, counted: false, met: false, text: RuleDiff.display(value), exact: Format.display(value))
        }
    }

    /// Every part of a result whose change counts as a change: criteria, conditions, terms, notes,
    /// scores, ranks. Parts that are absent on one side show as `—` on that side.
    private static func items(_ result: ProgramResult) -> [Item] {
        switch result {
        case .certification(let r):
            var list = r.criteria.map { Item.condition($0.id, $0.status == .met, $0.status == .met ? "\($0.status.rawValue) \($0.points)" : $0.status.rawValue) }
            if let scope = r.scope { list.append(.condition("scope", scope.status == .met, scope.status.rawValue)) }
            list += r.disqualify.map { Item.condition("disqualify.\($0.id)", $0.status == .met, $0.status.rawValue) }
            if let validUntil = r.validUntil { list.append(.value("valid_until", validUntil.rfc3339)) }
            return list
        case .eligibility(let r):
            var list = r.conditions.map { Item.condition($0.id, $0.status == .met, $0.status.rawValue) }
            for term in r.terms ?? [] { list.append(.value("terms.\(term.name)", term.value)) }
            // A note either applies (its text) or not (absent).
            for note in r.notes { list.append(.value("notes.\(note.id)", note.text.en)) }
            return list
        case .award(let r):
            var list = [Item.condition("eligible", r.eligible, r.eligible ? "yes" : "no")]
            // Category and score matter only for an eligible dossier (explanations show them only then).
            guard r.eligible else { return list }
            if let category = r.category { list.append(.value("category", category)) }
            if let score = r.score {
                list.append(.value("score", score))
            } else if let error = r.scoreError {
                list.append(.value("score", "error: \(error)"))
            }
            if let rank = r.rank { list.append(.value("rank", String(rank))) }
            // The prize is the result's label (before → after on the dossier's own line).
            return list
        }
    }

    /// A value as diff text: whole numbers of five digits or more with thousands separators
    /// (`30,000,000`), other decimals rounded to 3 places (`75.008`).
    private static func display(_ value: Value) -> String {
        switch value {
        case .int(let i) where abs(i) >= 10_000: return ExactDecimal(i).formatted(grouping: true)
        case .decimal(let d) where d.isInteger:
            return d >= ExactDecimal(10_000) || d <= ExactDecimal(-10_000) ? d.formatted(grouping: true) : d.description
        case .decimal(let d): return ((try? d.rounded(places: 3, .halfUp)) ?? d).description
        default: return Format.display(value)
        }
    }

    public var json: JSONValue {
        .object([
            ("base", .string(baseHash)), ("new", .string(newHash)), ("dossiers", .number(dossierCount)),
            (
                "validity_changes",
                .array(validityChanges.map { .object([("dossier", .string($0.dossier)), ("valid_base", .bool($0.base)), ("valid_new", .bool($0.new))]) })
            ),
            (
                "programs",
                .array(programs.map { summary in
                    .object([
                        ("program", .string(summary.program)),
                        (
                            "transitions",
                            .array(summary.transitions.sorted { ($0.key.before, $0.key.after) < ($1.key.before, $1.key.after) }.map {
                                .object([("before", .string($0.key.before)), ("after", .string($0.key.after)), ("count", .number($0.value))])
                            })
                        ),
                        (
                            "changed",
                            .array(summary.changes.map { change in
                                .object([
                                    ("dossier", .string(change.dossier)), ("before", .string(change.before)), ("after", .string(change.after)),
                                    ("points_delta", change.pointsDelta.map { .number($0) } ?? .null),
                                    (
                                        "details",
                                        .array(change.details.map { .object([("id", .string($0.id)), ("before", .string($0.before)), ("after", .string($0.after))]) })
                                    ),
                                ])
                            })
                        ),
                        (
                            "hit_counts",
                            .array(summary.hitCounts.map { .object([("id", .string($0.id)), ("before", .number($0.before)), ("after", .number($0.after))]) })
                        ),
                    ])
                })
            ),
        ])
    }
}
