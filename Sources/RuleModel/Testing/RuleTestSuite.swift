public import Diagnostics

/// The rule tests under `rules/tests` (placeholder until the runner lands).
public struct RuleTestSuite {
    public var diagnostics: [Diagnostic] = []
    public static func load(ruleSet: RuleSet) -> RuleTestSuite { RuleTestSuite() }
    public func run() -> RuleTestReport { RuleTestReport() }
}

public struct RuleTestReport {
    public var failed = 0
    public var unreached: [String] = []
    public func text(language: Language, coverage: Bool) -> String { "0 passed, 0 failed" }
}
