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
                    // Ties on the first key (the score): how far down the keys their order was decided.
                    var tieBreaks = [Int?](repeating: nil, count: members.count)
                    for position in members.indices.dropFirst() {
                        let (a, b) = (members[position - 1].award.rankKeys, members[position].award.rankKeys)
                        guard let first = rules.rankBy.indices.first, sameKey(a[first], b[first]) else { continue }
                        let decided = rules.rankBy.indices.dropFirst().first { !sameKey(a[$0], b[$0]) } ?? rules.rankBy.count - 1
                        tieBreaks[position - 1] = max(tieBreaks[position - 1] ?? 0, decided)
                        tieBreaks[position] = max(tieBreaks[position] ?? 0, decided)
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
                        award.tieBreak = tieBreaks[position].flatMap { $0 > 0 ? $0 : nil }
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

    /// Two ranking keys that do not tell dossiers apart (both equal, or both not computable).
    private func sameKey(_ a: Value?, _ b: Value?) -> Bool {
        (a == nil) == (b == nil) && compareKeys(a, b) == 0
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
