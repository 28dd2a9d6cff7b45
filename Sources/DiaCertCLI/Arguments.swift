import Diagnostics

/// A command-line option a command accepts.
struct OptionSpec: Sendable {
    enum Kind: Sendable {
        /// `--verbose`
        case flag
        /// `--rules DIR`
        case value(placeholder: String)
        /// `--base DIR`, may be given several times
        case repeatedValue(placeholder: String)
    }

    var name: String
    var kind: Kind
    var help: LocalizedText
    /// One-letter alias (`-h`).
    var short: Character?

    init(_ name: String, _ kind: Kind, short: Character? = nil, _ help: LocalizedText) {
        self.name = name
        self.kind = kind
        self.help = help
        self.short = short
    }
}

/// A bad command line: the message, then the command's usage.
struct UsageError: Error, CustomStringConvertible {
    var message: LocalizedText
    var description: String { message.en }
    init(_ message: LocalizedText) { self.message = message }
}

/// The parsed command line of one command.
struct Arguments: Sendable {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    /// Parses `arguments` against `options`; `--` ends options.
    init(_ arguments: [String], options: [OptionSpec]) throws(UsageError) {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name: String
            var inlineValue: String?
            if argument.hasPrefix("--") {
                name = String(argument.dropFirst(2))
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
            } else {
                let letter = argument.dropFirst().first
                guard argument.count == 2, let option = options.first(where: { $0.short == letter }) else {
                    throw UsageError(.init("unknown option '\(argument)'", ja: "不明なオプション '\(argument)'"))
                }
                name = option.name
            }
            guard let option = options.first(where: { $0.name == name }) else {
                var message = "unknown option '--\(name)'"
                if let suggestion = Suggestion.nearest(to: name, among: options.map(\.name)) {
                    message += "; did you mean '--\(suggestion)'?"
                }
                throw UsageError(.init(message, ja: "不明なオプション '--\(name)'"))
            }
            switch option.kind {
            case .flag:
                if inlineValue != nil { throw UsageError(.init("option '--\(name)' takes no value")) }
                flags.insert(name)
            case .value(let placeholder), .repeatedValue(let placeholder):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw UsageError(
                            .init("option '--\(name)' needs a value (\(placeholder))", ja: "オプション '--\(name)' には値 (\(placeholder)) が必要です"))
                    }
                    value = arguments[index]
                    index += 1
                }
                if case .value = option.kind, values[name] != nil {
                    throw UsageError(.init("option '--\(name)' given twice"))
                }
                values[name, default: []].append(value)
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
}
