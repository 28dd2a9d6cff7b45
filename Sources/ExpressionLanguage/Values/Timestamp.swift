/// An instant in time: CEL's `timestamp` (`google.protobuf.Timestamp`).
///
/// Stored as whole seconds since 1970-01-01T00:00:00Z (rounded down) plus a non-negative
/// fraction in nanoseconds, like the protobuf message. Every value is within CEL's range,
/// `0001-01-01T00:00:00Z` … `9999-12-31T23:59:59.999999999Z`: each operation that could leave
/// it throws ``TimeError/timestampOutOfRange`` instead.
///
/// A timestamp has no zone. Calendar fields are read in an explicit ``ZoneSpec`` (UTC by
/// default); the process's local zone is never used.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z, rounded toward negative infinity.
    public let seconds: Int64
    /// Nanoseconds after ``seconds``, 0 … 999 999 999.
    public let nanoseconds: Int32

    /// `0001-01-01T00:00:00Z` in seconds since the epoch.
    public static let minimumSeconds: Int64 = -62_135_596_800
    /// `9999-12-31T23:59:59Z` in seconds since the epoch.
    public static let maximumSeconds: Int64 = 253_402_300_799

    /// The earliest valid timestamp, `0001-01-01T00:00:00Z`.
    public static let minimum = Timestamp(uncheckedSeconds: minimumSeconds, nanoseconds: 0)
    /// The latest valid timestamp, `9999-12-31T23:59:59.999999999Z`.
    public static let maximum = Timestamp(uncheckedSeconds: maximumSeconds, nanoseconds: 999_999_999)
    /// `1970-01-01T00:00:00Z`.
    public static let unixEpoch = Timestamp(uncheckedSeconds: 0, nanoseconds: 0)

    init(uncheckedSeconds seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Validates and builds a timestamp from seconds since the epoch and a fraction.
    ///
    /// This is CEL's `timestamp(int)` when `nanoseconds` is 0. `nanoseconds` may be any value;
    /// it is carried into `seconds` (so `(-1, 500_000_000)` is `1969-12-31T23:59:59.5Z`).
    /// - Throws: ``TimeError/timestampOutOfRange``.
    public init(seconds: Int64, nanoseconds: Int64 = 0) throws(TimeError) {
        let carry = CivilCalendar.floorDiv(nanoseconds, CivilCalendar.nanosecondsPerSecond)
        let (total, overflow) = seconds.addingReportingOverflow(carry)
        guard !overflow else { throw .timestampOutOfRange }
        try self.init(
            checkedSeconds: total,
            nanoseconds: Int32(nanoseconds - carry * CivilCalendar.nanosecondsPerSecond)
        )
    }

    /// - Precondition: `0 <= nanoseconds < 1e9`.
    init(checkedSeconds seconds: Int64, nanoseconds: Int32) throws(TimeError) {
        guard seconds >= Self.minimumSeconds, seconds <= Self.maximumSeconds else { throw .timestampOutOfRange }
        self.init(uncheckedSeconds: seconds, nanoseconds: nanoseconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// ``rfc3339``.
    public var description: String { rfc3339 }

    // MARK: Arithmetic

    /// This instant moved by `span` (CEL `timestamp + duration`).
    /// - Throws: ``TimeError/timestampOutOfRange``.
    public func adding(_ span: TimeSpan) throws(TimeError) -> Timestamp {
        let total = totalNanoseconds + span.totalNanoseconds128
        return try Self(totalNanoseconds: total)
    }

    /// This instant moved back by `span` (CEL `timestamp - duration`).
    /// - Throws: ``TimeError/timestampOutOfRange``.
    public func subtracting(_ span: TimeSpan) throws(TimeError) -> Timestamp {
        let total = totalNanoseconds - span.totalNanoseconds128
        return try Self(totalNanoseconds: total)
    }

    /// The span from `other` to this instant, `self - other` (CEL `timestamp - timestamp`).
    ///
    /// Positive when `self` is later.
    /// - Throws: ``TimeError/durationOutOfRange`` when the difference exceeds the duration
    ///   range (about 292 years), as in cel-go.
    public func difference(_ other: Timestamp) throws(TimeError) -> TimeSpan {
        try TimeSpan(checkedTotalNanoseconds: totalNanoseconds - other.totalNanoseconds)
    }

    var totalNanoseconds: Int128 {
        Int128(seconds) * Int128(CivilCalendar.nanosecondsPerSecond) + Int128(nanoseconds)
    }

    init(totalNanoseconds total: Int128) throws(TimeError) {
        let perSecond = Int128(CivilCalendar.nanosecondsPerSecond)
        var wholeSeconds = total / perSecond
        var fraction = total % perSecond
        if fraction < 0 {
            wholeSeconds -= 1
            fraction += perSecond
        }
        guard wholeSeconds >= Int128(Self.minimumSeconds), wholeSeconds <= Int128(Self.maximumSeconds) else {
            throw .timestampOutOfRange
        }
        self.init(uncheckedSeconds: Int64(wholeSeconds), nanoseconds: Int32(fraction))
    }

    // MARK: Calendar fields

    /// The calendar and clock fields of this instant in `zone`.
    public func localDateTime(in zone: ZoneSpec = .utc) -> LocalDateTime {
        let offset = zone.offset(atUnixSeconds: seconds)
        return LocalDateTime(localSeconds: seconds + Int64(offset), nanosecond: nanoseconds, utcOffsetSeconds: offset)
    }

    /// The value of a CEL timestamp accessor (`getHours`, `getMonth`, …) in `zone`.
    public func celValue(_ accessor: CELTimestampAccessor, in zone: ZoneSpec = .utc) -> Int64 {
        accessor.value(of: localDateTime(in: zone))
    }

    /// The calendar date of this instant in `zone`, for example to compare with a deadline date.
    /// - Throws: ``TimeError/timestampOutOfRange`` if the local date is in year 0 or 10000.
    public func calendarDate(in zone: ZoneSpec) throws(TimeError) -> CalendarDate {
        guard let date = localDateTime(in: zone).date else { throw .timestampOutOfRange }
        return date
    }

    // MARK: Civil construction

    /// The instant at which the wall clock in `zone` shows the given date and time.
    ///
    /// Daylight-saving transitions are resolved deterministically, as `java.time` and
    /// RFC 5545 do:
    /// - **Gap** (clocks jump forward, e.g. 02:30 on the spring-forward night in New York):
    ///   the reading is interpreted with the offset in force *before* the jump, so the result
    ///   is the wall time shifted forward by the length of the gap (02:30 EST = 03:30 EDT).
    /// - **Overlap** (clocks set back, e.g. 01:30 on the fall-back night): the *earlier*
    ///   of the two instants (the first time the clock shows it, 01:30 EDT).
    ///
    /// - Parameters:
    ///   - month: 1 … 12.
    ///   - day: 1 … the length of the month.
    ///   - hour: 0 … 23; `minute`, `second`: 0 … 59; `nanosecond`: 0 … 999 999 999.
    /// - Throws: ``TimeError/invalidDateTime(reason:)`` for fields out of range and
    ///   ``TimeError/timestampOutOfRange`` for a result outside the CEL range.
    public init(
        year: Int,
        month: Int,
        day: Int,
        hour: Int = 0,
        minute: Int = 0,
        second: Int = 0,
        nanosecond: Int = 0,
        in zone: ZoneSpec
    ) throws(TimeError) {
        guard (1...9999).contains(year) else { throw .invalidDateTime(reason: "year \(year) out of range 1 to 9999") }
        if let reason = CivilCalendar.validationFailure(year: Int64(year), month: month, day: day) {
            throw .invalidDateTime(reason: reason)
        }
        guard (0...23).contains(hour) else { throw .invalidDateTime(reason: "hour \(hour) out of range 0 to 23") }
        guard (0...59).contains(minute) else { throw .invalidDateTime(reason: "minute \(minute) out of range 0 to 59") }
        guard (0...59).contains(second) else { throw .invalidDateTime(reason: "second \(second) out of range 0 to 59") }
        guard (0...999_999_999).contains(nanosecond) else {
            throw .invalidDateTime(reason: "nanosecond \(nanosecond) out of range 0 to 999999999")
        }
        let days = CivilCalendar.daysFromCivil(year: Int64(year), month: month, day: day)
        let local = days * CivilCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        let instant: Int64 =
            switch zone.resolve(localSeconds: local) {
            case .unique(let instant): instant
            case .repeated(let earlier, _): earlier
            case .skipped(_, let offsetBefore, _): local - Int64(offsetBefore)
            }
        try self.init(checkedSeconds: instant, nanoseconds: Int32(nanosecond))
    }

    /// Convenience for ``init(year:month:day:hour:minute:second:nanosecond:in:)`` that
    /// resolves a zone argument (`"Asia/Tokyo"`, `"+09:00"`, `"UTC"`) first.
    public init(
        year: Int,
        month: Int,
        day: Int,
        hour: Int = 0,
        minute: Int = 0,
        second: Int = 0,
        nanosecond: Int = 0,
        in zoneName: String
    ) throws(TimeError) {
        try self.init(
            year: year,
            month: month,
            day: day,
            hour: hour,
            minute: minute,
            second: second,
            nanosecond: nanosecond,
            in: try ZoneSpec(zoneName)
        )
    }
}

// MARK: - RFC 3339

extension Timestamp {
    /// Parses an RFC 3339 timestamp, as CEL's `timestamp(string)` does.
    ///
    /// Accepted: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1–9 digits, then `Z` or an
    /// offset `±HH:MM`, for example `2009-02-13T23:31:30Z`, `2027-06-30T23:59:59.5+09:00`.
    /// As in Go's `time.Parse(time.RFC3339, …)` (cel-go), `T` and `Z` must be upper case and
    /// leap seconds (`:60`) are rejected. Unlike Go, a fraction of more than 9 digits is an
    /// error rather than silently truncated, and a comma is not accepted as the decimal mark.
    ///
    /// - Throws: ``TimeError/invalidTimestamp(_:reason:)`` with the reason, or
    ///   ``TimeError/timestampOutOfRange`` (year 0000, a 5-digit year, or an offset that moves
    ///   the instant outside the range).
    public init(rfc3339 text: String) throws(TimeError) {
        let bytes = Array(text.utf8)
        func fail(_ reason: String) -> TimeError { .invalidTimestamp(text, reason: reason) }
        func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
        let shape = "expected YYYY-MM-DDTHH:MM:SS[.fraction] followed by 'Z' or an offset such as '+09:00'"

        let yearDigits = bytes.prefix { ASCIIDigits.isDigit($0) }.count
        if yearDigits > 4, byte(at: yearDigits) == UInt8(ascii: "-") { throw .timestampOutOfRange }
        guard yearDigits == 4, let year = ASCIIDigits.value(bytes, at: 0, count: 4),
            byte(at: 4) == UInt8(ascii: "-"), let month = ASCIIDigits.value(bytes, at: 5, count: 2),
            byte(at: 7) == UInt8(ascii: "-"), let day = ASCIIDigits.value(bytes, at: 8, count: 2)
        else { throw fail(shape) }
        switch byte(at: 10) {
        case UInt8(ascii: "T"): break
        case UInt8(ascii: "t"): throw fail("date and time must be separated by upper-case 'T'")
        default: throw fail(shape)
        }
        guard let hour = ASCIIDigits.value(bytes, at: 11, count: 2), byte(at: 13) == UInt8(ascii: ":"),
            let minute = ASCIIDigits.value(bytes, at: 14, count: 2), byte(at: 16) == UInt8(ascii: ":"),
            let second = ASCIIDigits.value(bytes, at: 17, count: 2)
        else { throw fail(shape) }

        var index = 19
        var nanosecond = 0
        if byte(at: index) == UInt8(ascii: ".") {
            index += 1
            let start = index
            while let digit = byte(at: index), ASCIIDigits.isDigit(digit) { index += 1 }
            let count = index - start
            guard count > 0 else { throw fail("expected digits after '.'") }
            guard count <= 9 else { throw fail("fraction of a second has more than 9 digits") }
            nanosecond = ASCIIDigits.value(bytes, at: start, count: count)!
            for _ in count..<9 { nanosecond *= 10 }
        }

        var offsetSeconds = 0
        switch byte(at: index) {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "z"):
            throw fail("UTC must be written as upper-case 'Z'")
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let offsetHour = ASCIIDigits.value(bytes, at: index + 1, count: 2),
                byte(at: index + 3) == UInt8(ascii: ":"),
                let offsetMinute = ASCIIDigits.value(bytes, at: index + 4, count: 2)
            else { throw fail("expected an offset of the form ±HH:MM") }
            guard offsetHour <= 23 else { throw fail("offset hours \(offsetHour) out of range 00 to 23") }
            guard offsetMinute <= 59 else { throw fail("offset minutes \(offsetMinute) out of range 00 to 59") }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        case nil:
            throw fail("missing time zone: add 'Z' for UTC or an offset such as '+09:00'")
        default:
            throw fail(shape)
        }
        guard index == bytes.count else { throw fail("unexpected text after the time zone") }

        if let reason = CivilCalendar.validationFailure(year: Int64(year), month: month, day: day) {
            throw fail(reason)
        }
        guard hour <= 23 else { throw fail("hour \(hour) out of range 00 to 23") }
        guard minute <= 59 else { throw fail("minute \(minute) out of range 00 to 59") }
        guard second <= 59 else {
            throw fail(
                "second \(second) out of range 00 to 59" + (second == 60 ? "; leap seconds are not supported" : "")
            )
        }
        guard year >= 1 else { throw .timestampOutOfRange }

        let days = CivilCalendar.daysFromCivil(year: Int64(year), month: month, day: day)
        let local = days * CivilCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        try self.init(checkedSeconds: local - Int64(offsetSeconds), nanoseconds: Int32(nanosecond))
    }

    /// The timestamp in UTC as CEL's `string(timestamp)` writes it.
    ///
    /// Go's `RFC3339Nano` layout: `2009-02-13T23:31:30Z`, with the fraction's trailing zeros
    /// removed (`…:20.5Z`, `…:59.999999999Z`) and no fraction when it is zero.
    public var rfc3339: String {
        format(localSeconds: seconds, zoneSuffix: "Z")
    }

    /// The timestamp as RFC 3339 with the wall time and offset of `zone`, for messages such as
    /// `2027-06-30T23:59:59.999999999+09:00`. A zero offset is written `Z`.
    ///
    /// An offset with seconds (local mean time before about 1900) is truncated toward zero to
    /// whole minutes and the wall time follows it, so the text still denotes this exact instant.
    public func rfc3339(in zone: ZoneSpec) -> String {
        let minutes = zone.offset(atUnixSeconds: seconds) / 60
        let suffix = minutes == 0 ? "Z" : TimeFormatting.offset(minutes: minutes)
        return format(localSeconds: seconds + Int64(minutes * 60), zoneSuffix: suffix)
    }

    private func format(localSeconds: Int64, zoneSuffix: String) -> String {
        let fields = LocalDateTime(localSeconds: localSeconds, nanosecond: nanoseconds, utcOffsetSeconds: 0)
        return fields.description + zoneSuffix
    }
}

// MARK: - CEL accessors

/// CEL's timestamp accessor functions, named as in CEL, with CEL's numbering.
///
/// The evaluator can dispatch on the function name: `CELTimestampAccessor(rawValue: "getHours")`.
public enum CELTimestampAccessor: String, Sendable, Hashable, CaseIterable {
    /// The year, for example 2009.
    case getFullYear
    /// The month, **0-based**: 0 = January … 11 = December.
    case getMonth
    /// The day of the month, **1-based**: 1 … 31.
    case getDate
    /// The day of the month, **0-based**: 0 … 30.
    case getDayOfMonth
    /// The day of the year, **0-based**: 0 … 365.
    case getDayOfYear
    /// The day of the week, 0 = Sunday … 6 = Saturday.
    case getDayOfWeek
    /// The hour, 0 … 23.
    case getHours
    /// The minute, 0 … 59.
    case getMinutes
    /// The second, 0 … 59.
    case getSeconds
    /// The milliseconds of the second, 0 … 999 (truncated).
    case getMilliseconds

    /// The accessor's value for fields already computed in some zone.
    public func value(of fields: LocalDateTime) -> Int64 {
        let value: Int =
            switch self {
            case .getFullYear: fields.year
            case .getMonth: fields.month - 1
            case .getDate: fields.day
            case .getDayOfMonth: fields.day - 1
            case .getDayOfYear: fields.dayOfYear - 1
            case .getDayOfWeek: fields.weekday
            case .getHours: fields.hour
            case .getMinutes: fields.minute
            case .getSeconds: fields.second
            case .getMilliseconds: fields.nanosecond / 1_000_000
            }
        return Int64(value)
    }
}
