/// A signed length of time: CEL's `duration` (`google.protobuf.Duration`).
///
/// Named `TimeSpan` to stay clear of the standard library's `Duration`.
///
/// Stored like the protobuf message, as whole seconds plus nanoseconds with the same sign
/// (`-1.5s` is `seconds == -1, nanoseconds == -500_000_000`).
///
/// **Range.** CEL durations are limited to what Go's `time.Duration` holds, a signed 64-bit
/// count of nanoseconds: ``minimum`` = `-9223372036.854775808s` … ``maximum`` =
/// `9223372036.854775807s`, about ±292 years. This is the range of the CEL specification and
/// cel-go today (cel-spec issue #214 proposes widening it to protobuf's ±10 000 years but is
/// still open), and the conformance suite depends on it: `timestamp('0001-01-01T00:00:00Z') -
/// timestamp('9999-12-31T23:59:59Z')` must be a range error although the difference is within
/// ±10 000 years. Every operation that would leave the range throws
/// ``TimeError/durationOutOfRange``. The range is defined only by ``minimum`` and ``maximum``.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds, truncated toward zero.
    public let seconds: Int64
    /// Nanoseconds after ``seconds``, with the same sign: -999 999 999 … 999 999 999.
    public let nanoseconds: Int32

    /// A zero-length span.
    public static let zero = TimeSpan(totalNanoseconds: 0)
    /// The longest span, `9223372036.854775807s`.
    public static let maximum = TimeSpan(totalNanoseconds: .max)
    /// The most negative span, `-9223372036.854775808s`.
    public static let minimum = TimeSpan(totalNanoseconds: .min)

    /// A span of `totalNanoseconds` nanoseconds; every `Int64` is in range.
    public init(totalNanoseconds: Int64) {
        seconds = totalNanoseconds / CivilCalendar.nanosecondsPerSecond
        nanoseconds = Int32(totalNanoseconds % CivilCalendar.nanosecondsPerSecond)
    }

    /// A span of `seconds` plus `nanoseconds`; the two may have any signs and sizes.
    ///
    /// `TimeSpan(seconds: 1, nanoseconds: -1)` is `0.999999999s`.
    /// - Throws: ``TimeError/durationOutOfRange``.
    public init(seconds: Int64, nanoseconds: Int64 = 0) throws(TimeError) {
        let total = Int128(seconds) * Int128(CivilCalendar.nanosecondsPerSecond) + Int128(nanoseconds)
        try self.init(checkedTotalNanoseconds: total)
    }

    init(checkedTotalNanoseconds total: Int128) throws(TimeError) {
        guard let nanos = Int64(exactly: total) else { throw .durationOutOfRange }
        self.init(totalNanoseconds: nanos)
    }

    /// The span in nanoseconds; always fits because of the CEL range.
    public var totalNanoseconds: Int64 {
        seconds * CivilCalendar.nanosecondsPerSecond + Int64(nanoseconds)
    }

    var totalNanoseconds128: Int128 { Int128(totalNanoseconds) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool {
        lhs.totalNanoseconds < rhs.totalNanoseconds
    }

    // MARK: Arithmetic

    /// `self + other` (CEL `duration + duration`).
    /// - Throws: ``TimeError/durationOutOfRange``.
    public func adding(_ other: TimeSpan) throws(TimeError) -> TimeSpan {
        try TimeSpan(checkedTotalNanoseconds: totalNanoseconds128 + other.totalNanoseconds128)
    }

    /// `self - other` (CEL `duration - duration`).
    /// - Throws: ``TimeError/durationOutOfRange``.
    public func subtracting(_ other: TimeSpan) throws(TimeError) -> TimeSpan {
        try TimeSpan(checkedTotalNanoseconds: totalNanoseconds128 - other.totalNanoseconds128)
    }

    /// `-self` (CEL unary minus on a duration).
    /// - Throws: ``TimeError/durationOutOfRange`` for ``minimum``, whose negation is one
    ///   nanosecond past ``maximum``.
    public func negated() throws(TimeError) -> TimeSpan {
        try TimeSpan(checkedTotalNanoseconds: -totalNanoseconds128)
    }

    // MARK: Totals and CEL accessors

    /// Whole hours, truncated toward zero (CEL `getHours()`): `-5400s` is -1.
    public var wholeHours: Int64 { seconds / 3600 }
    /// Whole minutes, truncated toward zero (CEL `getMinutes()`): `3730s` is 62.
    public var wholeMinutes: Int64 { seconds / 60 }
    /// Whole seconds, truncated toward zero (CEL `getSeconds()`): `-1.5s` is -1.
    public var wholeSeconds: Int64 { seconds }
    /// Whole milliseconds, truncated toward zero: `123.321456789s` is 123321.
    ///
    /// This is *not* CEL's `getMilliseconds()`; see ``millisecondsOfSecond``.
    public var wholeMilliseconds: Int64 { totalNanoseconds / 1_000_000 }
    /// The milliseconds of the fractional second, truncated toward zero, with the span's sign
    /// (CEL `getMilliseconds()`): `123.321456789s` is 321 and `-1.5s` is -500.
    public var millisecondsOfSecond: Int64 { Int64(nanoseconds / 1_000_000) }

    /// The value of a CEL duration accessor (`getHours`, …).
    public func celValue(_ accessor: CELDurationAccessor) -> Int64 {
        switch accessor {
        case .getHours: wholeHours
        case .getMinutes: wholeMinutes
        case .getSeconds: wholeSeconds
        case .getMilliseconds: millisecondsOfSecond
        }
    }
}

/// CEL's duration accessor functions, named as in CEL.
///
/// `getHours`, `getMinutes` and `getSeconds` convert the whole duration (truncating toward
/// zero); `getMilliseconds` is the millisecond part of the seconds fraction, as the cel-spec
/// conformance case `duration_converters/get_milliseconds` requires (`123.321456789s` → 321).
public enum CELDurationAccessor: String, Sendable, Hashable, CaseIterable {
    case getHours
    case getMinutes
    case getSeconds
    case getMilliseconds
}

// MARK: - Text

extension TimeSpan {
    /// The span as CEL's `string(duration)` writes it: seconds, an optional fraction without
    /// trailing zeros, and `s`.
    ///
    /// `3600s`, `1.5s`, `-0.000000001s`, `0s`. This matches cel-go's output for every value
    /// that a `float64` represents exactly, and is exact where cel-go's float formatting is not.
    public var celText: String {
        let sign = seconds < 0 || nanoseconds < 0 ? "-" : ""
        return sign + String(seconds.magnitude) + TimeFormatting.trimmedFraction(nanoseconds: Int64(nanoseconds)) + "s"
    }

    /// ``celText``.
    public var description: String { celText }

    /// Parses a CEL duration string: Go's `time.ParseDuration` syntax.
    ///
    /// An optional sign, then one or more *number unit* pairs with no spaces: `1h30m`, `-1.5s`,
    /// `100ms`, `2m`, `1.5h`, `.5s`, `3.s`. Units are `h`, `m`, `s`, `ms`, `us`, `µs` (U+00B5),
    /// `μs` (U+03BC) and `ns`; a unit is required except in `0` (also `+0`, `-0`). The sign
    /// applies to the whole string (`-1h30m` is -5400 s). Fractions may have any number of
    /// digits; the result is truncated toward zero to whole nanoseconds, computed exactly
    /// (Go uses `float64` for fractions, which can differ in the last nanosecond).
    ///
    /// - Throws: ``TimeError/invalidDuration(_:reason:)`` for malformed text and
    ///   ``TimeError/durationOutOfRange`` (CEL's range is about ±292 years).
    public init(celText text: String) throws(TimeError) {
        let bytes = Array(text.utf8)
        func fail(_ reason: String) -> TimeError { .invalidDuration(text, reason: reason) }
        let unitList = "use h, m, s, ms, us or ns"

        var index = 0
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        if bytes.count - index == 1, bytes[index] == UInt8(ascii: "0") {
            self = .zero
            return
        }
        guard index < bytes.count else {
            throw fail(bytes.isEmpty ? "empty string" : "expected a number after the sign")
        }

        // Anything beyond this many nanoseconds is out of range however the rest reads.
        let cap = Int128(Int64.max) * 4
        var total: Int128 = 0
        while index < bytes.count {
            let start = index
            var whole: Int128 = 0
            while index < bytes.count, ASCIIDigits.isDigit(bytes[index]) {
                if whole <= cap { whole = whole * 10 + Int128(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            let hasWholeDigits = index > start
            var fractionDigits: ArraySlice<UInt8> = []
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                while index < bytes.count, ASCIIDigits.isDigit(bytes[index]) { index += 1 }
                fractionDigits = bytes[fractionStart..<index]
            }
            guard hasWholeDigits || !fractionDigits.isEmpty else {
                let rest = String(decoding: bytes[start...], as: UTF8.self)
                throw fail("expected a number at '\(rest)'")
            }
            let unitStart = index
            while index < bytes.count, !ASCIIDigits.isDigit(bytes[index]), bytes[index] != UInt8(ascii: ".") {
                index += 1
            }
            let unitText = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard !unitText.isEmpty else {
                let number = String(decoding: bytes[start..<index], as: UTF8.self)
                throw fail("missing unit after '\(number)'; \(unitList)")
            }
            guard let unit = Self.unitNanoseconds[unitText] else {
                throw fail("unknown unit '\(unitText)'; \(unitList)")
            }
            if total <= cap {
                total += min(whole, cap) * Int128(unit) + Self.truncatedFraction(fractionDigits, unit: unit)
            }
        }
        try self.init(checkedTotalNanoseconds: negative ? -total : total)
    }

    private static let unitNanoseconds: [String: Int64] = [
        "ns": 1,
        "us": 1_000,
        "\u{00B5}s": 1_000,  // µ MICRO SIGN
        "\u{03BC}s": 1_000,  // μ GREEK SMALL LETTER MU
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    /// ⌊0.d₁d₂…dₖ × unit⌋ computed exactly for any number of digits.
    ///
    /// Horner's rule from the last digit: with tᵢ = dᵢ·unit + ⌊tᵢ₊₁ / 10⌋, the result is
    /// ⌊t₁ / 10⌋, because ⌊⌊x⌋ / 10⌋ = ⌊x / 10⌋. Every tᵢ stays below 10 × unit.
    private static func truncatedFraction(_ digits: ArraySlice<UInt8>, unit: Int64) -> Int128 {
        var carry: Int64 = 0
        for digit in digits.reversed() {
            carry = Int64(digit - UInt8(ascii: "0")) * unit + carry / 10
        }
        return Int128(carry / 10)
    }
}
