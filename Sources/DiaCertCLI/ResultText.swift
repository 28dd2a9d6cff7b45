import Diagnostics
import RuleModel

/// The `text` format of `diacert eval`: one line per dossier with every program's headline.
enum ResultText {
    /// - Parameter scopes: over which dossiers each evaluation's award was ranked
    ///   (`AwardRankingScope.given`); a dossier alone in its round shows no rank or prize.
    static func table(_ evaluations: [DossierEvaluation], scopes: [AwardRankingScope], ruleSet: RuleSet, language: Language) -> String {
        let ja = language == .ja
        var rows: [[String]] = [[ja ? "申請ID" : "dossier"] + ruleSet.programs.map(\.id)]
        // Rounds whose awards were ranked among the dossiers given (round id → count), and whether
        // an eligible dossier was left unranked because it was alone.
        var rankedAmongGiven: [(round: String, count: Int)] = []
        var unrankedAlone = false
        for (evaluation, scope) in zip(evaluations, scopes) {
            var row = [evaluation.dossier.id + (evaluation.late ? (language == .ja ? " (期限後)" : " (late)") : "")]
            for program in ruleSet.programs {
                guard let result = evaluation.result(program.id) else {
                    row.append("-")
                    continue
                }
                switch result {
                case .certification(let r):
                    row.append(r.tier.map { "\($0) \(r.points)pt" } ?? "\(r.outcome.rawValue) \(r.points)pt")
                case .eligibility(let r):
                    row.append(r.outcome.rawValue)
                case .award(let r):
                    if scope == .alone, r.eligible, r.excludedBecause == nil {
                        unrankedAlone = true
                        row.append(ja ? "選考対象 (\(r.category ?? "-")、順位未定)" : "eligible (\(r.category ?? "-"), not ranked)")
                        continue
                    }
                    if case .given(let count) = scope, r.rank != nil, let round = evaluation.round?.id,
                        !rankedAmongGiven.contains(where: { $0.round == round })
                    {
                        rankedAmongGiven.append((round, count))
                    }
                    if let prize = r.prize {
                        row.append("\(prize) (\(r.category ?? "-") #\(r.rank ?? 0))")
                    } else if r.eligible, let rank = r.rank {
                        row.append("\(r.category ?? "-") #\(rank)")
                    } else {
                        row.append(r.excludedBecause ?? (r.eligible ? "eligible" : "-"))
                    }
                }
            }
            rows.append(row)
        }
        let widths = (0..<rows[0].count).map { column in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        var lines = rows.map { row in
            zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - DisplayWidth.of(cell)) }
                .joined(separator: "  ").trimmingTrailingSpaces
        }
        let anyLate = evaluations.contains(where: \.late)
        // Say what an award rank here is, and is not: the decision ranks every applicant of the round.
        if !rankedAmongGiven.isEmpty || unrankedAlone || anyLate {
            lines.append("")
            for (round, count) in rankedAmongGiven {
                lines.append(
                    ja
                        ? "※ アワードの順位は、指定した募集回 \(round) の申請 \(count) 件の中でのものです。実際の順位と賞は締切後に募集回のすべての申請の中で決まります"
                        : "* award ranks are among the \(count) dossiers given for round \(round); the real rank and prize are decided over all applicants of the round after its deadline")
            }
            if unrankedAlone {
                lines.append(
                    ja
                        ? "※ 1件だけで評価した申請にはアワードの順位を付けていません。順位と賞は締切後に募集回のすべての申請の中で決まります"
                        : "* a dossier evaluated alone gets no award rank: the rank and prize are decided over all applicants of the round after its deadline")
            }
            // The daemon judges by arrival; here only the form's own date is known.
            if anyLate {
                lines.append(
                    ja
                        ? "※ (期限後) は申請書の submitted_at で判定しています。デーモンは申請書が届いた時刻で判定します"
                        : "* (late) is judged here by the dossier's submitted_at; the daemon judges by the time the dossier arrives")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
