/// Finds the cheapest way to the next tier: the fewest criteria to raise (each to its best row)
/// such that the points, the required criteria and the section minimums of the tier all hold.
///
/// When the tier also has a condition of its own (platinum: SBT or RE Action) that does not hold,
/// the set must include a criterion whose being met makes that condition hold (`witnesses`, found
/// by `Atom.witnesses`); without one the advice covers the rest and the condition is reported apart.
///
/// Ties between sets of the same size go to the one that overshoots the points least, then to
/// criteria earlier in the rule file, so the advice is stable.
enum NextTierPlanner {
    static func plan(
        _ tier: Tier, rules: CertificationRules, criteria: [CriterionResult], conditionLacking: Bool = false, witnesses: [Int] = []
    ) -> [CriterionStep]? {
        var stepCriterion: [Int] = []
        var steps: [CriterionStep] = []
        var mandatory: [Int] = []
        for (index, criterion) in rules.criteria.enumerated() {
            let result = criteria[index]
            guard result.points < criterion.maxPoints || (tier.requires.contains(criterion.id) && result.status != .met)
            else { continue }
            let best = criterion.rows.firstIndex { $0.points == criterion.maxPoints } ?? 0
            if tier.requires.contains(criterion.id), result.status != .met { mandatory.append(steps.count) }
            stepCriterion.append(index)
            steps.append(
                CriterionStep(
                    criterion: criterion.id, fromPoints: result.points, toPoints: criterion.maxPoints, row: best,
                    missing: result.status == .unknown ? result.missing : []))
        }
        let points = criteria.reduce(0) { $0 + $1.points }
        var sectionPoints: [String: Int] = [:]
        for (index, criterion) in rules.criteria.enumerated() {
            if let section = criterion.section { sectionPoints[section, default: 0] += criteria[index].points }
        }
        let needsWitness = conditionLacking && !witnesses.isEmpty
        let sectionOf = Dictionary(rules.criteria.map { ($0.id, $0.section) }, uniquingKeysWith: { first, _ in first })

        func satisfies(_ chosen: [Int]) -> (ok: Bool, overshoot: Int) {
            var total = points
            var sections = sectionPoints
            for index in chosen {
                let gain = steps[index].toPoints - steps[index].fromPoints
                total += gain
                if let section = sectionOf[steps[index].criterion] ?? nil { sections[section, default: 0] += gain }
            }
            guard total >= tier.minPoints else { return (false, 0) }
            for (section, minimum) in tier.sectionMinimums where (sections[section] ?? 0) < minimum { return (false, 0) }
            if needsWitness, !chosen.contains(where: { witnesses.contains(stepCriterion[$0]) }) { return (false, 0) }
            return (true, total - tier.minPoints)
        }

        let optional = steps.indices.filter { !mandatory.contains($0) }
        var best: (chosen: [Int], overshoot: Int)?
        // Try sets of growing size; the first size that works is the cheapest.
        for size in 0...optional.count {
            forEachCombination(of: optional, size: size) { combination in
                let chosen = mandatory + combination
                let check = satisfies(chosen)
                if check.ok, best == nil || check.overshoot < best!.overshoot { best = (chosen.sorted(), check.overshoot) }
            }
            if best != nil { break }
        }
        return best.map { $0.chosen.map { steps[$0] } }
    }

    private static func forEachCombination(of items: [Int], size: Int, _ body: ([Int]) -> Void) {
        var current: [Int] = []
        func recurse(_ start: Int) {
            if current.count == size {
                body(current)
                return
            }
            guard start < items.count, items.count - start >= size - current.count else { return }
            for index in start..<items.count {
                current.append(items[index])
                recurse(index + 1)
                current.removeLast()
            }
        }
        recurse(0)
    }
}
