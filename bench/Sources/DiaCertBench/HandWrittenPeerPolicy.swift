import ExpressionLanguage

/// The peer benchmark's policy written by hand in Swift, reading the same decoded dossier records
/// the engine reads (field slots found once), as a programmer would without a rule engine.
struct HandWrittenPeerPolicy {
    struct Result: CustomStringConvertible {
        var points: Int
        var eligible: Bool
        var tier: String
        var criteria: [Bool]
        var description: String { "\(points) \(tier) eligible=\(eligible)" }
    }

    private let revenue, employees, city, industry, scope1, scope2, base, targetPct, targetYear: Int
    private let hasSBT, reAction, iso14001, ea21, disclosure, measures, plan: Int
    private static let weights = [15, 15, 10, 5, 10, 5, 5, 10, 5, 10, 5, 5]

    init(type: RecordType) {
        func slot(_ name: String) -> Int { type.index(of: name)! }
        revenue = slot("revenue_jpy")
        employees = slot("employees")
        city = slot("city")
        industry = slot("industry")
        scope1 = slot("scope1_t")
        scope2 = slot("scope2_t")
        base = slot("base_year_emissions_t")
        targetPct = slot("target_reduction_pct")
        targetYear = slot("target_year")
        hasSBT = slot("has_sbt")
        reAction = slot("re_action")
        iso14001 = slot("iso14001")
        ea21 = slot("ea21")
        disclosure = slot("disclosure")
        measures = slot("measures")
        plan = slot("investment_plan")
    }

    @inline(__always) private func int(_ record: RecordValue, _ slot: Int) -> Int64 {
        if case .int(let value)? = record.field(slot) { return value }
        return 0
    }

    @inline(__always) private func bool(_ record: RecordValue, _ slot: Int) -> Bool {
        if case .bool(let value)? = record.field(slot) { return value }
        return false
    }

    @inline(__always) private func string(_ record: RecordValue, _ slot: Int) -> String {
        if case .string(let value)? = record.field(slot) { return value }
        return ""
    }

    func evaluate(_ d: RecordValue) -> Result {
        let s1 = int(d, scope1)
        let s2 = int(d, scope2)
        let baseT = int(d, base)
        let year = int(d, targetYear)
        let sbt = bool(d, hasSBT)
        var measureList: [Value] = []
        if case .list(let items)? = d.field(measures) { measureList = items }
        var planReduction: Int64 = 0
        if case .list(let items)? = d.field(plan) {
            for item in items {
                if case .record(let p) = item, case .int(let r)? = p.field(1) { planReduction += r }
            }
        }
        let industryName = string(d, industry)
        let cityCode = string(d, city)
        let criteria = [
            (s1 + s2) * 10 <= baseT * 9,
            int(d, targetPct) >= 46 && year <= 2030,
            sbt,
            bool(d, reAction),
            bool(d, iso14001) || bool(d, ea21),
            bool(d, disclosure),
            (industryName == "manufacturing" || industryName == "logistics" || industryName == "construction") && s1 >= s2,
            measureList.contains { if case .string(let m) = $0 { m == "solar_pv" || m == "green_power_purchase" || m == "heat_pump" } else { false } },
            measureList.count >= 3,
            planReduction * 10 >= baseT,
            int(d, employees) <= 300 || int(d, revenue) <= 1_000_000_000,
            cityCode == "13101" || cityCode == "27100",
        ]
        var points = 0
        for (met, weight) in zip(criteria, HandWrittenPeerPolicy.weights) where met { points += weight }
        let eligible = int(d, employees) >= 1 && baseT > 0 && year >= 2025 && year <= 2050
        let tier: String
        if !eligible {
            tier = "none"
        } else if points >= 80 && sbt {
            tier = "platinum"
        } else if points >= 60 {
            tier = "gold"
        } else if points >= 40 {
            tier = "silver"
        } else if points >= 20 {
            tier = "bronze"
        } else {
            tier = "none"
        }
        return Result(points: points, eligible: eligible, tier: tier, criteria: criteria)
    }
}
