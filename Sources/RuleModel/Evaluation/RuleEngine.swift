import Diagnostics
public import ExpressionLanguage

/// Evaluates dossiers against a rule set.
///
/// One engine serves any number of threads; each evaluation needs its own `Activation`
/// (`makeActivation()`), which a worker can reuse for dossier after dossier.
public struct RuleEngine: Sendable {
    public struct Options: Sendable {
        /// Record the values each criterion and condition read (for explanations and JSON output).
        public var recordValues = true
        /// Work out the cheapest way to the next tier.
        public var planNextTier = true
        public init(recordValues: Bool = true, planNextTier: Bool = true) {
            self.recordValues = recordValues
            self.planNextTier = planNextTier
        }
    }

    public let ruleSet: RuleSet
    public var options: Options
    /// Everything about each program that evaluation needs, worked out once (aligned with
    /// `ruleSet.programs`): no dictionary lookups or name comparisons per dossier.
    private let plans: [ProgramPlan]
    /// The `round` record for each round, built once.
    private let roundValues: [String: Value]
    /// Certificate end of validity by round id and validity years, worked out once (zone lookups are slow).
    private let validity: [String: [Int: Timestamp]]

    final class ProgramPlan: Sendable {
        /// Indexes (into `ruleSet.programs`) of the programs this one uses, in `uses` order.
        let uses: [Int]
        /// Whether another program uses this one (then its summary is built).
        let isUsed: Bool
        let summaryType: RecordType?
        let certification: CertificationPlan?

        init(uses: [Int], isUsed: Bool, summaryType: RecordType?, certification: CertificationPlan?) {
            self.uses = uses
            self.isUsed = isUsed
            self.summaryType = summaryType
            self.certification = certification
        }
    }

    final class CertificationPlan: Sendable {
        /// The section index of each criterion, or -1.
        let sectionOfCriterion: [Int]
        let tiers: [TierPlan]
        /// Each criterion's row conditions and points, in flat arrays for the loop that runs them.
        let rowConditions: [ContiguousArray<Program>]
        let rowPoints: [ContiguousArray<Int>]

        init(sectionOfCriterion: [Int], tiers: [TierPlan], criteria: [Criterion]) {
            self.sectionOfCriterion = sectionOfCriterion
            self.tiers = tiers
            rowConditions = criteria.map { ContiguousArray($0.rows.map(\.when.program)) }
            rowPoints = criteria.map { ContiguousArray($0.rows.map(\.points)) }
        }
    }

    struct TierPlan: Sendable {
        let minPoints: Int
        /// Criterion indexes that must be met.
        let requires: [Int]
        /// (section index, minimum points).
        let sectionMinimums: [(section: Int, points: Int)]
        /// Criteria whose being met makes the tier's own condition hold.
        let witnesses: [Int]
    }

    public init(ruleSet: RuleSet, options: Options = Options()) {
        self.ruleSet = ruleSet
        self.options = options
        let ids = ruleSet.programs.map(\.id)
        let used = Set(ruleSet.programs.flatMap(\.uses))
        plans = ruleSet.programs.map { program in
            var certificationPlan: CertificationPlan?
            if let rules = program.certification {
                let criterionIndex = Dictionary(rules.criteria.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
                let sectionIndex = Dictionary(rules.sections.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
                certificationPlan = CertificationPlan(
                    sectionOfCriterion: rules.criteria.map { $0.section.flatMap { sectionIndex[$0] } ?? -1 },
                    tiers: rules.tiers.map { tier in
                        TierPlan(
                            minPoints: tier.minPoints, requires: tier.requires.compactMap { criterionIndex[$0] },
                            sectionMinimums: tier.sectionMinimums.compactMap { entry in sectionIndex[entry.section].map { ($0, entry.points) } },
                            witnesses: tier.when.map { Atom.witnesses(of: $0.checked, among: rules.criteria) } ?? [])
                    },
                    criteria: rules.criteria)
            }
            return ProgramPlan(
                uses: program.uses.compactMap { ids.firstIndex(of: $0) }, isUsed: used.contains(program.id),
                summaryType: ruleSet.summaryTypes[program.id], certification: certificationPlan)
        }
        var rounds: [String: Value] = [:]
        for round in ruleSet.calendar.rounds { rounds[round.id] = RoundCalendar.value(of: round) }
        roundValues = rounds
        let years = Set(ruleSet.programs.compactMap { $0.certification?.validityYears })
        var validity: [String: [Int: Timestamp]] = [:]
        for round in ruleSet.calendar.rounds {
            for count in years { validity[round.id, default: [:]][count] = RuleEngine.validUntil(round.deadline, years: count, zone: ruleSet.calendar.zone) }
        }
        self.validity = validity
    }

    /// Whether tier shortfalls are worked out for every tier (explanations) or only as needed.
    private var explains: Bool { options.recordValues || options.planNextTier }

    public func makeActivation() -> Activation { Activation(size: ruleSet.frameSize) }

    /// The round a dossier belongs to: the one given, else the one it names.
    public func round(for dossier: Dossier, override: String? = nil) -> Round? {
        (override ?? dossier.round).flatMap { ruleSet.calendar.round($0) }
    }

    /// Evaluates every program for one dossier (awards are ranked by `rank(_:)`).
    ///
    /// Every slot a program reads is bound here before it runs (lets are re-evaluated for each
    /// dossier), so a reused activation needs no clearing.
    ///
    /// - Parameters:
    ///   - late: whether the dossier came after its round's deadline; by default judged from its
    ///     `submitted_at` (the daemon passes what its own clock saw on arrival).
    ///   - withheld: programs not to evaluate now (a certification whose round is still open); programs
    ///     that use them find no result there, which is missing data (`unknown`), never a silent no.
    public func evaluate(
        _ dossier: Dossier, round: Round?, activation reused: Activation? = nil, late lateOverride: Bool? = nil,
        withheld: Set<String> = []
    ) -> DossierEvaluation {
        let activation = reused ?? makeActivation()
        activation.bind(RuleSet.dossierSlot, .record(dossier.value))
        if let round, let value = roundValues[round.id] {
            activation.bind(RuleSet.roundSlot, value)
        } else {
            activation.fail(RuleSet.roundSlot, EvalError(missing: ["round"]))
        }
        let late = lateOverride ?? round.map { r in dossier.submittedAt.map { r.isLate($0) } ?? false } ?? false
        for definition in ruleSet.sharedLets { bindLet(definition, activation) }

        var summaries = [Value?](repeating: nil, count: plans.count)
        var results: [(String, ProgramResult)] = []
        results.reserveCapacity(plans.count)
        for (index, program) in ruleSet.programs.enumerated() {
            if !withheld.isEmpty, withheld.contains(program.id) { continue }
            let plan = plans[index]
            if !plan.uses.isEmpty {
                activation.bind(RuleSet.programsSlot, .record(RecordValue(type: program.programsType, fields: plan.uses.map { summaries[$0] })))
            }
            for definition in program.lets { bindLet(definition, activation) }
            let result: ProgramResult
            switch program.body {
            case .certification(let rules):
                let certification = evaluateCertification(rules, plan: plan.certification!, activation, late: late, round: round)
                if plan.isUsed, let type = plan.summaryType { summaries[index] = ProgramSummary.value(certification, type: type) }
                result = .certification(certification)
            case .eligibility(let rules):
                let eligibility = evaluateEligibility(rules, activation)
                if plan.isUsed, let type = plan.summaryType { summaries[index] = ProgramSummary.value(eligibility, type: type) }
                result = .eligibility(eligibility)
            case .award(let rules):
                var award = evaluateAward(rules, activation)
                if late { award.excludedBecause = "late" }
                result = .award(award)
            }
            results.append((program.id, result))
        }
        return DossierEvaluation(dossier: dossier, ruleSetHash: ruleSet.hash, round: round, late: late, results: results)
    }

    /// Evaluates dossiers and ranks each award over the dossiers of the same round.
    public func evaluate(_ dossiers: [Dossier], roundOverride: String? = nil) -> [DossierEvaluation] {
        let activation = makeActivation()
        var evaluations = dossiers.map { evaluate($0, round: round(for: $0, override: roundOverride), activation: activation) }
        rank(&evaluations)
        return evaluations
    }

    /// The end of the same calendar date `years` later (28 February for a 29 February).
    private static func validUntil(_ deadline: Timestamp, years: Int, zone: ZoneSpec) -> Timestamp? {
        guard let date = try? deadline.calendarDate(in: zone) else { return nil }
        let target =
            (try? CalendarDate(year: date.year + years, month: date.month, day: date.day))
            ?? (try? CalendarDate(year: date.year + years, month: date.month, day: date.day - 1))
        return target.flatMap { try? $0.endOfDay(in: zone) }
    }

    private func bindLet(_ definition: LetDefinition, _ activation: Activation) {
        do throws(EvalError) {
            activation.bind(definition.slot, try definition.expression.program.evaluate(activation))
        } catch {
            activation.fail(definition.slot, error)
        }
    }

    // MARK: Deciding one expression

    struct Decision {
        var status: Status
        var missing: [String]
        var error: String?
    }

    func decide(_ expression: RuleExpression, _ activation: Activation) -> Decision {
        do throws(EvalError) {
            return Decision(status: try expression.program.evaluateBool(activation) ? .met : .notMet, missing: [])
        } catch {
            if error.isMissing { return Decision(status: .unknown, missing: error.missingFields.map(RuleEngine.displayPath)) }
            return Decision(status: .error, missing: [], error: error.message)
        }
    }

    /// `dossier.target.year` is shown as `target.year`.
    static func displayPath(_ path: String) -> String {
        path.hasPrefix("dossier.") ? String(path.dropFirst("dossier.".count)) : path
    }

    func values(_ expression: RuleExpression, _ activation: Activation) -> [UsedValue] {
        guard options.recordValues else { return [] }
        return expression.probes.map { $0.read(activation) }
    }

    func conditionResult(_ condition: Condition, _ activation: Activation) -> ConditionResult {
        let decision = decide(condition.when, activation)
        return ConditionResult(
            id: condition.id, status: decision.status, missing: decision.missing, error: decision.error,
            values: values(condition.when, activation))
    }

    // MARK: Certification

    func evaluateCertification(
        _ rules: CertificationRules, plan: CertificationPlan, _ activation: Activation, late: Bool = false, round: Round? = nil
    ) -> CertificationResult {
        var missing: [String] = []
        func collect(_ fields: [String]) { for field in fields where !missing.contains(field) { missing.append(field) } }

        let scope = rules.scope.map { conditionResult($0, activation) }
        let disqualify = rules.disqualify.map { conditionResult($0, activation) }
        if let scope, !scope.missing.isEmpty { collect(scope.missing) }
        for condition in disqualify where !condition.missing.isEmpty { collect(condition.missing) }

        var criteria: [CriterionResult] = []
        criteria.reserveCapacity(rules.criteria.count)
        var points = 0
        var sectionPoints = [Int](repeating: 0, count: rules.sections.count)
        for index in rules.criteria.indices {
            let result = evaluateCriterion(
                rules.criteria[index], conditions: plan.rowConditions[index], points: plan.rowPoints[index], activation)
            if !result.missing.isEmpty { collect(result.missing) }
            points += result.points
            let section = plan.sectionOfCriterion[index]
            if section >= 0 { sectionPoints[section] += result.points }
            criteria.append(result)
        }

        // The highest tier whose every condition holds; shortfalls of the others when explaining.
        var granted: Int?
        var shortfalls: [Int: TierShortfall] = [:]
        for index in rules.tiers.indices {
            if explains {
                if let shortfall = shortfallOf(
                    rules.tiers[index], plan: plan.tiers[index], points: points, criteria: criteria, sectionPoints: sectionPoints,
                    rules: rules, activation)
                {
                    shortfalls[index] = shortfall
                    if shortfall.conditionLacking == .unknown, let when = rules.tiers[index].when { collect(decide(when, activation).missing) }
                } else {
                    granted = index
                }
            } else if holds(rules.tiers[index], plan: plan.tiers[index], points: points, criteria: criteria, sectionPoints: sectionPoints, activation) {
                granted = index
            }
        }

        let outcome: CertificationOutcome
        if late {
            outcome = .late
        } else if let scope, scope.status != .met {
            outcome = scope.status == .notMet ? .outOfScope : .incomplete
        } else if disqualify.contains(where: { $0.status == .met }) {
            outcome = .disqualified
        } else if disqualify.contains(where: { $0.status == .unknown || $0.status == .error }) {
            outcome = .incomplete
        } else {
            outcome = granted == nil ? .notCertified : .certified
        }
        let eligibleForTiers = outcome == .certified || outcome == .notCertified
        let tierIndex = eligibleForTiers ? granted : nil
        let nextIndex = eligibleForTiers ? (tierIndex.map { $0 + 1 } ?? 0) : nil
        var next: TierShortfall?
        if let nextIndex, nextIndex < rules.tiers.count {
            next = shortfalls[nextIndex]
                ?? shortfallOf(
                    rules.tiers[nextIndex], plan: plan.tiers[nextIndex], points: points, criteria: criteria, sectionPoints: sectionPoints,
                    rules: rules, activation)
            if let current = next, options.planNextTier {
                next = TierShortfall(
                    tier: current.tier, pointsLacking: current.pointsLacking, criteriaLacking: current.criteriaLacking,
                    sectionsLacking: current.sectionsLacking, conditionLacking: current.conditionLacking,
                    cheapestPath: NextTierPlanner.plan(
                        rules.tiers[nextIndex], rules: rules, criteria: criteria, conditionLacking: current.conditionLacking != nil,
                        witnesses: plan.tiers[nextIndex].witnesses))
            }
        }
        let above = (tierIndex.map { $0 + 1 } ?? 0)
        return CertificationResult(
            outcome: outcome, tier: tierIndex.map { rules.tiers[$0].id }, points: points,
            sections: zip(rules.sections, sectionPoints).map { ($0.id, $1) }, criteria: criteria, scope: scope,
            disqualify: disqualify, missing: missing, nextTier: next,
            tierShortfalls: explains && above < rules.tiers.count ? (above..<rules.tiers.count).compactMap { shortfalls[$0] } : [],
            tierRank: tierIndex.map { $0 + 1 } ?? 0,
            validUntil: outcome == .certified ? rules.validityYears.flatMap { years in round.flatMap { validity[$0.id]?[years] } } : nil)
    }

    /// Whether a tier is granted, without working out what it lacks.
    private func holds(
        _ tier: Tier, plan: TierPlan, points: Int, criteria: [CriterionResult], sectionPoints: [Int], _ activation: Activation
    ) -> Bool {
        guard points >= plan.minPoints else { return false }
        for index in plan.requires where criteria[index].status != .met { return false }
        for minimum in plan.sectionMinimums where sectionPoints[minimum.section] < minimum.points { return false }
        if let when = tier.when, decide(when, activation).status != .met { return false }
        return true
    }

    func evaluateCriterion(
        _ criterion: Criterion, conditions: ContiguousArray<Program>, points: ContiguousArray<Int>, _ activation: Activation
    ) -> CriterionResult {
        var missing: [String] = []
        var firstError: String?
        for index in 0..<conditions.count {
            let holds: Bool
            do throws(EvalError) {
                holds = try conditions[index].evaluateBool(activation)
            } catch {
                if error.isMissing {
                    for field in error.missingFields.map(RuleEngine.displayPath) where !missing.contains(field) { missing.append(field) }
                } else {
                    firstError = firstError ?? error.message
                }
                continue
            }
            if holds {
                return CriterionResult(
                    id: criterion.id, status: .met, points: points[index], row: index, missing: missing, error: firstError,
                    values: options.recordValues ? values(criterion.rows[index].when, activation) : [])
            }
        }
        let status: Status = firstError != nil ? .error : (missing.isEmpty ? .notMet : .unknown)
        var used: [UsedValue] = []
        if options.recordValues {
            for row in criterion.rows {
                for value in values(row.when, activation) where !used.contains(where: { $0.name == value.name }) { used.append(value) }
            }
        }
        return CriterionResult(id: criterion.id, status: status, points: 0, row: nil, missing: missing, error: firstError, values: used)
    }

    /// Nil when the tier is granted; otherwise everything it lacks.
    private func shortfallOf(
        _ tier: Tier, plan: TierPlan, points: Int, criteria: [CriterionResult], sectionPoints: [Int], rules: CertificationRules,
        _ activation: Activation
    ) -> TierShortfall? {
        let pointsLacking = max(0, plan.minPoints - points)
        var criteriaLacking: [(String, Status)] = []
        for index in plan.requires where criteria[index].status != .met { criteriaLacking.append((criteria[index].id, criteria[index].status)) }
        var sectionsLacking: [(String, Int)] = []
        for minimum in plan.sectionMinimums where sectionPoints[minimum.section] < minimum.points {
            sectionsLacking.append((rules.sections[minimum.section].id, minimum.points - sectionPoints[minimum.section]))
        }
        var conditionLacking: Status?
        if let when = tier.when {
            let decision = decide(when, activation)
            if decision.status != .met { conditionLacking = decision.status }
        }
        if pointsLacking == 0, criteriaLacking.isEmpty, sectionsLacking.isEmpty, conditionLacking == nil { return nil }
        return TierShortfall(
            tier: tier.id, pointsLacking: pointsLacking, criteriaLacking: criteriaLacking, sectionsLacking: sectionsLacking,
            conditionLacking: conditionLacking, cheapestPath: nil)
    }

    // MARK: Eligibility

    func evaluateEligibility(_ rules: EligibilityRules, _ activation: Activation) -> EligibilityResult {
        let conditions = rules.conditions.map { conditionResult($0, activation) }
        var missing: [String] = []
        for condition in conditions { for field in condition.missing where !missing.contains(field) { missing.append(field) } }
        let outcome: EligibilityOutcome =
            conditions.contains { $0.status == .notMet } ? .ineligible
            : conditions.contains { $0.status == .unknown || $0.status == .error } ? .incomplete : .eligible
        guard outcome == .eligible else {
            return EligibilityResult(outcome: outcome, conditions: conditions, terms: nil, termsRow: nil, notes: [], missing: missing)
        }
        var terms: [(String, Value)]?
        var termsRow: Int?
        for (index, row) in rules.terms.enumerated() where decide(row.when, activation).status == .met {
            terms = row.values
            termsRow = index
            break
        }
        var notes: [(String, LocalizedText)] = []
        if let slot = rules.termsSlot {
            var map = MapValue()
            for (name, value) in terms ?? [] { _ = try? map.insert(key: .string(name), value: value) }
            activation.bind(slot, .map(map))
            for note in rules.notes where decide(note.when, activation).status == .met { notes.append((note.id, note.text)) }
        }
        return EligibilityResult(outcome: outcome, conditions: conditions, terms: terms, termsRow: termsRow, notes: notes, missing: missing)
    }

    // MARK: Award (per dossier; the ranking is `rank(_:)`)

    func evaluateAward(_ rules: AwardRules, _ activation: Activation) -> AwardResult {
        let eligibility = conditionResult(rules.eligible, activation)
        var score: Value?
        var scoreError: String?
        do throws(EvalError) {
            score = try rules.score.program.evaluate(activation)
        } catch {
            scoreError = error.message
        }
        var category: String?
        for candidate in rules.categories where eligibility.status == .met && decide(candidate.when, activation).status == .met {
            category = candidate.id
            break
        }
        let keys: [Value?] = rules.rankBy.map { key in try? key.expression.program.evaluate(activation) }
        return AwardResult(eligibility: eligibility, score: score, scoreError: scoreError, category: category, rankKeys: keys)
    }
}
