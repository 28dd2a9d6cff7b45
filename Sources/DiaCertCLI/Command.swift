@preconcurrency import Glibc
import Diagnostics

/// Where a command writes, and in which language.
struct Console: Sendable {
    var language: Language
    var environment: [String: String]

    func out(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stdout)
    }

    func err(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stderr)
    }

    func text(_ localized: LocalizedText) -> String { localized.text(in: language) }
}

/// One `diacert` subcommand.
struct Command: Sendable {
    /// `check`, or two words for grouped commands (`rounds close`).
    var name: String
    var summary: LocalizedText
    /// Arguments after the command name, e.g. `[--rules DIR] DOSSIER...`.
    var usage: String
    var options: [OptionSpec]
    var examples: [String]
    var run: @Sendable (Arguments, Console) async throws -> Int32

    static let helpOption = OptionSpec("help", .flag, short: "h", .init("show this help", ja: "このヘルプを表示"))
    static let langOption = OptionSpec(
        "lang", .value(placeholder: "ja|en"), .init("language of messages (default: from LANG)", ja: "メッセージの言語 (既定は LANG から)"))

    func help(in language: Language) -> String {
        var lines = [summary.text(in: language), "", "\(language == .ja ? "使い方" : "Usage"): diacert \(name) \(usage)"]
        let all = options + [Command.langOption, Command.helpOption]
        lines.append("")
        lines.append(language == .ja ? "オプション:" : "Options:")
        let rendered = all.map { option -> (String, String) in
            var left = "  --\(option.name)"
            if let short = option.short { left = "  -\(short), --\(option.name)" }
            switch option.kind {
            case .flag: break
            case .value(let placeholder), .repeatedValue(let placeholder): left += " \(placeholder)"
            }
            return (left, option.help.text(in: language))
        }
        let width = rendered.map { $0.0.count }.max() ?? 0
        for (left, right) in rendered {
            lines.append(left + String(repeating: " ", count: width - left.count + 2) + right)
        }
        if !examples.isEmpty {
            lines.append("")
            lines.append(language == .ja ? "例:" : "Examples:")
            for example in examples { lines.append("  \(example)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Exit codes, as command-line tools conventionally use them.
enum ExitStatus {
    static let success: Int32 = 0
    /// Problems were found (invalid rules, failing tests, rejected dossiers).
    static let failure: Int32 = 1
    /// The command line itself was wrong.
    static let usage: Int32 = 64
}
