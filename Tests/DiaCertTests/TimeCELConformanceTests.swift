import Testing

@testable import ExpressionLanguage

/// One cel-spec conformance case, evaluated by hand through the value API the interpreter
/// will call. `expected == nil` means the expression must fail with an error.
struct TimeConformanceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let expression: String
    let expected: String?
    let evaluate: @Sendable () throws -> String

    init(_ name: String, _ expression: String, _ expected: String?, _ evaluate: @escaping @Sendable () throws -> String)
    {
        self.name = name
        self.expression = expression
        self.expected = expected
        self.evaluate = evaluate
    }

    var testDescription: String { "\(name): \(expression)" }
}

private func ts(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text) }
private func dur(_ text: String) throws -> TimeSpan { try TimeSpan(celText: text) }
private func tz(_ text: String) throws -> ZoneSpec { try ZoneSpec(text) }

/// The timestamp and duration cases of cel-spec's `timestamps.textproto`, `conversions.json`
/// and `string_ext.json` (from `/work/shared/conformance/cel`, plus the upstream
/// `timestamp_selectors_tz` cases that the local sample leaves out).
@Suite struct TimeCELConformanceTests {
    static let base = "2009-02-13T23:31:30Z"

    static let cases: [TimeConformanceCase] = [
        // timestamp_conversions, duration_conversions
        .init("toInt_timestamp", "int(timestamp('2009-02-13T23:31:30Z'))", "1234567890") { "\(try ts(base).seconds)" },
        .init("toString_timestamp", "string(timestamp('2009-02-13T23:31:30Z'))", "2009-02-13T23:31:30Z") {
            try ts(base).rfc3339
        },
        .init(
            "toString_timestamp_nanos",
            "string(timestamp('9999-12-31T23:59:59.999999999Z'))",
            "9999-12-31T23:59:59.999999999Z"
        ) {
            try ts("9999-12-31T23:59:59.999999999Z").rfc3339
        },
        .init("toString_duration", "string(duration('1000000s'))", "1000000s") { try dur("1000000s").celText },
        .init("identity/duration", "duration(duration('100s')) == duration('100s')", "true") {
            "\(try dur("100s") == dur("100s"))"
        },
        // timestamp_selectors
        .init("getDate", "timestamp('2009-02-13T23:31:30Z').getDate()", "13") { "\(try ts(base).celValue(.getDate))" },
        .init("getDayOfMonth", "….getDayOfMonth()", "12") { "\(try ts(base).celValue(.getDayOfMonth))" },
        .init("getDayOfWeek", "….getDayOfWeek()", "5") { "\(try ts(base).celValue(.getDayOfWeek))" },
        .init("getDayOfYear", "….getDayOfYear()", "43") { "\(try ts(base).celValue(.getDayOfYear))" },
        .init("getFullYear", "….getFullYear()", "2009") { "\(try ts(base).celValue(.getFullYear))" },
        .init("getHours", "….getHours()", "23") { "\(try ts(base).celValue(.getHours))" },
        .init("getMilliseconds", "timestamp('2009-02-13T23:31:20.123456789Z').getMilliseconds()", "123") {
            "\(try ts("2009-02-13T23:31:20.123456789Z").celValue(.getMilliseconds))"
        },
        .init("getMinutes", "….getMinutes()", "31") { "\(try ts(base).celValue(.getMinutes))" },
        .init("getMonth", "….getMonth()", "1") { "\(try ts(base).celValue(.getMonth))" },
        .init("getSeconds", "….getSeconds()", "30") { "\(try ts(base).celValue(.getSeconds))" },
        // timestamp_selectors_tz
        .init("tz/getDate", "….getDate('Australia/Sydney')", "14") {
            "\(try ts(base).celValue(.getDate, in: tz("Australia/Sydney")))"
        },
        .init("tz/getDayOfMonth_name_pos", "….getDayOfMonth('US/Central')", "12") {
            "\(try ts(base).celValue(.getDayOfMonth, in: tz("US/Central")))"
        },
        .init("tz/getDayOfMonth_numerical_pos", "….getDayOfMonth('+11:00')", "13") {
            "\(try ts(base).celValue(.getDayOfMonth, in: tz("+11:00")))"
        },
        .init("tz/getDayOfMonth_numerical_neg", "timestamp('2009-02-13T02:00:00Z').getDayOfMonth('-02:30')", "11") {
            "\(try ts("2009-02-13T02:00:00Z").celValue(.getDayOfMonth, in: tz("-02:30")))"
        },
        .init("tz/getDayOfMonth_name_neg", "timestamp('2009-02-13T02:00:00Z').getDayOfMonth('America/St_Johns')", "11")
        {
            "\(try ts("2009-02-13T02:00:00Z").celValue(.getDayOfMonth, in: tz("America/St_Johns")))"
        },
        .init("tz/getDayOfWeek", "….getDayOfWeek('UTC')", "5") {
            "\(try ts(base).celValue(.getDayOfWeek, in: tz("UTC")))"
        },
        .init("tz/getDayOfYear", "….getDayOfYear('US/Central')", "43") {
            "\(try ts(base).celValue(.getDayOfYear, in: tz("US/Central")))"
        },
        .init("tz/getFullYear", "….getFullYear('-09:30')", "2009") {
            "\(try ts(base).celValue(.getFullYear, in: tz("-09:30")))"
        },
        .init("tz/getHours", "….getHours('02:00')", "1") { "\(try ts(base).celValue(.getHours, in: tz("02:00")))" },
        .init("tz/getMinutes", "….getMinutes('Asia/Kathmandu')", "16") {
            "\(try ts(base).celValue(.getMinutes, in: tz("Asia/Kathmandu")))"
        },
        .init("tz/getMonth", "….getMonth('UTC')", "1") { "\(try ts(base).celValue(.getMonth, in: tz("UTC")))" },
        .init("tz/getSeconds", "….getSeconds('-00:00')", "30") {
            "\(try ts(base).celValue(.getSeconds, in: tz("-00:00")))"
        },
        .init("brief/getHours_LA", "….getHours('America/Los_Angeles')", "15") {
            "\(try ts(base).celValue(.getHours, in: tz("America/Los_Angeles")))"
        },
        // timestamp_equality, duration_equality
        .init("eq_same", "timestamp(…30Z) == timestamp(…30Z)", "true") { "\(try ts(base) == ts(base))" },
        .init("eq_diff", "timestamp(…29Z) == timestamp(…30Z)", "false") {
            "\(try ts("2009-02-13T23:31:29Z") == ts(base))"
        },
        .init("neq_same", "timestamp('1945-05-07T02:41:00Z') != …", "false") {
            "\(try ts("1945-05-07T02:41:00Z") != ts("1945-05-07T02:41:00Z"))"
        },
        .init("neq_diff", "timestamp('2000-01-01T00:00:00Z') != timestamp('2001-01-01T00:00:00Z')", "true") {
            "\(try ts("2000-01-01T00:00:00Z") != ts("2001-01-01T00:00:00Z"))"
        },
        .init("duration eq_same", "duration('123s') == duration('123s')", "true") {
            "\(try dur("123s") == dur("123s"))"
        },
        .init("duration eq_diff", "duration('60s') == duration('3600s')", "false") {
            "\(try dur("60s") == dur("3600s"))"
        },
        .init("duration neq_same", "duration('604800s') != duration('604800s')", "false") {
            "\(try dur("604800s") != dur("604800s"))"
        },
        .init("duration neq_diff", "duration('86400s') != duration('86164s')", "true") {
            "\(try dur("86400s") != dur("86164s"))"
        },
        // timestamp_arithmetic
        .init("add_duration_to_time", "timestamp(…23:00:00Z) + duration('240s') == timestamp(…23:04:00Z)", "true") {
            "\(try ts("2009-02-13T23:00:00Z").adding(dur("240s")) == ts("2009-02-13T23:04:00Z"))"
        },
        .init("add_time_to_duration", "duration('120s') + timestamp(…23:01:00Z) == timestamp(…23:03:00Z)", "true") {
            "\(try ts("2009-02-13T23:01:00Z").adding(dur("120s")) == ts("2009-02-13T23:03:00Z"))"
        },
        .init("add_duration_to_duration", "duration('600s') + duration('50s') == duration('650s')", "true") {
            "\(try dur("600s").adding(dur("50s")) == dur("650s"))"
        },
        .init(
            "add_time_to_duration_nanos_negative",
            "…01.000000001Z + duration('-999999999ns') == …00.000000002Z",
            "true"
        ) {
            let sum = try ts("0001-01-01T00:00:01.000000001Z").adding(dur("-999999999ns"))
            return "\(try sum == ts("0001-01-01T00:00:00.000000002Z"))"
        },
        .init(
            "add_time_to_duration_nanos_positive",
            "…01.999999999Z + duration('999999999ns') == …02.999999998Z",
            "true"
        ) {
            let sum = try ts("0001-01-01T00:00:01.999999999Z").adding(dur("999999999ns"))
            return "\(try sum == ts("0001-01-01T00:00:02.999999998Z"))"
        },
        .init(
            "subtract_duration_from_time",
            "timestamp(…23:10:00Z) - duration('600s') == timestamp(…23:00:00Z)",
            "true"
        ) {
            let difference = try ts("2009-02-13T23:10:00Z").subtracting(dur("600s"))
            return "\(try difference == ts("2009-02-13T23:00:00Z"))"
        },
        .init("subtract_time_from_time", "timestamp(…23:31:00Z) - timestamp(…23:29:00Z) == duration('120s')", "true") {
            "\(try ts("2009-02-13T23:31:00Z").difference(ts("2009-02-13T23:29:00Z")) == dur("120s"))"
        },
        .init("subtract_duration_from_duration", "duration('900s') - duration('42s') == duration('858s')", "true") {
            "\(try dur("900s").subtracting(dur("42s")) == dur("858s"))"
        },
        // comparisons
        .init("leq_timestamp_true", "… <= …", "true") {
            "\(try ts("2009-02-13T23:00:00Z") <= ts("2009-02-13T23:00:00Z"))"
        },
        .init("leq_timestamp_false", "… <= …", "false") {
            "\(try ts("2009-02-13T23:00:00Z") <= ts("2009-02-13T22:59:59Z"))"
        },
        .init("leq_duration_true", "duration('200s') <= duration('200s')", "true") {
            "\(try dur("200s") <= dur("200s"))"
        },
        .init("leq_duration_false", "duration('300s') <= duration('200s')", "false") {
            "\(try dur("300s") <= dur("200s"))"
        },
        .init("less_timestamp_true", "… < …", "true") {
            "\(try ts("2009-02-13T23:00:00Z") < ts("2009-03-13T23:00:00Z"))"
        },
        .init("less_duration_true", "duration('200s') < duration('300s')", "true") {
            "\(try dur("200s") < dur("300s"))"
        },
        .init("geq_timestamp_true", "… >= …", "true") {
            "\(try ts("2009-02-13T23:00:00Z") >= ts("2009-02-13T23:00:00Z"))"
        },
        .init("geq_timestamp_false", "… >= …", "false") {
            "\(try ts("2009-02-13T22:58:00Z") >= ts("2009-02-13T23:00:00Z"))"
        },
        .init("geq_duration_true", "duration('200s') >= duration('200s')", "true") {
            "\(try dur("200s") >= dur("200s"))"
        },
        .init("geq_duration_false", "duration('120s') >= duration('200s')", "false") {
            "\(try dur("120s") >= dur("200s"))"
        },
        .init("greater_timestamp_true", "… > …", "true") {
            "\(try ts("2009-02-13T23:59:00Z") > ts("2009-02-13T23:00:00Z"))"
        },
        .init("greater_duration_true", "duration('300s') > duration('200s')", "true") {
            "\(try dur("300s") > dur("200s"))"
        },
        // duration_converters
        .init("get_hours", "duration('10000s').getHours()", "2") { "\(try dur("10000s").celValue(.getHours))" },
        .init("get_milliseconds", "x.getMilliseconds() with x = 123s + 321456789ns", "321") {
            "\(try TimeSpan(seconds: 123, nanoseconds: 321_456_789).celValue(.getMilliseconds))"
        },
        .init("get_minutes", "duration('3730s').getMinutes()", "62") { "\(try dur("3730s").celValue(.getMinutes))" },
        .init("get_seconds", "duration('3730s').getSeconds()", "3730") { "\(try dur("3730s").celValue(.getSeconds))" },
        // timestamp_range
        .init("from_string_under", "timestamp('0000-01-01T00:00:00Z')", nil) { try ts("0000-01-01T00:00:00Z").rfc3339 },
        .init("from_string_over", "timestamp('10000-01-01T00:00:00Z')", nil) {
            try ts("10000-01-01T00:00:00Z").rfc3339
        },
        .init("from_int_over", "timestamp(253402300800)", nil) { try Timestamp(seconds: 253_402_300_800).rfc3339 },
        .init("add_duration_under", "timestamp('0001-01-01T00:00:00Z') + duration('-1s')", nil) {
            try ts("0001-01-01T00:00:00Z").adding(dur("-1s")).rfc3339
        },
        .init("add_duration_over", "timestamp('9999-12-31T23:59:59Z') + duration('1s')", nil) {
            try ts("9999-12-31T23:59:59Z").adding(dur("1s")).rfc3339
        },
        .init("add_duration_nanos_over", "timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')", nil) {
            try ts("9999-12-31T23:59:59.999999999Z").adding(dur("1ns")).rfc3339
        },
        .init("add_duration_nanos_under", "timestamp('0001-01-01T00:00:00Z') + duration('-1ns')", nil) {
            try ts("0001-01-01T00:00:00Z").adding(dur("-1ns")).rfc3339
        },
        .init("sub_time_duration_over", "timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')", nil) {
            try ts("9999-12-31T23:59:59Z").difference(ts("0001-01-01T00:00:00Z")).celText
        },
        .init("sub_time_duration_under", "timestamp('0001-01-01T00:00:00Z') - timestamp('9999-12-31T23:59:59Z')", nil) {
            try ts("0001-01-01T00:00:00Z").difference(ts("9999-12-31T23:59:59Z")).celText
        },
        // duration_range
        .init("from_string_under", "duration('-320000000000s')", nil) { try dur("-320000000000s").celText },
        .init("from_string_over", "duration('320000000000s')", nil) { try dur("320000000000s").celText },
        .init("add_under", "duration('-200000000000s') + duration('-200000000000s')", nil) {
            try dur("-200000000000s").adding(dur("-200000000000s")).celText
        },
        .init("add_over", "duration('200000000000s') + duration('200000000000s')", nil) {
            try dur("200000000000s").adding(dur("200000000000s")).celText
        },
        .init("sub_under", "duration('-200000000000s') - duration('200000000000s')", nil) {
            try dur("-200000000000s").subtracting(dur("200000000000s")).celText
        },
        .init("sub_over", "duration('200000000000s') - duration('-200000000000s')", nil) {
            try dur("200000000000s").subtracting(dur("-200000000000s")).celText
        },
        // string_ext format (the %s rendering of timestamps and durations)
        .init("format/timestamp", "\"%s\".format([timestamp(\"2023-02-03T23:31:20+00:00\")])", "2023-02-03T23:31:20Z") {
            try ts("2023-02-03T23:31:20+00:00").description
        },
        .init("format/duration", "\"%s\".format([duration(\"1h45m47s\")])", "6347s") {
            try dur("1h45m47s").description
        },
        .init(
            "format/dyn timestamp",
            "\"%s\".format([dyn(timestamp(\"2009-11-10T23:00:00Z\"))])",
            "2009-11-10T23:00:00Z"
        ) {
            try ts("2009-11-10T23:00:00Z").description
        },
        .init("format/dyn duration", "\"%s\".format([dyn(duration(\"8747s\"))])", "8747s") {
            try dur("8747s").description
        },
        .init("format/map value", "duration(\"422s\") inside a map", "422s") { try dur("422s").description },
        .init("not_eq_dyn_timestamp_null", "dyn(timestamp(0)) == null (the conversion)", "1970-01-01T00:00:00Z") {
            try Timestamp(seconds: 0).rfc3339
        },
    ]

    @Test(arguments: cases)
    func conformance(_ testCase: TimeConformanceCase) {
        if let expected = testCase.expected {
            #expect(throws: Never.self) {
                let actual = try testCase.evaluate()
                #expect(actual == expected)
            }
        } else {
            #expect(throws: TimeError.self) { _ = try testCase.evaluate() }
        }
    }

    @Test func rangeErrorsAreRangeErrors() {
        // cel-spec expects the message to mention "range".
        for testCase in Self.cases where testCase.expected == nil {
            do {
                _ = try testCase.evaluate()
                Issue.record("\(testCase.name) did not fail")
            } catch {
                #expect("\(error)".contains("range"), "\(testCase.name): \(error)")
            }
        }
    }
}
