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

    /// Loads and checks the rule set: every file, the schema, every expression and template
    /// placeholder, references and rounds; nil with the diagnostics when anything is an error.
    ///
    /// The rule tests (`tests/`) are the policy staff's (`diacert test`), not the daemon's: they point
    /// at fixture dossiers that an installed rule set does not carry, and they do not change a decision.
    public static func load(
        directory: String, configuration: DaemonConfiguration, log: EventLog
    ) -> (context: RuleContext?, diagnostics: [Diagnostic]) {
        let (ruleSet, all) = RuleSet.load(directory: directory)
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
