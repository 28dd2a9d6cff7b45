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
    /// Programs some other program uses: only their summaries are built.
    private let usedPrograms: Set<String>
    /// For each certification program, the section index of each criterion (nil: no section).
    private let sectionIndexes: [String: [Int?]]
    /// For each certification program and tier, the criteria whose being met makes the tier's own condition hold.
    private let tierWitnesses: [String: [[Int]]]

    public init(ruleSet: RuleSet, options: Options = Options()) {
        self.ruleSet = ruleSet
        self.options = options
        usedPrograms = Set(ruleSet.programs.flatMap(\.uses))
        var indexes: [String: [Int?]] = [:]
        for program in ruleSet.programs {
            guard let rules = program.certification else { continue }
            indexes[program.id] = rules.criteria.map { criterion in
                criterion.section.flatMap { section in rules.sections.firstIndex { $0.id == section } }
            }
        }
        sectionIndexes = indexes
        var witnesses: [String: [[Int]]] = [:]
        for program in ruleSet.programs {
            guard let rules = program.certification else { continue }
            witnesses[program.id] = rules.tiers.map { tier in
                tier.when.map { Atom.witnesses(of: $0.checked, among: rules.criteria) } ?? []
            }
        }
        tierWitnesses = witnesses
    }

    /// Whether tier shortfalls are worked out for every tier (explanations) or only as needed.
    private var explains: Bool { options.recordValues || options.planNextTier }

    public func makeActivation() -> Activation { Activation(size: ruleSet.frameSize) }

    /// The round a dossier belongs to: the one given, else the one it names.
    public func round(for dossier: Dossier, override: String? = nil) -> Round? {
        (override ?? dossier.round).flatMap { ruleSet.calendar.round($0) }
    }

    /// Evaluates every program for one dossier (awards are ranked by `rank(_:)`).
    public func evaluate(_ dossier: Dossier, round: Round?, activation reused: Activation? = nil) -> DossierEvaluation {
        let activation = reused ?? makeActivation()
        activation.reset()
        activation.bind(RuleSet.dossierSlot, .record(dossier.value))
        if let round {
            activation.bind(RuleSet.roundSlot, RoundCalendar.value(of: round))
        } else {
            activation.fail(RuleSet.roundSlot, EvalError(missing: ["round"]))
        }
        let late = round.map { r in dossier.submittedAt.map { r.isLate($0) } ?? false } ?? false
        for definition in ruleSet.sharedLets { bindLet(definition, activation) }

        var summaries: [String: Value] = [:]
        var results: [(String, ProgramResult)] = []
        for program in ruleSet.programs {
            let usedValues: [Value?] = program.uses.map { summaries[$0] }
            activation.bind(RuleSet.programsSlot, .record(RecordValue(type: program.programsType, fields: usedValues)))
            for definition in program.lets { bindLet(definition, activation) }
            let result: ProgramResult
            switch program.body {
            case .certification(let rules):
                var certification = evaluateCertification(
                    rules, sectionIndex: sectionIndexes[program.id] ?? [], witnesses: tierWitnesses[program.id] ?? [], activation, late: late)
                if certification.outcome == .certified, let years = rules.validityYears, let round {
                    certification.validUntil = validUntil(round.deadline, years: years)
                }
                result = .certification(certification)
                if usedPrograms.contains(program.id) {
                    summaries[program.id] = ProgramSummary.value(certification, type: ruleSet.summaryTypes[program.id]!)
                }
            case .eligibility(let rules):
                let eligibility = evaluateEligibility(rules, activation)
                result = .eligibility(eligibility)
                if usedPrograms.contains(program.id) {
                    summaries[program.id] = ProgramSummary.value(eligibility, type: ruleSet.summaryTypes[program.id]!)
                }
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
    private func validUntil(_ deadline: Timestamp, years: Int) -> Timestamp? {
        let zone = ruleSet.calendar.zone
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
            switch try expression.program.evaluate(activation) {
            case .bool(true): return Decision(status: .met, missing: [])
            case .bool(false): return Decision(status: .notMet, missing: [])
            case let other: return Decision(status: .error, missing: [], error: "expected true or false, got \(Format.literal(other))")
            }
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
        _ rules: CertificationRules, sectionIndex: [Int?], witnesses: [[Int]] = [], _ activation: Activation, late: Bool = false
    ) -> CertificationResult {
        var missing: [String] = []
        func collect(_ fields: [String]) { for field in fields where !missing.contains(field) { missing.append(field) } }

        let scope = rules.scope.map { conditionResult($0, activation) }
        let disqualify = rules.disqualify.map { conditionResult($0, activation) }
        collect(scope?.missing ?? [])
        disqualify.forEach { collect($0.missing) }

        var criteria: [CriterionResult] = []
        criteria.reserveCapacity(rules.criteria.count)
        var points = 0
        var sectionPoints = [Int](repeating: 0, count: rules.sections.count)
        for (index, criterion) in rules.criteria.enumerated() {
            let result = evaluateCriterion(criterion, activation)
            if !result.missing.isEmpty { collect(result.missing) }
            criteria.append(result)
            points += result.points
            if index < sectionIndex.count, let section = sectionIndex[index] { sectionPoints[section] += result.points }
        }
        let sections = zip(rules.sections, sectionPoints).map { ($0.id, $1) }
        let pointsBySection = Dictionary(uniqueKeysWithValues: sections.map { ($0.0, $0.1) })

        // The highest tier whose every condition holds; shortfalls of the others when explaining.
        var granted: Int?
        var shortfalls: [Int: TierShortfall] = [:]
        for (index, tier) in rules.tiers.enumerated() {
            if explains {
                if let shortfall = shortfallOf(tier, points: points, criteria: criteria, sectionPoints: pointsBySection, activation) {
                    shortfalls[index] = shortfall
                    if shortfall.conditionLacking == .unknown, let when = tier.when { collect(decide(when, activation).missing) }
                } else {
                    granted = index
                }
            } else if holds(tier, points: points, criteria: criteria, rules: rules, sectionPoints: sectionPoints, activation) {
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
                ?? shortfallOf(rules.tiers[nextIndex], points: points, criteria: criteria, sectionPoints: pointsBySection, activation)
            if let current = next, options.planNextTier {
                next = TierShortfall(
                    tier: current.tier, pointsLacking: current.pointsLacking, criteriaLacking: current.criteriaLacking,
                    sectionsLacking: current.sectionsLacking, conditionLacking: current.conditionLacking,
                    cheapestPath: NextTierPlanner.plan(
                        rules.tiers[nextIndex], rules: rules, criteria: criteria, conditionLacking: current.conditionLacking != nil,
                        witnesses: nextIndex < witnesses.count ? witnesses[nextIndex] : []))
            }
        }
        let above = (tierIndex.map { $0 + 1 } ?? 0)
        return CertificationResult(
            outcome: outcome, tier: tierIndex.map { rules.tiers[$0].id }, points: points, sections: sections,
            criteria: criteria, scope: scope, disqualify: disqualify, missing: missing, nextTier: next,
            tierShortfalls: above < rules.tiers.count ? (above..<rules.tiers.count).compactMap { shortfalls[$0] } : [],
            tierRank: tierIndex.map { $0 + 1 } ?? 0)
    }

    /// Whether a tier is granted, without working out what it lacks.
    private func holds(
        _ tier: Tier, points: Int, criteria: [CriterionResult], rules: CertificationRules, sectionPoints: [Int],
        _ activation: Activation
    ) -> Bool {
        guard points >= tier.minPoints else { return false }
        for id in tier.requires where criteria.first(where: { $0.id == id })?.status != .met { return false }
        for (section, minimum) in tier.sectionMinimums {
            guard let index = rules.sections.firstIndex(where: { $0.id == section }), sectionPoints[index] >= minimum else { return false }
        }
        if let when = tier.when, decide(when, activation).status != .met { return false }
        return true
    }

    func evaluateCriterion(_ criterion: Criterion, _ activation: Activation) -> CriterionResult {
        var missing: [String] = []
        var firstError: String?
        for (index, row) in criterion.rows.enumerated() {
            let decision = decide(row.when, activation)
            switch decision.status {
            case .met:
                return CriterionResult(
                    id: criterion.id, status: .met, points: row.points, row: index, missing: missing, error: firstError,
                    values: values(row.when, activation))
            case .notMet:
                continue
            case .unknown:
                for field in decision.missing where !missing.contains(field) { missing.append(field) }
            case .error:
                firstError = firstError ?? decision.error
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
        _ tier: Tier, points: Int, criteria: [CriterionResult], sectionPoints: [String: Int], _ activation: Activation
    ) -> TierShortfall? {
        let pointsLacking = max(0, tier.minPoints - points)
        var criteriaLacking: [(String, Status)] = []
        for id in tier.requires {
            if let result = criteria.first(where: { $0.id == id }), result.status != .met { criteriaLacking.append((id, result.status)) }
        }
        var sectionsLacking: [(String, Int)] = []
        for (section, minimum) in tier.sectionMinimums where (sectionPoints[section] ?? 0) < minimum {
            sectionsLacking.append((section, minimum - (sectionPoints[section] ?? 0)))
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
