import Diagnostics
import Foundation
import JSON
import RuleModel

/// Shared steps of the rule commands: finding and loading the rule set, collecting dossier files,
/// drawing diagnostics with their source lines.
enum RuleSetSupport {
    static let rulesOption = OptionSpec(
        "rules", .value(placeholder: "DIR"), .init("rule set directory (default: ./rules, or $DIACERT_RULES)", ja: "ルールのディレクトリ (既定: ./rules または $DIACERT_RULES)"))

    static func rulesDirectory(_ arguments: Arguments, _ console: Console) -> String {
        arguments.value("rules") ?? console.environment["DIACERT_RULES"] ?? "rules"
    }

    /// Draws diagnostics with the lines they point at, reading each file once.
    static func render(_ diagnostics: [Diagnostic], language: Language) -> String {
        var renderer = DiagnosticRenderer(language: language)
        var files = Set<String>()
        for diagnostic in diagnostics {
            if let file = diagnostic.location?.file { files.insert(file) }
            for note in diagnostic.notes { if let file = note.location?.file { files.insert(file) } }
        }
        for file in files {
            if let data = FileManager.default.contents(atPath: file) {
                renderer.add(SourceText(path: file, text: String(decoding: data, as: UTF8.self)))
            }
        }
        return renderer.render(diagnostics)
    }

    /// Loads the rule set; on errors prints them and returns nil.
    static func load(_ arguments: Arguments, _ console: Console) -> RuleSet? {
        let directory = rulesDirectory(arguments, console)
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        if let ruleSet {
            let warnings = diagnostics.filter { $0.severity != .error }
            if !warnings.isEmpty { console.err(render(warnings, language: console.language)) }
            return ruleSet
        }
        console.err(render(diagnostics, language: console.language))
        let errors = diagnostics.errors.count
        console.err(
            console.language == .ja
                ? "ルールにエラーが \(errors) 件あります (\(directory))" : "\(errors) error\(errors == 1 ? "" : "s") in the rule set \(directory)")
        return nil
    }

    /// The dossier files named on the command line; directories are searched for .yaml, .yml and .json.
    static func dossierPaths(_ names: [String]) throws -> [String] {
        var paths: [String] = []
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory) else {
                throw UsageError(.init("no such file or directory: \(name)", ja: "ファイルまたはディレクトリがありません: \(name)"))
            }
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: name)) ?? []
                for entry in entries.sorted() where [".yaml", ".yml", ".json"].contains(where: { entry.hasSuffix($0) }) {
                    paths.append((name as NSString).appendingPathComponent(entry))
                }
            } else {
                paths.append(name)
            }
        }
        return paths
    }

    /// Reads and validates dossiers; invalid ones come back with their diagnostics.
    static func loadDossiers(_ paths: [String], ruleSet: RuleSet) -> (valid: [Dossier], invalid: [(path: String, diagnostics: [Diagnostic])]) {
        let decoder = ruleSet.decoder
        var valid: [Dossier] = []
        var invalid: [(String, [Diagnostic])] = []
        for path in paths {
            switch decoder.load(path: path) {
            case .success(let dossier): valid.append(dossier)
            case .failure(let error): invalid.append((path, error.diagnostics))
            }
        }
        return (valid, invalid)
    }

    /// The applicants of `--round ID`: dossiers that name another round are left out (with a note
    /// on stderr), so they are neither ranked in this round nor judged late by its deadline.
    static func applicants(_ dossiers: [Dossier], round: String?, _ console: Console) -> [Dossier] {
        guard let round else { return dossiers }
        let others = dossiers.filter { $0.round != nil && $0.round != round }
        guard !others.isEmpty else { return dossiers }
        let names = others.map { "\($0.id) (\($0.round ?? ""))" }.joined(separator: ", ")
        console.err(
            console.text(
                .init(
                    "note: \(others.count) dossier(s) of other rounds left out of round \(round): \(names)",
                    ja: "注記: 募集回 \(round) 以外の申請 \(others.count) 件は対象外です: \(names)")))
        return dossiers.filter { $0.round == nil || $0.round == round }
    }
}
