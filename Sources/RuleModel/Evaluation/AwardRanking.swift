import ExpressionLanguage

extension RuleEngine {
    /// Ranks every award over the dossiers of each round: within a category, eligible dossiers in
    /// the order of the `rank_by` keys, then the prizes in order, each up to its count.
    ///
    /// Deterministic: dossiers tied on every key are ordered by dossier id, then by input order.
    public func rank(_ evaluations: inout [DossierEvaluation]) {
        for program in ruleSet.programs {
            guard let rules = program.award else { continue }
            var groups: [String: [Int]] = [:]
            for (index, evaluation) in evaluations.enumerated() {
                groups[evaluation.round?.id ?? "", default: []].append(index)
            }
            for group in groups.values {
                for category in rules.categories {
                    var members: [(index: Int, award: AwardResult)] = []
                    for index in group {
                        guard case .award(let award)? = evaluations[index].result(program.id), award.eligible,
                            award.excludedBecause == nil, award.category == category.id
                        else { continue }
                        members.append((index, award))
                    }
                    members.sort { a, b in
                        for (position, key) in rules.rankBy.enumerated() {
                            let (x, y) = (a.award.rankKeys[position], b.award.rankKeys[position])
                            // A key that could not be computed sorts last, whatever the direction.
                            if (x == nil) != (y == nil) { return y == nil }
                            let order = compareKeys(x, y)
                            if order != 0 { return key.descending ? order > 0 : order < 0 }
                        }
                        let idA = evaluations[a.index].dossier.id
                        let idB = evaluations[b.index].dossier.id
                        return idA != idB ? idA < idB : a.index < b.index
                    }
                    var prizeIndex = 0
                    var given = 0
                    for (position, member) in members.enumerated() {
                        while prizeIndex < category.prizes.count, given >= category.prizes[prizeIndex].count {
                            prizeIndex += 1
                            given = 0
                        }
                        var award = member.award
                        award.rank = position + 1
                        if prizeIndex < category.prizes.count {
                            award.prize = category.prizes[prizeIndex].id
                            given += 1
                        }
                        evaluations[member.index].setResult(program.id, .award(award))
                    }
                }
            }
        }
    }

    private func compareKeys(_ a: Value?, _ b: Value?) -> Int {
        guard let a, let b else { return 0 }
        return ((try? a.order(comparedTo: b)) ?? nil) ?? 0
    }
}

extension DossierEvaluation {
    mutating func setResult(_ program: String, _ result: ProgramResult) {
        if let index = results.firstIndex(where: { $0.program == program }) { results[index].result = result }
    }
}
