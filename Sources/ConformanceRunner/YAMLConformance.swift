import Diagnostics
import Foundation
import YAMLLoader

/// One case of the YAML conformance suite (`cases.json`, converted from yaml-test-suite).
public struct YAMLConformanceCase: Sendable {
    public var id: String
    public var name: String
    public var yaml: String
    /// One JSON value per document; nil when the stream has no JSON form (or must fail).
    var expected: [YAMLSuiteJSON]?
    /// Whether a conforming parser must reject the stream.
    public var mustFail: Bool
    public var tags: [String]
}

/// What a run of the suite found.
public struct YAMLConformanceReport: Sendable {
    public struct Failure: Sendable {
        public var id: String
        public var name: String
        public var input: String
        public var expected: String
        public var got: String
    }

    /// A case on the known-fault list: not counted as passed or failed, but still run.
    public struct Skip: Sendable {
        public var id: String
        public var name: String
        public var reason: String
        /// The case passed after all, so the fault list is out of date.
        public var passedAnyway: Bool
    }

    public var passed = 0
    public var failures: [Failure] = []
    public var skipped: [Skip] = []

    /// `N passed, N failed`, with `, N skipped` when any were.
    public var summary: String {
        var line = "\(passed) passed, \(failures.count) failed"
        if !skipped.isEmpty { line += ", \(skipped.count) skipped" }
        return line
    }
}

/// A suite file that could not be read.
public struct YAMLConformanceError: Error, CustomStringConvertible {
    public var description: String
}

/// Runs the YAML conformance suite against ``YAMLLoader``.
public enum YAMLConformance {
    /// The `conformance yaml PATH...` subcommand: prints the report; 0 when it ran, 2 when it could not.
    public static func main(paths: [String]) -> Int32 {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: conformance yaml PATH...\n".utf8))
            return 2
        }
        switch run(files: paths) {
        case .success(let report):
            print(render(report), terminator: "")
            return 0
        case .failure(let error):
            FileHandle.standardError.write(Data("conformance yaml: \(error)\n".utf8))
            return 2
        }
    }

    /// Runs every case in `files`; cases in `knownFaults` are run but reported as skipped.
    public static func run(
        files: [String],
        knownFaults: [String: String] = YAMLKnownFaults.all
    ) -> Result<YAMLConformanceReport, YAMLConformanceError> {
        var cases: [YAMLConformanceCase] = []
        for file in files {
            switch loadCases(fromFile: file) {
            case .success(let loaded): cases += loaded
            case .failure(let error): return .failure(error)
            }
        }
        return .success(run(cases, knownFaults: knownFaults))
    }

    public static func run(_ cases: [YAMLConformanceCase], knownFaults: [String: String]) -> YAMLConformanceReport {
        var report = YAMLConformanceReport()
        for testCase in cases {
            let outcome = evaluate(testCase)
            if let reason = knownFaults[testCase.id] {
                let skip = YAMLConformanceReport.Skip(
                    id: testCase.id,
                    name: testCase.name,
                    reason: reason,
                    passedAnyway: outcome == nil
                )
                report.skipped.append(skip)
            } else if let failure = outcome {
                report.failures.append(failure)
            } else {
                report.passed += 1
            }
        }
        return report
    }

    /// Each failure, a note for each known fault that passed, then the summary line.
    public static func render(_ report: YAMLConformanceReport) -> String {
        var out = ""
        for failure in report.failures {
            out += "FAIL \(failure.id): \(failure.name)\n"
            out += "  input:    \(failure.input.debugDescription)\n"
            out += "  expected: \(failure.expected)\n"
            out += "  got:      \(failure.got)\n"
        }
        for skip in report.skipped where skip.passedAnyway {
            out += "note: known fault \(skip.id) passed; remove it from YAMLKnownFaults (\(skip.reason))\n"
        }
        return out + report.summary + "\n"
    }

    /// Reads a suite file: a JSON array of `{id, name, yaml, json, error, tags}` objects.
    public static func loadCases(fromFile path: String) -> Result<[YAMLConformanceCase], YAMLConformanceError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(YAMLConformanceError(description: "cannot read '\(path)'"))
        }
        let json: YAMLSuiteJSON
        do {
            json = try YAMLSuiteJSONParser.parse(Array(data))
        } catch {
            return .failure(YAMLConformanceError(description: "\(path): \(error)"))
        }
        guard case .array(let items) = json else {
            return .failure(YAMLConformanceError(description: "\(path): expected a JSON array of cases"))
        }
        var cases: [YAMLConformanceCase] = []
        for (index, item) in items.enumerated() {
            guard let testCase = makeCase(item) else {
                return .failure(
                    YAMLConformanceError(description: "\(path): case \(index) lacks id, name, yaml or error")
                )
            }
            cases.append(testCase)
        }
        return .success(cases)
    }

    private static func makeCase(_ item: YAMLSuiteJSON) -> YAMLConformanceCase? {
        guard case .object(let entries) = item else { return nil }
        func field(_ key: String) -> YAMLSuiteJSON? { entries.first { $0.key == key }?.value }
        guard case .string(let id) = field("id"), case .string(let name) = field("name"),
            case .string(let yaml) = field("yaml"), case .bool(let mustFail) = field("error")
        else { return nil }
        var expected: [YAMLSuiteJSON]?
        if case .array(let documents) = field("json") { expected = documents }
        var tags: [String] = []
        if case .array(let values) = field("tags") {
            tags = values.compactMap { if case .string(let tag) = $0 { tag } else { nil } }
        }
        return YAMLConformanceCase(id: id, name: name, yaml: yaml, expected: expected, mustFail: mustFail, tags: tags)
    }

    /// Nil when the case passes, otherwise what was expected and what happened.
    static func evaluate(_ testCase: YAMLConformanceCase) -> YAMLConformanceReport.Failure? {
        let result = YAMLLoader.loadStream(Array(testCase.yaml.utf8), path: testCase.id)
        let expected: String
        let got: String
        switch result {
        case .failure(let error):
            if testCase.mustFail { return nil }
            expected = testCase.expected.map(render) ?? "loads without error (no JSON form)"
            got = "error: " + error.diagnostics.map(\.description).joined(separator: " | ")
        case .success(let documents):
            let json = documents.map(toJSON)
            if testCase.mustFail {
                expected = "an error"
            } else if let want = testCase.expected {
                let values = json.compactMap { $0 }
                if values.count == json.count, values.count == want.count,
                    zip(values, want).allSatisfy({ $0.matches($1) })
                {
                    return nil
                }
                expected = render(want)
            } else {
                return nil
            }
            got = "[" + json.map { $0?.rendered ?? "(no JSON form)" }.joined(separator: ", ") + "]"
        }
        return YAMLConformanceReport.Failure(
            id: testCase.id,
            name: testCase.name,
            input: testCase.yaml,
            expected: expected,
            got: got
        )
    }

    private static func render(_ documents: [YAMLSuiteJSON]) -> String {
        YAMLSuiteJSON.array(documents).rendered
    }

    /// The JSON form of a loaded node, by the core schema; nil when it has none (a key that is not
    /// a string, or an infinity or NaN).
    private static func toJSON(_ node: YAMLNode) -> YAMLSuiteJSON? {
        switch node.kind {
        case .sequence(let items):
            let values = items.compactMap(toJSON)
            return values.count == items.count ? .array(values) : nil
        case .mapping(let pairs):
            var entries: [(key: String, value: YAMLSuiteJSON)] = []
            for pair in pairs {
                guard case .string(let key) = pair.key.coreValue, let value = toJSON(pair.value) else { return nil }
                entries.append((key, value))
            }
            return .object(entries)
        case .scalar:
            switch node.coreValue {
            case .null, nil: return .null
            case .bool(let value): return .bool(value)
            case .int(let text): return .number(YAMLValue.int(text: text).canonicalNumber ?? text)
            case .float(let text):
                guard let canonical = YAMLValue.float(text: text).canonicalNumber, !canonical.hasSuffix("inf"),
                    canonical != "nan"
                else { return nil }
                return .number(text)
            case .string(let text): return .string(text)
            }
        }
    }
}
