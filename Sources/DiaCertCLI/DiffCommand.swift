import Diagnostics
import Foundation
import JSON
import RuleModel

/// `diacert diff`: evaluates dossiers under a base rule set and the current one and shows what moves.
enum DiffCommand {
    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        guard let base = arguments.value("base") else {
            throw UsageError(.init("--base is required: a rule set directory or git:REV", ja: "--base (ディレクトリまたは git:REV) が必要です"))
        }
        guard !arguments.positionals.isEmpty else {
            throw UsageError(.init("name at least one dossier file or directory", ja: "申請書のファイルかディレクトリを指定してください"))
        }
        let format = arguments.value("format") ?? "text"
        guard ["text", "json"].contains(format) else { throw UsageError(.init("--format must be text or json")) }
        let newDirectory = RuleSetSupport.rulesDirectory(arguments, console)

        var temporary: String?
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let baseDirectory: String
        if base.hasPrefix("git:") {
            do {
                let (directory, root) = try checkout(revision: String(base.dropFirst(4)), rulesDirectory: newDirectory, temporary: &temporary)
                baseDirectory = directory
                temporary = root
            } catch let problem as CheckoutProblem {
                // One line that says what to do; the help text would bury it.
                console.err("diacert diff: " + console.text(problem.message))
                return ExitStatus.usage
            }
        } else {
            baseDirectory = base
        }

        let (baseRules, baseDiagnostics) = RuleSet.load(directory: baseDirectory)
        guard let baseRules else {
            console.err(RuleSetSupport.render(baseDiagnostics, language: console.language))
            console.err(console.language == .ja ? "比較元のルール (\(base)) にエラーがあります" : "the base rule set (\(base)) has errors")
            return ExitStatus.failure
        }
        guard let newRules = RuleSetSupport.load(arguments, console) else { return ExitStatus.failure }
        let paths = try RuleSetSupport.dossierPaths(arguments.positionals)
        let (baseDossiers, baseInvalid) = RuleSetSupport.loadDossiers(paths, ruleSet: baseRules)
        let (newDossiers, newInvalid) = RuleSetSupport.loadDossiers(paths, ruleSet: newRules)
        let baseInvalidPaths = Set(baseInvalid.map(\.path))
        let newInvalidPaths = Set(newInvalid.map(\.path))
        let validity = paths.compactMap { path -> (String, Bool, Bool)? in
            let b = !baseInvalidPaths.contains(path)
            let n = !newInvalidPaths.contains(path)
            return b == n ? nil : (path, b, n)
        }
        // Only dossiers valid under both rule sets are compared.
        let round = arguments.value("round")
        if let round, newRules.calendar.round(round) == nil {
            throw UsageError(.init("unknown round '\(round)'; rounds are " + newRules.calendar.rounds.map(\.id).joined(separator: ", ")))
        }
        let comparable = Set(RuleSetSupport.applicants(baseDossiers, round: round, console).map(\.source))
            .intersection(newDossiers.map(\.source))
        let baseEvaluations = RuleEngine(ruleSet: baseRules).evaluate(baseDossiers.filter { comparable.contains($0.source) }, roundOverride: round)
        let newEvaluations = RuleEngine(ruleSet: newRules).evaluate(newDossiers.filter { comparable.contains($0.source) }, roundOverride: round)
        let diff = RuleDiff.compare(
            base: baseEvaluations, new: newEvaluations, baseHash: baseRules.hash, newHash: newRules.hash, validity: validity)
        if format == "json" {
            console.out(diff.json.serialized(pretty: true))
        } else {
            console.out(text(diff, baseName: base, newName: newDirectory, order: labelOrder(newRules), language: console.language))
        }
        return ExitStatus.success
    }

    /// Why `--base git:REV` cannot give a base rule set, in words that say what to do instead.
    struct CheckoutProblem: Error {
        var message: LocalizedText
    }

    /// Extracts the rule directory as it was at `revision` into a temporary directory.
    ///
    /// - Parameter temporary: set to the temporary directory as soon as it exists, so that the
    ///   caller removes it even when the extraction fails.
    private static func checkout(revision: String, rulesDirectory: String, temporary: inout String?) throws -> (
        directory: String, temporaryRoot: String
    ) {
        let base = "--base git:\(revision)"
        let instead = LocalizedText(
            "give the base rule set as a directory instead (--base DIR, e.g. --base rules/)",
            ja: "比較元のルールはディレクトリで指定してください (--base DIR、例: --base rules/)")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rulesDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckoutProblem(
                message: .init(
                    "\(base): the rules directory '\(rulesDirectory)' does not exist", ja: "\(base): ルールのディレクトリ '\(rulesDirectory)' がありません"))
        }
        guard let root = try? git(["-C", rulesDirectory, "rev-parse", "--show-toplevel"]).trimmingCharacters(in: .whitespacesAndNewlines),
            let prefix = try? git(["-C", rulesDirectory, "rev-parse", "--show-prefix"]).trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw CheckoutProblem(
                message: .init(
                    "\(base) compares with the rules as git has them, but '\(rulesDirectory)' is not in a git working copy; \(instead.en)",
                    ja: "\(base) は git に記録されたルールと比較しますが、'\(rulesDirectory)' は git の作業ディレクトリにありません。\(instead.text(in: .ja))"))
        }
        guard (try? git(["-C", root, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])) != nil else {
            throw CheckoutProblem(
                message: .init(
                    "\(base): git knows no commit '\(revision)' (try git:HEAD, a branch name or a commit id)",
                    ja: "\(base): git にコミット '\(revision)' がありません (git:HEAD、ブランチ名、コミットIDのいずれかを指定してください)"))
        }
        let tracked = (try? git(["-C", root, "ls-tree", "--name-only", revision, "--", prefix.isEmpty ? "." : prefix])) ?? ""
        guard !tracked.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CheckoutProblem(
                message: .init(
                    "\(base): '\(rulesDirectory)' is not tracked by git at \(revision), so there is no version of it to compare with; \(instead.en)",
                    ja: "\(base): '\(rulesDirectory)' は \(revision) の時点で git に登録されていないため、比較できません。\(instead.text(in: .ja))"))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-base-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        temporary = directory
        let archive = directory + "/rules.tar"
        _ = try git(["-C", root, "archive", "--format=tar", "-o", archive, revision, "--", prefix.isEmpty ? "." : prefix])
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-xf", archive, "-C", directory]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw UsageError(.init("could not unpack the rules of \(revision)")) }
        return (directory + "/" + prefix, directory)
    }

    private static func git(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CheckoutProblem(message: .init("git \(arguments.dropFirst(2).joined(separator: " ")) failed: \(message)"))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Matrix rows and columns in a meaningful order: highest tier first, then the other outcomes.
    static func labelOrder(_ ruleSet: RuleSet) -> [String] {
        var order: [String] = []
        for program in ruleSet.programs {
            switch program.body {
            case .certification(let rules): order += rules.tiers.reversed().map(\.id)
            case .award(let rules):
                for category in rules.categories { for prize in category.prizes where !order.contains(prize.id) { order.append(prize.id) } }
            case .eligibility: break
            }
        }
        return order + ["eligible", "ranked, no prize", "not_certified", "ineligible", "not eligible", "incomplete", "disqualified", "out_of_scope", "late"]
    }

    static func text(_ diff: RuleDiff, baseName: String, newName: String, order: [String] = [], language: Language) -> String {
        let ja = language == .ja
        var lines: [String] = []
        lines.append(
            (ja ? "比較元: " : "base: ") + "\(baseName) (sha256:\(diff.baseHash.prefix(12)))  →  " + (ja ? "新: " : "new: ")
                + "\(newName) (sha256:\(diff.newHash.prefix(12)))")
        lines.append(ja ? "両方のルールで評価した申請: \(diff.dossierCount) 件" : "\(diff.dossierCount) dossiers evaluated under both")
        for change in diff.validityChanges {
            lines.append(
                (ja ? "  有効性が変化: " : "  validity changed: ") + change.dossier + " "
                    + (change.base ? "valid" : "invalid") + " → " + (change.new ? "valid" : "invalid"))
        }
        for summary in diff.programs {
            lines.append("")
            let moved = summary.changes.filter { $0.before != $0.after }.count
            lines.append(
                "■ \(summary.program): "
                    + (ja ? "結果が変わる申請 \(moved) 件 (内容の変化を含め \(summary.changes.count) 件)" : "\(moved) dossier\(moved == 1 ? "" : "s") change outcome (\(summary.changes.count) with any change)"))
            lines += matrix(summary, order: order, language: language).map { "  " + $0 }
            if !summary.changes.isEmpty {
                lines.append(ja ? "  変化した申請:" : "  changed dossiers:")
                for change in summary.changes {
                    var line = "    \(change.dossier): \(change.before) → \(change.after)"
                    if let delta = change.pointsDelta { line += " (" + (delta > 0 ? "+" : "") + "\(delta)" + (ja ? "点)" : " points)") }
                    lines.append(line)
                    for detail in change.details { lines.append("        \(detail.id): \(detail.before) → \(detail.after)") }
                }
            }
            if !summary.hitCounts.isEmpty {
                lines.append(ja ? "  満たした件数が変わった基準・条件:" : "  criteria whose hit counts changed:")
                for hit in summary.hitCounts {
                    let delta = hit.after - hit.before
                    lines.append("    \(hit.id): \(hit.before) → \(hit.after) (" + (delta > 0 ? "+" : "") + "\(delta))")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Rows: the base outcome; columns: the new outcome; cells: dossiers.
    private static func matrix(_ summary: RuleDiff.ProgramSummary, order: [String], language: Language) -> [String] {
        func rank(_ label: String) -> (Int, String) { (order.firstIndex(of: label) ?? order.count, label) }
        let befores = Array(Set(summary.transitions.keys.map(\.before))).sorted { rank($0) < rank($1) }
        let afters = Array(Set(summary.transitions.keys.map(\.after))).sorted { rank($0) < rank($1) }
        let corner = language == .ja ? "元 \\ 新" : "base \\ new"
        var rows = [[corner] + afters]
        for before in befores {
            rows.append([before] + afters.map { after in
                summary.transitions[RuleDiff.Transition(before: before, after: after)].map(String.init) ?? "."
            })
        }
        let widths = (0..<rows[0].count).map { column in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).enumerated().map { index, pair in
                let padding = String(repeating: " ", count: pair.1 - DisplayWidth.of(pair.0))
                return index == 0 ? pair.0 + padding : padding + pair.0
            }.joined(separator: "  ")
        }
    }
}
