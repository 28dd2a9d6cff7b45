/// Timestamp and duration accessors (`getFullYear`, `getHours`, …) with CEL's conventions:
/// `getMonth`, `getDayOfMonth` and `getDayOfYear` count from 0, `getDate` from 1, Sunday is day 0.
/// The optional argument names the time zone (IANA name or `±HH:MM`); the default is UTC.
enum TimeFunctions {
    static var accessors: [Function] {
        CELTimestampAccessor.allCases.map { accessor in
            let durationAccessor = CELDurationAccessor(rawValue: accessor.rawValue)
            var signatures = [method([.timestamp], .int), method([.timestamp, .string], .int)]
            if durationAccessor != nil { signatures.append(method([.duration], .int)) }
            return Function(
                accessor.rawValue, signatures: signatures,
                implementations: [
                    1: .unary { value throws(EvalError) in
                        switch value {
                        case .timestamp(let t): return .int(t.celValue(accessor))
                        case .duration(let d):
                            guard let durationAccessor else { throw .noOverload(accessor.rawValue, [value]) }
                            return .int(d.celValue(durationAccessor))
                        default: throw .noOverload(accessor.rawValue, [value])
                        }
                    },
                    2: .binary { value, zone throws(EvalError) in
                        guard case .timestamp(let t) = value, case .string(let name) = zone else {
                            throw .noOverload(accessor.rawValue, [value, zone])
                        }
                        let spec = try Operators.time { () throws(TimeError) in try ZoneSpec(name) }
                        return .int(t.celValue(accessor, in: spec))
                    },
                ])
        }
    }
}
