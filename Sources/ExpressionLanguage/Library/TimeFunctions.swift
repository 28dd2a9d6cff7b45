/// Timestamp and duration accessors (`getFullYear`, `getHours`, …) with CEL's conventions:
/// `getMonth` and `getDayOfMonth` and `getDayOfYear` count from 0, `getDate` from 1, Sunday is day 0.
enum TimeFunctions {
    enum Field: String, CaseIterable, Sendable {
        case getFullYear, getMonth, getDate, getDayOfMonth, getDayOfWeek, getDayOfYear
        case getHours, getMinutes, getSeconds, getMilliseconds

        var appliesToDurations: Bool {
            switch self {
            case .getHours, .getMinutes, .getSeconds, .getMilliseconds: true
            default: false
            }
        }
    }

    static func accessor(_ field: Field) -> Function {
        var signatures = [method([.timestamp], .int), method([.timestamp, .string], .int)]
        if field.appliesToDurations { signatures.append(method([.duration], .int)) }
        return Function(
            field.rawValue, signatures: signatures,
            implementations: [
                1: .unary { v throws(EvalError) in try get(field, v, zone: nil) },
                2: .binary { v, zone throws(EvalError) in
                    guard case .string(let name) = zone else { throw .noOverload(field.rawValue, [v, zone]) }
                    return try get(field, v, zone: name)
                },
            ])
    }

    static func get(_ field: Field, _ value: Value, zone: String?) throws(EvalError) -> Value {
        switch value {
        case .duration(let span) where zone == nil:
            let totalNanos = span.totalNanoseconds
            switch field {
            case .getHours: return .int(span.seconds / 3600)
            case .getMinutes: return .int(span.seconds / 60)
            case .getSeconds: return .int(span.seconds)
            case .getMilliseconds: return .int(Int64((totalNanos / 1_000_000) % 1000))
            default: throw .noOverload(field.rawValue, [value])
            }
        case .timestamp(let t):
            let spec = try Operators.time { () throws(TimeError) in try ZoneSpec.resolve(zone ?? "UTC") }
            let civil = try Operators.time { () throws(TimeError) in try t.civil(in: spec) }
            switch field {
            case .getFullYear: return .int(Int64(civil.year))
            case .getMonth: return .int(Int64(civil.month - 1))
            case .getDate: return .int(Int64(civil.day))
            case .getDayOfMonth: return .int(Int64(civil.day - 1))
            case .getDayOfWeek: return .int(Int64(civil.dayOfWeek))
            case .getDayOfYear: return .int(Int64(civil.dayOfYear))
            case .getHours: return .int(Int64(civil.hour))
            case .getMinutes: return .int(Int64(civil.minute))
            case .getSeconds: return .int(Int64(civil.second))
            case .getMilliseconds: return .int(Int64(civil.nanosecond / 1_000_000))
            }
        default:
            throw .noOverload(field.rawValue, zone.map { [value, .string($0)] } ?? [value])
        }
    }
}
