import Testing

@testable import ExpressionLanguage

/// CEL duration parsing, formatting, arithmetic and accessors.
@Suite struct TimeSpanTests {
    /// (CEL duration text, total nanoseconds, CEL string form)
    static let parses: [(String, Int64, String)] = [
        ("1h30m", 5_400_000_000_000, "5400s"),
        ("-1h30m", -5_400_000_000_000, "-5400s"),
        ("1.5h", 5_400_000_000_000, "5400s"),
        ("0.3h", 1_080_000_000_000, "1080s"),
        ("2m", 120_000_000_000, "120s"),
        ("-1.5s", -1_500_000_000, "-1.5s"),
        ("+5s", 5_000_000_000, "5s"),
        ("100ms", 100_000_000, "0.1s"),
        ("1us", 1_000, "0.000001s"),
        ("1\u{00B5}s", 1_000, "0.000001s"),  // MICRO SIGN
        ("1\u{03BC}s", 1_000, "0.000001s"),  // GREEK SMALL LETTER MU
        ("1ns", 1, "0.000000001s"),
        ("-1ns", -1, "-0.000000001s"),
        ("0", 0, "0s"),
        ("-0", 0, "0s"),
        ("+0", 0, "0s"),
        ("0s", 0, "0s"),
        ("0.000s", 0, "0s"),
        (".5s", 500_000_000, "0.5s"),
        ("3.s", 3_000_000_000, "3s"),
        ("1h1m1s1ms1us1ns", 3_661_001_001_001, "3661.001001001s"),
        ("1s1s", 2_000_000_000, "2s"),
        ("1000000s", 1_000_000_000_000_000, "1000000s"),
        ("123.321456789s", 123_321_456_789, "123.321456789s"),
        ("1h45m47s", 6_347_000_000_000, "6347s"),
        // Fractions beyond the nanosecond are truncated toward zero, exactly.
        ("1.0000000001s", 1_000_000_000, "1s"),
        ("1.9999999999s", 1_999_999_999, "1.999999999s"),
        ("-1.9999999999s", -1_999_999_999, "-1.999999999s"),
        ("1.5ns", 1, "0.000000001s"),
        ("0.0277777777777777777777778h", 100_000_000_000, "100s"),
        ("0.027777777777777777777h", 99_999_999_999, "99.999999999s"),
        // The range edges: Go's time.Duration.
        ("9223372036.854775807s", .max, "9223372036.854775807s"),
        ("-9223372036.854775808s", .min, "-9223372036.854775808s"),
        ("2562047h47m16.854775807s", .max, "9223372036.854775807s"),
        ("9223372036854775807ns", .max, "9223372036.854775807s"),
    ]

    @Test(arguments: parses)
    func parsesAndFormats(text: String, nanoseconds: Int64, canonical: String) throws {
        let span = try TimeSpan(celText: text)
        #expect(span.totalNanoseconds == nanoseconds)
        #expect(span.celText == canonical)
        #expect(span.description == canonical)
        #expect(try TimeSpan(celText: canonical) == span)
    }

    /// (text, reason)
    static let invalid: [(String, String)] = [
        ("1x", "unknown unit 'x'; use h, m, s, ms, us or ns"),
        ("1d", "unknown unit 'd'; use h, m, s, ms, us or ns"),
        ("1H", "unknown unit 'H'; use h, m, s, ms, us or ns"),
        ("1e3s", "unknown unit 'e'; use h, m, s, ms, us or ns"),
        ("1h 30m", "unknown unit 'h '; use h, m, s, ms, us or ns"),
        (" 1s", "expected a number at ' 1s'"),
        ("1", "missing unit after '1'; use h, m, s, ms, us or ns"),
        ("00", "missing unit after '00'; use h, m, s, ms, us or ns"),
        ("1.5.5s", "missing unit after '1.5'; use h, m, s, ms, us or ns"),
        ("h", "expected a number at 'h'"),
        (".s", "expected a number at '.s'"),
        ("1h-30m", "unknown unit 'h-'; use h, m, s, ms, us or ns"),  // as Go: the unit runs to the next digit
        ("--1s", "expected a number at '-1s'"),
        ("-", "expected a number after the sign"),
        ("", "empty string"),
    ]

    @Test(arguments: invalid)
    func rejectsWithReason(text: String, reason: String) {
        #expect(throws: TimeError.invalidDuration(text, reason: reason)) { try TimeSpan(celText: text) }
    }

    @Test func errorMessage() {
        let error = TimeError.invalidDuration("1x", reason: "unknown unit 'x'; use h, m, s, ms, us or ns")
        #expect(error.description == "invalid duration '1x': unknown unit 'x'; use h, m, s, ms, us or ns")
        #expect(TimeError.durationOutOfRange.description.hasPrefix("duration out of range"))
    }

    @Test(arguments: [
        "9223372036.854775808s", "-9223372036.854775809s", "2562048h", "-2562048h", "320000000000s", "-320000000000s",
        "200000000000s", "315576000000s", "99999999999999999999999999999999999999999h", "9223372036854775808ns",
        "1h9223372036s",
    ])
    func rejectsOutOfRange(text: String) {
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan(celText: text) }
    }

    @Test func buildsFromSecondsAndNanoseconds() throws {
        let mixed = try TimeSpan(seconds: 1, nanoseconds: -1)
        #expect(mixed.seconds == 0 && mixed.nanoseconds == 999_999_999)
        let negative = try TimeSpan(seconds: -2, nanoseconds: 500_000_000)
        #expect(negative.seconds == -1 && negative.nanoseconds == -500_000_000)
        #expect(try TimeSpan(seconds: 0, nanoseconds: 3_000_000_001).celText == "3.000000001s")
        #expect(try TimeSpan(seconds: 9_223_372_036, nanoseconds: 854_775_807) == .maximum)
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan(seconds: 9_223_372_036, nanoseconds: 854_775_808) }
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan(seconds: .max) }
        #expect(TimeSpan(totalNanoseconds: -1_500_000_000).seconds == -1)
        #expect(TimeSpan(totalNanoseconds: -1_500_000_000).nanoseconds == -500_000_000)
        #expect(TimeSpan.zero.celText == "0s")
    }

    /// (a, b, a + b, a - b)
    static let arithmetic: [(String, String, String, String)] = [
        ("600s", "50s", "650s", "550s"),
        ("900s", "42s", "942s", "858s"),
        ("1.5s", "-0.7s", "0.8s", "2.2s"),
        ("-0.5s", "0.2s", "-0.3s", "-0.7s"),
        ("0.999999999s", "1ns", "1s", "0.999999998s"),
        ("-1s", "1ns", "-0.999999999s", "-1.000000001s"),
        ("9223372036.854775806s", "1ns", "9223372036.854775807s", "9223372036.854775805s"),
    ]

    @Test(arguments: arithmetic)
    func addsAndSubtracts(a: String, b: String, sum: String, difference: String) throws {
        let x = try TimeSpan(celText: a)
        let y = try TimeSpan(celText: b)
        #expect(try x.adding(y).celText == sum)
        #expect(try y.adding(x).celText == sum)
        #expect(try x.subtracting(y).celText == difference)
        #expect(try x.subtracting(y) == x.adding(y.negated()))
    }

    @Test func overflowIsAnError() throws {
        let one = TimeSpan(totalNanoseconds: 1)
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan.maximum.adding(one) }
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan.minimum.subtracting(one) }
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan.maximum.subtracting(.minimum) }
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan.minimum.adding(.minimum) }
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan.minimum.negated() }
        #expect(try TimeSpan.maximum.negated().totalNanoseconds == -Int64.max)
        #expect(try TimeSpan.maximum.adding(.minimum).totalNanoseconds == -1)
        // cel-spec duration_range: each operand of ±200000000000s is already out of range.
        #expect(throws: TimeError.durationOutOfRange) { try TimeSpan(celText: "-200000000000s") }
        let big = try TimeSpan(celText: "5000000000s")
        #expect(throws: TimeError.durationOutOfRange) { try big.adding(big) }
        #expect(throws: TimeError.durationOutOfRange) { try big.negated().subtracting(big) }
    }

    /// (text, getHours, getMinutes, getSeconds, getMilliseconds, whole milliseconds)
    static let accessors: [(String, Int64, Int64, Int64, Int64, Int64)] = [
        ("10000s", 2, 166, 10_000, 0, 10_000_000),
        ("3730s", 1, 62, 3_730, 0, 3_730_000),
        ("123.321456789s", 0, 2, 123, 321, 123_321),
        ("-123.321456789s", 0, -2, -123, -321, -123_321),
        ("-5400s", -1, -90, -5_400, 0, -5_400_000),
        ("-3599.5s", 0, -59, -3_599, -500, -3_599_500),
        ("-1.5s", 0, 0, -1, -500, -1_500),
        ("0.0009s", 0, 0, 0, 0, 0),
        ("9223372036.854775807s", 2_562_047, 153_722_867, 9_223_372_036, 854, 9_223_372_036_854),
    ]

    @Test(arguments: accessors)
    func celAccessorsTruncateTowardZero(
        text: String,
        hours: Int64,
        minutes: Int64,
        seconds: Int64,
        milliseconds: Int64,
        wholeMilliseconds: Int64
    ) throws {
        let span = try TimeSpan(celText: text)
        #expect(span.celValue(.getHours) == hours)
        #expect(span.celValue(.getMinutes) == minutes)
        #expect(span.celValue(.getSeconds) == seconds)
        #expect(span.celValue(.getMilliseconds) == milliseconds)
        #expect(span.wholeHours == hours && span.wholeMinutes == minutes && span.wholeSeconds == seconds)
        #expect(span.millisecondsOfSecond == milliseconds)
        #expect(span.wholeMilliseconds == wholeMilliseconds)
    }

    @Test func ordersBySignedLength() throws {
        let sorted = try ["1s", "-1.5s", "-1.2s", "0.1s", "-0.5s", "0", "1ns", "-1ns", "2562047h"].map { text in
            try TimeSpan(celText: text)
        }.sorted()
        #expect(
            sorted.map(\.celText) == [
                "-1.5s", "-1.2s", "-0.5s", "-0.000000001s", "0s", "0.000000001s", "0.1s", "1s", "9223369200s",
            ]
        )
        #expect(try TimeSpan(celText: "1h") == TimeSpan(celText: "3600s"))
        #expect(try TimeSpan(celText: "60m").hashValue == TimeSpan(celText: "1h").hashValue)
    }
}
