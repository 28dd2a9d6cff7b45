/// Over which dossiers an award rank was worked out, so that no output claims more for a rank or
/// prize than it means.
///
/// The daemon ranks every applicant of a round when the round closes: that rank is the decision.
/// `diacert eval` and `explain` rank only the dossiers they are given; one dossier alone would
/// always come first in its category and take its category's first prize.
public enum AwardRankingScope: Sendable, Hashable {
    /// Over every applicant of the round, at its closing: the rank and prize are the decision.
    case round
    /// Over this many dossiers of the same round given to one command: a preview, said as such.
    case given(Int)
    /// The dossier was the only one of its round: no rank or prize is claimed.
    case alone

    /// The scope of each evaluation's rank, when `evaluations` were ranked together by
    /// `RuleEngine.evaluate(_:roundOverride:)` (which ranks the dossiers of each round among themselves).
    public static func given(_ evaluations: [DossierEvaluation]) -> [AwardRankingScope] {
        var sizes: [String: Int] = [:]
        for evaluation in evaluations { sizes[evaluation.rankingGroup, default: 0] += 1 }
        return evaluations.map { evaluation in
            let size = sizes[evaluation.rankingGroup] ?? 0
            return size > 1 ? .given(size) : .alone
        }
    }
}

extension DossierEvaluation {
    /// The dossiers an award is ranked among are those of the same round (`AwardRanking`).
    var rankingGroup: String { round?.id ?? "" }

    /// The evaluation without award ranks and prizes, for a dossier that was ranked alone: its
    /// eligibility, category and score stay.
    public func withoutAwardRanks() -> DossierEvaluation {
        var copy = self
        for index in copy.results.indices {
            guard case .award(var award) = copy.results[index].result else { continue }
            award.rank = nil
            award.prize = nil
            award.tieBreak = nil
            copy.results[index].result = .award(award)
        }
        return copy
    }
}
