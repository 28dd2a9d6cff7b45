/// The text of one source file, with a line table for positions and snippets.
public struct SourceText: Sendable {
    public let path: String
    public let text: String
    /// UTF-8 byte offset at which each line starts.
    private let lineStarts: [Int]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        var starts = [0]
        var offset = 0
        for byte in text.utf8 {
            offset += 1
            if byte == UInt8(ascii: "\n") { starts.append(offset) }
        }
        lineStarts = starts
    }

    public var lineCount: Int { lineStarts.count }

    /// The text of a 1-based line without its line break, or nil when out of range.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let utf8 = Array(text.utf8)
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] : utf8.count
        while end > start, utf8[end - 1] == UInt8(ascii: "\n") || utf8[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }

    /// The 1-based position of a UTF-8 byte offset (columns in Unicode scalars).
    public func position(ofUTF8Offset offset: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let lineStart = lineStarts[low]
        let utf8 = text.utf8
        let startIndex = utf8.index(utf8.startIndex, offsetBy: lineStart)
        let endIndex = utf8.index(utf8.startIndex, offsetBy: min(offset, utf8.count))
        let column = text.unicodeScalars[startIndex..<endIndex].count + 1
        return SourcePosition(line: low + 1, column: column)
    }

    public func location(ofUTF8Offset offset: Int) -> SourceLocation {
        SourceLocation(file: path, position: position(ofUTF8Offset: offset))
    }
}

/// Draws diagnostics the way compilers do: `file:line:col: error: message`, the source line,
/// and a caret under the column.
public struct DiagnosticRenderer: Sendable {
    public var language: Language
    /// Sources by path; a diagnostic whose file is here gets its line and caret drawn.
    public var sources: [String: SourceText]

    public init(language: Language = .en, sources: [SourceText] = []) {
        self.language = language
        var byPath: [String: SourceText] = [:]
        for source in sources { byPath[source.path] = source }
        self.sources = byPath
    }

    public mutating func add(_ source: SourceText) { sources[source.path] = source }

    public func render(_ diagnostic: Diagnostic) -> String {
        var out = diagnostic.headline(in: language)
        if let snippet = snippet(at: diagnostic.location) { out += "\n" + snippet }
        for note in diagnostic.notes {
            let prefix = note.location.map { "\($0): " } ?? ""
            out += "\n\(prefix)note: \(note.message.text(in: language))"
            if let snippet = snippet(at: note.location) { out += "\n" + snippet }
        }
        return out
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { render($0) }.joined(separator: "\n")
    }

    private func snippet(at location: SourceLocation?) -> String? {
        guard let location, let source = sources[location.file],
            let line = source.line(location.position.line)
        else { return nil }
        let scalars = Array(line.unicodeScalars)
        let prefixCount = max(0, min(scalars.count, location.position.column - 1))
        var pad = ""
        for scalar in scalars[0..<prefixCount] {
            // Keep tabs so the caret lines up with the line above in any terminal.
            if scalar == "\t" {
                pad += "\t"
            } else {
                pad += String(repeating: " ", count: DisplayWidth.of(scalar))
            }
        }
        return "    \(line)\n    \(pad)^"
    }
}

/// Terminal display width of Unicode scalars: East Asian wide and full-width characters take two
/// cells, so a caret under Japanese text needs two spaces per character.
public enum DisplayWidth {
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 || (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    public static func of(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + of($1) }
    }
}
