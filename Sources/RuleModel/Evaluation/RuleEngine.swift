import Diagnostics
public import ExpressionLanguage
public import JSON

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
    public var options: Options {
        didSet { core = core.with(options) }
    }
    /// The engine's state and the evaluation itself, in one object: evaluating passes one
    /// reference around instead of copying this struct (and the rule set in it).
    private var core: EngineCore
    struct RoundPlan: Sendable {
        let round: Round
        let value: Value
        /// End of validity by validity years.
        let validity: [Int: Timestamp]
    }

    final class ProgramPlan: Sendable {
        /// Indexes (into `ruleSet.programs`) of the programs this one uses, in `uses` order.
        let uses: [Int]
        /// Whether another program uses this one (then its summary is built).
        let isUsed: Bool
        let summaryType: RecordType?
        /// Which fields of the summary some expression can read (nil: all of them); the others
        /// are left absent, so no record, list or string is built for them.
        let summaryFields: [Bool]?
        let certification: CertificationPlan?
        let eligibility: EligibilityPlan?
        let award: AwardPlan?
        /// The program's own lets.
        let lets: Flat<LetPlan>
        /// For a used certification whose summary has only scalar fields: its summaries, built once
        /// per (outcome, tier, points) and shared.
        let summaryKeying: SummaryKeying?
        let summaryCache: RecordCache?
        /// For a program that uses just such a certification: its `programs` records, by the same key.
        let programsCache: RecordCache?

        init(
            uses: [Int], isUsed: Bool, summaryType: RecordType?, summaryFields: [Bool]?, certification: CertificationPlan?,
            eligibility: EligibilityPlan?, award: AwardPlan?, lets: [LetDefinition], summaryKeying: SummaryKeying?,
            programsKeying: SummaryKeying?
        ) {
            self.summaryKeying = summaryKeying
            summaryCache = summaryKeying.map { RecordCache(count: $0.count) }
            programsCache = programsKeying.map { RecordCache(count: $0.count) }
            self.summaryFields = summaryFields
            self.award = award
            self.lets = Flat(lets.map(LetPlan.init))
            self.uses = uses
            self.isUsed = isUsed
            self.summaryType = summaryType
            self.certification = certification
            self.eligibility = eligibility
        }
    }

    final class AwardPlan: Sendable {
        let eligible: ConditionPlan
        let score: Unmanaged<Program>
        let categories: Flat<Unmanaged<Program>>
        let rankBy: Flat<Unmanaged<Program>>
        /// For each ranking key, whether it is the score's own expression (the same text in the same
        /// program, so the same value or the same failure): its value is the score's, not computed again.
        let rankByIsScore: Flat<Bool>

        init(_ rules: AwardRules) {
            eligible = ConditionPlan(rules.eligible)
            score = unretained(rules.score)
            categories = Flat(rules.categories.map { unretained($0.when) })
            rankBy = Flat(rules.rankBy.map { unretained($0.expression) })
            rankByIsScore = Flat(rules.rankBy.map { $0.expression.program.source == rules.score.program.source })
        }
    }

    final class EligibilityPlan: Sendable {
        /// The `terms` map of each terms row, and of none, built once.
        let termsMaps: [Value]
        let noTerms: Value
        let conditions: Flat<ConditionPlan>
        let terms: Flat<Unmanaged<Program>>
        let notes: Flat<Unmanaged<Program>>

        init(_ rules: EligibilityRules) {
            conditions = Flat(rules.conditions.map(ConditionPlan.init))
            terms = Flat(rules.terms.map { unretained($0.when) })
            notes = Flat(rules.notes.map { unretained($0.when) })
            func map(_ values: [(name: String, value: Value)]) -> Value {
                var map = MapValue()
                for (name, value) in values { _ = try? map.insert(key: .string(name), value: value) }
                return .map(map)
            }
            termsMaps = rules.terms.map { map($0.values) }
            noTerms = map([])
        }
    }

    final class CertificationPlan: @unchecked Sendable {
        // @unchecked: the buffers are written once, in init, and only read afterwards.
        let tiers: [TierPlan]
        /// Section ids, shared by every result.
        let sectionIDs: [String]
        /// Keeps the criteria and their programs alive for the unretained references below.
        let rules: [Criterion]
        /// Each criterion and its rows, in flat buffers of plain values for the loop that runs them:
        /// reading them touches no reference counts.
        let criteria: UnsafeMutableBufferPointer<CriterionPlan>
        let rows: UnsafeMutableBufferPointer<RowPlan>
        let scope: ConditionPlan?
        let disqualify: Flat<ConditionPlan>
        /// Each tier's requirements in flat form (for deciding tiers without explanations).
        let tierChecks: Flat<TierCheck>
        let tierRequires: Flat<Int>
        let tierSections: Flat<SectionMinimum>

        init(
            sectionOfCriterion: [Int], tiers: [TierPlan], criteria: [Criterion], sections: [Section], scope: Condition?, disqualify: [Condition],
            tierConditions: [RuleExpression?]
        ) {
            self.scope = scope.map(ConditionPlan.init)
            self.disqualify = Flat(disqualify.map(ConditionPlan.init))
            var checks: [TierCheck] = []
            var requires: [Int] = []
            var minimums: [SectionMinimum] = []
            for (index, tier) in tiers.enumerated() {
                checks.append(
                    TierCheck(
                        minPoints: tier.minPoints, firstRequired: requires.count, requiredCount: tier.requires.count,
                        firstSection: minimums.count, sectionCount: tier.sectionMinimums.count,
                        condition: tierConditions[index].map(unretained)))
                requires += tier.requires
                minimums += tier.sectionMinimums.map { SectionMinimum(section: $0.section, points: $0.points) }
            }
            tierChecks = Flat(checks)
            tierRequires = Flat(requires)
            tierSections = Flat(minimums)
            self.tiers = tiers
            sectionIDs = sections.map(\.id)
            rules = criteria
            self.criteria = .allocate(capacity: criteria.count)
            rows = .allocate(capacity: criteria.reduce(0) { $0 + $1.rows.count })
            var row = 0
            for (index, criterion) in criteria.enumerated() {
                (self.criteria.baseAddress! + index).initialize(
                    to: CriterionPlan(criterion: criterion, firstRow: row, rowCount: criterion.rows.count, section: sectionOfCriterion[index]))
                for entry in criterion.rows {
                    (rows.baseAddress! + row).initialize(to: RowPlan(program: Unmanaged.passUnretained(entry.when.program), points: entry.points))
                    row += 1
                }
            }
        }

        deinit {
            criteria.deallocate()
            rows.deallocate()
        }
    }

    struct CriterionPlan {
        unowned(unsafe) let criterion: Criterion
        let firstRow: Int
        let rowCount: Int
        /// The section index, or -1.
        let section: Int
    }

    struct RowPlan {
        let program: Unmanaged<Program>
        let points: Int
    }

    struct TierCheck {
        let minPoints: Int
        let firstRequired: Int
        let requiredCount: Int
        let firstSection: Int
        let sectionCount: Int
        let condition: Unmanaged<Program>?
    }

    struct SectionMinimum {
        let section: Int
        let points: Int
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
        let keyings = ruleSet.programs.map { program -> SummaryKeying? in
            guard used.contains(program.id), let rules = program.certification, let type = ruleSet.summaryTypes[program.id] else { return nil }
            return SummaryKeying(rules, fields: RuleEngine.fieldsRead(of: type, in: ruleSet))
        }
        let plans = ruleSet.programs.map { program in
            let uses = program.uses.compactMap { ids.firstIndex(of: $0) }
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
                    criteria: rules.criteria, sections: rules.sections, scope: rules.scope, disqualify: rules.disqualify,
                    tierConditions: rules.tiers.map(\.when))
            }
            let keying = ids.firstIndex(of: program.id).flatMap { keyings[$0] }
            return ProgramPlan(
                uses: uses, isUsed: used.contains(program.id),
                summaryType: ruleSet.summaryTypes[program.id],
                summaryFields: ruleSet.summaryTypes[program.id].flatMap { RuleEngine.fieldsRead(of: $0, in: ruleSet) },
                certification: certificationPlan,
                eligibility: program.eligibility.map(EligibilityPlan.init), award: program.award.map(AwardPlan.init), lets: program.lets,
                summaryKeying: keying, programsKeying: uses.count == 1 && program.uses.count == 1 ? keyings[uses[0]] : nil)
        }
        var rounds: [String: Value] = [:]
        for round in ruleSet.calendar.rounds { rounds[round.id] = RoundCalendar.value(of: round) }
        let years = Set(ruleSet.programs.compactMap { $0.certification?.validityYears })
        var validity: [String: [Int: Timestamp]] = [:]
        for round in ruleSet.calendar.rounds {
            for count in years { validity[round.id, default: [:]][count] = RuleEngine.validUntil(round.deadline, years: count, zone: ruleSet.calendar.zone) }
        }
        let roundPlans = ruleSet.calendar.rounds.map { RoundPlan(round: $0, value: rounds[$0.id]!, validity: validity[$0.id] ?? [:]) }
        core = EngineCore(
            ruleSet: ruleSet, options: options, plans: plans, roundValues: rounds, validity: validity, roundPlans: roundPlans)
    }

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
    ///   - standing: for withheld certification programs, a result decided earlier that still holds
    ///     (as `ResultJSON` stored it: the certificate of a closed round, still valid); programs that
    ///     use the program read that result instead of finding none.
    public func evaluate(
        _ dossier: Dossier, round: Round?, activation reused: Activation? = nil, late: Bool? = nil, withheld: Set<String> = [],
        standing: [String: JSONValue] = [:]
    ) -> DossierEvaluation {
        core.evaluate(dossier, round: round, activation: reused ?? makeActivation(), late: late, withheld: withheld, standing: standing)
    }

    /// The fields of a record type that some expression of the rule set reads (nil: the record may
    /// be used whole, so every field counts).
    static func fieldsRead(of type: RecordType, in ruleSet: RuleSet) -> [Bool]? {
        var read = [Bool](repeating: false, count: type.fields.count)
        var whole = false
        func isSummary(_ node: CheckedNode) -> Bool {
            if case .record(let t) = node.type { return t === type }
            return false
        }
        func visit(_ node: CheckedNode, operand: Bool) {
            if whole { return }
            if isSummary(node), !operand { whole = true }
            switch node.kind {
            case .recordField(let base, let index, _, _):
                if isSummary(base) { read[index] = true }
                visit(base, operand: true)
            case .presence(let base, let name):
                if isSummary(base) {
                    if let index = type.index(of: name) { read[index] = true } else { whole = true }
                }
                visit(base, operand: true)
            case .constant, .variable, .unbound: break
            case .select(let base, _, _), .not(let base):
                visit(base, operand: false)
            case .call(_, _, let args), .unknownFunction(_, let args), .list(let args):
                for arg in args { visit(arg, operand: false) }
            case .and(let l, let r), .or(let l, let r), .equals(let l, let r, _), .compare(_, let l, let r), .fallback(let l, let r):
                visit(l, operand: false)
                visit(r, operand: false)
            case .conditional(let c, let t, let e):
                visit(c, operand: false)
                visit(t, operand: false)
                visit(e, operand: false)
            case .map(let entries):
                for entry in entries {
                    visit(entry.key, operand: false)
                    visit(entry.value, operand: false)
                }
            case .comprehension(let c):
                visit(c.range, operand: false)
                if let p = c.predicate { visit(p, operand: false) }
                if let t = c.transform { visit(t, operand: false) }
            }
        }
        func note(_ expression: RuleExpression?) { if let expression { visit(expression.program.checked, operand: false) } }
        for definition in ruleSet.sharedLets { note(definition.expression) }
        for program in ruleSet.programs { program.expressions.forEach(note) }
        return whole ? nil : read
    }

    /// Evaluates dossiers and ranks each award over the dossiers of the same round.
    public func evaluate(_ dossiers: [Dossier], roundOverride: String? = nil) -> [DossierEvaluation] {
        let activation = makeActivation()
        var evaluations = dossiers.map { evaluate($0, round: round(for: $0, override: roundOverride), activation: activation) }
        rank(&evaluations)
        return evaluations
    }

    /// The end of the same calendar date `years` later (28 February for a 29 February).
    static func validUntil(_ deadline: Timestamp, years: Int, zone: ZoneSpec) -> Timestamp? {
        guard let date = try? deadline.calendarDate(in: zone) else { return nil }
        let target =
            (try? CalendarDate(year: date.year + years, month: date.month, day: date.day))
            ?? (try? CalendarDate(year: date.year + years, month: date.month, day: date.day - 1))
        return target.flatMap { try? $0.endOfDay(in: zone) }
    }

    // MARK: Deciding one expression

    /// The status of a condition and, when it is not decided, the error (missing fields or a failure).
    struct Decision {
        var status: Status
        var error: EvalError?

        /// The missing fields as expressions name them (`dossier.target.year`).
        var rawMissing: [String] { error?.missingFields ?? [] }
        /// The missing fields as results show them (`target.year`).
        var missing: [String] { RuleEngine.displayPaths(rawMissing) }
        var message: String? {
            guard let error, !error.isMissing else { return nil }
            return error.message
        }
    }

    /// `dossier.target.year` is shown as `target.year`.
    static func displayPath(_ path: String) -> String {
        path.hasPrefix("dossier.") ? String(path.dropFirst("dossier.".count)) : path
    }

    static func displayPaths(_ paths: [String]) -> [String] { paths.isEmpty ? [] : paths.map(displayPath) }

    /// Whether two paths are shown alike (`dossier.x` and `x`), without building either.
    static func sameDisplay(_ a: String, _ b: String) -> Bool {
        let prefix = "dossier."
        // Shown alike without being equal only when exactly one has the prefix and the rest is the
        // same: then their lengths differ by the prefix's. Otherwise plain equality decides.
        let (m, n) = (a.utf8.count, b.utf8.count)
        guard m == n + 8 || n == m + 8 else { return a == b }
        let (x, y) = (a.hasPrefix(prefix), b.hasPrefix(prefix))
        if x == y { return a == b }
        let (long, short) = x ? (a, b) : (b, a)
        return long.dropFirst(prefix.count) == short
    }

    /// Whether no two paths are shown alike.
    static func shownOnce(_ paths: [String]) -> Bool {
        guard paths.count > 1 else { return true }
        for i in 1..<paths.count { for j in 0..<i where sameDisplay(paths[i], paths[j]) { return false } }
        return true
    }

    /// Appends the paths not shown yet (as expressions name them).
    static func collect(_ paths: [String], into list: inout [String]) {
        for path in paths where !list.contains(where: { sameDisplay($0, path) }) { list.append(path) }
    }

}

/// The engine's plans and its evaluation of one dossier. A final class: the evaluation's helpers
/// share `self` by reference, so nothing of the rule set is copied per dossier.
final class EngineCore: Sendable {
    let ruleSet: RuleSet
    let options: RuleEngine.Options
    /// Everything about each program that evaluation needs, worked out once (aligned with
    /// `ruleSet.programs`): no dictionary lookups or name comparisons per dossier.
    let plans: [RuleEngine.ProgramPlan]
    /// The `round` record for each round, built once.
    let roundValues: [String: Value]
    /// Certificate end of validity by round id and validity years, worked out once (zone lookups are slow).
    let validity: [String: [Int: Timestamp]]
    /// The rounds of the calendar with their `round` record, found by identity (no string hashing
    /// per dossier).
    let roundPlans: [RuleEngine.RoundPlan]
    /// The shared lets, in order.
    let sharedLets: Flat<LetPlan>
    /// The programs with their plans, in evaluation order.
    let steps: Flat<ProgramStep>
    /// What a missing round reads as (built once).
    let noRound = EvalError(missing: ["round"])



    init(
        ruleSet: RuleSet, options: RuleEngine.Options, plans: [RuleEngine.ProgramPlan], roundValues: [String: Value],
        validity: [String: [Int: Timestamp]], roundPlans: [RuleEngine.RoundPlan]
    ) {
        self.ruleSet = ruleSet
        self.options = options
        self.plans = plans
        self.roundValues = roundValues
        self.validity = validity
        self.roundPlans = roundPlans
        sharedLets = Flat(ruleSet.sharedLets.map(LetPlan.init))
        steps = Flat(zip(ruleSet.programs, plans).map { ProgramStep(program: $0, plan: $1) })
    }

    /// The same plans with other options.
    func with(_ options: RuleEngine.Options) -> EngineCore {
        EngineCore(ruleSet: ruleSet, options: options, plans: plans, roundValues: roundValues, validity: validity, roundPlans: roundPlans)
    }

    /// The index in `roundPlans` of a round: this calendar's own round by identity, else by id.
    private func roundIndex(_ round: Round) -> Int? {
        for index in roundPlans.indices where roundPlans[index].round === round { return index }
        return roundPlans.firstIndex { $0.round.id == round.id }
    }

    /// Whether tier shortfalls are worked out for every tier (explanations) or only as needed.
    private var explains: Bool { options.recordValues || options.planNextTier }

    func evaluate(
        _ dossier: Dossier, round: Round?, activation: Activation, late lateOverride: Bool? = nil, withheld: Set<String> = [],
        standing: [String: JSONValue] = [:]
    ) -> DossierEvaluation {
        activation.bind(RuleSet.dossierSlot, .record(dossier.value))
        let roundIndex = round.flatMap(roundIndex)
        if let roundIndex {
            activation.bind(RuleSet.roundSlot, roundPlans[roundIndex].value)
        } else {
            activation.fail(RuleSet.roundSlot, noRound)
        }
        let late = lateOverride ?? round.map { r in dossier.submittedAt.map { r.isLate($0) } ?? false } ?? false
        let sharedLets = self.sharedLets
        for index in 0..<sharedLets.count { bindLet(sharedLets[index], activation) }

        var results: [(program: String, result: ProgramResult)] = []
        results.reserveCapacity(plans.count)
        // The summaries of used programs, for the `programs` records of the programs that use them.
        // With each summary, its key in the shared summaries (-1: built for this dossier alone).
        withUnsafeTemporaryAllocation(of: (summary: Value?, key: Int).self, capacity: plans.count) { summaries in
            summaries.initialize(repeating: (nil, -1))
            // One by one: the destroy is then inlined (a bulk `deinitialize()` goes through the
            // generic runtime).
            defer { for index in summaries.indices { _ = (summaries.baseAddress! + index).move() } }
            let steps = self.steps
            for index in 0..<steps.count {
                let step = steps[index]
                unowned(unsafe) let program = step.program
                unowned(unsafe) let plan = step.plan
                if !withheld.isEmpty, withheld.contains(program.id) {
                    if plan.isUsed, let stored = standing[program.id], let type = plan.summaryType, case .certification(let rules) = program.body {
                        summaries[index].summary = ProgramSummary.value(standing: stored, rules: rules, type: type)
                    }
                    continue
                }
                if !plan.uses.isEmpty {
                    let uses = plan.uses
                    func make() -> Value {
                        .record(
                            RecordValue(type: program.programsType) { fields in
                                for position in uses.indices { (fields + position).initialize(to: summaries[uses[position]].summary) }
                            })
                    }
                    if let cache = plan.programsCache, case let key = summaries[uses[0]].key, key >= 0 {
                        activation.bind(RuleSet.programsSlot, cache.value(key, make))
                    } else {
                        activation.bind(RuleSet.programsSlot, make())
                    }
                }
                let lets = plan.lets
                for position in 0..<lets.count { bindLet(lets[position], activation) }
                let result: ProgramResult
                switch program.body {
                case .certification(let rules):
                    let certification = evaluateCertification(
                        rules, plan: plan.certification!, activation, late: late, round: roundIndex)
                    if plan.isUsed, let type = plan.summaryType {
                        func make() -> Value { ProgramSummary.value(certification, type: type, fields: plan.summaryFields) }
                        if let cache = plan.summaryCache, let key = plan.summaryKeying?.key(certification) {
                            summaries[index] = (cache.value(key, make), key)
                        } else {
                            summaries[index].summary = make()
                        }
                    }
                    result = .certification(certification)
                case .eligibility(let rules):
                    let eligibility = evaluateEligibility(rules, plan: plan.eligibility!, activation)
                    if plan.isUsed, let type = plan.summaryType {
                        summaries[index].summary = ProgramSummary.value(eligibility, type: type, fields: plan.summaryFields)
                    }
                    result = .eligibility(consume eligibility)
                case .award(let rules):
                    result = .award(evaluateAward(rules, plan: plan.award!, activation, late: late))
                }
                results.append((program.id, consume result))
            }
        }
        return DossierEvaluation(dossier: dossier, ruleSetHash: ruleSet.hash, round: round, late: late, results: results)
    }

    private func bindLet(_ plan: LetPlan, _ activation: Activation) {
        do throws(EvalError) {
            activation.bind(plan.slot, try Program.evaluate(plan.program, activation))
        } catch {
            activation.fail(plan.slot, error)
        }
    }

    typealias Decision = RuleEngine.Decision

    func decide(_ program: Unmanaged<Program>, _ activation: Activation) -> Decision {
        do throws(EvalError) {
            return Decision(status: try Program.evaluateBool(program, activation) ? .met : .notMet, error: nil)
        } catch {
            return Decision(status: error.isMissing ? .unknown : .error, error: error)
        }
    }

    func decide(_ expression: RuleExpression, _ activation: Activation) -> Decision {
        do throws(EvalError) {
            return Decision(status: try expression.program.evaluateBool(activation) ? .met : .notMet, error: nil)
        } catch {
            return Decision(status: error.isMissing ? .unknown : .error, error: error)
        }
    }


    func values(_ expression: RuleExpression, _ activation: Activation) -> [UsedValue] {
        guard options.recordValues else { return [] }
        return expression.probes.map { $0.read(activation) }
    }

    func conditionResult(_ plan: ConditionPlan, _ activation: Activation) -> ConditionResult {
        let decision = decide(plan.program, activation)
        if decision.error == nil, !options.recordValues { return ConditionResult(id: plan.condition.id, status: decision.status, details: nil) }
        let recorded = values(plan.condition.when, activation)
        if decision.error == nil, recorded.isEmpty { return ConditionResult(id: plan.condition.id, status: decision.status, details: nil) }
        return ConditionResult(
            id: plan.condition.id, status: decision.status,
            details: ResultDetails.make(missing: decision.rawMissing, error: decision.message, values: recorded))
    }

    /// The results of a list of conditions, in order.
    func conditionResults(_ plans: Flat<ConditionPlan>, _ activation: Activation) -> [ConditionResult] {
        guard plans.count > 0 else { return [] }
        var results: [ConditionResult] = []
        results.reserveCapacity(plans.count)
        for index in 0..<plans.count { results.append(conditionResult(plans[index], activation)) }
        return results
    }

    // MARK: Certification

    func evaluateCertification(
        _ rules: CertificationRules, plan: RuleEngine.CertificationPlan, _ activation: Activation, late: Bool = false, round: Int? = nil
    ) -> CertificationResult {
        var missing: [String] = []

        let scope = plan.scope.map { conditionResult($0, activation) }
        let disqualify = conditionResults(plan.disqualify, activation)
        if let details = scope?.details, !details.missing.isEmpty { RuleEngine.collect(details.missing, into: &missing) }
        for condition in disqualify { if let details = condition.details, !details.missing.isEmpty { RuleEngine.collect(details.missing, into: &missing) } }

        var criteria: [CriterionResult] = []
        criteria.reserveCapacity(rules.criteria.count)
        var points = 0
        // Built in place: `Array(repeating:count:)` allocates through an unspecialised generic path.
        let sectionCount = rules.sections.count
        var sectionPoints = [Int](unsafeUninitializedCapacity: sectionCount) { buffer, count in
            for index in 0..<sectionCount { (buffer.baseAddress! + index).initialize(to: 0) }
            count = sectionCount
        }
        for index in 0..<plan.criteria.count {
            let criterionPlan = plan.criteria[index]
            let result = evaluateCriterion(criterionPlan, rows: plan.rows, activation)
            if result.details != nil, let details = result.details, !details.missing.isEmpty { RuleEngine.collect(details.missing, into: &missing) }
            points += result.points
            if criterionPlan.section >= 0 { sectionPoints[criterionPlan.section] += result.points }
            criteria.append(consume result)
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
                    if shortfall.conditionLacking == .unknown, let when = rules.tiers[index].when {
                        RuleEngine.collect(decide(when, activation).rawMissing, into: &missing)
                    }
                } else {
                    granted = index
                }
            } else if holds(plan, tier: index, points: points, criteria: criteria, sectionPoints: sectionPoints, activation) {
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
            // Without explanations no shortfall has been worked out yet (`shortfalls` is empty).
            next = (explains ? shortfalls[nextIndex] : nil)
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
            outcome: outcome, tier: tierIndex.map { rules.tiers[$0].id }, points: points, sectionIDs: plan.sectionIDs,
            sectionPoints: sectionPoints, criteria: criteria, scope: scope, disqualify: disqualify, missing: missing, nextTier: next,
            tierShortfalls: explains && above < rules.tiers.count ? (above..<rules.tiers.count).compactMap { shortfalls[$0] } : [],
            tierRank: tierIndex.map { $0 + 1 } ?? 0,
            validUntil: outcome == .certified ? rules.validityYears.flatMap { years in round.flatMap { roundPlans[$0].validity[years] } } : nil)
    }

    /// Whether a tier is granted, without working out what it lacks.
    private func holds(
        _ plan: RuleEngine.CertificationPlan, tier: Int, points: Int, criteria: [CriterionResult], sectionPoints: [Int], _ activation: Activation
    ) -> Bool {
        let check = plan.tierChecks[tier]
        guard points >= check.minPoints else { return false }
        for position in 0..<check.requiredCount where criteria[plan.tierRequires[check.firstRequired + position]].status != .met { return false }
        for position in 0..<check.sectionCount {
            let minimum = plan.tierSections[check.firstSection + position]
            if sectionPoints[minimum.section] < minimum.points { return false }
        }
        if let condition = check.condition {
            do throws(EvalError) {
                return try Program.evaluateBool(condition, activation)
            } catch {
                return false
            }
        }
        return true
    }

    /// Without explanations, rows are tried in order until one holds; the first failure hands over
    /// to the general loop below, which goes on from that row. Inlined into the criteria loop: most
    /// criteria are decided by one or two rows, without failures.
    @inline(__always)
    func evaluateCriterion(
        _ plan: RuleEngine.CriterionPlan, rows: UnsafeMutableBufferPointer<RuleEngine.RowPlan>, _ activation: Activation
    ) -> CriterionResult {
        guard !options.recordValues else { return evaluateCriterion(plan, rows: rows, activation, from: 0, failure: nil) }
        for index in 0..<plan.rowCount {
            let row = rows[plan.firstRow + index]
            let holds: Bool
            do throws(EvalError) {
                holds = try Program.evaluateBool(row.program, activation)
            } catch {
                return evaluateCriterion(plan, rows: rows, activation, from: index, failure: error)
            }
            if holds { return CriterionResult(id: plan.criterion.id, status: .met, points: row.points, row: index, details: nil) }
        }
        return CriterionResult(id: plan.criterion.id, status: .notMet, points: 0, row: nil, details: nil)
    }

    /// The rows from `start` on; `failure` is what row `start` threw when the fast loop already ran it
    /// (the rows before it did not hold and did not fail).
    @inline(never)
    func evaluateCriterion(
        _ plan: RuleEngine.CriterionPlan, rows: UnsafeMutableBufferPointer<RuleEngine.RowPlan>, _ activation: Activation, from start: Int,
        failure: EvalError?
    ) -> CriterionResult {
        var missingFields: [String]?
        var firstError: String?
        func note(_ error: EvalError) {
            if error.isMissing {
                let fields = error.missingFields
                if missingFields == nil, RuleEngine.shownOnce(fields) {
                    // Usually the only row that lacks data: its list as it is, nothing copied.
                    missingFields = fields
                } else {
                    var list = missingFields ?? []
                    missingFields = nil
                    RuleEngine.collect(fields, into: &list)
                    missingFields = list
                }
            } else {
                firstError = firstError ?? error.message
            }
        }
        var first = start
        if let failure {
            note(failure)
            first += 1
        }
        for index in first..<max(first, plan.rowCount) {
            let row = rows[plan.firstRow + index]
            let holds: Bool
            do throws(EvalError) {
                holds = try Program.evaluateBool(row.program, activation)
            } catch {
                note(error)
                continue
            }
            if holds {
                if !options.recordValues, missingFields == nil, firstError == nil {
                    return CriterionResult(id: plan.criterion.id, status: .met, points: row.points, row: index, details: nil)
                }
                let recorded = options.recordValues ? values(plan.criterion.rows[index].when, activation) : []
                return CriterionResult(
                    id: plan.criterion.id, status: .met, points: row.points, row: index,
                    details: ResultDetails.make(missing: missingFields ?? [], error: firstError, values: recorded))
            }
        }
        if !options.recordValues, firstError == nil, missingFields == nil {
            return CriterionResult(id: plan.criterion.id, status: .notMet, points: 0, row: nil, details: nil)
        }
        let missing = missingFields ?? []
        let status: Status = firstError != nil ? .error : (missing.isEmpty ? .notMet : .unknown)
        var used: [UsedValue] = []
        if options.recordValues {
            for row in plan.criterion.rows {
                for value in values(row.when, activation) where !used.contains(where: { $0.name == value.name }) { used.append(value) }
            }
        }
        return CriterionResult(
            id: plan.criterion.id, status: status, points: 0, row: nil,
            details: ResultDetails.make(missing: missing, error: firstError, values: used))
    }

    /// Nil when the tier is granted; otherwise everything it lacks.
    private func shortfallOf(
        _ tier: Tier, plan: RuleEngine.TierPlan, points: Int, criteria: [CriterionResult], sectionPoints: [Int], rules: CertificationRules,
        _ activation: Activation
    ) -> TierShortfall? {
        let pointsLacking = max(0, plan.minPoints - points)
        var criteriaLacking: [(id: String, status: Status)] = []
        for index in plan.requires where criteria[index].status != .met { criteriaLacking.append((criteria[index].id, criteria[index].status)) }
        var sectionsLacking: [(section: String, lacking: Int)] = []
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

    func evaluateEligibility(_ rules: EligibilityRules, plan: RuleEngine.EligibilityPlan, _ activation: Activation) -> EligibilityResult {
        let conditions = conditionResults(plan.conditions, activation)
        var missing: [String] = []
        var notMet = false
        var undecided = false
        for condition in conditions {
            switch condition.status {
            case .notMet: notMet = true
            case .unknown, .error: undecided = true
            case .met: break
            }
            if let details = condition.details, !details.missing.isEmpty { RuleEngine.collect(details.missing, into: &missing) }
        }
        let outcome: EligibilityOutcome = notMet ? .ineligible : undecided ? .incomplete : .eligible
        guard outcome == .eligible else {
            return EligibilityResult(outcome: outcome, conditions: conditions, terms: nil, termsRow: nil, notes: [], missing: missing)
        }
        var terms: [(name: String, value: Value)]?
        var termsRow: Int?
        for index in 0..<plan.terms.count where decide(plan.terms[index], activation).status == .met {
            terms = rules.terms[index].values
            termsRow = index
            break
        }
        var notes: [(id: String, text: LocalizedText)] = []
        if let slot = rules.termsSlot {
            activation.bind(slot, termsRow.map { plan.termsMaps[$0] } ?? plan.noTerms)
            for index in 0..<plan.notes.count where decide(plan.notes[index], activation).status == .met {
                notes.append((rules.notes[index].id, rules.notes[index].text))
            }
        }
        return EligibilityResult(outcome: outcome, conditions: conditions, terms: terms, termsRow: termsRow, notes: notes, missing: missing)
    }

    // MARK: Award (per dossier; the ranking is `rank(_:)`)

    func evaluateAward(_ rules: AwardRules, plan: RuleEngine.AwardPlan, _ activation: Activation, late: Bool = false) -> AwardResult {
        let eligibility = conditionResult(plan.eligible, activation)
        var score: Value?
        var scoreError: String?
        do throws(EvalError) {
            score = try Program.evaluate(plan.score, activation)
        } catch {
            scoreError = error.message
        }
        var category: String?
        if eligibility.status == .met {
            for index in 0..<plan.categories.count where decide(plan.categories[index], activation).status == .met {
                category = rules.categories[index].id
                break
            }
        }
        var keys: [Value?] = []
        keys.reserveCapacity(plan.rankBy.count)
        for index in 0..<plan.rankBy.count {
            if plan.rankByIsScore[index] {
                keys.append(scoreError == nil ? score : nil)
            } else {
                keys.append(try? Program.evaluate(plan.rankBy[index], activation))
            }
        }
        return AwardResult(
            eligibility: eligibility, score: score, scoreError: scoreError, category: category, rankKeys: keys, excludedBecause: late ? "late" : nil)
    }
}

/// A fixed array of plain values (unretained references and numbers), read without reference
/// counting or bounds checks: the plans the evaluation loops walk for every dossier.
final class Flat<Element>: @unchecked Sendable {
    // @unchecked: written once, in init, and only read afterwards.
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ elements: [Element]) {
        count = elements.count
        base = .allocate(capacity: max(elements.count, 1))
        elements.withUnsafeBufferPointer { buffer in
            if let address = buffer.baseAddress { base.initialize(from: address, count: buffer.count) }
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    subscript(index: Int) -> Element { base[index] }
}

/// A program of the rule set and its plan (both kept alive by the engine).
struct ProgramStep {
    unowned(unsafe) let program: ProgramDefinition
    unowned(unsafe) let plan: RuleEngine.ProgramPlan
}

/// A let: its slot and its program (kept alive by the rule set).
struct LetPlan {
    let slot: Int
    let program: Unmanaged<Program>

    init(_ definition: LetDefinition) {
        slot = definition.slot
        program = Unmanaged.passUnretained(definition.expression.program)
    }
}

/// A condition and its program (both kept alive by the rule set).
struct ConditionPlan {
    unowned(unsafe) let condition: Condition
    let program: Unmanaged<Program>

    init(_ condition: Condition) {
        self.condition = condition
        program = Unmanaged.passUnretained(condition.when.program)
    }
}

func unretained(_ expression: RuleExpression) -> Unmanaged<Program> { Unmanaged.passUnretained(expression.program) }
