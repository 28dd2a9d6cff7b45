import ExpressionLanguage
import Foundation
import JSON
import RuleModel

/// Generated Dia dossiers: the fixture companies as templates, with their amounts, staff, targets
/// and flags varied at random (seeded), so that every criterion row and outcome occurs.
enum DiaData {
    static func dossiers(count: Int, seed: UInt64, fixtures: String, ruleSet: RuleSet) -> [Dossier] {
        let decoder = ruleSet.decoder
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []).sorted()
        let templates = names.compactMap { name -> JSONValue? in
            guard case .success(let dossier) = decoder.load(path: "\(fixtures)/\(name)") else { return nil }
            return dossier.normalizedJSON
        }
        guard !templates.isEmpty else { fail("no fixture dossiers in \(fixtures)") }
        var rng = SplitMix(seed: seed)
        return (0..<count).compactMap { i in
            let varied = vary(templates[i % templates.count], path: "", rng: &rng, index: i)
            return decoder.dossier(fromNormalized: varied, source: "generated", contentHash: "")
        }
    }

    private static func vary(_ json: JSONValue, path: String, rng: inout SplitMix, index: Int) -> JSONValue {
        switch json {
        case .object(let members):
            return .object(members.map { member in
                let child = path.isEmpty ? member.key : "\(path).\(member.key)"
                if child == "id" { return (member.key, .string("G\(index)")) }
                return (member.key, vary(member.value, path: child, rng: &rng, index: index))
            })
        case .array(let items):
            return .array(items.map { vary($0, path: path, rng: &rng, index: index) })
        case .number(let text) where path.hasPrefix("emissions.activity") || path == "base_year.total_t" || path.hasSuffix("annual_reduction_t"):
            guard let value = ExactDecimal(text), let factor = ExactDecimal("\(Int.random(in: 50...150, using: &rng))"),
                let scaled = try? value.multiplying(by: factor).dividing(by: 100).rounded(places: 1)
            else { return json }
            return .number(scaled.description)
        case .number where path == "company.employees":
            return .number(Int.random(in: 1...320, using: &rng))
        case .number where path == "target.reduction_pct":
            return .number(Int.random(in: 0...80, using: &rng))
        case .bool(let b) where path.hasPrefix("management.") || path.hasPrefix("target.") || path == "disclosure.public_report":
            return .bool(Double.random(in: 0..<1, using: &rng) < 0.2 ? !b : b)
        default:
            return json
        }
    }
}
