import Diagnostics

/// Turns libyaml's English `problem` and `context` into our message, with a Japanese version.
///
/// libyaml's wording is kept in English (people search for it); the Japanese text translates
/// the phrases libyaml uses and falls back to the English for any it adds later.
enum SyntaxMessages {
    /// - Parameter offending: the character at the problem mark, which some hints depend on.
    static func message(problem: String, context: String?, contextLine: Int?, offending: Unicode.Scalar?)
        -> LocalizedText
    {
        let hint = hint(problem: problem, offending: offending) ?? context.flatMap { contextHints[$0] }
        var en = problem
        var ja = problems[problem] ?? "YAML の構文エラーです（\(problem)）"
        if let context {
            let contextJa = contexts[context] ?? context
            if let contextLine {
                en += " \(context) that started at line \(contextLine)"
                ja += "（\(contextLine) 行目から始まる\(contextJa)）"
            } else {
                en += " \(context)"
                ja += "（\(contextJa)）"
            }
        }
        if let hint {
            en += "; " + hint.en
            ja += "。" + hint.text(in: .ja)
        }
        return LocalizedText(en, ja: ja)
    }

    private static let problems: [String: String] = [
        "did not find expected key": "期待したキーが見つかりません",
        "did not find expected node content": "値が見つかりません",
        "did not find expected ',' or ']'": "',' または ']' が見つかりません",
        "did not find expected ',' or '}'": "',' または '}' が見つかりません",
        "did not find expected '-' indicator": "'-' が見つかりません",
        "did not find expected <document start>": "文書の開始（'---'）が見つかりません",
        "did not find expected <stream-start>": "ストリームの開始が見つかりません",
        "did not find expected comment or line break": "コメントか改行が必要です",
        "did not find expected whitespace or line break": "空白か改行が必要です",
        "did not find expected whitespace": "空白が必要です",
        "did not find expected alphabetic or numeric character": "英数字が必要です",
        "did not find expected digit or '.' character": "数字か '.' が必要です",
        "did not find expected version number": "バージョン番号が見つかりません",
        "did not find expected hexdecimal number": "16 進数が必要です",
        "did not find expected tag URI": "タグの URI が見つかりません",
        "did not find expected '!'": "'!' が見つかりません",
        "did not find the expected '>'": "'>' が見つかりません",
        "did not find URI escaped octet": "URI のエスケープが正しくありません",
        "could not find expected ':'": "':' が見つかりません",
        "could not find expected directive name": "指令の名前が見つかりません",
        "mapping values are not allowed in this context": "ここではマッピングの値（': '）は書けません",
        "mapping keys are not allowed in this context": "ここではマッピングのキーは書けません",
        "block sequence entries are not allowed in this context": "ここではリストの項目（'- '）は書けません",
        "found character that cannot start any token": "ここでは使えない文字があります",
        "found a tab character that violates indentation": "インデントにタブ文字が使われています",
        "found a tab character where an indentation space is expected": "インデントにタブ文字が使われています",
        "found unexpected end of stream": "予期しないところでファイルが終わっています",
        "found unexpected ':'": "予期しない ':' があります",
        "found unknown escape character": "不明なエスケープ文字です",
        "found invalid Unicode character escape code": "Unicode のエスケープが正しくありません",
        "found undefined tag handle": "定義されていないタグハンドルです",
        "found unexpected document indicator": "予期しない文書区切り（'---' か '...'）があります",
        "found incompatible YAML document": "対応していない YAML のバージョンです",
        "found duplicate %YAML directive": "%YAML 指令が重複しています",
        "found duplicate %TAG directive": "%TAG 指令が重複しています",
        "found unknown directive name": "不明な指令です",
        "found an indentation indicator equal to 0": "インデント指示子に 0 は使えません",
        "found extremely long version number": "バージョン番号が長すぎます",
        "found unexpected non-alphabetical character": "予期しない記号があります",
        "control characters are not allowed": "制御文字は使えません",
    ]

    private static let contexts: [String: String] = [
        "while parsing a block mapping": "ブロックマッピングの解析中",
        "while parsing a block collection": "ブロックコレクションの解析中",
        "while parsing a flow mapping": "フローマッピング（{ }）の解析中",
        "while parsing a flow sequence": "フローシーケンス（[ ]）の解析中",
        "while parsing a block node": "ノードの解析中",
        "while parsing a flow node": "ノードの解析中",
        "while parsing a node": "ノードの解析中",
        "while parsing a tag": "タグの解析中",
        "while parsing a %TAG directive": "%TAG 指令の解析中",
        "while parsing a tag directive": "%TAG 指令の解析中",
        "while scanning a simple key": "キーの読み取り中",
        "while scanning a plain scalar": "引用符のない値の読み取り中",
        "while scanning a quoted scalar": "引用符で囲まれた値の読み取り中",
        "while scanning a block scalar": "ブロックスカラーの読み取り中",
        "while scanning an anchor": "アンカーの読み取り中",
        "while scanning an alias": "エイリアスの読み取り中",
        "while scanning a tag": "タグの読み取り中",
        "while scanning a directive": "指令の読み取り中",
        "while scanning a %YAML directive": "%YAML 指令の読み取り中",
        "while scanning a %TAG directive": "%TAG 指令の読み取り中",
        "while scanning for the next token": "次の要素の読み取り中",
    ]

    private static let hints: [String: LocalizedText] = [
        "found a tab character that violates indentation": tabHint,
        "found a tab character where an indentation space is expected": tabHint,
        "mapping values are not allowed in this context": LocalizedText(
            "put the value in quotes if it contains ': '",
            ja: "値に ': ' が含まれるなら引用符で囲んでください"
        ),
    ]

    /// Hints for any problem met in this context.
    private static let contextHints: [String: LocalizedText] = [
        // `when: !x && y`: after the tag `!x`, `&` starts an anchor; `&&` was meant.
        "while scanning an anchor": LocalizedText(
            "'&' at the start of a value (or after a '!' tag) begins a YAML anchor; put an expression using '&&' in quotes",
            ja: "値の先頭 (または '!' のタグの後) の '&' は YAML のアンカーになります。'&&' を使う式は引用符で囲んでください"
        ),
        "while scanning an alias": LocalizedText(
            "'*' at the start of a value begins a YAML alias; put an expression starting with '*' in quotes",
            ja: "値の先頭の '*' は YAML のエイリアスになります。式は引用符で囲んでください"
        ),
    ]

    private static func hint(problem: String, offending: Unicode.Scalar?) -> LocalizedText? {
        guard problem == "found character that cannot start any token", let offending else { return hints[problem] }
        if offending == "\t" { return tabHint }
        if offending == "@" || offending == "`" {
            return LocalizedText(
                "a value cannot start with '\(offending)'; put it in quotes",
                ja: "'\(offending)' で始まる値は引用符で囲んでください"
            )
        }
        return nil
    }

    private static let tabHint = LocalizedText("indent with spaces, not tabs", ja: "インデントには空白を使ってください")
}
