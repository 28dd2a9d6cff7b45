import Diagnostics
import Foundation
import Testing
import YAMLLoader

@testable import ConformanceRunner
@testable import ExpressionLanguage

/// A small deterministic generator (SplitMix64), so a failing input can be reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Byte-level mutations: insertions of syntax characters and odd bytes, deletions, duplications.
private func mutate(_ input: [UInt8], _ rng: inout SeededGenerator, alphabet: [UInt8]) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0 where !bytes.isEmpty:
            bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
        case 1:
            bytes.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
        case 2 where bytes.count > 1:
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            let end = min(bytes.count, start + Int.random(in: 1...16, using: &rng))
            bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
        case 3 where !bytes.isEmpty:
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        default:
            bytes.insert(UInt8.random(in: 0x80...0xFF, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
        }
    }
    return bytes
}

/// Thousands of random and mutated inputs; the assertion is that the process is still alive and
/// every input got either a result or a diagnostic (errors are fine, crashes are not).
@Suite struct FuzzTests {
    static let expressionSeeds = [
        "dossier.company.employees >= 20 && dossier.company.industry in ['retail', 'hotel']",
        "sum(dossier.plan.map(p, p.reduction)) * 10 >= base", "(base - cur) / base * 100 >= 25.0",
        "has(dossier.target) ? dossier.target.year <= 2030 : false", "size(names) > 2 || names.exists(n, n.startsWith('a'))",
        "{'a': 1, 'b': [1, 2u, 3.0]}['b'][1] == 2", "timestamp('2027-06-30T23:59:59+09:00').getHours('Asia/Tokyo')",
        "round(base * 0.000452, 3)", "names.filter(n, n.size() > 1).map(n, n.upperAscii()).join('-')",
        "'株式会社サンプル①'.substring(0, 4) + b'\\xff'.size().string()", "-9223372036854775808 / -1",
        "[1, 2, 3].all(i, v, v > i)", "max(min(base, 30), 0)", "int('12') + uint(3) + double('1e3')",
        "'%s is %.2f'.format(['x', 1.5])", "'abc'.matches('^a(b|c)+$')", "duration('1h30m') + timestamp(0)",
    ]
    static let yamlSeeds = [
        "a: 1\nb: [x, y, {c: d}]\n", "- &a [1, 2]\n- *a\n", "key: |\n  text\n  more\n", "? complex\n: value\n",
        "company:\n  name: 株式会社サンプル\n  employees: 0012\n  flag: no\n", "{\"json\": [1, 2.5, true, null]}",
        "%YAML 1.2\n---\nx: !!str 12\n...\n", "a: 'quoted'\nb: \"esc\\n\"\nc: >\n  folded\n",
    ]

    @Test func randomAndMutatedExpressionsNeverCrash() throws {
        var rng = SeededGenerator(seed: 20_261_203)
        var corpus = FuzzTests.expressionSeeds
        if let directory = SharedMaterial.path("conformance/cel") {
            for file in ["basic", "macros", "string_ext", "parse", "comparisons", "timestamps"] {
                corpus += (try? CELConformance.load("\(directory)/\(file).json").map(\.expr)) ?? []
            }
        }
        let alphabet = Array("()[]{}.,:?!<>=&|+-*/%'\"`\\ \n_0123456789abcxyzuUeE日本".utf8) + [0, 0xFF, 0xE3]
        let item = RecordType(name: "investment", fields: [.init(name: "reduction", type: .decimal)])
        let company = RecordType(
            name: "company", fields: [.init(name: "employees", type: .int), .init(name: "industry", type: .string)])
        let dossier = RecordType(
            name: "dossier",
            fields: [
                .init(name: "company", type: .record(company)), .init(name: "plan", type: .list(.record(item))),
                .init(name: "target", type: .map(.string, .int), optional: true),
            ])
        let dossierValue = Value.record(
            RecordValue(
                type: dossier,
                fields: [
                    .record(RecordValue(type: company, fields: [.int(48), .string("retail")])),
                    .list([.record(RecordValue(type: item, fields: [.decimal(ExactDecimal("38.5")!)]))]), nil,
                ]))
        var compiled = 0
        var evaluated = 0
        let count = 6000
        for index in 0..<count {
            let source: String
            if index % 5 == 4 {
                // Token soup.
                let tokens = ["(", ")", "[", "]", "{", "}", ".", ",", "&&", "||", "!", "?", ":", "+", "-", "*", "/", "%",
                              "==", "<", ">=", "in", "1", "2.5", "3u", "'s'", "b'x'", "true", "null", "base", "names",
                              "dossier", "company", "size", "map", "x", "all", "has", "sum", "min"]
                source = (0..<Int.random(in: 1...24, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined(separator: " ")
            } else {
                let seed = Array(corpus.randomElement(using: &rng)!.utf8)
                source = String(decoding: mutate(seed, &rng, alphabet: alphabet), as: UTF8.self)
            }
            for dialect in [Environment.Dialect.cel, .rules] {
                var environment = Environment(dialect: dialect)
                environment.declare("base", .decimal)
                environment.declare("names", .list(.string))
                environment.declare("dossier", .record(dossier))
                let compilation = environment.compile(source, checked: index % 2 == 0)
                guard let program = compilation.program else {
                    #expect(!compilation.issues.isEmpty, "no program and no issue for \(source.debugDescription)")
                    continue
                }
                compiled += 1
                let activation = Activation(size: program.frameSize)
                activation.bind(environment.variable("base")!.slot, .decimal(ExactDecimal("1.4")!))
                activation.bind(environment.variable("names")!.slot, .list([.string("ab"), .string("日本")]))
                activation.bind(environment.variable("dossier")!.slot, dossierValue)
                _ = try? program.evaluate(activation)
                evaluated += 1
            }
        }
        #expect(compiled > count / 10, "the mutations should leave a good share of valid expressions")
        #expect(evaluated == compiled)
    }

    @Test func randomAndMutatedYAMLNeverCrashes() throws {
        var rng = SeededGenerator(seed: 42_027)
        var corpus = FuzzTests.yamlSeeds
        if let path = SharedMaterial.path("conformance/yaml/cases.json") {
            corpus += (try? YAMLConformance.loadCases(fromFile: path).get().map(\.yaml)) ?? []
        }
        let fixtures = SharedMaterial.packageRoot.appendingPathComponent("fixtures/dossiers")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? [] {
            if let text = try? String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) { corpus.append(text) }
        }
        let alphabet = Array(":-?[]{},&*!|>'\"#%@` \n\t\r0123456789abcxyz日".utf8) + [0, 0xFF, 0xC3, 0xEF, 0xBB, 0xBF]
        var loaded = 0
        var refused = 0
        for _ in 0..<4000 {
            let bytes = mutate(Array(corpus.randomElement(using: &rng)!.utf8), &rng, alphabet: alphabet)
            switch YAMLLoader.loadStream(bytes, path: "fuzz.yaml") {
            case .success(let documents):
                loaded += 1
                for document in documents { exerciseAccessors(document) }
            case .failure(let error):
                refused += 1
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.location != nil }, "every YAML error has a position")
            }
        }
        #expect(loaded > 100 && refused > 100)
    }

    private func exerciseAccessors(_ node: YAMLNode) {
        _ = node.coreValue
        _ = node.asString()
        _ = node.asBool()
        _ = node.asInteger()
        _ = node.asNumberText()
        switch node.kind {
        case .scalar(let scalar):
            _ = node.location(ofScalarOffset: scalar.text.unicodeScalars.count / 2)
        case .mapping(let pairs):
            for pair in pairs {
                exerciseAccessors(pair.key)
                exerciseAccessors(pair.value)
            }
        case .sequence(let items):
            for item in items { exerciseAccessors(item) }
        }
    }
}
