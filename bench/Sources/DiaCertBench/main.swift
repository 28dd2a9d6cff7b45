// diacert-bench: dossiers per second of the rule engine, beside a hand-written Swift function of
// the same policy in the same process (their ratio is the engine's overhead), on dossiers that are
// already decoded. Run it pinned to one core in a release build: `bench/run.sh`.
import Diagnostics
import ExpressionLanguage
import Foundation
import JSON
import RuleModel

struct Options {
    var count = 100_000
    var runs = 3
    var seed: UInt64 = 20_250_101
    var peerRules = "bench/peer-rules"
    var diaRules = "rules"
    var fixtures = "fixtures/dossiers"
    var shared = "../shared"
    /// `peer` or `dia`: run one part only (for profiling).
    var only: String?
    /// Skip the run with explanations (for profiling the decision path alone).
    var explain = true
    /// Skip the expressions-only pass (for profiling `RuleEngine.evaluate` alone).
    var expressionsOnly = true

    init(_ arguments: [String]) {
        var index = 0
        func next() -> String {
            index += 1
            guard index < arguments.count else { fail("missing value after \(arguments[index - 1])") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--n": count = Int(next()) ?? count
            case "--runs": runs = Int(next()) ?? runs
            case "--seed": seed = UInt64(next()) ?? seed
            case "--peer-rules": peerRules = next()
            case "--rules": diaRules = next()
            case "--shared": shared = next()
            case "--only": only = next()
            case "--no-explain": explain = false
            case "--no-expressions-only": expressionsOnly = false
            case "--dump": _ = next()
            case "--help", "-h":
                print("usage: diacert-bench [--n 100000] [--runs 3] [--seed N] [--rules DIR] [--peer-rules DIR] [--shared DIR] [--only peer|dia] [--no-explain] [--no-expressions-only] [--dump FILE]")
                exit(0)
            default: fail("unknown option \(arguments[index])")
            }
            index += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("diacert-bench: \(message)\n".utf8))
    exit(2)
}

func loadRules(_ directory: String) -> RuleSet {
    let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
    guard let ruleSet else { fail("rules in \(directory) do not load:\n" + diagnostics.map(\.description).joined(separator: "\n")) }
    return ruleSet
}

/// Median seconds of `runs` passes of `body` (after one warm-up pass).
func measure(runs: Int, _ body: () -> Int) -> (seconds: Double, checksum: Int) {
    var checksum = body()
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        checksum &+= body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (times.sorted()[times.count / 2], checksum)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let peerRules = loadRules(options.peerRules)
let diaRules = loadRules(options.diaRules)

// Agreement dump (for checking that optimisations change no result): `--dump FILE` writes every
// result of the Dia dossiers (decision-only and explaining engines) and of the peer dossiers.
if let index = CommandLine.arguments.firstIndex(of: "--dump"), index + 1 < CommandLine.arguments.count {
    let path = CommandLine.arguments[index + 1]
    let count = Int(CommandLine.arguments.firstIndex(of: "--n").map { CommandLine.arguments[$0 + 1] } ?? "") ?? 5000
    let shared = CommandLine.arguments.firstIndex(of: "--shared").map { CommandLine.arguments[$0 + 1] } ?? "../shared"
    var out = ""
    func describe(_ value: Value?) -> String { value.map { "\($0)" } ?? "nil" }
    func line(_ evaluation: DossierEvaluation) {
        out += ResultJSON.evaluation(evaluation).serialized() + "\n"
        for (program, result) in evaluation.results {
            switch result {
            case .certification(let c):
                out += "  \(program) rank=\(c.tierRank) shortfalls=\(c.tierShortfalls.map { "\($0.tier):\($0.pointsLacking):\($0.criteriaLacking.map(\.id)):\($0.sectionsLacking.map(\.section)):\(String(describing: $0.conditionLacking)):\(String(describing: $0.cheapestPath.map { $0.map { "\($0.criterion)/\($0.row)/\($0.missing)" } }))" }) sections=\(c.sections.map { "\($0.id)=\($0.points)" })\n"
            case .award(let a):
                out += "  \(program) score=\(describe(a.score)) keys=\(a.rankKeys.map(describe)) err=\(a.scoreError ?? "-")\n"
            case .eligibility(let e):
                out += "  \(program) terms=\((e.terms ?? []).map { "\($0.name)=\(describe($0.value))" }) row=\(String(describing: e.termsRow))\n"
            }
        }
    }
    for engineOptions in [RuleEngine.Options(recordValues: false, planNextTier: false), RuleEngine.Options()] {
        let engine = RuleEngine(ruleSet: diaRules, options: engineOptions)
        let dossiers = DiaData.dossiers(count: count, seed: 20_250_101, fixtures: "fixtures/dossiers", ruleSet: diaRules)
        let diaActivation = engine.makeActivation()
        var evaluations = dossiers.map { engine.evaluate($0, round: diaRules.calendar.rounds.first, activation: diaActivation) }
        engine.rank(&evaluations)
        evaluations.forEach(line)
        let fixtures = engine.evaluate(
            ((try? FileManager.default.contentsOfDirectory(atPath: "fixtures/dossiers")) ?? []).sorted().compactMap {
                try? diaRules.decoder.load(path: "fixtures/dossiers/\($0)").get()
            })
        fixtures.forEach(line)
        let peerEngine = RuleEngine(ruleSet: peerRules, options: engineOptions)
        let activation = peerEngine.makeActivation()
        for dossier in PeerData.dossiers(count: count, seed: 20_250_101, shared: shared, ruleSet: peerRules).dossiers {
            line(peerEngine.evaluate(dossier, round: peerRules.calendar.rounds.first, activation: activation))
        }
    }
    try? out.write(toFile: path, atomically: true, encoding: .utf8)
    exit(0)
}

print("DiaCert benchmark: release build, one thread, \(options.count) dossiers already decoded, median of \(options.runs) runs")
print("")

// MARK: The peer policy: the same dossiers the peer engines were measured on.

let peerDossiers =
    options.only == "dia"
    ? (dossiers: [Dossier](), origin: "skipped") : PeerData.dossiers(count: options.count, seed: options.seed, shared: options.shared, ruleSet: peerRules)
let decision = RuleEngine.Options(recordValues: false, planNextTier: false)
let peerEngine = RuleEngine(ruleSet: peerRules, options: decision)
let handWritten = HandWrittenPeerPolicy(type: peerRules.schema.recordType)
let round = peerRules.calendar.rounds.first

// Both must agree on every dossier before any number is worth printing.
let activation = peerEngine.makeActivation()
var disagreements = 0
for dossier in peerDossiers.dossiers {
    let engine = peerEngine.evaluate(dossier, round: round, activation: activation).certification!
    let reference = handWritten.evaluate(dossier.value)
    let engineCriteria = engine.criteria.map { $0.status == .met }
    let engineTier = engine.tier ?? "none"
    if engine.points != reference.points || (engine.outcome != .outOfScope) != reference.eligible || engineTier != reference.tier
        || engineCriteria != reference.criteria
    {
        if disagreements < 3 { print("MISMATCH \(dossier.id): engine \(engine.points) \(engineTier), hand-written \(reference)") }
        disagreements += 1
    }
}

let hand = measure(runs: options.runs) {
    var sum = 0
    for dossier in peerDossiers.dossiers { sum &+= handWritten.evaluate(dossier.value).points }
    return sum
}
let engine = measure(runs: options.runs) {
    var sum = 0
    for dossier in peerDossiers.dossiers { sum &+= peerEngine.evaluate(dossier, round: round, activation: activation).certification!.points }
    return sum
}

// Expressions alone: every criterion's condition on the decoded dossier, without building results.
let certificationRules = peerRules.programs[0].certification!
let expressionsOnly = measure(runs: options.runs) {
    var sum = 0
    for dossier in peerDossiers.dossiers where options.expressionsOnly {
        activation.bind(0, .record(dossier.value))
        for criterion in certificationRules.criteria {
            if case .bool(true)? = try? criterion.rows[0].when.program.evaluate(activation) { sum &+= criterion.rows[0].points }
        }
    }
    return sum
}
print("expressions only: \(Int(Double(peerDossiers.dossiers.count) / expressionsOnly.seconds)) dossiers/s")

// MARK: The Dia rules on generated dossiers.

let diaDossiers = options.only == "peer" ? [] : DiaData.dossiers(count: options.count, seed: options.seed, fixtures: options.fixtures, ruleSet: diaRules)
let diaEngine = RuleEngine(ruleSet: diaRules, options: decision)
let diaActivation = diaEngine.makeActivation()
let diaRound = diaRules.calendar.rounds.first
let dia = measure(runs: options.runs) {
    var sum = 0
    for dossier in diaDossiers { sum &+= diaEngine.evaluate(dossier, round: diaRound, activation: diaActivation).certification!.points }
    return sum
}
let explainingEngine = RuleEngine(ruleSet: diaRules)
let explaining = measure(runs: max(1, options.runs)) {
    var sum = 0
    for dossier in diaDossiers.prefix(options.explain ? max(1, options.count / 10) : 0) {
        sum &+= explainingEngine.evaluate(dossier, round: diaRound, activation: diaActivation).certification!.points
    }
    return sum
}

// MARK: Report

func rate(_ count: Int, _ seconds: Double) -> Double { Double(count) / seconds }
func format(_ value: Double) -> String {
    let rounded = Int(value.rounded())
    var digits = String(rounded)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits.removeLast(3)
    }
    return digits + grouped
}
func row(_ name: String, _ perSecond: Double, _ note: String) {
    let micro = 1e6 / perSecond
    print(
        name.padding(toLength: 40, withPad: " ", startingAt: 0) + format(perSecond).leftPadded(12)
            + String(format: "%10.3f", micro) + "  " + note)
}

let handRate = rate(peerDossiers.dossiers.count, hand.seconds)
let engineRate = rate(peerDossiers.dossiers.count, engine.seconds)
let diaRate = rate(diaDossiers.count, dia.seconds)
let explainRate = rate(max(1, options.count / 10), explaining.seconds)
print("workload".padding(toLength: 40, withPad: " ", startingAt: 0) + "dossiers/s".leftPadded(12) + "µs/dossier".leftPadded(10))
row("peer policy, hand-written Swift", handRate, "reference (same decoded dossiers)")
row("peer policy, DiaCert engine", engineRate, String(format: "overhead ×%.2f (target ≤ 3), target ≥ 1,000,000/s", handRate / engineRate))
row("Dia rules, DiaCert engine", diaRate, "target ≥ 300,000/s (certification, award, loan)")
if options.explain { row("Dia rules, with explanations", explainRate, "values per criterion and next-tier plan (as `diacert eval`)") }
print("")
print(
    "peer data: \(peerDossiers.origin); agreement engine = hand-written on \(peerDossiers.dossiers.count - disagreements)/\(peerDossiers.dossiers.count) dossiers"
)
print("checksums: \(hand.checksum) \(engine.checksum) \(dia.checksum)")
PeerResults.printSideBySide(shared: options.shared, diaCertRate: engineRate)
if disagreements > 0 { exit(1) }

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
