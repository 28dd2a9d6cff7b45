public import Diagnostics
public import ExpressionLanguage
import YAMLLoader

/// An expression from a rule file, compiled, with where it was written.
///
/// A class so that the rule model, which evaluation walks for every dossier, passes one reference
/// around instead of copying the source text and YAML node each time. Immutable, so Sendable.
public final class RuleExpression: Sendable {
    public let program: Program
    /// The expression text as written.
    public let source: String
    public let location: SourceLocation
    /// The YAML node, for positions inside the expression.
    let node: YAMLNode
    /// The dossier fields and lets it reads, for explanations.
    let probes: [ValueProbe]

    init(program: Program, source: String, location: SourceLocation, node: YAMLNode, probes: [ValueProbe]) {
        self.program = program
        self.source = source
        self.location = location
        self.node = node
        self.probes = probes
    }

    public var checked: CheckedNode { program.checked }
}

/// Reads the parts of rule files (mappings with known keys, scalars of a type, localized titles,
/// expressions) and collects every problem as a diagnostic with its position.
///
/// Readers keep going after a problem so that one `diacert check` reports all of them.
struct RuleFileReader {
    var diagnostics: [Diagnostic] = []

    mutating func error(_ code: String, _ en: String, ja: String? = nil, at node: YAMLNode, notes: [Diagnostic.Note] = []) {
        diagnostics.append(.error(code, LocalizedText(en, ja: ja), at: node.location, notes: notes))
    }

    mutating func warning(_ code: String, _ en: String, ja: String? = nil, at node: YAMLNode) {
        diagnostics.append(.warning(code, LocalizedText(en, ja: ja), at: node.location))
    }

    mutating func absorb<T>(_ result: Result<T, DiagnosticError>) -> T? {
        switch result {
        case .success(let value): return value
        case .failure(let error):
            diagnostics += error.diagnostics
            return nil
        }
    }

    /// A mapping's entries by key; keys outside `allowed` are errors with the nearest allowed key.
    mutating func mapping(_ node: YAMLNode, _ context: String, allowed: [String]) -> [String: YAMLNode]? {
        guard let pairs = node.mapping else {
            error("rules.expected-mapping", "\(context) must be a mapping of keys to values", ja: "\(context) はキーと値の組でなければなりません", at: node)
            return nil
        }
        var result: [String: YAMLNode] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar?.text else {
                error("rules.key", "keys in \(context) must be plain names", at: pair.key)
                continue
            }
            if !allowed.contains(key) {
                var message = "unknown key '\(key)' in \(context)"
                var ja = "\(context) に '\(key)' というキーはありません"
                if let suggestion = Suggestion.nearest(to: key, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                    ja += "。'\(suggestion)' のことですか?"
                } else {
                    message += "; allowed keys are " + allowed.map { "'\($0)'" }.joined(separator: ", ")
                }
                error("rules.unknown-key", message, ja: ja, at: pair.key)
                continue
            }
            result[key] = pair.value
        }
        return result
    }

    /// The mapping's pairs in order, each key a plain name.
    mutating func orderedMapping(_ node: YAMLNode, _ context: String) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard let pairs = node.mapping else {
            error("rules.expected-mapping", "\(context) must be a mapping", ja: "\(context) はマッピングでなければなりません", at: node)
            return []
        }
        return pairs.compactMap { pair in
            guard let key = pair.key.scalar?.text else {
                error("rules.key", "keys in \(context) must be plain names", at: pair.key)
                return nil
            }
            return (key, pair.key, pair.value)
        }
    }

    mutating func sequence(_ node: YAMLNode, _ context: String) -> [YAMLNode] {
        guard let items = node.sequence else {
            error("rules.expected-list", "\(context) must be a list (items starting with '- ')", ja: "\(context) はリスト ('- ' で始まる項目) でなければなりません", at: node)
            return []
        }
        return items
    }

    mutating func require(_ entries: [String: YAMLNode], _ key: String, in context: String, at node: YAMLNode) -> YAMLNode? {
        if let value = entries[key] { return value }
        error("rules.missing-key", "\(context) needs '\(key)'", ja: "\(context) には '\(key)' が必要です", at: node)
        return nil
    }

    mutating func string(_ node: YAMLNode) -> String? { absorb(node.asString()) }
    mutating func bool(_ node: YAMLNode) -> Bool? { absorb(node.asBool()) }
    mutating func integer(_ node: YAMLNode) -> Int64? { absorb(node.asInteger()) }

    mutating func decimal(_ node: YAMLNode) -> ExactDecimal? {
        guard let text = absorb(node.asNumberText()) else { return nil }
        guard let value = ExactDecimal(text) else {
            error("rules.number", "number '\(text)' has too many digits", at: node)
            return nil
        }
        return value
    }

    /// An identifier: letters, digits, `_`, `-`, starting with a letter.
    mutating func identifier(_ node: YAMLNode, _ context: String) -> String? {
        guard let text = string(node) else { return nil }
        let valid = !text.isEmpty && text.first!.isLetter
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        if !valid {
            error("rules.identifier", "\(context) '\(text)' must start with a letter and use only letters, digits, '_' and '-'", at: node)
            return nil
        }
        return text
    }

    /// `{ja: …, en: …}`, or one string used for both.
    mutating func localized(_ node: YAMLNode, _ context: String) -> LocalizedText? {
        if node.scalar != nil { return string(node).map { LocalizedText($0, ja: $0) } }
        guard let entries = mapping(node, context, allowed: ["ja", "en"]) else { return nil }
        let ja = entries["ja"].flatMap { string($0) }
        let en = entries["en"].flatMap { string($0) }
        guard ja != nil || en != nil else {
            error("rules.title", "\(context) needs 'ja' or 'en'", at: node)
            return nil
        }
        return LocalizedText(en ?? ja!, ja: ja ?? en)
    }

    mutating func stringList(_ node: YAMLNode, _ context: String) -> [String] {
        if node.isNull { return [] }
        return sequence(node, context).compactMap { string($0) }
    }

    /// Compiles an expression written in a YAML scalar; problems point into the file.
    mutating func expression(_ node: YAMLNode, in environment: Environment, expecting: CELType? = nil) -> RuleExpression? {
        guard let scalar = node.scalar else {
            error("rules.expression", "expected an expression (text), found a \(node.mapping != nil ? "mapping" : "list")", ja: "式 (文字列) が必要です", at: node)
            return nil
        }
        var text = scalar.text
        // `when: !x` unquoted: YAML takes `!x` as a tag and leaves the value empty (or, for `! x`,
        // keeps `x` and silently drops the negation). The tag is the only trace of the `!`.
        if let tag = node.tag, tag.hasPrefix("!") {
            let written = text.isEmpty ? tag : tag + " " + text
            let quoted = written.contains("\"") ? "'" + written.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'" : "\"" + written + "\""
            error(
                "rules.expression-tag",
                "a value starting with '!' is read by YAML as a tag, not as 'not'; put the expression in quotes: \(quoted)",
                ja: "'!' で始まる値は YAML ではタグとして読まれ、否定になりません。式を引用符で囲んでください: \(quoted)", at: node)
            return nil
        }
        // Plain YAML scalars `true`/`false` are fine as expressions; so are numbers.
        if text.isEmpty {
            error("rules.expression", "expected an expression, found nothing", ja: "式がありません", at: node)
            return nil
        }
        if scalar.style == .folded || scalar.style == .literal {
            while text.last == "\n" { text.removeLast() }
        }
        let compilation = environment.compile(text, expecting: expecting)
        for issue in compilation.issues {
            diagnostics.append(issue.diagnostic(in: text) { node.location(ofScalarOffset: $0) })
        }
        guard let program = compilation.program else { return nil }
        return RuleExpression(
            program: program, source: text, location: node.location, node: node,
            probes: ValueProbe.probes(in: program.checked, declaredSlots: environment.slotCount))
    }
}
