/// Which parts of the rules the tests reach: every criterion row taken, every condition seen both
/// holding and failing, every terms row chosen, every tier granted, every prize given.
public struct Coverage: Sendable {
    let ruleSet: RuleSet
    private var reached = Set<String>()

    init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    mutating func record(_ evaluation: DossierEvaluation) {
        for (program, result) in evaluation.results {
            switch result {
            case .certification(let r):
                for criterion in r.criteria {
                    if let row = criterion.row { reached.insert("\(program)/criterion/\(criterion.id)/\(row)") }
                    if criterion.status == .notMet { reached.insert("\(program)/criterion/\(criterion.id)/none") }
                }
                if let tier = r.tier { reached.insert("\(program)/tier/\(tier)") }
                if let scope = r.scope { reached.insert("\(program)/scope/\(scope.status.rawValue)") }
                for condition in r.disqualify { reached.insert("\(program)/disqualify/\(condition.id)/\(condition.status.rawValue)") }
            case .eligibility(let r):
                for condition in r.conditions { reached.insert("\(program)/condition/\(condition.id)/\(condition.status.rawValue)") }
                if let row = r.termsRow { reached.insert("\(program)/terms/\(row)") }
                for note in r.notes { reached.insert("\(program)/note/\(note.id)") }
            case .award(let r):
                if let category = r.category, let prize = r.prize { reached.insert("\(program)/prize/\(category)/\(prize)") }
                if let category = r.category, r.rank != nil, r.prize == nil { reached.insert("\(program)/prize/\(category)/none") }
                reached.insert("\(program)/eligible/\(r.eligible)")
            }
        }
    }

    /// Everything no test reached, in rule-file order.
    public var unreached: [String] {
        var missing: [String] = []
        func need(_ key: String, _ description: String) { if !reached.contains(key) { missing.append(description) } }
        for program in ruleSet.programs {
            let p = program.id
            switch program.body {
            case .certification(let rules):
                if rules.scope != nil {
                    need("\(p)/scope/met", "\(p): scope never holds")
                    need("\(p)/scope/not_met", "\(p): scope never fails (no out-of-scope case)")
                }
                for condition in rules.disqualify {
                    need("\(p)/disqualify/\(condition.id)/met", "\(p): disqualifier '\(condition.id)' never applies")
                }
                for criterion in rules.criteria {
                    for (index, row) in criterion.rows.enumerated() {
                        let label = criterion.rows.count == 1 ? "criterion '\(criterion.id)'" : "criterion '\(criterion.id)' row \(index + 1) (\(row.points) points)"
                        need("\(p)/criterion/\(criterion.id)/\(index)", "\(p): \(label) never holds")
                    }
                }
                for tier in rules.tiers { need("\(p)/tier/\(tier.id)", "\(p): tier '\(tier.id)' is never granted") }
            case .eligibility(let rules):
                for condition in rules.conditions {
                    need("\(p)/condition/\(condition.id)/met", "\(p): condition '\(condition.id)' never holds")
                    need("\(p)/condition/\(condition.id)/not_met", "\(p): condition '\(condition.id)' never fails")
                }
                for (index, _) in rules.terms.enumerated() { need("\(p)/terms/\(index)", "\(p): terms row \(index + 1) is never chosen") }
                for note in rules.notes { need("\(p)/note/\(note.id)", "\(p): note '\(note.id)' is never added") }
            case .award(let rules):
                need("\(p)/eligible/true", "\(p): no dossier is ever eligible")
                need("\(p)/eligible/false", "\(p): no dossier is ever ineligible")
                for category in rules.categories {
                    for prize in category.prizes {
                        need("\(p)/prize/\(category.id)/\(prize.id)", "\(p): category '\(category.id)' never gives prize '\(prize.id)'")
                    }
                    need("\(p)/prize/\(category.id)/none", "\(p): category '\(category.id)' never has a ranked dossier without a prize (caps untested)")
                }
            }
        }
        return missing
    }
}
