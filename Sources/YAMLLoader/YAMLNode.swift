public import Diagnostics

/// A place in YAML input: 1-based line and column, and a 0-based offset, all counted in Unicode scalars.
///
/// This is how libyaml counts (its own marks are 0-based). A UTF-8 byte order mark is not
/// counted, and a line break is one of LF, CR, CR LF, NEL, LS or PS, as in libyaml.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// Unicode scalars before this place in the input.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The start of the input.
    public static let start = Mark(line: 1, column: 1, offset: 0)

    public var position: SourcePosition { SourcePosition(line: line, column: column) }

    public static func < (lhs: Mark, rhs: Mark) -> Bool { lhs.offset < rhs.offset }

    public var description: String { "\(line):\(column)" }
}

/// How a scalar was written; only plain scalars are ever typed as anything but strings.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded

    public var isQuoted: Bool { self == .singleQuoted || self == .doubleQuoted }
    public var isBlock: Bool { self == .literal || self == .folded }
}

/// A scalar's decoded text and the style it was written in.
public struct YAMLScalar: Sendable, Hashable {
    public var text: String
    public var style: ScalarStyle
    /// Where runs of `text` come from in the file, for scalars whose text is not one verbatim run
    /// on the start line (multi-line, block, escaped); empty otherwise.
    var segments: [TextSegment]

    public init(text: String, style: ScalarStyle) {
        self.init(text: text, style: style, segments: [])
    }

    init(text: String, style: ScalarStyle, segments: [TextSegment]) {
        self.text = text
        self.style = style
        self.segments = segments
    }

    /// Scalars are equal when their text and style are; the layout only serves positions.
    public static func == (lhs: YAMLScalar, rhs: YAMLScalar) -> Bool {
        lhs.text == rhs.text && lhs.style == rhs.style
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
        hasher.combine(style)
    }
}

/// One entry of a mapping, in document order.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A node of a loaded YAML document, with its place in the file.
///
/// Aliases are already expanded: an alias becomes a copy of its anchored node, which keeps the
/// anchored node's marks (that is where its text is). Merge keys (`<<`) are ordinary keys, as
/// YAML 1.2 has none.
public struct YAMLNode: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case scalar(YAMLScalar)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }

    public var kind: Kind
    /// The explicit tag, expanded (`tag:yaml.org,2002:str`, `!local`, or `!` for the non-specific
    /// tag); nil when the node has none.
    public var tag: String?
    public var start: Mark
    public var end: Mark
    /// The path used in diagnostics.
    public var file: String

    public init(kind: Kind, tag: String? = nil, start: Mark, end: Mark, file: String) {
        self.kind = kind
        self.tag = tag
        self.start = start
        self.end = end
        self.file = file
    }

    /// Where the node starts.
    public var location: SourceLocation { location(start) }

    public func location(_ mark: Mark) -> SourceLocation {
        SourceLocation(file: file, position: mark.position)
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The first entry whose key is the string `key`: a scalar key that resolves to a string
    /// with this text (plain `name` and quoted `"name"` match; plain `1` does not match "1").
    ///
    /// - Complexity: O(n) for n entries.
    public func pair(forKey key: String) -> YAMLPair? {
        mapping?.first { $0.key.scalar?.text == key && $0.key.coreValue == .string(key) }
    }

    /// The value under the string `key` in a mapping; nil for other nodes or a missing key.
    ///
    /// - Complexity: O(n) for n entries.
    public func value(forKey key: String) -> YAMLNode? { pair(forKey: key)?.value }

    /// The value under the string `key` in a mapping; see ``pair(forKey:)`` for what matches.
    public subscript(key: String) -> YAMLNode? { value(forKey: key) }

    /// The texts of a mapping's scalar keys in document order; empty for other nodes.
    public var keys: [String] { mapping?.compactMap { $0.key.scalar?.text } ?? [] }
}

/// A run of a scalar's text that starts at a known place in the file.
struct TextSegment: Sendable, Hashable {
    /// Unicode-scalar offset in the scalar's text where the run starts.
    var textOffset: Int
    var line: Int
    var column: Int
    /// How many scalars of the run match the file one for one; later ones map to the run's start.
    var exactLength: Int
}
