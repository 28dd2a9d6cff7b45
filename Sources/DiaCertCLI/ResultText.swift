import Diagnostics
import RuleModel

/// The `text` format of `diacert eval`: one line per dossier with every program's headline.
enum ResultText {
    static func table(_ evaluations: [DossierEvaluation], ruleSet: RuleSet, language: Language) -> String {
        var rows: [[String]] = [[language == .ja ? "申請ID" : "dossier"] + ruleSet.programs.map(\.id)]
        for evaluation in evaluations {
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
        return rows.map { row in
            zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - DisplayWidth.of(cell)) }
                .joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
