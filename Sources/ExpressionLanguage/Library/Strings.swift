/// String functions: CEL's core ones and cel-go's strings extension. Strings are sequences of
/// Unicode code points: sizes and indexes count code points, never bytes or grapheme clusters.
enum Strings {
    static func size(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .string(let s): .int(Int64(s.unicodeScalars.count))
        case .bytes(let b): .int(Int64(b.count))
        case .list(let l): .int(Int64(l.count))
        case .map(let m): .int(Int64(m.count))
        default: throw .noOverload("size", [v])
        }
    }

    static func contains(_ s: Value, _ part: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s, case .string(let needle) = part else { throw .noOverload("contains", [s, part]) }
        return .bool(byteIndex(of: Array(needle.utf8), in: Array(text.utf8), from: 0) != nil)
    }

    static func startsWith(_ s: Value, _ part: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s, case .string(let prefix) = part else { throw .noOverload("startsWith", [s, part]) }
        return .bool(text.utf8.starts(with: prefix.utf8))
    }

    static func endsWith(_ s: Value, _ part: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s, case .string(let suffix) = part else { throw .noOverload("endsWith", [s, part]) }
        return .bool(text.utf8.reversed().starts(with: suffix.utf8.reversed()))
    }

    static func matches(_ s: Value, _ pattern: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s, case .string(let source) = pattern else { throw .noOverload("matches", [s, pattern]) }
        return .bool(try RegexCache.shared.compile(source).matches(text))
    }

    // MARK: Strings extension

    static func charAt(_ s: Value, _ index: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s, case .int(let i) = index else { throw .noOverload("charAt", [s, index]) }
        let scalars = Array(text.unicodeScalars)
        guard i >= 0, i <= Int64(scalars.count) else { throw EvalError("index out of range: \(i)") }
        if i == Int64(scalars.count) { return .string("") }
        return .string(String(scalars[Int(i)]))
    }

    static func indexOf(_ args: [Value]) throws(EvalError) -> Value {
        guard case .string(let text) = args[0], case .string(let needle) = args[1] else { throw .noOverload("indexOf", args) }
        let scalars = Array(text.unicodeScalars)
        var start = 0
        if args.count == 3 {
            guard case .int(let i) = args[2] else { throw .noOverload("indexOf", args) }
            guard i >= 0, i <= Int64(scalars.count) else { throw EvalError("index out of range: \(i)") }
            start = Int(i)
        }
        let pattern = Array(needle.unicodeScalars)
        if pattern.isEmpty { return .int(Int64(start)) }
        guard pattern.count <= scalars.count else { return .int(-1) }
        var position = start
        while position + pattern.count <= scalars.count {
            if scalars[position..<position + pattern.count].elementsEqual(pattern) { return .int(Int64(position)) }
            position += 1
        }
        return .int(-1)
    }

    static func lastIndexOf(_ args: [Value]) throws(EvalError) -> Value {
        guard case .string(let text) = args[0], case .string(let needle) = args[1] else {
            throw .noOverload("lastIndexOf", args)
        }
        let scalars = Array(text.unicodeScalars)
        let pattern = Array(needle.unicodeScalars)
        var start = scalars.count
        if args.count == 3 {
            guard case .int(let i) = args[2] else { throw .noOverload("lastIndexOf", args) }
            guard i >= 0, i <= Int64(scalars.count) else { throw EvalError("index out of range: \(i)") }
            start = Int(i)
        }
        if pattern.isEmpty { return .int(Int64(start)) }
        var position = min(start, scalars.count - pattern.count)
        while position >= 0 {
            if scalars[position..<position + pattern.count].elementsEqual(pattern) { return .int(Int64(position)) }
            position -= 1
        }
        return .int(-1)
    }

    static func lowerAscii(_ s: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s else { throw .noOverload("lowerAscii", [s]) }
        return .string(String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self))
    }

    static func upperAscii(_ s: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s else { throw .noOverload("upperAscii", [s]) }
        return .string(String(decoding: text.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }, as: UTF8.self))
    }

    static func replace(_ args: [Value]) throws(EvalError) -> Value {
        guard case .string(let text) = args[0], case .string(let old) = args[1], case .string(let new) = args[2] else {
            throw .noOverload("replace", args)
        }
        var limit = Int64.max
        if args.count == 4 {
            guard case .int(let n) = args[3] else { throw .noOverload("replace", args) }
            limit = n < 0 ? .max : n
        }
        let source = Array(text.utf8)
        let pattern = Array(old.utf8)
        let replacement = Array(new.utf8)
        var out: [UInt8] = []
        var position = 0
        var count: Int64 = 0
        while count < limit, let found = byteIndex(of: pattern, in: source, from: position) {
            out += source[position..<found]
            out += replacement
            if pattern.isEmpty {
                // An empty pattern matches before every code point.
                var next = found
                if next < source.count {
                    next += 1
                    while next < source.count, source[next] & 0xC0 == 0x80 { next += 1 }
                    out += source[found..<next]
                }
                position = next
                if found >= source.count { count += 1; break }
            } else {
                position = found + pattern.count
            }
            count += 1
        }
        if position < source.count { out += source[position...] }
        return .string(String(decoding: out, as: UTF8.self))
    }

    static func split(_ args: [Value]) throws(EvalError) -> Value {
        guard case .string(let text) = args[0], case .string(let separator) = args[1] else { throw .noOverload("split", args) }
        var limit = Int64(-1)
        if args.count == 3 {
            guard case .int(let n) = args[2] else { throw .noOverload("split", args) }
            limit = n
        }
        if limit == 0 { return .list([]) }
        if limit == 1 { return .list([.string(text)]) }
        let scalars = Array(text.unicodeScalars)
        let pattern = Array(separator.unicodeScalars)
        var parts: [Value] = []
        if pattern.isEmpty {
            for (offset, scalar) in scalars.enumerated() {
                if limit > 0, Int64(parts.count) == limit - 1 {
                    parts.append(.string(String(String.UnicodeScalarView(scalars[offset...]))))
                    return .list(parts)
                }
                parts.append(.string(String(scalar)))
            }
            return .list(parts)
        }
        var start = 0
        var position = 0
        while position + pattern.count <= scalars.count {
            if limit > 0, Int64(parts.count) == limit - 1 { break }
            if scalars[position..<position + pattern.count].elementsEqual(pattern) {
                parts.append(.string(String(String.UnicodeScalarView(scalars[start..<position]))))
                position += pattern.count
                start = position
            } else {
                position += 1
            }
        }
        parts.append(.string(String(String.UnicodeScalarView(scalars[start...]))))
        return .list(parts)
    }

    static func substring(_ args: [Value]) throws(EvalError) -> Value {
        guard case .string(let text) = args[0], case .int(let begin) = args[1] else { throw .noOverload("substring", args) }
        let scalars = Array(text.unicodeScalars)
        var end = Int64(scalars.count)
        if args.count == 3 {
            guard case .int(let e) = args[2] else { throw .noOverload("substring", args) }
            end = e
        }
        guard begin >= 0, begin <= Int64(scalars.count) else { throw EvalError("index out of range: \(begin)") }
        guard end >= 0, end <= Int64(scalars.count) else { throw EvalError("index out of range: \(end)") }
        guard begin <= end else { throw EvalError("invalid substring range: start \(begin) is after end \(end)") }
        return .string(String(String.UnicodeScalarView(scalars[Int(begin)..<Int(end)])))
    }

    static func trim(_ s: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s else { throw .noOverload("trim", [s]) }
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, isTrimmableSpace(first) { scalars.removeFirst() }
        while let last = scalars.last, isTrimmableSpace(last) { scalars.removeLast() }
        return .string(String(scalars))
    }

    /// Unicode White_Space, which is what Go's `strings.TrimSpace` removes.
    private static func isTrimmableSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    static func join(_ args: [Value]) throws(EvalError) -> Value {
        guard case .list(let items) = args[0] else { throw .noOverload("join", args) }
        var separator = ""
        if args.count == 2 {
            guard case .string(let s) = args[1] else { throw .noOverload("join", args) }
            separator = s
        }
        var parts: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw EvalError("join() needs a list of strings") }
            parts.append(s)
        }
        return .string(parts.joined(separator: separator))
    }

    static func reverse(_ s: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s else { throw .noOverload("reverse", [s]) }
        return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed())))
    }

    static func quote(_ s: Value) throws(EvalError) -> Value {
        guard case .string(let text) = s else { throw .noOverload("strings.quote", [s]) }
        return .string(Format.quote(text))
    }

    /// First byte offset of `pattern` in `source` at or after `start`.
    static func byteIndex(of pattern: [UInt8], in source: [UInt8], from start: Int) -> Int? {
        if pattern.isEmpty { return start <= source.count ? start : nil }
        guard pattern.count <= source.count else { return nil }
        var position = start
        let first = pattern[0]
        while position + pattern.count <= source.count {
            if source[position] == first, source[position..<position + pattern.count].elementsEqual(pattern) {
                return position
            }
            position += 1
        }
        return nil
    }
}
