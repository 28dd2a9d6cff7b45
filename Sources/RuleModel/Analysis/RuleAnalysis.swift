import Diagnostics

/// Checks a loaded rule set for mistakes no single expression shows: tiers no dossier can reach,
/// first-match rows that can never be reached.
struct RuleAnalysis {
    let ruleSet: RuleSet

    func run() -> [Diagnostic] { [] }
}
