/// A date without a time or zone, such as `2027-06-30`: dossier fields of type `date` and
/// round deadlines.
///
/// Proleptic Gregorian calendar, years 1 … 9999. A date becomes a span of instants only
/// together with a zone: ``startOfDay(in:)-(ZoneSpec)`` and ``endOfDay(in:)-(ZoneSpec)``.
/// Nothing here reads the process's local zone, so a deadline means the same instant whatever
/// the `TZ` environment variable says.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, 1 … 9999.
    public let year: Int
    /// The month, 1 … 12.
    public let month: Int
    /// The day of the month, 1 … 31.
    public let day: Int

    /// The earliest date, `0001-01-01`.
    public static let minimum = CalendarDate(uncheckedYear: 1, month: 1, day: 1)
    /// The latest date, `9999-12-31`.
    public static let maximum = CalendarDate(uncheckedYear: 9999, month: 12, day: 31)

    private init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Validates and builds a date.
    /// - Throws: ``TimeError/invalidDate(_:reason:)`` naming the field out of range (for
    ///   example `day 29 out of range for February 2027 (2027 is not a leap year)`).
    public init(year: Int, month: Int, day: Int) throws(TimeError) {
        let text = Self.format(year: year, month: month, day: day)
        guard (1...9999).contains(year) else { throw .invalidDate(text, reason: "year \(year) out of range 1 to 9999") }
        if let reason = CivilCalendar.validationFailure(year: Int64(year), month: month, day: day) {
            throw .invalidDate(text, reason: reason)
        }
        self.init(uncheckedYear: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day, ASCII digits,
    /// nothing before or after).
    /// - Throws: ``TimeError/invalidDate(_:reason:)``.
    public init(_ text: String) throws(TimeError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = ASCIIDigits.value(bytes, at: 0, count: 4),
            let month = ASCIIDigits.value(bytes, at: 5, count: 2),
            let day = ASCIIDigits.value(bytes, at: 8, count: 2)
        else { throw .invalidDate(text, reason: "expected YYYY-MM-DD, for example 2027-06-30") }
        guard year >= 1 else { throw .invalidDate(text, reason: "year 0000 out of range 0001 to 9999") }
        if let reason = CivilCalendar.validationFailure(year: Int64(year), month: month, day: day) {
            throw .invalidDate(text, reason: reason)
        }
        self.init(uncheckedYear: year, month: month, day: day)
    }

    /// The date that is `daysSinceUnixEpoch` days after 1970-01-01 (negative for earlier).
    /// - Throws: ``TimeError/invalidDate(_:reason:)`` outside 0001-01-01 … 9999-12-31.
    public init(daysSinceUnixEpoch days: Int64) throws(TimeError) {
        guard days >= Self.minimum.daysSinceUnixEpoch, days <= Self.maximum.daysSinceUnixEpoch else {
            throw .invalidDate("\(days) days since 1970-01-01", reason: "outside 0001-01-01 to 9999-12-31")
        }
        let civil = CivilCalendar.civilFromDays(days)
        self.init(uncheckedYear: Int(civil.year), month: civil.month, day: civil.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String { Self.format(year: year, month: month, day: day) }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days from 1970-01-01 to this date (negative for earlier dates).
    public var daysSinceUnixEpoch: Int64 {
        CivilCalendar.daysFromCivil(year: Int64(year), month: month, day: day)
    }

    /// The day of the week, 0 (Sunday) … 6 (Saturday).
    public var weekday: Int { CivilCalendar.weekday(days: daysSinceUnixEpoch) }

    /// The day of the year, 1 … 366.
    public var dayOfYear: Int {
        Int(daysSinceUnixEpoch - CivilCalendar.daysFromCivil(year: Int64(year), month: 1, day: 1)) + 1
    }

    /// The date `days` days later (earlier if negative).
    /// - Throws: ``TimeError/invalidDate(_:reason:)`` outside 0001-01-01 … 9999-12-31.
    public func adding(days: Int64) throws(TimeError) -> CalendarDate {
        let (result, overflow) = daysSinceUnixEpoch.addingReportingOverflow(days)
        guard !overflow else {
            throw .invalidDate("\(self) + \(days) days", reason: "outside 0001-01-01 to 9999-12-31")
        }
        return try CalendarDate(daysSinceUnixEpoch: result)
    }

    // MARK: Days as instants

    /// The first instant of this date in `zone`: local midnight.
    ///
    /// If the zone skips midnight (clocks jump forward at 00:00, as in Havana or Beirut), the
    /// day starts at the jump, when the clock reads the first wall time of the day. If midnight
    /// occurs twice, the earlier instant is taken.
    /// - Throws: ``TimeError/timestampOutOfRange`` (only for 0001-01-01 east of UTC).
    public func startOfDay(in zone: ZoneSpec) throws(TimeError) -> Timestamp {
        try Timestamp(checkedSeconds: Self.firstInstant(ofDay: daysSinceUnixEpoch, in: zone), nanoseconds: 0)
    }

    /// The last instant of this date in `zone`: one nanosecond before the next day starts,
    /// which on an ordinary day is `23:59:59.999999999` local time.
    ///
    /// This is what a deadline "by 2027-06-30" means: a submission at instant `t` is on time
    /// when `t <= date.endOfDay(in: zone)`. For example
    /// `CalendarDate("2027-06-30").endOfDay(in: "Asia/Tokyo")` is
    /// `2027-06-30T14:59:59.999999999Z`. Defining the end through the next day's start keeps it
    /// right when 23:59:59 occurs twice or not at all (a transition at midnight).
    /// - Throws: ``TimeError/timestampOutOfRange`` (only for 9999-12-31 west of UTC).
    public func endOfDay(in zone: ZoneSpec) throws(TimeError) -> Timestamp {
        let nextStart = Self.firstInstant(ofDay: daysSinceUnixEpoch + 1, in: zone)
        return try Timestamp(checkedSeconds: nextStart - 1, nanoseconds: 999_999_999)
    }

    /// ``startOfDay(in:)-(ZoneSpec)`` after resolving a zone argument (`"Asia/Tokyo"`, `"+09:00"`).
    public func startOfDay(in zoneName: String) throws(TimeError) -> Timestamp {
        try startOfDay(in: try ZoneSpec(zoneName))
    }

    /// ``endOfDay(in:)-(ZoneSpec)`` after resolving a zone argument (`"Asia/Tokyo"`, `"+09:00"`).
    public func endOfDay(in zoneName: String) throws(TimeError) -> Timestamp {
        try endOfDay(in: try ZoneSpec(zoneName))
    }

    /// Unix seconds of the first instant whose local date is `day` (days since 1970-01-01),
    /// unchecked against the timestamp range.
    private static func firstInstant(ofDay day: Int64, in zone: ZoneSpec) -> Int64 {
        switch zone.resolve(localSeconds: day * CivilCalendar.secondsPerDay) {
        case .unique(let instant): instant
        case .repeated(let earlier, _): earlier
        case .skipped(let transition, _, _): transition
        }
    }

    private static func format(year: Int, month: Int, day: Int) -> String {
        TimeFormatting.padded(year, width: 4) + "-" + TimeFormatting.padded(month, width: 2) + "-"
            + TimeFormatting.padded(day, width: 2)
    }
}
