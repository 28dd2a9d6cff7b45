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
    ///
    /// - Parameter hasProperties: whether the node has an anchor or a tag, which libyaml's
    ///   start mark includes; the text then starts after them.
    static func segments(
        text: String,
        style: ScalarStyle,
        start: Mark,
        end: Mark,
        hasProperties: Bool,
        input: InputText
    ) -> [TextSegment] {
        let begin = hasProperties ? contentStart(after: start, before: end, input: input) : start.position
        let count = text.unicodeScalars.count
        switch style {
        case .plain where begin.line == end.line:
            if begin == start.position { return [] }
            return [TextSegment(textOffset: 0, line: begin.line, column: begin.column, exactLength: count)]
        case .singleQuoted, .doubleQuoted:
            // A verbatim single-line quoted scalar is two scalars (the quotes) longer than its text;
            // every escape makes the text shorter still.
            if begin.line == end.line, end.column - begin.column - 2 == count {
                if begin == start.position { return [] }
                return [TextSegment(textOffset: 0, line: begin.line, column: begin.column + 1, exactLength: count)]
            }
            return matched(Array(text.unicodeScalars), style: style, begin: begin, end: end, input: input)
        case .literal:
            return literal(text, header: begin.line, input: input)
        case .plain, .folded:
            return matched(Array(text.unicodeScalars), style: style, begin: begin, end: end, input: input)
        }
    }

    /// Where a scalar's own text (or its quote or block indicator) starts: after the anchor and
    /// tag tokens, spaces, comments and line breaks that may come between them and the text.
    ///
    /// Token ends follow libyaml: an anchor name is ASCII letters, digits, `-` and `_` (so in
    /// `&an:chor` the text starts at `:`); a tag runs to the next space.
    private static func contentStart(after start: Mark, before end: Mark, input: InputText) -> SourcePosition {
        enum Token { case none, anchor, tag }
        var position = start.position
        var scalars = input.lineScalars(position.line)
        var token = Token.none
        while position < end.position {
            guard position.column <= scalars.count else {
                position = SourcePosition(line: position.line + 1, column: 1)
                scalars = input.lineScalars(position.line)
                token = .none
                continue
            }
            let character = scalars[position.column - 1]
            let isAnchorCharacter =
                ("a"..."z").contains(character) || ("A"..."Z").contains(character) || ("0"..."9").contains(character)
                || character == "-" || character == "_"
            switch token {
            case .anchor where isAnchorCharacter, .tag where character != " " && character != "\t":
                break
            default:
                token = .none
                if character == "&" {
                    token = .anchor
                } else if character == "!" {
                    token = .tag
                } else if character == "#" {
                    position.column = scalars.count
                } else if character != " " && character != "\t" {
                    return position
                }
            }
            position.column += 1
        }
        // An empty scalar after its properties: there is no text to locate.
        return start.position
    }

    /// Literal text is the file's lines minus their indentation: decoded line k is file line
    /// `header + 1 + k` (the header `|` is on line `header`), and ends that file line.
    private static func literal(_ text: String, header: Int, input: InputText) -> [TextSegment] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        var segments: [TextSegment] = []
        var textOffset = 0
        for (index, line) in lines.enumerated() {
            let lineNumber = header + 1 + index
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
        begin: SourcePosition,
        end: Mark,
        input: InputText
    ) -> [TextSegment] {
        let firstLine = style.isBlock ? begin.line + 1 : begin.line
        // A block scalar ends where the next token starts, often at column 1 of a later line.
        let lastLine = min(style.isBlock && end.column == 1 ? end.line - 1 : end.line, input.lineCount)
        guard firstLine <= lastLine else { return [] }
        var segments: [TextSegment] = []
        var position = 0
        for line in firstLine...lastLine {
            let source = input.lineScalars(line)
            var from = source.firstIndex { $0 != " " && $0 != "\t" } ?? source.count
            if line == begin.line { from = begin.column - 1 + (style.isQuoted ? 1 : 0) }
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
