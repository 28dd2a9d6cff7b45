import Diagnostics
public import ExpressionLanguage
import Foundation
import YAMLLoader
public import JSON

/// The texts of the notification mails, from `templates/*.yaml` in the rule set: Japanese text with
/// `{{ expression }}` placeholders evaluated by the expression engine, so policy staff change the
/// wording without touching code, and `diacert check` checks every placeholder.
///
/// A file holds `mails:` (the frame of each kind of mail: `round`, `loan`, `late`, `rejected`,
/// each with `subject`, `header`, `footer`) and `sections:` (one text per program outcome:
/// `certification.certified`, `award.grand`, `loan.ineligible`, …). A round mail is the round frame
/// around one section per program of the round.
public struct NoticeTemplates: Sendable {
    /// A text with placeholders.
    public struct Text: Sendable {
        enum Piece: Sendable {
            case literal(String)
            case expression(RuleExpression)
        }

        let pieces: [Piece]
    }

    public struct Frame: Sendable {
        public let subject: Text
        public let header: Text
        public let footer: Text
    }

    public let mails: [String: Frame]
    /// By program id, then outcome (`certified`, `grand`, `no_prize`, `eligible`, …).
    public let sections: [String: [String: Text]]
    let frameSize: Int
    /// Times in mails are shown in the rule set's zone.
    let zone: ZoneSpec

    /// The kinds of mail the daemon sends.
    public static let mailKinds = ["round", "loan", "late", "rejected"]

    /// What a placeholder can use.
    public struct Bindings {
        public var dossier: Value?
        public var round: Value?
        /// This program's result (in a section), as in `diacert eval --format json`.
        public var result: Value?
        /// Every program's result of this mail, by program id.
        public var results: Value?
        /// The result explained in Japanese (as `diacert explain` writes it).
        public var explanation: String?
        public var revision: Int?
        /// Why a dossier was rejected (one line per problem).
        public var errors: [String]?
        public var file: String?
        /// The outcome in a few words, as `diacert explain` heads it (`認定 プラチナ (95点)`).
        public var headline: String?

        public init() {}
    }

    static let variables: [(String, CELType)] = [
        ("dossier", .dyn), ("round", .record(RoundCalendar.recordType)), ("result", .dyn), ("results", .map(.string, .dyn)),
        ("explanation", .string), ("revision", .int), ("errors", .list(.string)), ("file", .string), ("headline", .string),
    ]

    static func environment(schema: DossierSchema) -> Environment {
        var environment = Environment(dialect: .rules)
        for (name, type) in variables {
            environment.declare(name, name == "dossier" ? .record(schema.recordType) : type)
        }
        return environment
    }

    /// Reads every template file of the rule set.
    static func read(
        _ nodes: [YAMLNode], schema: DossierSchema, programs: [ProgramDefinition], unreadPrograms: Set<String>, zone: ZoneSpec,
        reader: inout RuleFileReader
    )
        -> NoticeTemplates?
    {
        guard !nodes.isEmpty else { return nil }
        let environment = environment(schema: schema)
        var mails: [String: Frame] = [:]
        var sections: [String: [String: Text]] = [:]
        var frameSize = environment.slotCount
        func text(_ node: YAMLNode?) -> Text {
            guard let node, let scalar = node.scalar else { return Text(pieces: []) }
            let (pieces, size) = parse(scalar.text, node: node, environment: environment, reader: &reader)
            frameSize = max(frameSize, size)
            return Text(pieces: pieces)
        }
        for node in nodes {
            guard let top = reader.mapping(node, "a template file", allowed: ["mails", "sections", "description"]) else { continue }
            for entry in top["mails"].map({ reader.orderedMapping($0, "mails") }) ?? [] {
                guard mailKinds.contains(entry.key) else {
                    reader.error("templates.kind", "unknown mail '\(entry.key)'; the mails are " + mailKinds.joined(separator: ", "), at: entry.keyNode)
                    continue
                }
                guard let fields = reader.mapping(entry.value, "mail '\(entry.key)'", allowed: ["subject", "header", "footer"]) else { continue }
                if fields["subject"] == nil { reader.error("templates.subject", "mail '\(entry.key)' needs a subject", at: entry.value) }
                mails[entry.key] = Frame(subject: text(fields["subject"]), header: text(fields["header"]), footer: text(fields["footer"]))
            }
            for program in top["sections"].map({ reader.orderedMapping($0, "sections") }) ?? [] {
                guard let definition = programs.first(where: { $0.id == program.key }) else {
                    // A program whose file has errors is already reported there; its sections wait for it.
                    if unreadPrograms.contains(program.key) { continue }
                    reader.error("templates.program", "sections for an unknown program '\(program.key)'", at: program.keyNode)
                    continue
                }
                let known = outcomes(of: definition)
                for outcome in reader.orderedMapping(program.value, "sections of '\(program.key)'") {
                    if !known.contains(outcome.key) {
                        var message = "'\(outcome.key)' is not an outcome of '\(program.key)'; its outcomes are " + known.joined(separator: ", ")
                        if let suggestion = Suggestion.nearest(to: outcome.key, among: known) { message += "; did you mean '\(suggestion)'?" }
                        reader.error("templates.outcome", message, at: outcome.keyNode)
                        continue
                    }
                    sections[program.key, default: [:]][outcome.key] = text(outcome.value)
                }
            }
        }
        for kind in mailKinds where mails[kind] == nil {
            reader.warning("templates.missing", "no template for the '\(kind)' mail; a plain default text is used", at: nodes[0])
        }
        return NoticeTemplates(mails: mails, sections: sections, frameSize: frameSize, zone: zone)
    }

    /// Every outcome a program can have, as section keys.
    public static func outcomes(of program: ProgramDefinition) -> [String] {
        switch program.body {
        case .certification: CertificationOutcome.allCases.map(\.rawValue)
        case .eligibility: EligibilityOutcome.allCases.map(\.rawValue)
        case .award(let rules):
            Array(Set(rules.categories.flatMap { $0.prizes.map(\.id) })).sorted() + ["no_prize", "not_eligible"]
        }
    }

    /// Splits `text` at `{{ … }}` and compiles each placeholder; problems point into the file.
    private static func parse(_ text: String, node: YAMLNode, environment: Environment, reader: inout RuleFileReader) -> ([Text.Piece], Int) {
        var pieces: [Text.Piece] = []
        var frameSize = 0
        let scalars = Array(text.unicodeScalars)
        var literal = ""
        var index = 0
        while index < scalars.count {
            if scalars[index] == "{", index + 1 < scalars.count, scalars[index + 1] == "{" {
                var end = index + 2
                while end + 1 < scalars.count, !(scalars[end] == "}" && scalars[end + 1] == "}") { end += 1 }
                guard end + 1 < scalars.count else {
                    reader.diagnostics.append(
                        .error("templates.unclosed", "'{{' without a closing '}}'", at: node.location(ofScalarOffset: index)))
                    break
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                let source = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                let compilation = environment.compile(source)
                let start = index + 2
                for issue in compilation.issues {
                    reader.diagnostics.append(issue.diagnostic(in: source) { node.location(ofScalarOffset: start + $0) })
                }
                if let program = compilation.program {
                    frameSize = max(frameSize, program.frameSize)
                    pieces.append(
                        .expression(
                            RuleExpression(
                                program: program, source: source, location: node.location(ofScalarOffset: start), node: node, probes: [])))
                }
                index = end + 2
                continue
            }
            literal.unicodeScalars.append(scalars[index])
            index += 1
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return (pieces, frameSize)
    }

    /// The text with every placeholder replaced; a placeholder that cannot be computed becomes `—`.
    /// A line made only of placeholders that all give empty text is left out (a sentence said only
    /// when it applies: `{{ result.tied ? '…' : '' }}`).
    public func render(_ text: Text, _ bindings: Bindings) -> String {
        let activation = Activation(size: max(frameSize, NoticeTemplates.variables.count))
        let values: [Value?] = [
            bindings.dossier, bindings.round, bindings.result, bindings.results, bindings.explanation.map(Value.string),
            bindings.revision.map { .int(Int64($0)) }, bindings.errors.map { .list($0.map(Value.string)) }, bindings.file.map(Value.string),
            bindings.headline.map(Value.string),
        ]
        for (slot, value) in values.enumerated() {
            if let value { activation.bind(slot, value) } else { activation.fail(slot, EvalError(missing: [NoticeTemplates.variables[slot].0])) }
        }
        var out = ""
        var line = ""
        var placeholders = 0
        func endLine(newline: Bool) {
            if placeholders == 0 || !line.allSatisfy(\.isWhitespace) {
                out += line
                if newline { out += "\n" }
            }
            line = ""
            placeholders = 0
        }
        for piece in text.pieces {
            switch piece {
            case .literal(let s):
                var rest = Substring(s)
                while let newline = rest.firstIndex(of: "\n") {
                    line += rest[..<newline]
                    endLine(newline: true)
                    rest = rest[rest.index(after: newline)...]
                }
                line += rest
            case .expression(let expression):
                placeholders += 1
                guard let value = try? expression.program.evaluate(activation) else {
                    line += "—"
                    continue
                }
                line += display(value)
            }
        }
        endLine(newline: false)
        return out
    }

    /// A value as mail text: numbers with thousands separators (not years), lists one per line,
    /// times in the rule set's zone (a deadline at the end of a day as just that day).
    func display(_ value: Value) -> String {
        switch value {
        case .null: return "—"
        case .int(let i): return ExactDecimal(i).formatted(grouping: abs(i) >= 10_000)
        case .decimal(let d): return d.formatted(grouping: true)
        case .bool(let b): return b ? "はい" : "いいえ"
        case .list(let items): return items.map(display).joined(separator: "\n")
        case .timestamp(let time): return NoticeTemplates.display(time, zone: zone)
        case .string(let text):
            // Results reach templates as JSON, where times are RFC 3339 text.
            if text.count >= 20, text.count <= 40, text.first?.isNumber == true, let time = try? Timestamp(rfc3339: text) {
                return NoticeTemplates.display(time, zone: zone)
            }
            return text
        default: return Format.display(value)
        }
    }

    /// `2027-06-30` for the last instant of a day, else `2027-06-30 14:05`, in `zone`.
    public static func display(_ time: Timestamp, zone: ZoneSpec) -> String {
        guard let date = try? time.calendarDate(in: zone) else { return time.rfc3339 }
        if let end = try? date.endOfDay(in: zone), end == time { return date.description }
        let text = time.rfc3339(in: zone)
        // 2027-06-30T14:05:09.123+09:00 → 2027-06-30 14:05
        guard text.count >= 16 else { return text }
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }
}

extension ResultJSON {
    /// A JSON result as an expression value (objects as maps, numbers exact), for templates.
    public static func expressionValue(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let text):
            if let i = Int64(text) { return .int(i) }
            return ExactDecimal(text).map(Value.decimal) ?? .string(text)
        case .string(let s): return .string(s)
        case .array(let items): return .list(items.map(expressionValue))
        case .object(let members):
            var map = MapValue()
            for member in members { _ = try? map.insert(key: .string(member.key), value: expressionValue(member.value)) }
            return .map(map)
        }
    }
}
