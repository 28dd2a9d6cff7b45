internal import CYAML

/// One libyaml event, copied out of C memory.
struct LibYAMLEvent {
    enum Kind {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String)
        case scalar(anchor: String?, tag: String?, text: String, style: ScalarStyle)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind
    var start: Mark
    var end: Mark
}

/// A libyaml failure, as libyaml describes it.
struct LibYAMLError: Error {
    enum Stage { case memory, reader, scanner, parser }

    var stage: Stage
    var problem: String
    /// Where the problem is; nil for reader and memory errors, which carry `byteOffset` instead.
    var problemMark: Mark?
    var byteOffset: Int
    var context: String?
    var contextMark: Mark?
}

/// Owns one libyaml parser (`yaml_parser_t`) reading from a borrowed byte buffer.
///
/// libyaml keeps a pointer to the input and a pointer to the parser struct itself
/// (`read_handler_data`), so the struct lives in its own allocation and the input is only
/// borrowed inside ``parse(_:_:)``. Not thread-safe: use it from one task, inside that closure.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>

    /// - Precondition: `input` stays valid and unchanged for the parser's lifetime.
    private init(input: UnsafeBufferPointer<UInt8>) {
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize fails only when malloc fails.
        guard yaml_parser_initialize(parser) == 1 else { fatalError("libyaml could not allocate a parser") }
        yaml_parser_set_input_string(parser, input.baseAddress, input.count)
        // We strip a UTF-8 byte order mark and refuse UTF-16 before libyaml sees the bytes.
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// Runs `body` with a parser over `bytes`; the parser and the buffer pointer never outlive the call.
    static func parse<R, E: Error>(_ bytes: [UInt8], _ body: (LibYAMLParser) throws(E) -> R) throws(E) -> R {
        // libyaml asserts a non-null input pointer even for an empty string.
        let storage = bytes.isEmpty ? [0] : bytes
        return try storage.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            let input = UnsafeBufferPointer(rebasing: buffer[0..<bytes.count])
            return try body(LibYAMLParser(input: input))
        }
    }

    /// The next event; after `streamEnd` libyaml keeps returning `streamEnd`.
    func next() throws(LibYAMLError) -> LibYAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        return LibYAMLEvent(kind: Self.kind(of: event), start: Mark(event.start_mark), end: Mark(event.end_mark))
    }

    private static func kind(of event: yaml_event_t) -> LibYAMLEvent.Kind {
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT: return .alias(anchor: string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            // The value may hold NUL (from a "\0" escape), so it is read by length.
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return .scalar(
                anchor: string(scalar.anchor),
                tag: string(scalar.tag),
                text: text,
                style: style(scalar.style)
            )
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(anchor: string(start.anchor), tag: string(start.tag))
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(anchor: string(start.anchor), tag: string(start.tag))
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: return .streamEnd
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private func currentError() -> LibYAMLError {
        let state = parser.pointee
        let stage: LibYAMLError.Stage =
            switch state.error {
            case YAML_READER_ERROR: .reader
            case YAML_SCANNER_ERROR: .scanner
            case YAML_PARSER_ERROR: .parser
            default: .memory
            }
        let hasMarks = stage == .scanner || stage == .parser
        return LibYAMLError(
            stage: stage,
            problem: state.problem.map { String(cString: $0) } ?? "unknown libyaml error",
            problemMark: hasMarks ? Mark(state.problem_mark) : nil,
            byteOffset: state.problem_offset,
            context: state.context.map { String(cString: $0) },
            contextMark: hasMarks && state.context != nil ? Mark(state.context_mark) : nil
        )
    }
}

@available(*, unavailable)
extension LibYAMLParser: Sendable {}

extension Mark {
    /// Converts a 0-based libyaml mark.
    init(_ mark: yaml_mark_t) {
        self.init(line: mark.line + 1, column: mark.column + 1, offset: mark.index)
    }
}
