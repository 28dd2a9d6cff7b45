public import Diagnostics

extension YAMLNode {
    /// The file position of a place inside a scalar's decoded text.
    ///
    /// `offset` counts Unicode scalars in ``YAMLScalar/text`` (an offset at the end of the text
    /// is allowed). Exact for plain scalars and quoted scalars on one line without escapes, and
    /// for literal block scalars (`|`), whose lines map to their own file lines. Elsewhere
    /// (folded text, escapes, multi-line flow scalars) it is exact while the text matches the
    /// file verbatim and otherwise falls back to the start of the line segment the offset is
    /// in. For mappings and sequences it is the node's start.
    ///
    /// - Complexity: O(log s) for a scalar laid out in s segments.
    public func location(ofScalarOffset offset: Int) -> SourceLocation {
        guard let scalar else { return location }
        let offset = max(0, offset)
        guard !scalar.segments.isEmpty else {
            guard !scalar.style.isBlock else { return location }
            let shift = scalar.style.isQuoted ? 1 : 0
            return SourceLocation(
                file: file,
                line: start.line,
                column: start.column + shift + min(offset, scalar.text.unicodeScalars.count)
            )
        }
        let segments = scalar.segments
        var low = 0
        var high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].textOffset <= offset { low = middle } else { high = middle - 1 }
        }
        let segment = segments[low]
        let delta = offset - segment.textOffset
        let column = delta >= 0 && delta <= segment.exactLength ? segment.column + delta : segment.column
        return SourceLocation(file: file, line: segment.line, column: column)
    }
}

/// Works out where the runs of a scalar's decoded text are in the file, at load time (when the
/// source is at hand), for scalars whose text is not one verbatim run on their first line.
enum ScalarLayout {
    /// The segments of a scalar; empty when the start mark alone locates every offset.
    static func segments(text: String, style: ScalarStyle, start: Mark, end: Mark, input: InputText) -> [TextSegment] {
        switch style {
        case .plain where start.line == end.line:
            return []
        case .singleQuoted, .doubleQuoted:
            // A verbatim single-line quoted scalar is two scalars (the quotes) longer than its text;
            // every escape makes the text shorter still.
            if start.line == end.line, end.offset - start.offset - 2 == text.unicodeScalars.count { return [] }
            return matched(Array(text.unicodeScalars), style: style, start: start, end: end, input: input)
        case .literal:
            return literal(text, start: start, input: input)
        case .plain, .folded:
            return matched(Array(text.unicodeScalars), style: style, start: start, end: end, input: input)
        }
    }

    /// Literal text is the file's lines minus their indentation: decoded line k is file line
    /// `start.line + 1 + k` (the header `|` is on the start line), and ends that file line.
    private static func literal(_ text: String, start: Mark, input: InputText) -> [TextSegment] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        var segments: [TextSegment] = []
        var textOffset = 0
        for (index, line) in lines.enumerated() {
            let lineNumber = start.line + 1 + index
            let source = input.lineScalars(lineNumber)
            let content = Array(line.unicodeScalars)
            if source.count >= content.count, Array(source.suffix(content.count)) == content {
                // The line break after the content is one more exact position.
                segments.append(
                    TextSegment(
                        textOffset: textOffset,
                        line: lineNumber,
                        column: source.count - content.count + 1,
                        exactLength: content.count + 1
                    )
                )
            } else {
                segments.append(TextSegment(textOffset: textOffset, line: lineNumber, column: 1, exactLength: 0))
            }
            textOffset += content.count + 1
        }
        return segments
    }

    /// Matches the content of each file line the scalar spans against the decoded text, in order,
    /// skipping the spaces and line breaks that folding and escapes add or remove.
    private static func matched(
        _ text: [Unicode.Scalar],
        style: ScalarStyle,
        start: Mark,
        end: Mark,
        input: InputText
    ) -> [TextSegment] {
        let firstLine = style.isBlock ? start.line + 1 : start.line
        // A block scalar ends where the next token starts, often at column 1 of a later line.
        let lastLine = min(style.isBlock && end.column == 1 ? end.line - 1 : end.line, input.lineCount)
        guard firstLine <= lastLine else { return [] }
        var segments: [TextSegment] = []
        var position = 0
        for line in firstLine...lastLine {
            let source = input.lineScalars(line)
            var from = source.firstIndex { $0 != " " && $0 != "\t" } ?? source.count
            if line == start.line { from = start.column - 1 + (style.isQuoted ? 1 : 0) }
            var upTo = source.count
            if line == end.line, style.isQuoted { upTo = min(upTo, max(from, end.column - 2)) }
            guard from < upTo else { continue }
            let content = source[from..<upTo]
            while position < text.count, [" ", "\t", "\n"].contains(text[position]), text[position] != content.first {
                position += 1
            }
            let found = firstMatch(of: content, in: text, from: position) ?? position
            let exact = commonPrefixLength(text[found...], content)
            segments.append(TextSegment(textOffset: found, line: line, column: from + 1, exactLength: exact))
            position = found + exact
        }
        return segments
    }

    /// Where the first few scalars of `content` next occur in `text`, looking a bounded distance
    /// past `from` so that a long scalar full of escapes stays linear.
    private static func firstMatch(of content: ArraySlice<Unicode.Scalar>, in text: [Unicode.Scalar], from: Int) -> Int?
    {
        let probe = content.prefix(4)
        guard from < text.count else { return nil }
        return (from..<min(text.count, from + 256)).first { text[$0...].starts(with: probe) }
    }

    private static func commonPrefixLength(_ a: ArraySlice<Unicode.Scalar>, _ b: ArraySlice<Unicode.Scalar>) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
