public import Diagnostics

/// Loads YAML into ``YAMLNode`` trees with positions, over libyaml's event API.
///
/// Loading checks what libyaml does not: the encoding (with the exact line and column of a bad
/// byte), duplicate keys, explicit core tags whose text does not fit, and the ``YAMLLimits``.
/// Syntax errors stop the load; duplicate keys, bad tags and unknown aliases are all collected,
/// so one run reports each of them.
public enum YAMLLoader {
    /// Loads every document of a stream.
    ///
    /// - Parameters:
    ///   - bytes: UTF-8 text, with or without a byte order mark.
    ///   - path: the file name diagnostics show.
    /// - Complexity: O(n) for n bytes, plus the copies aliases make (bounded by `limits`).
    public static func loadStream(
        _ bytes: [UInt8],
        path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<[YAMLNode], DiagnosticError> {
        load(bytes, path: path, limits: limits, singleDocument: false)
    }

    /// Loads a stream that must hold at most one document; an empty stream is a null scalar.
    public static func loadDocument(
        _ bytes: [UInt8],
        path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<YAMLNode, DiagnosticError> {
        load(bytes, path: path, limits: limits, singleDocument: true).map { documents in
            documents.first
                ?? YAMLNode(kind: .scalar(YAMLScalar(text: "", style: .plain)), start: .start, end: .start, file: path)
        }
    }

    /// Loads every document of a stream given as text.
    public static func loadStream(
        _ text: String,
        path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<[YAMLNode], DiagnosticError> {
        loadStream(Array(text.utf8), path: path, limits: limits)
    }

    /// Loads a stream given as text that must hold at most one document.
    public static func loadDocument(
        _ text: String,
        path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<YAMLNode, DiagnosticError> {
        loadDocument(Array(text.utf8), path: path, limits: limits)
    }

    /// Reads and loads every document of a file; `path` is also the name diagnostics show.
    public static func loadStream(
        atPath path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<[YAMLNode], DiagnosticError> {
        FileReader.contents(ofFile: path, limit: limits.maxBytes).flatMap { loadStream($0, path: path, limits: limits) }
    }

    /// Reads and loads a file that must hold at most one document.
    public static func loadDocument(
        atPath path: String,
        limits: YAMLLimits = YAMLLimits()
    ) -> Result<YAMLNode, DiagnosticError> {
        FileReader.contents(ofFile: path, limit: limits.maxBytes).flatMap {
            loadDocument($0, path: path, limits: limits)
        }
    }

    private static func load(
        _ bytes: [UInt8],
        path: String,
        limits: YAMLLimits,
        singleDocument: Bool
    ) -> Result<[YAMLNode], DiagnosticError> {
        guard bytes.count <= limits.maxBytes else {
            let message = Messages.tooLarge(bytes: bytes.count, limit: limits.maxBytes)
            return .failure(
                DiagnosticError(
                    .error(YAMLDiagnosticCode.tooLarge, message, at: SourceLocation(file: path, line: 1, column: 1))
                )
            )
        }
        let input: InputText
        do {
            input = try InputText(bytes)
        } catch {
            let location = SourceLocation(file: path, position: error.mark.position)
            return .failure(DiagnosticError(.error(YAMLDiagnosticCode.encoding, error.message, at: location)))
        }
        var builder = TreeBuilder(input: input, path: path, limits: limits, singleDocument: singleDocument)
        return builder.run()
    }
}

/// Builds node trees from libyaml events with an explicit stack, so nesting costs heap, not stack.
private struct TreeBuilder {
    /// A mapping or sequence whose end event has not come yet.
    private struct Frame {
        var isMapping: Bool
        var tag: String?
        var anchor: String?
        var start: Mark
        /// ``TreeBuilder/counted`` before this collection started; the difference is its size.
        var countedBefore: Int
        /// Collection levels in this node, itself included.
        var height = 1
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        /// The first key node for each key, by resolved value.
        var keys: [KeyIdentity: YAMLNode] = [:]
    }

    /// An anchored node with what an alias to it costs.
    private struct Anchored {
        var node: YAMLNode
        var size: Int
        var height: Int
    }

    let input: InputText
    let path: String
    let limits: YAMLLimits
    let singleDocument: Bool
    private var diagnostics: [Diagnostic] = []
    private var documents: [YAMLNode] = []
    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    /// Nodes in the stream so far, alias copies included.
    private var counted = 0
    /// Nodes added by alias copies so far.
    private var aliasCopies = 0

    init(input: InputText, path: String, limits: YAMLLimits, singleDocument: Bool) {
        self.input = input
        self.path = path
        self.limits = limits
        self.singleDocument = singleDocument
    }

    mutating func run() -> Result<[YAMLNode], DiagnosticError> {
        do {
            try LibYAMLParser.parse(input.bytes) { (parser) throws(DiagnosticError) in
                while true {
                    let event: LibYAMLEvent
                    do throws(LibYAMLError) {
                        event = try parser.next()
                    } catch {
                        throw DiagnosticError(syntaxDiagnostic(error))
                    }
                    if case .streamEnd = event.kind { return }
                    try handle(event)
                }
            }
        } catch {
            return .failure(DiagnosticError(diagnostics + error.diagnostics))
        }
        return diagnostics.isEmpty ? .success(documents) : .failure(DiagnosticError(diagnostics))
    }

    private mutating func handle(_ event: LibYAMLEvent) throws(DiagnosticError) {
        switch event.kind {
        case .streamStart, .streamEnd, .documentEnd:
            break
        case .documentStart:
            if singleDocument, !documents.isEmpty {
                throw fatal(YAMLDiagnosticCode.multipleDocuments, Messages.multipleDocuments, at: event.start)
            }
            anchors = [:]
        case .scalar(let anchor, let tag, let text, let style):
            try count(1, at: event.start)
            let segments = ScalarLayout.segments(
                text: text,
                style: style,
                start: event.start,
                end: event.end,
                hasProperties: anchor != nil || tag != nil,
                input: input
            )
            let scalar = YAMLScalar(text: text, style: style, segments: segments)
            let node = YAMLNode(kind: .scalar(scalar), tag: tag, start: event.start, end: event.end, file: path)
            check(tagOf: node)
            complete(node, size: 1, height: 0, anchor: anchor)
        case .sequenceStart(let anchor, let tag), .mappingStart(let anchor, let tag):
            guard stack.count < limits.maxDepth else {
                throw fatal(YAMLDiagnosticCode.tooDeep, Messages.tooDeep(limit: limits.maxDepth), at: event.start)
            }
            try count(1, at: event.start)
            var isMapping = false
            if case .mappingStart = event.kind { isMapping = true }
            stack.append(
                Frame(isMapping: isMapping, tag: tag, anchor: anchor, start: event.start, countedBefore: counted - 1)
            )
        case .sequenceEnd, .mappingEnd:
            let frame = stack.removeLast()
            let kind: YAMLNode.Kind = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
            let node = YAMLNode(kind: kind, tag: frame.tag, start: frame.start, end: event.end, file: path)
            check(tagOf: node)
            complete(node, size: counted - frame.countedBefore, height: frame.height, anchor: frame.anchor)
        case .alias(let name):
            try expandAlias(name, event: event)
        }
    }

    /// Copies an anchored node in place of an alias, after checking what the copy would cost.
    ///
    /// The copy is O(1) (nodes share storage), but code that walks the tree pays for every
    /// node, so the expanded size is what the limits bound.
    private mutating func expandAlias(_ name: String, event: LibYAMLEvent) throws(DiagnosticError) {
        guard let anchored = anchors[name] else {
            let inProgress = stack.contains { $0.anchor == name }
            diagnostics.append(
                .error(
                    inProgress ? YAMLDiagnosticCode.recursiveAlias : YAMLDiagnosticCode.unknownAlias,
                    inProgress ? Messages.recursiveAlias(name) : Messages.unknownAlias(name),
                    at: location(event.start)
                )
            )
            // Stand in a null so the rest of the document still loads and is checked.
            let null = YAMLNode(
                kind: .scalar(YAMLScalar(text: "", style: .plain)),
                start: event.start,
                end: event.end,
                file: path
            )
            complete(null, size: 0, height: 0, anchor: nil)
            return
        }
        guard stack.count + anchored.height <= limits.maxDepth else {
            throw fatal(
                YAMLDiagnosticCode.tooDeep,
                Messages.aliasTooDeep(name, limit: limits.maxDepth),
                at: event.start
            )
        }
        guard anchored.size <= limits.maxAliasExpansion - aliasCopies else {
            throw fatal(
                YAMLDiagnosticCode.aliasExpansion,
                Messages.aliasExpansion(name, limit: limits.maxAliasExpansion),
                at: event.start
            )
        }
        aliasCopies += anchored.size
        try count(anchored.size, at: event.start)
        complete(anchored.node, size: anchored.size, height: anchored.height, anchor: nil)
    }

    private mutating func count(_ nodes: Int, at mark: Mark) throws(DiagnosticError) {
        guard nodes <= limits.maxNodes - counted else {
            throw fatal(YAMLDiagnosticCode.tooManyNodes, Messages.tooManyNodes(limit: limits.maxNodes), at: mark)
        }
        counted += nodes
    }

    /// Attaches a finished node to its parent (or makes it a document) and records its anchor.
    private mutating func complete(_ node: YAMLNode, size: Int, height: Int, anchor: String?) {
        if let anchor { anchors[anchor] = Anchored(node: node, size: size, height: height) }
        guard var frame = stack.popLast() else {
            documents.append(node)
            return
        }
        frame.height = max(frame.height, height + 1)
        if !frame.isMapping {
            frame.items.append(node)
        } else if let key = frame.pendingKey {
            frame.pendingKey = nil
            let identity = KeyIdentity(key)
            if let first = frame.keys[identity] {
                diagnostics.append(duplicateKey(key, first: first))
            } else {
                frame.keys[identity] = key
                frame.pairs.append(YAMLPair(key: key, value: node))
            }
        } else {
            frame.pendingKey = node
        }
        stack.append(frame)
    }

    private func duplicateKey(_ key: YAMLNode, first: YAMLNode) -> Diagnostic {
        let name =
            key.scalar.map { LocalizedText(Messages.quoted($0.text)) }
            ?? (key.mapping != nil ? Messages.complexKey(Messages.aMapping) : Messages.complexKey(Messages.aSequence))
        return .error(
            YAMLDiagnosticCode.duplicateKey,
            Messages.duplicateKey(name, firstLine: first.start.line),
            at: key.location,
            notes: [Diagnostic.Note(Messages.firstDefinedHere, at: first.location)]
        )
    }

    /// Reports a core tag whose node does not fit it (`!!int abc`, `!!str` on a mapping).
    private mutating func check(tagOf node: YAMLNode) {
        guard let tag = node.tag, tag.hasPrefix("tag:yaml.org,2002:") else { return }
        let short = CoreSchema.Tag.short(tag)
        let scalarTags = [
            CoreSchema.Tag.str, CoreSchema.Tag.int, CoreSchema.Tag.float, CoreSchema.Tag.bool, CoreSchema.Tag.null,
        ]
        switch node.kind {
        case .scalar(let scalar):
            if tag == CoreSchema.Tag.map || tag == CoreSchema.Tag.seq {
                report(YAMLDiagnosticCode.tagMismatch, Messages.tagOnWrongKind(short, kind: Messages.aScalar), at: node)
            }
            let expected: LocalizedText? =
                switch tag {
                case CoreSchema.Tag.int where !CoreSchema.isInt(scalar.text): Messages.anInteger
                case CoreSchema.Tag.float where !CoreSchema.isFloat(scalar.text): Messages.aNumber
                case CoreSchema.Tag.bool where CoreSchema.bool(scalar.text) == nil: Messages.trueOrFalse
                case CoreSchema.Tag.null where !CoreSchema.isNull(scalar.text): Messages.aNull
                default: nil
                }
            if let expected {
                report(
                    YAMLDiagnosticCode.tagMismatch,
                    Messages.tagMismatch(scalar.text, tag: short, expected: expected),
                    at: node
                )
            }
        case .mapping:
            if scalarTags.contains(tag) || tag == CoreSchema.Tag.seq {
                report(
                    YAMLDiagnosticCode.tagMismatch,
                    Messages.tagOnWrongKind(short, kind: Messages.aMapping),
                    at: node
                )
            }
        case .sequence:
            if scalarTags.contains(tag) || tag == CoreSchema.Tag.map {
                report(
                    YAMLDiagnosticCode.tagMismatch,
                    Messages.tagOnWrongKind(short, kind: Messages.aSequence),
                    at: node
                )
            }
        }
    }

    private mutating func report(_ code: String, _ message: LocalizedText, at node: YAMLNode) {
        diagnostics.append(.error(code, message, at: node.location))
    }

    private func fatal(_ code: String, _ message: LocalizedText, at mark: Mark) -> DiagnosticError {
        DiagnosticError(.error(code, message, at: location(mark)))
    }

    private func location(_ mark: Mark) -> SourceLocation {
        SourceLocation(file: path, position: mark.position)
    }

    private func syntaxDiagnostic(_ error: LibYAMLError) -> Diagnostic {
        let mark = error.problemMark ?? (error.stage == .reader ? input.mark(ofByteOffset: error.byteOffset) : nil)
        let contextLine = error.contextMark.flatMap { $0.line == mark?.line ? nil : $0.line }
        let offending = mark.flatMap { input.lineScalars($0.line).dropFirst($0.column - 1).first }
        let message = SyntaxMessages.message(
            problem: error.problem,
            context: error.context,
            contextLine: contextLine,
            offending: offending
        )
        return .error(YAMLDiagnosticCode.syntax, message, at: mark.map(location))
    }
}

/// What makes two mapping keys the same: their resolved core value (plain `a` and `"a"` are one
/// key; plain `1` and `"1"` are not; `1`, `0x1` and `01` are one), or their structure.
private enum KeyIdentity: Hashable {
    case null
    case bool(Bool)
    case int(String)
    case float(String)
    case string(String)
    /// A scalar with a tag outside the core schema: the tag and the text.
    case tagged(String, String)
    case sequence([KeyIdentity])
    case mapping([KeyIdentity: KeyIdentity])

    init(_ node: YAMLNode) {
        switch node.kind {
        case .sequence(let items):
            self = .sequence(items.map(KeyIdentity.init))
        case .mapping(let pairs):
            var entries: [KeyIdentity: KeyIdentity] = [:]
            for pair in pairs { entries[KeyIdentity(pair.key)] = KeyIdentity(pair.value) }
            self = .mapping(entries)
        case .scalar(let scalar):
            if let tag = node.tag, tag != "!", !tag.hasPrefix("tag:yaml.org,2002:") {
                self = .tagged(tag, scalar.text)
                return
            }
            switch node.coreValue ?? .string(scalar.text) {
            case .null: self = .null
            case .bool(let value): self = .bool(value)
            case .int(let text): self = .int(CoreSchema.canonicalNumber(text) ?? text)
            case .float(let text): self = .float(CoreSchema.canonicalNumber(text) ?? text)
            case .string(let text): self = .string(text)
            }
        }
    }
}
