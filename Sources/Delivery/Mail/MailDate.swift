public import Foundation

/// The `Date:` of a message: an instant and the numeric UTC offset to show it in.
///
/// Rendered as RFC 5322 `Tue, 01 Apr 2025 09:00:00 +0900` with English day and month names and a
/// numeric zone, computed arithmetically: neither the process's locale nor its `TZ` is consulted.
/// `JST` is not a valid RFC 5322 zone, so zone names are never written.
public struct MailDate: Sendable, Hashable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (fractions are dropped).
    public var secondsSince1970: Int64
    /// The offset from UTC to display, in minutes (`540` for Japan), within ±23:59.
    public var utcOffsetMinutes: Int

    /// Japan Standard Time, `+0900`.
    public static let japanOffsetMinutes = 9 * 60

    /// - Precondition: `utcOffsetMinutes` is within ±1439.
    public init(secondsSince1970: Int64, utcOffsetMinutes: Int = MailDate.japanOffsetMinutes) {
        precondition(abs(utcOffsetMinutes) < 24 * 60, "UTC offset must be within ±23:59")
        self.secondsSince1970 = secondsSince1970
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// The instant `date`, shown at `utcOffsetMinutes` (Japan by default).
    public init(_ date: Date, utcOffsetMinutes: Int = MailDate.japanOffsetMinutes) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)), utcOffsetMinutes: utcOffsetMinutes)
    }

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue, 01 Apr 2025 09:00:00 +0900`.
    public var description: String {
        let local = secondsSince1970 + Int64(utcOffsetMinutes) * 60
        let (days, secondOfDay) = local.floorDivided(by: 86_400)
        let (year, month, day) = MailDate.civil(fromDays: days)
        let weekday = Int((days + 4).floorDivided(by: 7).remainder)  // 1970-01-01 was a Thursday
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        return "\(MailDate.dayNames[weekday]), \(pad(day)) \(MailDate.monthNames[month - 1]) \(pad(Int(year), 4)) "
            + "\(pad(Int(secondOfDay / 3600))):\(pad(Int(secondOfDay / 60 % 60))):\(pad(Int(secondOfDay % 60))) "
            + "\(sign)\(pad(offset / 60))\(pad(offset % 60))"
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Year, month (1–12) and day (1–31) of day number `days` since 1970-01-01 in the proleptic
    /// Gregorian calendar (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097).quotient
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Quotient rounded towards negative infinity and the matching non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = ((self % divisor) + divisor) % divisor
        return ((self - remainder) / divisor, remainder)
    }
}
