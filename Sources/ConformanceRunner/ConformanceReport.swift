/// The result of running a conformance suite: counts per group, and every failure with what was
/// expected and what came out.
public struct ConformanceReport: Sendable {
    public enum Outcome: Sendable {
        case passed
        case failed(expected: String, got: String)
        case skipped(String)
    }

    public struct Failure: Sendable {
        public var id: String
        public var input: String
        public var expected: String
        public var got: String
    }

    public struct Counts: Sendable {
        public var passed = 0
        public var failed = 0
        public var skipped = 0
        /// Share of the cases that ran and passed (skipped cases count as not passed).
        public var passRate: Double {
            let total = passed + failed + skipped
            return total == 0 ? 1 : Double(passed) / Double(total)
        }
    }

    public private(set) var failures: [Failure] = []
    public private(set) var skips: [(id: String, reason: String)] = []
    public private(set) var groups: [String: Counts] = [:]
    public private(set) var total = Counts()

    public init() {}

    public mutating func record(_ outcome: Outcome, id: String, group: String, input: String) {
        var counts = groups[group] ?? Counts()
        switch outcome {
        case .passed:
            counts.passed += 1
            total.passed += 1
        case .failed(let expected, let got):
            counts.failed += 1
            total.failed += 1
            failures.append(Failure(id: id, input: input, expected: expected, got: got))
        case .skipped(let reason):
            counts.skipped += 1
            total.skipped += 1
            skips.append((id, reason))
        }
        groups[group] = counts
    }

    /// Every failure, then `N passed, N failed` (and `, N skipped` when some were skipped).
    public var text: String {
        var lines: [String] = []
        for failure in failures {
            lines.append("FAIL \(failure.id)")
            lines.append("  input:    \(failure.input.debugDescription)")
            lines.append("  expected: \(failure.expected)")
            lines.append("  got:      \(failure.got)")
        }
        var summary = "\(total.passed) passed, \(total.failed) failed"
        if total.skipped > 0 { summary += ", \(total.skipped) skipped" }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}
