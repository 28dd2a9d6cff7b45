public import Diagnostics

/// A dossier's result as text a bank officer can read out (placeholder until written).
public struct Explanation {
    public let ruleSet: RuleSet
    public let language: Language
    public init(ruleSet: RuleSet, language: Language) {
        self.ruleSet = ruleSet
        self.language = language
    }
    public func text(_ evaluation: DossierEvaluation) -> String { "" }
}
