public import Diagnostics
public import RuleModel
import Foundation

/// The rule set in force and everything built from it. Replaced whole on a successful reload, so a
/// round closing or a dossier being stored always sees one consistent rule set.
public struct RuleContext: Sendable {
    public let ruleSet: RuleSet
    let engine: RuleEngine
    let decoder: DossierDecoder
    let composer: NoticeComposer

    /// Loads and checks the rule set as `diacert check` does (rules, templates and the test files);
    /// nil with the diagnostics when anything is an error.
    public static func load(
        directory: String, configuration: DaemonConfiguration, log: EventLog
    ) -> (context: RuleContext?, diagnostics: [Diagnostic]) {
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        var all = diagnostics
        if let ruleSet { all += RuleTestSuite.load(ruleSet: ruleSet).diagnostics }
        guard let ruleSet, !all.hasErrors else { return (nil, all) }
        let context = RuleContext(
            ruleSet: ruleSet, engine: RuleEngine(ruleSet: ruleSet),
            decoder: DossierDecoder(schema: ruleSet.schema, zone: ruleSet.calendar.zone),
            composer: NoticeComposer(ruleSet: ruleSet, configuration: configuration, log: log))
        return (context, all)
    }

    /// The programs decided by rounds: withheld from an evaluation on arrival, because their result
    /// is only known when the round closes.
    var roundPrograms: Set<String> {
        Set(ruleSet.calendar.rounds.flatMap(\.programs)).subtracting(ruleSet.calendar.rolling)
    }
}
