@preconcurrency import Glibc
import Diagnostics
import Foundation

/// Entry point of the `diacert` command: picks the subcommand, parses its options, runs it.
public enum DiaCertMain {
    static var commands: [Command] {
        [RulesCommands.check, RulesCommands.eval, RulesCommands.explain, RulesCommands.test, RulesCommands.diff]
            + OperationsCommands.all
    }

    public static func run() async {
        exit(await run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
    }

    /// Runs one command line and returns the exit status.
    public static func run(arguments: [String], environment: [String: String]) async -> Int32 {
        var language = Language.fromEnvironment(environment)
        if let index = arguments.firstIndex(where: { $0 == "--lang" || $0.hasPrefix("--lang=") }) {
            let value = arguments[index] == "--lang" ? (index + 1 < arguments.count ? arguments[index + 1] : "") : String(arguments[index].dropFirst(7))
            if let chosen = Language(rawValue: value) { language = chosen }
        }
        let console = Console(language: language, environment: environment)
        guard let first = arguments.first, first != "--help", first != "-h", first != "help" else {
            console.out(overview(language))
            return arguments.isEmpty ? ExitStatus.usage : ExitStatus.success
        }
        if first == "--version" || first == "version" {
            console.out("diacert \(DiaCertVersion.current)")
            return ExitStatus.success
        }
        // Longest match first, so `rounds close` wins over a hypothetical `rounds`.
        let match = commands.sorted { $0.name.count > $1.name.count }.first { command in
            let words = command.name.split(separator: " ").map(String.init)
            return Array(arguments.prefix(words.count)) == words
        }
        guard let command = match else {
            var message = "unknown command '\(first)'"
            if let suggestion = Suggestion.nearest(to: first, among: commands.map(\.name)) { message += "; did you mean '\(suggestion)'?" }
            console.err("diacert: \(message)\n\n\(overview(language))")
            return ExitStatus.usage
        }
        let rest = Array(arguments.dropFirst(command.name.split(separator: " ").count))
        if rest.contains("--help") || rest.contains("-h") {
            console.out(command.help(in: language))
            return ExitStatus.success
        }
        do {
            let parsed = try Arguments(rest, options: command.options + [Command.langOption, Command.helpOption])
            return try await command.run(parsed, console)
        } catch let error as UsageError {
            console.err("diacert \(command.name): \(console.text(error.message))\n\n\(command.help(in: language))")
            return ExitStatus.usage
        } catch {
            console.err("diacert \(command.name): \(error)")
            return ExitStatus.failure
        }
    }

    static func overview(_ language: Language) -> String {
        var lines = [
            language == .ja
                ? "diacert — ダイア5市 脱炭素経営認定・アワード・融資のルールエンジン" : "diacert — the rule engine of the Dia 5-city decarbonisation scheme",
            "",
            language == .ja ? "使い方: diacert <コマンド> [オプション]" : "Usage: diacert <command> [options]",
            "",
            language == .ja ? "コマンド:" : "Commands:",
        ]
        let width = commands.map(\.name.count).max() ?? 0
        for command in commands {
            lines.append("  " + command.name + String(repeating: " ", count: width - command.name.count + 2) + command.summary.text(in: language))
        }
        lines.append("")
        lines.append(language == .ja ? "各コマンドの詳細: diacert <コマンド> --help" : "Details: diacert <command> --help")
        return lines.joined(separator: "\n")
    }
}

enum DiaCertVersion {
    static let current = "0.3.0"
}
