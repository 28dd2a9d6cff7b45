public import Diagnostics

/// A problem in one expression, positioned by UTF-8 byte offset in the expression's text.
///
/// The expression may live inside a YAML file; the caller maps the offset to a file position
/// (`ExpressionSource`) and turns the issue into a `Diagnostic`.
public struct ExpressionIssue: Sendable, Hashable, CustomStringConvertible {
    public var severity: Severity
    public var code: String
    public var message: LocalizedText
    /// UTF-8 byte offset in the expression text.
    public var offset: Int

    public init(_ severity: Severity = .error, code: String, _ message: LocalizedText, offset: Int) {
        self.severity = severity
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(offset): \(severity): \(message.en)" }
}

/// Parses CEL text into an `Expr` tree, expanding macros into `Comprehension` nodes.
public struct Parser {
    /// Deeper nesting than this is refused rather than risking the stack.
    public static let maxDepth = 250

    private var lexer: Lexer
    private var token: Token
    private var nextID = 1
    private var depth = 0
    private(set) var issues: [ExpressionIssue] = []

    /// Parses `text`; on failure the issues say where and why (the first syntax error stops it).
    public static func parse(_ text: String) -> (expr: Expr, issues: [ExpressionIssue]) {
        var parser = Parser(text)
        let expr = parser.parseWhole()
        return (expr, parser.issues)
    }

    private init(_ text: String) {
        lexer = Lexer(text)
        token = Token(kind: .end, offset: 0)
        token = lexer.next()
    }

    private mutating func parseWhole() -> Expr {
        let expr = parseExpression()
        if issues.isEmpty, case .invalid(let problem) = token.kind {
            fail(problem, at: token.offset)
        }
        if issues.isEmpty, case .identifier(let word) = token.kind, let symbol = Parser.wordOperators[word.lowercased()] {
            fail(
                LocalizedText(
                    "'\(word)' is not an operator here; write '\(symbol.operator)' for \"\(word.lowercased())\"",
                    ja: "'\(word)' は演算子ではありません。「\(symbol.ja)」は '\(symbol.operator)' と書きます"),
                at: token.offset)
        }
        if issues.isEmpty, token.kind != .end {
            fail("unexpected \(describe(token)) after the end of the expression", at: token.offset, code: "expr.syntax")
        }
        return issues.isEmpty ? expr : Expr(id: 0, offset: 0, kind: .error)
    }

    // MARK: Helpers

    /// Words people write for the logical operators (SQL, spreadsheets, Python).
    private static let wordOperators: [String: (operator: String, ja: String)] = ["and": ("&&", "かつ"), "or": ("||", "または")]

    private mutating func advance() { token = lexer.next() }

    private mutating func make(_ kind: Expr.Kind, at offset: Int) -> Expr {
        defer { nextID += 1 }
        return Expr(id: nextID, offset: offset, kind: kind)
    }

    private mutating func fail(_ message: String, at offset: Int, code: String = "expr.syntax", ja: String? = nil) {
        fail(LocalizedText(message, ja: ja), at: offset, code: code)
    }

    private mutating func fail(_ message: LocalizedText, at offset: Int, code: String = "expr.syntax") {
        if issues.isEmpty { issues.append(ExpressionIssue(code: code, message, offset: offset)) }
        token = Token(kind: .end, offset: token.offset)
    }

    private var failed: Bool { !issues.isEmpty }

    private func isPunctuation(_ punctuation: Token.Punctuation) -> Bool {
        token.kind == .punctuation(punctuation)
    }

    private mutating func expect(_ punctuation: Token.Punctuation, closing open: (String, Int)? = nil) {
        if failed { return }
        if isPunctuation(punctuation) {
            advance()
            return
        }
        if case .invalid(let problem) = token.kind {
            fail(problem, at: token.offset)
            return
        }
        var message = "expected '\(punctuation.rawValue)'"
        if let open { message += " to close '\(open.0)'" }
        message += ", found \(describe(token))"
        fail(message, at: token.offset, ja: "'\(punctuation.rawValue)' が必要です")
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: "end of expression"
        case .identifier(let name), .quotedIdentifier(let name): "'\(name)'"
        case .int(let v): "'\(v)'"
        case .intMagnitude(let v): "'\(v)'"
        case .uint(let v): "'\(v)u'"
        case .double(_, let text): "'\(text)'"
        case .string: "a string"
        case .bytes: "a bytes literal"
        case .true: "'true'"
        case .false: "'false'"
        case .null: "'null'"
        case .in: "'in'"
        case .punctuation(let p): "'\(p.rawValue)'"
        case .invalid(let problem): problem.en
        }
    }

    private mutating func enter(at offset: Int) -> Bool {
        depth += 1
        if depth > Parser.maxDepth {
            fail("expression is nested too deeply (more than \(Parser.maxDepth) levels)", at: offset, code: "expr.too-deep")
            return false
        }
        return true
    }

    // MARK: Grammar

    private mutating func parseExpression() -> Expr {
        let start = token.offset
        guard enter(at: start) else { return make(.error, at: start) }
        defer { depth -= 1 }
        let condition = parseOr()
        guard isPunctuation(.question), !failed else { return condition }
        let questionOffset = token.offset
        advance()
        let then = parseOr()
        expect(.colon)
        let otherwise = parseExpression()
        return make(.call(function: "_?_:_", target: nil, args: [condition, then, otherwise]), at: questionOffset)
    }

    private mutating func parseOr() -> Expr {
        var left = parseAnd()
        while isPunctuation(.orOr), !failed {
            let offset = token.offset
            advance()
            let right = parseAnd()
            left = make(.call(function: "_||_", target: nil, args: [left, right]), at: offset)
        }
        return left
    }

    private mutating func parseAnd() -> Expr {
        var left = parseRelation()
        while isPunctuation(.andAnd), !failed {
            let offset = token.offset
            advance()
            let right = parseRelation()
            left = make(.call(function: "_&&_", target: nil, args: [left, right]), at: offset)
        }
        return left
    }

    private mutating func parseRelation() -> Expr {
        var left = parseAddition()
        while !failed {
            let function: String
            switch token.kind {
            case .punctuation(.less): function = "_<_"
            case .punctuation(.lessEqual): function = "_<=_"
            case .punctuation(.greater): function = "_>_"
            case .punctuation(.greaterEqual): function = "_>=_"
            case .punctuation(.equal): function = "_==_"
            case .punctuation(.notEqual): function = "_!=_"
            case .in: function = "@in"
            default: return left
            }
            let offset = token.offset
            advance()
            let right = parseAddition()
            left = make(.call(function: function, target: nil, args: [left, right]), at: offset)
        }
        return left
    }

    private mutating func parseAddition() -> Expr {
        var left = parseMultiplication()
        while !failed {
            let function: String
            switch token.kind {
            case .punctuation(.plus): function = "_+_"
            case .punctuation(.minus): function = "_-_"
            default: return left
            }
            let offset = token.offset
            advance()
            let right = parseMultiplication()
            left = make(.call(function: function, target: nil, args: [left, right]), at: offset)
        }
        return left
    }

    private mutating func parseMultiplication() -> Expr {
        var left = parseUnary()
        while !failed {
            let function: String
            switch token.kind {
            case .punctuation(.star): function = "_*_"
            case .punctuation(.slash): function = "_/_"
            case .punctuation(.percent): function = "_%_"
            default: return left
            }
            let offset = token.offset
            advance()
            let right = parseUnary()
            left = make(.call(function: function, target: nil, args: [left, right]), at: offset)
        }
        return left
    }

    private mutating func parseUnary() -> Expr {
        let start = token.offset
        if isPunctuation(.bang) {
            var offsets: [Int] = []
            while isPunctuation(.bang) {
                offsets.append(token.offset)
                advance()
            }
            var operand = parseMember()
            for offset in offsets.reversed() {
                operand = make(.call(function: "!_", target: nil, args: [operand]), at: offset)
            }
            return operand
        }
        if isPunctuation(.minus) {
            var offsets: [Int] = []
            while isPunctuation(.minus) {
                offsets.append(token.offset)
                advance()
            }
            // `-` directly before a number literal makes a negative literal (so that the most
            // negative int64 can be written).
            var operand: Expr
            switch token.kind {
            case .int(let value):
                let literalOffset = offsets.removeLast()
                advance()
                operand = parseMemberSuffix(make(.literal(.int(-value)), at: literalOffset))
            case .intMagnitude(let magnitude) where magnitude == UInt64(Int64.max) + 1:
                let literalOffset = offsets.removeLast()
                advance()
                operand = parseMemberSuffix(make(.literal(.int(Int64.min)), at: literalOffset))
            case .double(let value, let text):
                let literalOffset = offsets.removeLast()
                advance()
                operand = parseMemberSuffix(make(.literal(.double(-value, text: "-" + text)), at: literalOffset))
            default:
                operand = parseMember()
            }
            for offset in offsets.reversed() {
                operand = make(.call(function: "-_", target: nil, args: [operand]), at: offset)
            }
            return operand
        }
        _ = start
        return parseMember()
    }

    private mutating func parseMember() -> Expr {
        parseMemberSuffix(parsePrimary())
    }

    private mutating func parseMemberSuffix(_ base: Expr) -> Expr {
        var expr = base
        while !failed {
            if isPunctuation(.dot) {
                let dotOffset = token.offset
                advance()
                let name: String
                let quoted: Bool
                switch token.kind {
                case .identifier(let word):
                    name = word
                    quoted = false
                case .quotedIdentifier(let word):
                    name = word
                    quoted = true
                case .true, .false, .null, .in:
                    name = describe(token).trimmingQuotes
                    quoted = false
                default:
                    fail("expected a field or method name after '.', found \(describe(token))", at: token.offset,
                         ja: "'.' の後にフィールド名が必要です")
                    return expr
                }
                let nameOffset = token.offset
                advance()
                if isPunctuation(.leftParen), !quoted {
                    let openOffset = token.offset
                    advance()
                    let args = parseArguments(closing: .rightParen, open: ("(", openOffset))
                    expr = receiverCall(name, target: expr, args: args, at: nameOffset)
                } else {
                    expr = make(.select(operand: expr, field: name, testOnly: false), at: dotOffset)
                }
            } else if isPunctuation(.leftBracket) {
                let offset = token.offset
                advance()
                let index = parseExpression()
                expect(.rightBracket, closing: ("[", offset))
                expr = make(.call(function: "_[_]", target: nil, args: [expr, index]), at: offset)
            } else {
                return expr
            }
        }
        return expr
    }

    private mutating func parseArguments(closing: Token.Punctuation, open: (String, Int)) -> [Expr] {
        var args: [Expr] = []
        if isPunctuation(closing) {
            advance()
            return args
        }
        while !failed {
            args.append(parseExpression())
            if isPunctuation(.comma) {
                advance()
                if isPunctuation(closing), closing != .rightParen {
                    break  // trailing comma in a list or map literal
                }
                continue
            }
            break
        }
        expect(closing, closing: open)
        return args
    }

    private mutating func parsePrimary() -> Expr {
        let start = token.offset
        if failed { return make(.error, at: start) }
        switch token.kind {
        case .int(let value):
            advance()
            return make(.literal(.int(value)), at: start)
        case .intMagnitude(let value):
            fail("integer literal \(value) is too large for int; add 'u' for uint", at: start)
            return make(.error, at: start)
        case .uint(let value):
            advance()
            return make(.literal(.uint(value)), at: start)
        case .double(let value, let text):
            advance()
            return make(.literal(.double(value, text: text)), at: start)
        case .string(let text):
            advance()
            return make(.literal(.string(text)), at: start)
        case .bytes(let bytes):
            advance()
            return make(.literal(.bytes(bytes)), at: start)
        case .true:
            advance()
            return make(.literal(.bool(true)), at: start)
        case .false:
            advance()
            return make(.literal(.bool(false)), at: start)
        case .null:
            advance()
            return make(.literal(.null), at: start)
        case .punctuation(.leftParen):
            advance()
            let inner = parseExpression()
            expect(.rightParen, closing: ("(", start))
            return inner
        case .punctuation(.leftBracket):
            advance()
            let items = parseArguments(closing: .rightBracket, open: ("[", start))
            return make(.list(items), at: start)
        case .punctuation(.leftBrace):
            advance()
            return parseMapLiteral(start)
        case .punctuation(.dot):
            // A leading dot names the root scope: `.x` is the variable x, never a comprehension variable.
            advance()
            guard case .identifier(let name) = token.kind else {
                fail("expected a name after '.', found \(describe(token))", at: token.offset)
                return make(.error, at: start)
            }
            advance()
            return parseIdentifierTail(name, at: start)
        case .identifier(let name):
            advance()
            return parseIdentifierTail(name, at: start)
        case .invalid(let problem):
            fail(problem, at: start)
            return make(.error, at: start)
        case .end:
            fail("expected an expression, found end of expression", at: start, ja: "式が途中で終わっています")
            return make(.error, at: start)
        default:
            fail("expected an expression, found \(describe(token))", at: start, ja: "ここには式が必要です")
            return make(.error, at: start)
        }
    }

    private mutating func parseIdentifierTail(_ name: String, at start: Int) -> Expr {
        if reservedWords.contains(name) {
            fail("'\(name)' is a reserved word and cannot be used as a name", at: start)
            return make(.error, at: start)
        }
        if isPunctuation(.leftParen) {
            let openOffset = token.offset
            advance()
            let args = parseArguments(closing: .rightParen, open: ("(", openOffset))
            if name == "has" {
                guard args.count == 1, case .select(let operand, let field, _) = args[0].kind else {
                    fail("has() expects a field selection such as has(dossier.target.year)", at: start)
                    return make(.error, at: start)
                }
                return make(.select(operand: operand, field: field, testOnly: true), at: start)
            }
            return make(.call(function: name, target: nil, args: args), at: start)
        }
        if isPunctuation(.leftBrace) {
            fail("message construction ('\(name){…}') is not supported", at: token.offset)
            return make(.error, at: start)
        }
        return make(.ident(name), at: start)
    }

    private mutating func parseMapLiteral(_ start: Int) -> Expr {
        var entries: [MapEntry] = []
        if isPunctuation(.rightBrace) {
            advance()
            return make(.map(entries), at: start)
        }
        while !failed {
            let key = parseExpression()
            expect(.colon)
            let value = parseExpression()
            entries.append(MapEntry(key: key, value: value))
            if isPunctuation(.comma) {
                advance()
                if isPunctuation(.rightBrace) { break }
                continue
            }
            break
        }
        expect(.rightBrace, closing: ("{", start))
        return make(.map(entries), at: start)
    }

    // MARK: Macros

    private mutating func receiverCall(_ name: String, target: Expr, args: [Expr], at offset: Int) -> Expr {
        let shape: (kind: Comprehension.Kind, variables: Int, predicate: Bool, transform: Bool)?
        switch (name, args.count) {
        case ("all", 2): shape = (.all, 1, true, false)
        case ("all", 3): shape = (.all, 2, true, false)
        case ("exists", 2): shape = (.exists, 1, true, false)
        case ("exists", 3): shape = (.exists, 2, true, false)
        case ("exists_one", 2): shape = (.existsOne, 1, true, false)
        case ("exists_one", 3), ("existsOne", 3): shape = (.existsOne, 2, true, false)
        case ("map", 2): shape = (.map, 1, false, true)
        case ("map", 3): shape = (.map, 1, true, true)
        case ("filter", 2): shape = (.filter, 1, true, false)
        case ("transformList", 3): shape = (.map, 2, false, true)
        case ("transformList", 4): shape = (.map, 2, true, true)
        case ("transformMap", 3): shape = (.transformMap, 2, false, true)
        case ("transformMap", 4): shape = (.transformMap, 2, true, true)
        case ("transformMapEntry", 3): shape = (.transformMapEntry, 2, false, true)
        case ("transformMapEntry", 4): shape = (.transformMapEntry, 2, true, true)
        default: shape = nil
        }
        guard let shape else { return make(.call(function: name, target: target, args: args), at: offset) }
        var names: [String] = []
        for arg in args.prefix(shape.variables) {
            guard case .ident(let variable) = arg.kind else {
                fail("the first argument of \(name)() must be a simple variable name", at: arg.offset,
                     ja: "\(name)() の最初の引数は変数名でなければなりません")
                return make(.error, at: offset)
            }
            names.append(variable)
        }
        if names.count == 2, names[0] == names[1] {
            fail("\(name)() needs two different variable names", at: args[1].offset)
            return make(.error, at: offset)
        }
        let rest = Array(args.dropFirst(shape.variables))
        let comprehension = Comprehension(
            kind: shape.kind,
            variable: names[0],
            variable2: names.count > 1 ? names[1] : nil,
            range: target,
            predicate: shape.predicate ? rest.first : nil,
            transform: shape.transform ? rest.last : nil)
        return make(.comprehension(comprehension), at: offset)
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        var text = self
        if text.hasPrefix("'") { text.removeFirst() }
        if text.hasSuffix("'") { text.removeLast() }
        return text
    }
}

extension ExpressionIssue {
    /// The issue as a diagnostic in a file, given where each character of the expression text is.
    ///
    /// - Parameters:
    ///   - source: the expression text the offset refers to.
    ///   - locate: maps an offset in Unicode scalars within `source` to a file location (for an
    ///     expression written in YAML, `YAMLNode.location(ofScalarOffset:)`).
    public func diagnostic(in source: String, locate: (Int) -> SourceLocation) -> Diagnostic {
        let utf8 = Array(source.utf8)
        let prefix = String(decoding: utf8[0..<min(max(offset, 0), utf8.count)], as: UTF8.self)
        return Diagnostic(severity, code: code, message, at: locate(prefix.unicodeScalars.count))
    }
}
