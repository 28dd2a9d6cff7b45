public import Diagnostics
import ExpressionLanguage
import Foundation
import Hashing
import YAMLLoader

/// A checked, compiled rule set: the dossier schema, data tables, programs, rounds.
///
/// Built once by `RuleSet.load(directory:)`; immutable afterwards and shared by every evaluation
/// (the daemon swaps in a new one only when it loads without errors).
public struct RuleSet: Sendable {
    public let directory: String
    /// SHA-256 over every file of the directory that can change a result (paths and contents; the
    /// tests under `tests/` are left out, so adding a test does not change the hash), hex.
    /// Stamped on every result.
    public let hash: String
    /// The files read, relative to `directory`.
    public let files: [String]
    public let schema: DossierSchema
    public let tables: [DataTable]
    public let sharedLets: [LetDefinition]
    /// Programs in evaluation order (a program comes after those it uses).
    public let programs: [ProgramDefinition]
    public let calendar: RoundCalendar
    /// The texts of the notification mails (`templates/`), if the rule set has them.
    public let templates: NoticeTemplates?
    /// Warnings found while loading (the rule set is usable).
    public let warnings: [Diagnostic]
    /// The source texts, for drawing diagnostics with their lines.
    public let sources: [SourceText]
    /// Activation slots every evaluation needs.
    let frameSize: Int
    /// Summary record types of programs, by id (what `programs.ID` reads).
    let summaryTypes: [String: RecordType]

    static let dossierSlot = 0
    static let roundSlot = 1
    static let programsSlot = 2

    public var shortHash: String { String(hash.prefix(12)) }

    public func program(_ id: String) -> ProgramDefinition? { programs.first { $0.id == id } }

    public var decoder: DossierDecoder { DossierDecoder(schema: schema, zone: calendar.zone) }

    /// Loads and checks the rule set in `directory`. Returns the rule set when there are no errors,
    /// and every diagnostic (errors and warnings) either way.
    public static func load(directory: String) -> (ruleSet: RuleSet?, diagnostics: [Diagnostic]) {
        var loader = RuleSetLoader(directory: directory)
        return loader.load()
    }
}

/// Reads the files of a rule set directory and assembles a `RuleSet`.
struct RuleSetLoader {
    let directory: String
    var reader = RuleFileReader()
    var sources: [SourceText] = []

    init(directory: String) {
        var path = directory
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.directory = path
    }

    /// Every file under the directory, relative paths, sorted (hidden files skipped).
    static func listFiles(_ directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let item = enumerator.nextObject() as? String {
            if item.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(item)
            }
        }
        return files.sorted()
    }

    /// SHA-256 over `path \0 length \0 bytes` of each file in sorted order, tests excepted.
    static func contentHash(_ directory: String, files: [String]) -> String {
        var material: [UInt8] = []
        for file in files where !file.hasPrefix("tests/") {
            let bytes = FileManager.default.contents(atPath: directory + "/" + file).map { [UInt8]($0) } ?? []
            material += Array(file.utf8) + [0] + Array(String(bytes.count).utf8) + [0] + bytes
        }
        return Digest.hex(Digest.sha256(material))
    }

    mutating func load() -> (ruleSet: RuleSet?, diagnostics: [Diagnostic]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return (nil, [.error("rules.directory", LocalizedText("rule set directory '\(directory)' not found", ja: "ルールのディレクトリ '\(directory)' がありません"))])
        }
        let files = RuleSetLoader.listFiles(directory)
        let hash = RuleSetLoader.contentHash(directory, files: files)

        // Parse every rule file and sort them by what they hold.
        var schemaNode: YAMLNode?
        var roundsNode: YAMLNode?
        var tableNodes: [YAMLNode] = []
        var letNodes: [YAMLNode] = []
        var programNodes: [YAMLNode] = []
        var templateNodes: [YAMLNode] = []
        for file in files where (file.hasSuffix(".yaml") || file.hasSuffix(".yml")) && !file.hasPrefix("tests/") {
            let path = directory + "/" + file
            if let data = FileManager.default.contents(atPath: path) {
                sources.append(SourceText(path: path, text: String(decoding: data, as: UTF8.self)))
            }
            guard let node = reader.absorb(YAMLLoader.loadDocument(atPath: path)) else { continue }
            let keys = Set(node.keys)
            if file.hasPrefix("templates/") {
                templateNodes.append(node)
            } else if file == "schema.yaml" {
                schemaNode = node
            } else if file == "rounds.yaml" {
                roundsNode = node
            } else if keys.contains("program") {
                programNodes.append(node)
            } else if keys.contains("tables") {
                tableNodes.append(node)
            } else if keys.contains("let") {
                letNodes.append(node)
            } else if !node.isNull {
                reader.error(
                    "rules.file",
                    "cannot tell what this file is: a rule file starts with 'program:', 'tables:' or 'let:' (or is schema.yaml / rounds.yaml)",
                    ja: "このファイルの種類が分かりません ('program:', 'tables:', 'let:' のいずれかで始めてください)", at: node)
            }
        }
        // A file that does not parse would make every reference into it look wrong; report the
        // parse errors of all files, and check the rest once they load.
        if reader.diagnostics.hasErrors { return (nil, reader.diagnostics) }
        let rootNode = YAMLNode(kind: .mapping([]), start: .start, end: .start, file: directory)
        guard let schemaNode else {
            reader.error("rules.schema", "the rule set needs a schema.yaml describing the dossier fields", ja: "schema.yaml がありません", at: rootNode)
            return (nil, reader.diagnostics)
        }
        guard let roundsNode else {
            reader.error("rules.rounds", "the rule set needs a rounds.yaml with the application rounds", ja: "rounds.yaml がありません", at: rootNode)
            return (nil, reader.diagnostics)
        }
        guard let schema = DossierSchema.read(schemaNode, reader: &reader),
            let calendar = RoundCalendar.read(roundsNode, reader: &reader)
        else { return (nil, reader.diagnostics) }

        // Tables become one constant: tables.NAME.
        var tables: [DataTable] = []
        for node in tableNodes {
            guard let top = reader.mapping(node, "a tables file", allowed: ["tables"]) else { continue }
            for table in DataTable.read(top["tables"]!, reader: &reader) {
                if let first = tables.first(where: { $0.name == table.name }) {
                    reader.error(
                        "tables.duplicate", "table '\(table.name)' is defined twice", at: node,
                        notes: [.init("first defined here", at: first.location)])
                    continue
                }
                tables.append(table)
            }
        }
        var tablesMap = MapValue()
        for table in tables { _ = try? tablesMap.insert(key: .string(table.name), value: table.value) }

        // Program headers, their order by `uses`, and the summary each one exposes.
        var headers: [ProgramReader.Header] = []
        for node in programNodes {
            guard let header = ProgramReader.header(node, reader: &reader) else { continue }
            if let first = headers.first(where: { $0.id == header.id }) {
                reader.error(
                    "program.duplicate", "program '\(header.id)' is defined in two files", at: header.node,
                    notes: [.init("first defined here", at: first.node.location)])
                continue
            }
            headers.append(header)
        }
        let ordered = order(headers)
        // Filled in as programs are read (in dependency order), so each summary knows its criteria.
        var summaryTypes: [String: RecordType] = [:]

        // The environment every program starts from.
        var base = Environment(dialect: .rules)
        base.declare("dossier", .record(schema.recordType))
        base.declare("round", .record(RoundCalendar.recordType))
        base.declare("programs", .record(RecordType(name: "programs", fields: [])))
        base.declareConstant("tables", .map(tablesMap), type: .map(.string, .dyn))
        var sharedReader = ProgramReader(reader: reader, environment: base)
        var sharedLets: [LetDefinition] = []
        for node in letNodes {
            guard let top = sharedReader.reader.mapping(node, "a let file", allowed: ["let", "description"]) else { continue }
            sharedLets += sharedReader.lets(top["let"])
        }
        reader = sharedReader.reader
        base = sharedReader.environment

        var programs: [ProgramDefinition] = []
        var frameSize = base.slotCount
        for header in ordered {
            var environment = base
            var usedFields: [RecordType.Field] = []
            for used in header.uses {
                // A program not read yet (a cycle, already reported) is dyn, so nothing cascades.
                usedFields.append(.init(name: used, type: summaryTypes[used].map(CELType.record) ?? .dyn))
            }
            let programsType = RecordType(name: "programs of \(header.id)", displayName: "programs", fields: usedFields)
            environment.declare("programs", .record(programsType))
            var programReader = ProgramReader(reader: reader, environment: environment)
            let lets = programReader.lets(header.entries["let"])
            let body: ProgramDefinition.Body?
            switch header.kind {
            case .certification: body = .certification(programReader.certification(header))
            case .eligibility: body = .eligibility(programReader.eligibility(header))
            case .award: body = programReader.award(header).map { .award($0) }
            }
            reader = programReader.reader
            frameSize = max(frameSize, programReader.environment.slotCount)
            guard let body else { continue }
            summaryTypes[header.id] = ProgramSummary.recordType(header.id, body: body)
            programs.append(
                ProgramDefinition(
                    id: header.id, kind: header.kind, version: header.version, title: header.title, uses: header.uses,
                    lets: lets, body: body, file: header.node.file, location: header.node.location, programsType: programsType))
        }
        // Comprehension variables take slots beyond the declared ones.
        for program in programs { frameSize = max(frameSize, RuleSetLoader.maxFrame(program)) }
        for letDefinition in sharedLets { frameSize = max(frameSize, letDefinition.expression.program.frameSize) }

        let roundPrograms = Set(calendar.rounds.flatMap(\.programs) + calendar.rolling)
        for round in calendar.rounds {
            for id in round.programs where !programs.contains(where: { $0.id == id }) && !headers.contains(where: { $0.id == id }) {
                reader.error(
                    "rounds.program", "round '\(round.id)' names an unknown program '\(id)'",
                    at: roundsNode)
            }
        }
        for program in programs where !roundPrograms.contains(program.id) {
            reader.warning(
                "rounds.unused-program", "program '\(program.id)' is in no round and not rolling, so the daemon never runs it",
                at: YAMLNode(kind: .mapping([]), start: .start, end: .start, file: program.file))
        }

        let templates = NoticeTemplates.read(
            templateNodes, schema: schema, programs: programs,
            unreadPrograms: Set(headers.map(\.id)).subtracting(programs.map(\.id)), zone: calendar.zone, reader: &reader)
        if reader.diagnostics.hasErrors { return (nil, reader.diagnostics) }
        var ruleSet = RuleSet(
            directory: directory, hash: hash, files: files, schema: schema, tables: tables, sharedLets: sharedLets,
            programs: programs, calendar: calendar, templates: templates, warnings: [], sources: sources, frameSize: frameSize,
            summaryTypes: summaryTypes)
        let analysis = RuleAnalysis(ruleSet: ruleSet).run()
        let all = reader.diagnostics + analysis
        ruleSet = RuleSet(
            directory: directory, hash: hash, files: files, schema: schema, tables: tables, sharedLets: sharedLets,
            programs: programs, calendar: calendar, templates: templates, warnings: all.filter { $0.severity != .error }, sources: sources,
            frameSize: frameSize, summaryTypes: summaryTypes)
        return (all.hasErrors ? nil : ruleSet, all)
    }

    /// Programs in dependency order; unknown programs and cycles in `uses` are errors.
    private mutating func order(_ headers: [ProgramReader.Header]) -> [ProgramReader.Header] {
        let byID = Dictionary(headers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [ProgramReader.Header] = []
        var state: [String: Int] = [:]  // 1 = visiting, 2 = done
        var reported = false
        func visit(_ header: ProgramReader.Header, path: [String]) {
            if state[header.id] == 2 { return }
            if state[header.id] == 1 {
                if !reported {
                    let cycle = (path.drop { $0 != header.id } + [header.id]).joined(separator: " → ")
                    reader.error(
                        "program.cycle", "programs use each other in a cycle: \(cycle)", ja: "プログラムの uses が循環しています: \(cycle)",
                        at: header.usesNode ?? header.node)
                    reported = true
                }
                return
            }
            state[header.id] = 1
            for used in header.uses {
                guard let dependency = byID[used] else {
                    var message = "program '\(header.id)' uses an unknown program '\(used)'"
                    if let suggestion = Suggestion.nearest(to: used, among: byID.keys) { message += "; did you mean '\(suggestion)'?" }
                    reader.error("program.uses", message, at: header.usesNode ?? header.node)
                    continue
                }
                if dependency.kind == .award {
                    reader.error(
                        "program.uses", "program '\(header.id)' cannot use award '\(used)': awards are ranked after every dossier is evaluated",
                        at: header.usesNode ?? header.node)
                    continue
                }
                visit(dependency, path: path + [header.id])
            }
            state[header.id] = 2
            ordered.append(header)
        }
        for header in headers { visit(header, path: []) }
        return ordered
    }

    private static func maxFrame(_ program: ProgramDefinition) -> Int {
        program.expressions.map(\.program.frameSize).max() ?? 0
    }
}
