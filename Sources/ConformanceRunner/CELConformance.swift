import Diagnostics
import ExpressionLanguage
import Foundation

/// Runs cel-spec conformance cases (the JSON form described in `shared/conformance/cel/README.md`)
/// through parse, check (unless the case disables it) and evaluation.
public enum CELConformance {
    /// One case from a file.
    struct Case {
        var file: String
        var section: String
        var name: String
        var expr: String
        var bindings: [String: Value]
        var expect: Value?
        var expectError: Bool
        var disabledCheck: Bool

        var id: String { "\(file)/\(section)/\(name)" }
    }

    /// The `conformance cel PATH...` subcommand: prints every failure and the totals; 0 when it ran.
    public static func main(paths: [String]) -> Int32 {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: conformance cel PATH...\n".utf8))
            return 2
        }
        do {
            print(try run(paths: paths).text)
            return 0
        } catch {
            FileHandle.standardError.write(Data("conformance cel: \(error)\n".utf8))
            return 2
        }
    }

    /// Runs every case of the given files; cases listed in `CELSkips.reasons` are skipped.
    public static func run(paths: [String]) throws -> ConformanceReport {
        var report = ConformanceReport()
        for path in paths {
            for testCase in try load(path) {
                let group = testCase.file
                if let reason = CELSkips.reasons[testCase.id] {
                    report.record(.skipped(reason), id: testCase.id, group: group, input: testCase.expr)
                    continue
                }
                report.record(run(testCase), id: testCase.id, group: group, input: testCase.expr)
            }
        }
        return report
    }

    static func run(_ testCase: Case) -> ConformanceReport.Outcome {
        var environment = Environment(dialect: .cel)
        for (name, value) in testCase.bindings { environment.declare(name, staticType(of: value)) }
        let compilation = environment.compile(testCase.expr, checked: !testCase.disabledCheck)
        let expected = testCase.expectError ? "an evaluation error" : testCase.expect.map(Format.literal) ?? "?"
        guard let program = compilation.program else {
            let problems = compilation.issues.map { "\($0.offset): \($0.message.en)" }.joined(separator: "; ")
            return .failed(expected: expected, got: "compile error: \(problems)")
        }
        let activation = Activation(size: program.frameSize)
        for (name, value) in testCase.bindings {
            if let slot = environment.variable(name)?.slot { activation.bind(slot, value) }
        }
        do {
            let value = try program.evaluate(activation)
            if testCase.expectError { return .failed(expected: expected, got: Format.literal(value)) }
            guard let want = testCase.expect, sameTypedValue(value, want) else {
                return .failed(expected: expected, got: "\(Format.literal(value)) (\(value.type))")
            }
            return .passed
        } catch {
            return testCase.expectError ? .passed : .failed(expected: expected, got: "error: \(error.message)")
        }
    }

    // MARK: Loading

    static func load(_ path: String) throws -> [Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let items = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ConformanceError("\(path): expected a JSON array of cases")
        }
        return try items.map { item in
            var bindings: [String: Value] = [:]
            for (name, raw) in item["bindings"] as? [String: Any] ?? [:] { bindings[name] = try typedValue(raw) }
            let expect = item["expect"].flatMap { $0 is NSNull ? nil : $0 }
            return Case(
                file: item["file"] as? String ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                section: item["section"] as? String ?? "",
                name: item["name"] as? String ?? "",
                expr: item["expr"] as? String ?? "",
                bindings: bindings,
                expect: try expect.map(typedValue),
                expectError: item["expect_error"] as? Bool ?? false,
                disabledCheck: item["disabled_check"] as? Bool ?? false)
        }
    }

    /// Decodes the README's typed-value JSON (`{"int": "-5"}`, `{"list": [...]}`).
    static func typedValue(_ raw: Any) throws -> Value {
        guard let object = raw as? [String: Any], let (kind, payload) = object.first, object.count == 1 else {
            throw ConformanceError("typed value must be an object with one key: \(raw)")
        }
        switch kind {
        case "int":
            guard let text = payload as? String, let i = Int64(text) else { throw ConformanceError("bad int \(payload)") }
            return .int(i)
        case "uint":
            guard let text = payload as? String, let u = UInt64(text) else { throw ConformanceError("bad uint \(payload)") }
            return .uint(u)
        case "double":
            if let text = payload as? String {
                switch text {
                case "NaN": return .double(.nan)
                case "Infinity": return .double(.infinity)
                case "-Infinity": return .double(-.infinity)
                default: throw ConformanceError("bad double \(text)")
                }
            }
            guard let number = payload as? NSNumber else { throw ConformanceError("bad double \(payload)") }
            return .double(number.doubleValue)
        case "string":
            guard let s = payload as? String else { throw ConformanceError("bad string \(payload)") }
            return .string(s)
        case "bytes_b64":
            guard let s = payload as? String, let data = Data(base64Encoded: s) else { throw ConformanceError("bad bytes") }
            return .bytes([UInt8](data))
        case "bool":
            guard let b = payload as? Bool else { throw ConformanceError("bad bool \(payload)") }
            return .bool(b)
        case "null":
            return .null
        case "list":
            guard let items = payload as? [Any] else { throw ConformanceError("bad list") }
            return .list(try items.map(typedValue))
        case "map":
            guard let entries = payload as? [[Any]] else { throw ConformanceError("bad map") }
            var map = MapValue()
            for entry in entries where entry.count == 2 {
                try map.insert(key: try typedValue(entry[0]), value: try typedValue(entry[1]))
            }
            return .map(map)
        case "timestamp":
            guard let s = payload as? String else { throw ConformanceError("bad timestamp") }
            return .timestamp(try Timestamp(rfc3339: s))
        case "duration":
            guard let s = payload as? String else { throw ConformanceError("bad duration") }
            return .duration(try TimeSpan(celText: s))
        case "type":
            guard let name = payload as? String, let type = typeNamed(name) else { throw ConformanceError("bad type \(payload)") }
            return .type(type)
        default:
            throw ConformanceError("unknown typed value kind '\(kind)'")
        }
    }

    static func typeNamed(_ name: String) -> CELType? {
        switch name {
        case "int": .int
        case "uint": .uint
        case "double": .double
        case "bool": .bool
        case "string": .string
        case "bytes": .bytes
        case "list": .list(.dyn)
        case "map": .map(.dyn, .dyn)
        case "null_type": .null
        case "type": .type(nil)
        case "google.protobuf.Timestamp": .timestamp
        case "google.protobuf.Duration": .duration
        default: nil
        }
    }

    /// The type to declare for a binding: precise for scalars, element types joined for collections.
    static func staticType(of value: Value) -> CELType {
        switch value {
        case .list(let items):
            let types = Set(items.map { staticType(of: $0) })
            return .list(types.count == 1 ? types.first! : .dyn)
        case .map(let map):
            let keys = Set(map.entries.map { staticType(of: $0.key) })
            let values = Set(map.entries.map { staticType(of: $0.value) })
            return .map(keys.count == 1 ? keys.first! : .dyn, values.count == 1 ? values.first! : .dyn)
        default:
            return value.type
        }
    }

    /// Equal values of the same type: `1` and `1u` differ here (a conformance result must have the
    /// expected type), NaN matches NaN, maps compare without regard to order.
    static func sameTypedValue(_ got: Value, _ want: Value) -> Bool {
        switch (got, want) {
        case (.double(let x), .double(let y)):
            return (x.isNaN && y.isNaN) || (x == y && x.sign == y.sign) || (x == y && x == 0)
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameTypedValue($0, $1) }
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for entry in y.entries {
                guard let gotKey = x.entries.first(where: { sameTypedValue($0.key, entry.key) }),
                    sameTypedValue(gotKey.value, entry.value)
                else { return false }
            }
            return true
        default:
            return got.type.runtimeTypeName == want.type.runtimeTypeName && got.isEqual(to: want)
        }
    }
}

struct ConformanceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
