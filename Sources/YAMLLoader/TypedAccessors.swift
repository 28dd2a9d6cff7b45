public import Diagnostics

/// Schema-directed reads: the caller says what type a field has, and gets the value or a
/// diagnostic at the node.
///
/// Only plain untagged scalars (or a matching core tag) become booleans and numbers, and the
/// YAML 1.1 forms that other loaders turn into booleans and numbers are errors that say why.
extension YAMLNode {
    /// Any scalar's text as written: `012025` stays "012025" and `1.50` stays "1.50".
    public func asString() -> Result<String, DiagnosticError> {
        guard let scalar else { return .failure(DiagnosticError(mismatch(expected: Expectation.string))) }
        return .success(scalar.text)
    }

    /// A core-schema boolean: `true`/`True`/`TRUE`/`false`/`False`/`FALSE` (or `!!bool`).
    public func asBool() -> Result<Bool, DiagnosticError> {
        if case .bool(let value) = coreValue { return .success(value) }
        guard let scalar, isResolvable else {
            let quotedBool = scalar.map { $0.style.isQuoted && CoreSchema.bool($0.text) != nil } ?? false
            let hint = quotedBool ? Hint.removeQuotes : nil
            return .failure(DiagnosticError(mismatch(expected: Expectation.bool, hint: hint)))
        }
        if ["y", "n", "yes", "no", "on", "off"].contains(scalar.text.lowercased()) {
            return .failure(
                DiagnosticError(
                    diagnostic(YAMLDiagnosticCode.yaml11Boolean, expected: Expectation.bool, hint: Hint.yaml11Boolean)
                )
            )
        }
        return .failure(DiagnosticError(mismatch(expected: Expectation.bool)))
    }

    /// A core-schema integer that fits in 64 bits: `42`, `-7`, `+3`, `0x1F`, `0o17`.
    ///
    /// `0755` (octal in YAML 1.1), `1_000`, `12:30` and `1.5` are errors.
    public func asInteger() -> Result<Int64, DiagnosticError> {
        guard let text = numericText() else {
            return .failure(DiagnosticError(mismatch(expected: Expectation.integer, hint: quotedNumberHint)))
        }
        if let problem = numberProblem(text, expected: Expectation.integer) {
            return .failure(DiagnosticError(problem))
        }
        let value: Int64?
        if CoreSchema.isDecimalInteger(text) {
            value = Int64(text)
        } else if let (digits, radix) = CoreSchema.radixDigits(text) {
            value = Int64(digits, radix: radix)
        } else {
            return .failure(DiagnosticError(mismatch(expected: Expectation.integer)))
        }
        guard let value else {
            return .failure(
                DiagnosticError(
                    .error(
                        YAMLDiagnosticCode.integerOverflow,
                        Expectation.integerOverflow(Messages.quoted(text)),
                        at: location
                    )
                )
            )
        }
        return .success(value)
    }

    /// The text of a finite decimal number, for exact decimal arithmetic: `123`, `-4.5`, `1e3`.
    ///
    /// The result has the form `-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?`: a `+` sign is dropped,
    /// `.5` becomes `0.5`, `5.` becomes `5` and `E` becomes `e`; the digits are as written.
    /// Quoted numbers, `0755`, `1_000`, `12:30`, `.inf`, `.nan`, and hexadecimal or octal
    /// integers are errors.
    public func asNumberText() -> Result<String, DiagnosticError> {
        guard let text = numericText() else {
            return .failure(DiagnosticError(mismatch(expected: Expectation.number, hint: quotedNumberHint)))
        }
        if let problem = numberProblem(text, expected: Expectation.number) { return .failure(DiagnosticError(problem)) }
        if CoreSchema.radixDigits(text) != nil {
            return .failure(DiagnosticError(mismatch(expected: Expectation.number, hint: Hint.writeInDecimal)))
        }
        guard let literal = DecimalLiteral(text) else {
            return .failure(DiagnosticError(mismatch(expected: Expectation.number)))
        }
        var result = literal.isNegative ? "-" : ""
        result += literal.integer.isEmpty ? "0" : literal.integer
        if !literal.fraction.isEmpty { result += "." + literal.fraction }
        if literal.exponent != "0" { result += "e" + literal.exponent }
        return .success(result)
    }

    /// A mapping's entries in document order.
    public func asMapping() -> Result<[YAMLPair], DiagnosticError> {
        guard let mapping else { return .failure(DiagnosticError(mismatch(expected: Expectation.mapping))) }
        return .success(mapping)
    }

    /// A sequence's items in order.
    public func asSequence() -> Result<[YAMLNode], DiagnosticError> {
        guard let sequence else { return .failure(DiagnosticError(mismatch(expected: Expectation.sequence))) }
        return .success(sequence)
    }

    /// Whether the core schema may type this scalar: plain without a tag.
    private var isResolvable: Bool { tag == nil && scalar?.style == .plain }

    /// The text of a scalar that may be a number: plain untagged, `!!int` or `!!float`.
    private func numericText() -> String? {
        guard let scalar, isResolvable || tag == CoreSchema.Tag.int || tag == CoreSchema.Tag.float else { return nil }
        return scalar.text
    }

    /// "remove the quotes" for a quoted scalar that would be a number without them.
    private var quotedNumberHint: LocalizedText? {
        guard let scalar, scalar.style.isQuoted, CoreSchema.isInt(scalar.text) || CoreSchema.isFloat(scalar.text) else {
            return nil
        }
        return Hint.removeQuotes
    }

    /// The YAML 1.1 and non-finite forms, each with its own explanation.
    private func numberProblem(_ text: String, expected: LocalizedText) -> Diagnostic? {
        let shown = Messages.quoted(text)
        if Self.isSexagesimal(text) {
            return .error(YAMLDiagnosticCode.sexagesimal, Expectation.sexagesimal(shown), at: location)
        }
        let withoutSeparators = text.filter { $0 != "_" }
        if withoutSeparators != text, CoreSchema.isInt(withoutSeparators) || DecimalLiteral(withoutSeparators) != nil {
            return .error(
                YAMLDiagnosticCode.digitSeparator,
                Expectation.digitSeparator(shown, fixed: withoutSeparators),
                at: location
            )
        }
        let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        if unsigned.hasPrefix("0b"), unsigned.count > 2, unsigned.dropFirst(2).allSatisfy({ $0 == "0" || $0 == "1" }) {
            return mismatch(expected: expected, hint: Hint.binary)
        }
        if let literal = DecimalLiteral(text), literal.integer.count > 1, literal.integer.hasPrefix("0") {
            var fixed = literal.integer.drop { $0 == "0" }
            if fixed.isEmpty { fixed = "0" }
            let suggestion = (literal.isNegative ? "-" : "") + fixed + text[literal.integer.endIndex...]
            return .error(
                YAMLDiagnosticCode.ambiguousLeadingZero,
                Expectation.leadingZero(shown, fixed: suggestion),
                at: location
            )
        }
        if CoreSchema.isInfinity(text) || CoreSchema.isNaN(text) {
            return .error(YAMLDiagnosticCode.nonFinite, Expectation.finite(shown), at: location)
        }
        return nil
    }

    /// `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`, YAML 1.1's base 60.
    private static func isSexagesimal(_ text: String) -> Bool {
        var parts = (text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)).split(
            separator: ":",
            omittingEmptySubsequences: false
        )
        guard parts.count > 1 else { return false }
        let digits: (Substring) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") } }
        guard digits(parts.removeFirst()) else { return false }
        var last = parts.removeLast()
        if let point = last.firstIndex(of: ".") {
            guard last[last.index(after: point)...].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
                return false
            }
            last = last[..<point]
        }
        return (parts + [last]).allSatisfy { $0.count <= 2 && digits($0) && !$0.contains("_") && Int($0)! < 60 }
    }

    private func mismatch(expected: LocalizedText, hint: LocalizedText? = nil) -> Diagnostic {
        diagnostic(YAMLDiagnosticCode.typeMismatch, expected: expected, hint: hint)
    }

    private func diagnostic(_ code: String, expected: LocalizedText, hint: LocalizedText?) -> Diagnostic {
        let found = foundDescription
        var en = "expected \(expected.en), found \(found.en)"
        let foundJa = Messages.spaced(found.text(in: .ja), "が書かれています")
        var ja = Messages.spaced(expected.text(in: .ja), "が必要ですが、") + foundJa
        if let hint {
            en += "; " + hint.en
            ja += "。" + hint.text(in: .ja)
        }
        return .error(code, LocalizedText(en, ja: ja), at: location)
    }

    /// What the node is, for "found …" in messages.
    private var foundDescription: LocalizedText {
        switch kind {
        case .mapping: return Messages.aMapping
        case .sequence: return Messages.aSequence
        case .scalar(let scalar):
            let shown = Messages.quoted(scalar.text)
            if scalar.style.isBlock { return LocalizedText("a block scalar", ja: "ブロックスカラー") }
            if scalar.style.isQuoted { return LocalizedText("a quoted string \(shown)", ja: "引用符で囲まれた文字列 \(shown)") }
            if let tag, tag != CoreSchema.Tag.int, tag != CoreSchema.Tag.float, tag != CoreSchema.Tag.bool,
                tag != CoreSchema.Tag.null
            {
                let short = CoreSchema.Tag.short(tag)
                return LocalizedText("the string \(shown) tagged \(short)", ja: "タグ \(short) の付いた文字列 \(shown)")
            }
            switch coreValue {
            case .null where scalar.text.isEmpty: return LocalizedText("an empty value", ja: "空の値")
            case .null: return LocalizedText("null (\(shown))", ja: "null（\(shown)）")
            case .bool: return LocalizedText("the boolean \(shown)", ja: "真偽値 \(shown)")
            case .int, .float: return LocalizedText("the number \(shown)", ja: "数値 \(shown)")
            default: return LocalizedText(shown)
            }
        }
    }
}

/// What an accessor expected, and the messages specific to numbers.
private enum Expectation {
    static let string = LocalizedText("a string", ja: "文字列")
    static let bool = LocalizedText("true or false", ja: "true か false")
    static let integer = LocalizedText("an integer", ja: "整数")
    static let number = LocalizedText("a number", ja: "数値")
    static let mapping = Messages.aMapping
    static let sequence = Messages.aSequence

    static func digitSeparator(_ shown: String, fixed: String) -> LocalizedText {
        LocalizedText(
            "digit separators are not allowed in \(shown); write \(fixed)",
            ja: "\(shown) のような数字の区切り（_）は使えません。\(fixed) と書いてください"
        )
    }

    static func sexagesimal(_ shown: String) -> LocalizedText {
        LocalizedText(
            "sexagesimal (base 60) value \(shown) is not a number; write it in decimal, or quote it if it is a time",
            ja: "\(shown) は 60 進数の表記で、ここでは数値として扱いません。10 進数で書くか、時刻なら引用符で囲んでください"
        )
    }

    static func leadingZero(_ shown: String, fixed: String) -> LocalizedText {
        LocalizedText(
            "\(shown) is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write \(fixed) or quote it",
            ja: "\(shown) は先頭が 0 のため曖昧です（YAML 1.1 では 8 進数、YAML 1.2 では 10 進数）。\(fixed) と書くか、引用符で囲んでください"
        )
    }

    static func finite(_ shown: String) -> LocalizedText {
        LocalizedText("expected a finite number, found \(shown)", ja: "有限の数値が必要ですが、\(shown) が書かれています")
    }

    static func integerOverflow(_ shown: String) -> LocalizedText {
        LocalizedText(
            "integer \(shown) is out of range; it must be between \(Int64.min) and \(Int64.max)",
            ja: "整数 \(shown) は範囲外です。\(Int64.min) から \(Int64.max) までにしてください"
        )
    }
}

/// The second half of a message: how to fix it.
private enum Hint {
    static let removeQuotes = LocalizedText("remove the quotes", ja: "引用符を外してください")
    static let yaml11Boolean = LocalizedText(
        "YAML 1.1 words like yes/no/on/off are not booleans here",
        ja: "yes/no/on/off のような YAML 1.1 の語は、ここでは真偽値になりません"
    )
    static let writeInDecimal = LocalizedText(
        "hexadecimal and octal numbers are not accepted here; write it in decimal",
        ja: "ここでは 16 進数や 8 進数は使えません。10 進数で書いてください"
    )
    static let binary = LocalizedText(
        "binary numbers are YAML 1.1 only; write it in decimal",
        ja: "2 進数の表記は YAML 1.1 のもので、使えません。10 進数で書いてください"
    )
}
