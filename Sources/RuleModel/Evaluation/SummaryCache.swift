import ExpressionLanguage
import Synchronization

/// Records built once and shared by every dossier that needs the same one: the certification
/// summary (`programs.certification`) when the rules read only its scalar fields, and the
/// `programs` record of a program that uses just that certification.
///
/// Such a summary depends only on the outcome, the tier and the points, which take few values; so
/// instead of building (and freeing) two or three records per dossier, the engine looks them up by
/// a small number. Records are immutable, so sharing one between dossiers and threads reads alike.
final class RecordCache: Sendable {
    private let records: Mutex<[Value?]>

    init(count: Int) { records = Mutex([Value?](repeating: nil, count: count)) }

    /// The record at `key`, built by `make` the first time.
    func value(_ key: Int, _ make: () -> Value) -> Value {
        if let hit = records.withLock({ $0[key] }) { return hit }
        let made = make()
        records.withLock { $0[key] = made }
        return made
    }
}

/// How a certification result maps to its summary's key: (outcome, tier rank, points).
struct SummaryKeying: Sendable {
    let tierRanks: Int
    let minPoints: Int
    let pointSpan: Int
    var count: Int { CertificationOutcome.allCases.count * tierRanks * pointSpan }

    /// Nil when the summaries would be too many to keep (or the summary needs more than the scalar fields).
    init?(_ rules: CertificationRules, fields: [Bool]?) {
        // outcome, certified, tier, tier_rank, points: kept; sections, criteria, missing: not read.
        guard let fields, fields.count == 8, !fields[5], !fields[6], !fields[7] else { return nil }
        var low = 0
        var high = 0
        for criterion in rules.criteria {
            let points = criterion.rows.map(\.points)
            low += min(0, points.min() ?? 0)
            high += max(0, points.max() ?? 0)
        }
        tierRanks = rules.tiers.count + 1
        minPoints = low
        pointSpan = high - low + 1
        guard pointSpan > 0, CertificationOutcome.allCases.count * tierRanks * pointSpan <= 1 << 16 else { return nil }
    }

    func key(_ result: CertificationResult) -> Int? {
        let points = result.points - minPoints
        guard points >= 0, points < pointSpan, result.tierRank >= 0, result.tierRank < tierRanks else { return nil }
        return (result.outcome.index * tierRanks + result.tierRank) * pointSpan + points
    }
}

extension CertificationOutcome {
    /// The position in `allCases`.
    fileprivate var index: Int {
        switch self {
        case .certified: 0
        case .notCertified: 1
        case .disqualified: 2
        case .outOfScope: 3
        case .incomplete: 4
        case .late: 5
        }
    }
}
