public import Diagnostics
import ExpressionLanguage
import Foundation
import JSON
import YAMLLoader

/// The rule tests under `rules/tests/*.yaml`, written by policy staff next to the rules.
///
/// A file holds `cases:`; each case names a dossier (a path relative to the test file, or the
/// dossier inline), optional `patch:` (dotted field → new value, null removes the field),
/// an optional `round:`, and `expect:` — any subset of each program's result:
///
/// ```yaml
/// cases:
///   - name: silver just at 40 points
///     dossier: ../../fixtures/dossiers/sayama-kako.yaml
///     patch: {management.iso14001: false}
///     expect:
///       certification: {outcome: certified, tier: silver, points: 40, criteria: {ems: not_met}}
///       loan: {outcome: eligible, terms: {limit_jpy: 20000000}}
/// ```
///
/// A case with `dossiers:` (a list of `{dossier, patch}`) evaluates them together as one round,
/// and `expect:` is then keyed by dossier id (for award ranking). `expect: {invalid: TEXT}` says the
/// dossier must be rejected with an error containing TEXT.
public struct RuleTestSuite: Sendable {
    public struct Case: Sendable {
        public let name: String
        public let file: String
        public let location: SourceLocation
        let round: String?
        /// One entry, or several for a round of dossiers.
        let dossiers: [(source: DossierSource, patches: [DossierPatch])]
        /// By program id, or by dossier id then program id for multi-dossier cases.
        let expect: YAMLNode
        let isGroup: Bool
    }

    enum DossierSource: Sendable {
        case file(String)
        case inline(YAMLNode)
    }

    public let ruleSet: RuleSet
    public let cases: [Case]
    public let diagnostics: [Diagnostic]

    /// Reads every test file of the rule set (`tests/*.yaml`).
    public static func load(ruleSet: RuleSet) -> RuleTestSuite {
        var reader = RuleFileReader()
        var cases: [Case] = []
        let files = ruleSet.files.filter { $0.hasPrefix("tests/") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
        for file in files {
            let path = ruleSet.directory + "/" + file
            guard let node = reader.absorb(YAMLLoader.loadDocument(atPath: path)),
                let top = reader.mapping(node, "a test file", allowed: ["cases", "description"]),
                let casesNode = reader.require(top, "cases", in: "a test file", at: node)
            else { continue }
            for item in reader.sequence(casesNode, "cases") {
                if let testCase = readCase(item, file: path, reader: &reader) {
                    if let first = cases.first(where: { $0.name == testCase.name }) {
                        reader.error(
                            "tests.duplicate", "two test cases are named '\(testCase.name)'", at: item,
                            notes: [.init("first defined here", at: first.location)])
                        continue
                    }
                    cases.append(testCase)
                }
            }
        }
        return RuleTestSuite(ruleSet: ruleSet, cases: cases, diagnostics: reader.diagnostics)
    }

    private static func readCase(_ node: YAMLNode, file: String, reader: inout RuleFileReader) -> Case? {
        guard let entries = reader.mapping(node, "a test case", allowed: ["name", "dossier", "dossiers", "patch", "round", "expect"]),
            let nameNode = reader.require(entries, "name", in: "a test case", at: node), let name = reader.string(nameNode),
            let expect = reader.require(entries, "expect", in: "test case '\(name)'", at: node)
        else { return nil }
        let directory = (file as NSString).deletingLastPathComponent
        func source(_ node: YAMLNode) -> DossierSource? {
            if node.mapping != nil { return .inline(node) }
            guard let path = reader.string(node) else { return nil }
            let full = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            if !FileManager.default.fileExists(atPath: full) {
                reader.error("tests.dossier", "test case '\(name)': no dossier file at \(path)", at: node)
                return nil
            }
            return .file((full as NSString).standardizingPath)
        }
        func patches(_ node: YAMLNode?) -> [DossierPatch] {
            guard let node else { return [] }
            return reader.orderedMapping(node, "patch").map { DossierPatch(path: $0.key, value: $0.value.isNull ? nil : $0.value) }
        }
        var dossiers: [(DossierSource, [DossierPatch])] = []
        var isGroup = false
        switch (entries["dossier"], entries["dossiers"]) {
        case (let single?, nil):
            guard let found = source(single) else { return nil }
            dossiers = [(found, patches(entries["patch"]))]
        case (nil, let many?):
            isGroup = true
            for item in reader.sequence(many, "dossiers") {
                if item.mapping != nil, item["dossier"] != nil {
                    guard let fields = reader.mapping(item, "a dossier of the group", allowed: ["dossier", "patch"]),
                        let found = source(fields["dossier"]!)
                    else { continue }
                    dossiers.append((found, patches(fields["patch"])))
                } else if let found = source(item) {
                    dossiers.append((found, []))
                }
            }
        default:
            reader.error("tests.shape", "test case '\(name)' needs 'dossier' (one) or 'dossiers' (a round)", at: node)
            return nil
        }
        return Case(
            name: name, file: file, location: node.location, round: entries["round"].flatMap { reader.string($0) },
            dossiers: dossiers, expect: expect, isGroup: isGroup)
    }

    /// Runs every case.
    public func run() -> RuleTestReport {
        let engine = RuleEngine(ruleSet: ruleSet)
        let decoder = ruleSet.decoder
        var report = RuleTestReport(coverage: Coverage(ruleSet: ruleSet))
        for testCase in cases {
            var dossiers: [Dossier] = []
            var problems: [String] = []
            for (index, entry) in testCase.dossiers.enumerated() {
                let result: Result<Dossier, DiagnosticError>
                switch entry.source {
                case .file(let path):
                    let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
                    result = decoder.decode(bytes, source: path, patches: entry.patches)
                case .inline(let node):
                    var patched = node
                    for patch in entry.patches { patched = patch.apply(to: patched) }
                    result = decoder.decode(patched, source: "\(testCase.name)#\(index + 1)", contentHash: "")
                }
                switch result {
                case .success(let dossier): dossiers.append(dossier)
                case .failure(let error): problems += error.diagnostics.map { "invalid dossier: \($0)" }
                }
            }
            // `expect: {invalid: "text"}`: the dossier must be rejected with an error containing the text.
            if let invalid = testCase.expect["invalid"] {
                let wanted = invalid.scalar?.text ?? ""
                if problems.isEmpty {
                    report.failures.append(.init(testCase: testCase.name, location: testCase.location, lines: ["expected the dossier to be rejected, but it is valid"]))
                } else if wanted != "true", !problems.contains(where: { $0.contains(wanted) }) {
                    report.failures.append(
                        .init(testCase: testCase.name, location: testCase.location, lines: ["expected an error containing '\(wanted)', got:"] + problems))
                } else {
                    report.passed += 1
                }
                continue
            }
            guard problems.isEmpty else {
                report.failures.append(.init(testCase: testCase.name, location: testCase.location, lines: problems))
                continue
            }
            let evaluations = engine.evaluate(dossiers, roundOverride: testCase.round)
            for evaluation in evaluations { report.coverage.record(evaluation) }
            var mismatches: [String] = []
            if testCase.isGroup {
                for entry in testCase.expect.mapping ?? [] {
                    guard let id = entry.key.scalar?.text else { continue }
                    guard let evaluation = evaluations.first(where: { $0.dossier.id == id }) else {
                        mismatches.append("\(id): no dossier with this id in the case")
                        continue
                    }
                    mismatches += ExpectationMatcher.compare(entry.value, evaluation, prefix: "\(id).")
                }
            } else if let evaluation = evaluations.first {
                mismatches += ExpectationMatcher.compare(testCase.expect, evaluation, prefix: "")
            }
            if mismatches.isEmpty {
                report.passed += 1
            } else {
                report.failures.append(.init(testCase: testCase.name, location: testCase.location, lines: mismatches))
            }
        }
        return report
    }
}

/// Compares a test's `expect:` with a result: every key given must match; numbers compare exactly
/// as decimals; `criteria`/`conditions` are matched by id, and a bare word matches the status.
enum ExpectationMatcher {
    static func compare(_ expected: YAMLNode, _ evaluation: DossierEvaluation, prefix: String) -> [String] {
        var mismatches: [String] = []
        for entry in expected.mapping ?? [] {
            guard let key = entry.key.scalar?.text else { continue }
            let actual: JSONValue
            if key == "late" {
                actual = .bool(evaluation.late)
            } else if let result = evaluation.result(key) {
                actual = keyedByID(ResultJSON.result(result))
            } else {
                mismatches.append("\(prefix)\(key): no such program in the rule set")
                continue
            }
            match(entry.value, actual, path: "\(prefix)\(key)", into: &mismatches)
        }
        return mismatches
    }

    /// Arrays of objects with an `id` become objects keyed by id, so tests can say `criteria: {measured: met}`.
    static func keyedByID(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0["id"]?.stringValue != nil }):
            return .object(items.map { ($0["id"]!.stringValue!, keyedByID($0)) })
        case .array(let items): return .array(items.map(keyedByID))
        case .object(let members): return .object(members.map { ($0.key, keyedByID($0.value)) })
        default: return value
        }
    }

    static func match(_ expected: YAMLNode, _ actual: JSONValue, path: String, into mismatches: inout [String]) {
        switch expected.kind {
        case .mapping(let pairs):
            guard case .object = actual else {
                mismatches.append("\(path): expected an object, got \(actual)")
                return
            }
            for pair in pairs {
                guard let key = pair.key.scalar?.text else { continue }
                guard let value = actual[key] else {
                    mismatches.append("\(path).\(key): expected \(describe(pair.value)), but the result has no '\(key)'")
                    continue
                }
                match(pair.value, value, path: "\(path).\(key)", into: &mismatches)
            }
        case .sequence(let items):
            guard case .array(let values) = actual else {
                mismatches.append("\(path): expected a list, got \(actual)")
                return
            }
            let wanted = items.map(describe).sorted()
            let got = values.map(plain).sorted()
            if wanted != got { mismatches.append("\(path): expected [\(wanted.joined(separator: ", "))], got [\(got.joined(separator: ", "))]") }
        case .scalar:
            var target = actual
            // A bare word against an object compares with its status (criteria, conditions) or outcome.
            if case .object = actual { target = actual["status"] ?? actual["outcome"] ?? actual }
            if !scalarMatches(expected, target) {
                mismatches.append("\(path): expected \(describe(expected)), got \(plain(target))")
            }
        }
    }

    private static func scalarMatches(_ expected: YAMLNode, _ actual: JSONValue) -> Bool {
        if expected.isNull { return actual.isNull }
        switch actual {
        case .number(let text):
            guard case .success(let wanted) = expected.asNumberText(), let a = ExactDecimal(wanted), let b = ExactDecimal(text) else {
                return false
            }
            return a == b
        case .bool(let b):
            if case .success(let wanted) = expected.asBool() { return wanted == b }
            return false
        case .string(let s): return expected.scalar?.text == s
        case .null: return expected.isNull
        default: return false
        }
    }

    private static func describe(_ node: YAMLNode) -> String {
        if node.isNull { return "null" }
        return node.scalar?.text ?? "a \(node.mapping != nil ? "mapping" : "list")"
    }

    private static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        default: value.serialized()
        }
    }
}

/// What running the tests found.
public struct RuleTestReport: Sendable {
    public struct Failure: Sendable {
        public let testCase: String
        public let location: SourceLocation
        public let lines: [String]
    }

    public var passed = 0
    public var failures: [Failure] = []
    public var coverage: Coverage
    public var failed: Int { failures.count }
    public var unreached: [String] { coverage.unreached }

    public func text(language: Language, coverage showCoverage: Bool) -> String {
        var lines: [String] = []
        for failure in failures {
            lines.append("\(failure.location): FAIL \(failure.testCase)")
            for line in failure.lines { lines.append("    \(line)") }
        }
        if showCoverage {
            let unreached = coverage.unreached
            if unreached.isEmpty {
                lines.append(language == .ja ? "カバレッジ: すべての行・条件・条件表の行にテストが到達しています" : "coverage: every criterion row, condition and terms row is reached by a test")
            } else {
                lines.append(language == .ja ? "どのテストも到達していないもの (\(unreached.count) 件):" : "not reached by any test (\(unreached.count)):")
                for item in unreached { lines.append("  \(item)") }
            }
        }
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n")
    }
}
