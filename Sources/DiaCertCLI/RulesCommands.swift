import Diagnostics
import Foundation
import JSON
import RuleModel

/// The policy staff's commands: check, eval, explain, test, diff.
enum RulesCommands {
    static let formatOption = OptionSpec(
        "format", .value(placeholder: "text|json|jsonl"), .init("output format (default: text)", ja: "出力形式 (既定: text)"))
    static let roundOption = OptionSpec(
        "round", .value(placeholder: "ID"),
        .init(
            "evaluate as the applicants of this round: the award is ranked among them; dossiers naming another round are left out (a note says which)",
            ja: "指定した募集回の申請として評価 (アワードはこれらの中で順位付け。別の募集回の申請は対象外とし、その旨を表示)"))

    // MARK: check

    static let check = Command(
        name: "check",
        summary: .init("check the rule set: YAML, schema, every expression, references, reachability", ja: "ルールを検査 (YAML・スキーマ・式・参照・到達可能性)"),
        usage: "[--rules DIR]",
        options: [RuleSetSupport.rulesOption],
        examples: ["diacert check", "diacert check --rules rules/ --lang ja"],
        run: { arguments, console in
            let directory = RuleSetSupport.rulesDirectory(arguments, console)
            let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
            var all = diagnostics
            if let ruleSet { all += RuleTestSuite.load(ruleSet: ruleSet).diagnostics }
            if !all.isEmpty { console.err(RuleSetSupport.render(all, language: console.language)) }
            let errors = all.errors.count
            let warnings = all.count - errors
            guard let ruleSet, errors == 0 else {
                console.err(
                    console.language == .ja
                        ? "エラー \(errors) 件、警告 \(warnings) 件" : "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
                return ExitStatus.failure
            }
            let criteria = ruleSet.programs.compactMap(\.certification).map(\.criteria.count).reduce(0, +)
            let summary =
                console.language == .ja
                ? "ルールは正常です: \(ruleSet.files.count) ファイル、プログラム \(ruleSet.programs.count) 件、基準 \(criteria) 件、警告 \(warnings) 件"
                : "rules OK: \(ruleSet.files.count) files, \(ruleSet.programs.count) programs, \(criteria) criteria, \(warnings) warning\(warnings == 1 ? "" : "s")"
            console.out(summary)
            console.out("hash: sha256:\(ruleSet.hash)")
            return ExitStatus.success
        })

    // MARK: eval

    static let eval = Command(
        name: "eval",
        summary: .init("validate and evaluate dossiers", ja: "申請書を検証して評価"),
        usage: "[--rules DIR] [--round ID] [--format text|json|jsonl] DOSSIER...|DIR",
        options: [RuleSetSupport.rulesOption, roundOption, formatOption],
        examples: [
            "diacert eval fixtures/dossiers/tokorozawa-seimitsu.yaml",
            "diacert eval --round 2027-1 --format json fixtures/dossiers/",
        ],
        run: { arguments, console in
            guard !arguments.positionals.isEmpty else {
                throw UsageError(.init("name at least one dossier file or directory", ja: "申請書のファイルかディレクトリを指定してください"))
            }
            let format = arguments.value("format") ?? "text"
            guard ["text", "json", "jsonl"].contains(format) else {
                throw UsageError(.init("--format must be text, json or jsonl"))
            }
            guard let ruleSet = RuleSetSupport.load(arguments, console) else { return ExitStatus.failure }
            let roundID = arguments.value("round")
            if let roundID, ruleSet.calendar.round(roundID) == nil {
                throw UsageError(
                    .init(
                        "unknown round '\(roundID)'; rounds are " + ruleSet.calendar.rounds.map(\.id).joined(separator: ", ")))
            }
            let paths = try RuleSetSupport.dossierPaths(arguments.positionals)
            let (loaded, invalid) = RuleSetSupport.loadDossiers(paths, ruleSet: ruleSet)
            let dossiers = RuleSetSupport.applicants(loaded, round: roundID, console)
            let engine = RuleEngine(ruleSet: ruleSet)
            let evaluations = engine.evaluate(dossiers, roundOverride: roundID)
            let scopes = AwardRankingScope.given(evaluations)
            switch format {
            case "json", "jsonl":
                // A dossier alone in its round is not ranked: `rank` and `prize` are null (as for any
                // dossier without a rank), never a first place among one.
                var items = zip(evaluations, scopes).map { evaluation, scope in
                    ResultJSON.evaluation(scope == .alone ? evaluation.withoutAwardRanks() : evaluation)
                }
                for (path, diagnostics) in invalid {
                    items.append(ResultJSON.invalid(source: path, id: nil, errors: diagnostics.map(\.description)))
                }
                if format == "json" {
                    console.out(JSONValue.array(items).serialized(pretty: true))
                } else {
                    for item in items { console.out(item.serialized()) }
                }
            default:
                console.out(ResultText.table(evaluations, scopes: scopes, ruleSet: ruleSet, language: console.language))
                for (_, diagnostics) in invalid {
                    console.err(RuleSetSupport.render(diagnostics, language: console.language))
                }
            }
            if !invalid.isEmpty {
                console.err(
                    console.language == .ja
                        ? "\(invalid.count) 件の申請書に誤りがあり、評価していません" : "\(invalid.count) dossier\(invalid.count == 1 ? " was" : "s were") invalid and not evaluated")
                return ExitStatus.failure
            }
            return ExitStatus.success
        })

    // MARK: explain, test, diff

    static let explain = Command(
        name: "explain",
        summary: .init("explain one dossier's result in words a bank officer can read out", ja: "1件の評価結果を読み上げられる文章で説明"),
        usage: "[--rules DIR] [--round ID] [--lang ja|en] DOSSIER",
        options: [RuleSetSupport.rulesOption, roundOption],
        examples: ["diacert explain --lang ja fixtures/dossiers/tokorozawa-seimitsu.yaml"],
        run: { arguments, console in
            guard arguments.positionals.count == 1 else {
                throw UsageError(.init("name exactly one dossier", ja: "申請書を1件だけ指定してください"))
            }
            guard let ruleSet = RuleSetSupport.load(arguments, console) else { return ExitStatus.failure }
            switch ruleSet.decoder.load(path: arguments.positionals[0]) {
            case .failure(let error):
                console.err(RuleSetSupport.render(error.diagnostics, language: console.language))
                return ExitStatus.failure
            case .success(let dossier):
                let engine = RuleEngine(ruleSet: ruleSet)
                let evaluation = engine.evaluate([dossier], roundOverride: arguments.value("round"))[0]
                // One dossier alone: its award rank would always be first, so none is claimed.
                console.out(Explanation(ruleSet: ruleSet, language: console.language, ranking: .alone).text(evaluation))
                return ExitStatus.success
            }
        })

    static let test = Command(
        name: "test",
        summary: .init("run the rule tests in rules/tests", ja: "rules/tests のテストを実行"),
        usage: "[--rules DIR] [--coverage]",
        options: [
            RuleSetSupport.rulesOption,
            OptionSpec("coverage", .flag, .init("list criteria rows, conditions and terms rows no test reaches", ja: "どのテストも通らない基準の行・条件・条件表の行を一覧")),
        ],
        examples: ["diacert test", "diacert test --coverage"],
        run: { arguments, console in
            guard let ruleSet = RuleSetSupport.load(arguments, console) else { return ExitStatus.failure }
            let suite = RuleTestSuite.load(ruleSet: ruleSet)
            if !suite.diagnostics.isEmpty {
                console.err(RuleSetSupport.render(suite.diagnostics, language: console.language))
                if suite.diagnostics.hasErrors { return ExitStatus.failure }
            }
            let report = suite.run()
            console.out(report.text(language: console.language, coverage: arguments.flag("coverage")))
            return report.failed == 0 && (!arguments.flag("coverage") || report.unreached.isEmpty) ? ExitStatus.success : ExitStatus.failure
        })

    static let diff = Command(
        name: "diff",
        summary: .init("show which dossiers a rule change moves", ja: "ルールの変更でどの申請の結果が変わるかを表示"),
        usage: "--base DIR|git:REV [--rules DIR] [--round ID] [--format text|json] DOSSIER...|DIR",
        options: [
            OptionSpec("base", .value(placeholder: "DIR|git:REV"), .init("the rule set to compare with (a directory, or git:REV for the rules at a commit)", ja: "比較する元のルール (ディレクトリ、またはコミットの git:REV)")),
            RuleSetSupport.rulesOption, roundOption,
            OptionSpec("format", .value(placeholder: "text|json"), .init("output format (default: text)", ja: "出力形式 (既定: text)")),
        ],
        examples: [
            "diacert diff --base git:HEAD fixtures/dossiers/",
            "diacert diff --base /srv/rules-2026 --rules rules/ --round 2027-1 fixtures/dossiers/",
        ],
        run: { arguments, console in try DiffCommand.run(arguments, console) })
}
