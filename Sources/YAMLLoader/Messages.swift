import Diagnostics

/// Stable identifiers of the diagnostics this module produces.
public enum YAMLDiagnosticCode {
    public static let readFailed = "yaml.read-failed"
    public static let tooLarge = "yaml.too-large"
    public static let encoding = "yaml.encoding"
    public static let syntax = "yaml.syntax"
    public static let tooDeep = "yaml.too-deep"
    public static let tooManyNodes = "yaml.too-many-nodes"
    public static let aliasExpansion = "yaml.alias-expansion"
    public static let unknownAlias = "yaml.unknown-alias"
    public static let recursiveAlias = "yaml.recursive-alias"
    public static let duplicateKey = "yaml.duplicate-key"
    public static let tagMismatch = "yaml.tag-mismatch"
    public static let multipleDocuments = "yaml.multiple-documents"
    /// A schema-directed accessor found a value of the wrong type.
    public static let typeMismatch = "yaml.type-mismatch"
    /// `yes`, `no`, `on`, `off` where a boolean is expected.
    public static let yaml11Boolean = "yaml.yaml11-boolean"
    /// `0755` where a number is expected.
    public static let ambiguousLeadingZero = "yaml.leading-zero"
    /// `1_000` where a number is expected.
    public static let digitSeparator = "yaml.digit-separator"
    /// `12:30` where a number is expected.
    public static let sexagesimal = "yaml.sexagesimal"
    /// `.inf` or `.nan` where a finite number is expected.
    public static let nonFinite = "yaml.non-finite"
    public static let integerOverflow = "yaml.integer-overflow"
}

/// The English and Japanese texts of this module's messages, in one place so the two stay in step.
enum Messages {
    static func readFailed(_ path: String, reason: String) -> LocalizedText {
        LocalizedText("cannot read '\(path)': \(reason)", ja: "'\(path)' を読めません: \(reason)")
    }

    static func tooLarge(bytes: Int, limit: Int) -> LocalizedText {
        LocalizedText(
            "input is \(bytes) bytes, more than the limit of \(limit) bytes",
            ja: "入力が \(bytes) バイトあり、上限の \(limit) バイトを超えています"
        )
    }

    static let utf16Input = LocalizedText(
        "input is UTF-16 or UTF-32; save the file as UTF-8",
        ja: "UTF-16 または UTF-32 のファイルは読めません。UTF-8 で保存してください"
    )

    static func invalidUTF8(byte: UInt8) -> LocalizedText {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        return LocalizedText(
            "invalid UTF-8 byte \(hex); save the file as UTF-8",
            ja: "UTF-8 として不正なバイト \(hex) があります。ファイルを UTF-8 で保存してください"
        )
    }

    static func controlCharacter(_ value: UInt32) -> LocalizedText {
        let hex = String(value, radix: 16, uppercase: true)
        let name = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        // A NUL usually means UTF-16 text without a byte order mark.
        let hint = value == 0 ? ("; is the file UTF-16? save it as UTF-8", "。UTF-16 のファイルなら UTF-8 で保存してください") : ("", "")
        return LocalizedText(
            "control character \(name) is not allowed in YAML\(hint.0)",
            ja: "YAML では制御文字 \(name) は使えません\(hint.1)"
        )
    }

    static func tooDeep(limit: Int) -> LocalizedText {
        LocalizedText(
            "nesting is deeper than \(limit) levels; flatten the document",
            ja: "入れ子が \(limit) 段を超えています。構造を浅くしてください"
        )
    }

    static func aliasTooDeep(_ name: String, limit: Int) -> LocalizedText {
        LocalizedText(
            "alias '*\(name)' makes the nesting deeper than \(limit) levels",
            ja: "エイリアス '*\(name)' を展開すると入れ子が \(limit) 段を超えます"
        )
    }

    static func tooManyNodes(limit: Int) -> LocalizedText {
        LocalizedText(
            "input has more than \(limit) nodes",
            ja: "ノードの数が上限の \(limit) を超えています"
        )
    }

    static func aliasExpansion(_ name: String, limit: Int) -> LocalizedText {
        LocalizedText(
            "alias '*\(name)' copies too many nodes; aliases may copy at most \(limit) nodes in all",
            ja: "エイリアス '*\(name)' の展開で、エイリアスが複製するノードが上限の \(limit) 個を超えます。エイリアスで巨大な文書は作れません"
        )
    }

    static func unknownAlias(_ name: String) -> LocalizedText {
        LocalizedText(
            "unknown alias '*\(name)'; define the anchor '&\(name)' before using it",
            ja: "エイリアス '*\(name)' のアンカー '&\(name)' が定義されていません。使う前に定義してください"
        )
    }

    static func recursiveAlias(_ name: String) -> LocalizedText {
        LocalizedText(
            "alias '*\(name)' refers to a node that contains it; recursive structures are not supported",
            ja: "エイリアス '*\(name)' が自分を含むノードを参照しています。再帰的な構造は使えません"
        )
    }

    static func duplicateKey(_ key: LocalizedText, firstLine: Int) -> LocalizedText {
        LocalizedText(
            "duplicate key \(key.en); first defined at line \(firstLine)",
            ja: "キー \(key.text(in: .ja)) が重複しています（最初の定義は \(firstLine) 行目）"
        )
    }

    /// A key that is a mapping or a sequence, named by its kind.
    static func complexKey(_ kind: LocalizedText) -> LocalizedText {
        LocalizedText("(\(kind.en))", ja: "（\(kind.text(in: .ja))）")
    }

    static let aScalar = LocalizedText("a scalar", ja: "スカラー")
    static let aMapping = LocalizedText("a mapping", ja: "マッピング")
    static let aSequence = LocalizedText("a sequence", ja: "シーケンス（リスト）")
    static let anInteger = LocalizedText("an integer such as 42", ja: "42 のような整数")
    static let aNumber = LocalizedText("a number such as 1.5", ja: "1.5 のような数値")
    static let trueOrFalse = LocalizedText("true or false", ja: "true か false")
    static let aNull = LocalizedText("null, ~ or nothing", ja: "null、~ または空")

    static let firstDefinedHere = LocalizedText("first defined here", ja: "最初の定義はここです")

    static func tagMismatch(_ text: String, tag: String, expected: LocalizedText) -> LocalizedText {
        LocalizedText(
            "\(quoted(text)) is not a valid \(tag); expected \(expected.en)",
            ja: "\(quoted(text)) は \(tag) の値として正しくありません。\(expected.text(in: .ja))を書いてください"
        )
    }

    static func tagOnWrongKind(_ tag: String, kind: LocalizedText) -> LocalizedText {
        LocalizedText("tag \(tag) cannot be used on \(kind.en)", ja: "タグ \(tag) は\(kind.text(in: .ja))には使えません")
    }

    static let multipleDocuments = LocalizedText(
        "expected one document, found a second one; remove the '---' line or split the file",
        ja: "文書は 1 つだけにしてください（ここから 2 つ目の文書が始まっています）。'---' の行を削除するか、ファイルを分けてください"
    )

    /// Joins Japanese text, with a space where Latin text or a quoted value meets Japanese,
    /// as Japanese typesetting does (`'no' が`, `false が`, but `文字列が`).
    static func spaced(_ first: String, _ second: String) -> String {
        guard let last = first.unicodeScalars.last, let next = second.unicodeScalars.first else {
            return first + second
        }
        let latin: (Unicode.Scalar) -> Bool = { $0.isASCII && $0 != " " }
        return latin(last) != latin(next) && !"（）、。".unicodeScalars.contains(last)
            ? first + " " + second : first + second
    }

    /// `'text'`, shortened when long, for quoting a value in a message.
    static func quoted(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > 40 || text.contains("\n") else { return "'\(text)'" }
        var short = String(String.UnicodeScalarView(scalars.prefix(40).prefix { $0 != "\n" }))
        short += "…"
        return "'\(short)'"
    }
}
