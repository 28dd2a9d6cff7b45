import Testing

import ExpressionLanguage

/// Parses a literal the test knows to be valid.
private func dec(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ExactDecimal {
    try #require(ExactDecimal(text), "\(text) should parse", sourceLocation: sourceLocation)
}

@Suite struct ExactDecimalTests {}

// MARK: - Layout

extension ExactDecimalTests {
    /// Two 64-bit words and an Int16, 8-byte aligned: an Int128 field would force 16.
    @Test func memoryLayoutIsTwoWordsAndAScale() {
        #expect(MemoryLayout<ExactDecimal>.size <= 18)
        #expect(MemoryLayout<ExactDecimal>.alignment == 8)
        #expect(MemoryLayout<ExactDecimal>.stride == 24)
    }

    @Test func coefficientAndScaleRoundTrip() throws {
        let big: Int128 = -99_999_999_999_999_999_999_999_999_999_999_999_999
        let value = try #require(ExactDecimal(coefficient: big, scale: -7))
        #expect(value.coefficient == big)
        #expect(value.scale == -7)
        #expect(ExactDecimal(coefficient: 100_000_000_000_000_000_000_000_000_000_000_000_000, scale: 0) == nil)
        #expect(ExactDecimal(coefficient: -100_000_000_000_000_000_000_000_000_000_000_000_000, scale: 0) == nil)
        #expect(ExactDecimal(Int64.min).coefficient == Int128(Int64.min))
        #expect(ExactDecimal(UInt64.max).coefficient == Int128(UInt64.max))
        #expect(ExactDecimal(-42 as Int).coefficient == -42)
        let literal: ExactDecimal = 1_000
        #expect(literal == ExactDecimal(1_000 as Int64))
    }
}

// MARK: - Parsing

extension ExactDecimalTests {
    @Test(
        arguments: [
            ("123", 123, 0),
            ("-4.5", -45, 1),
            ("+0.25", 25, 2),
            ("1e3", 1, -3),
            ("1.5E-2", 15, 3),
            ("0.000452", 452, 6),
            ("1.05", 105, 2),
            ("1.50", 150, 2),
            ("0", 0, 0),
            ("-0", 0, 0),
            ("0.00", 0, 2),
            ("-0.0", 0, 1),
            ("1e+16", 1, -16),
            ("1e-05", 1, 5),
            ("1.5e300", 15, -299),
            ("9007199254740993", 9_007_199_254_740_993, 0),
        // Around the switch from 64-bit to 128-bit accumulation (19 digits).
        ("1234567890123456789", 1_234_567_890_123_456_789, 0),
        ("12345678901234567891", 12_345_678_901_234_567_891, 0),
        ("10000000000000000001", 10_000_000_000_000_000_001, 0),
        ("1000000000000000000.5", 10_000_000_000_000_000_005, 1),
        ("-100000000000000000000.000", -100_000_000_000_000_000_000_000, 3),
            ("12345678901234567890123456789012345678", 12_345_678_901_234_567_890_123_456_789_012_345_678, 0),
            ("-99999999999999999999999999999999999999", -99_999_999_999_999_999_999_999_999_999_999_999_999, 0),
            ("0.12345678901234567890123456789012345678", 12_345_678_901_234_567_890_123_456_789_012_345_678, 38),
            ("0.000000000000000000000000000000000000000000001", 1, 45),
            // Zeros beyond the 38th digit move into the scale.
            ("10000000000000000000000000000000000000000", 10_000_000_000_000_000_000_000_000_000_000_000_000, -3),
            (
                "1.00000000000000000000000000000000000000000000000000",
                10_000_000_000_000_000_000_000_000_000_000_000_000, 37
            ),
            // The edges of the exponent range.
            ("1e32767", 1, -32767),
            ("1e32768", 1, -32768),
            ("1e32805", 10_000_000_000_000_000_000_000_000_000_000_000_000, -32768),
            ("1e-32767", 1, 32767),
            ("1000e-32770", 1, 32767),
            ("0e99999", 0, -32768),
            ("0E-99999", 0, 32767),
        ] as [(String, Int128, Int16)]
    )
    func parsesExactLiterals(text: String, coefficient: Int128, scale: Int16) throws {
        let value = try #require(ExactDecimal(text))
        #expect(value.coefficient == coefficient)
        #expect(value.scale == scale)
        #expect(ExactDecimal(utf8: Array(text.utf8)) == value)
    }

    @Test(
        arguments: [
            ("", DecimalError.invalidLiteral),
            ("-", .invalidLiteral),
            ("+", .invalidLiteral),
            (".5", .invalidLiteral),
            ("-.5", .invalidLiteral),
            ("5.", .invalidLiteral),
            ("1.e3", .invalidLiteral),
            ("1e", .invalidLiteral),
            ("1e+", .invalidLiteral),
            ("e5", .invalidLiteral),
            ("--1", .invalidLiteral),
            ("+-1", .invalidLiteral),
            (" 1", .invalidLiteral),
            ("1 ", .invalidLiteral),
            ("1\n", .invalidLiteral),
            ("1_000", .invalidLiteral),
            ("1,000", .invalidLiteral),
            ("1..2", .invalidLiteral),
            ("1e3.5", .invalidLiteral),
            ("0x10", .invalidLiteral),
            ("0x1p3", .invalidLiteral),
            ("NaN", .invalidLiteral),
            ("nan", .invalidLiteral),
            ("Infinity", .invalidLiteral),
            ("inf", .invalidLiteral),
            ("-inf", .invalidLiteral),
            ("007", .invalidLiteral),
            ("00.5", .invalidLiteral),
            ("-01", .invalidLiteral),
            ("１２", .invalidLiteral),
            ("١٢", .invalidLiteral),
            ("123456789012345678901234567890123456789", .tooManyDigits),
            ("0.123456789012345678901234567890123456789", .tooManyDigits),
            ("1000000000000000000000000000000000000001", .tooManyDigits),
            ("1e32806", .exponentOutOfRange),
            ("1e-32768", .exponentOutOfRange),
            ("1.5e-32767", .exponentOutOfRange),
            ("1e99999999999999999999", .exponentOutOfRange),
        ] as [(String, DecimalError)]
    )
    func rejectsNonLiterals(text: String, error: DecimalError) {
        #expect(ExactDecimal(text) == nil)
        #expect(ExactDecimal(utf8: Array(text.utf8)) == nil)
        #expect(throws: error) { try ExactDecimal(parsing: text) }
    }

    @Test func parsesFromByteSlicesAndNonContiguousCollections() throws {
        let source = Array("x = 1187.50;".utf8)
        #expect(ExactDecimal(utf8: source[4..<11]) == (try dec("1187.5")))
        #expect(ExactDecimal(utf8: Array("1.05".utf8).lazy.map { $0 }) == (try dec("1.05")))
        #expect(ExactDecimal(utf8: "-0.25".utf8) == (try dec("-0.25")))
        let substring = "total: 42.195 km".dropFirst(7).prefix(6)
        #expect(try ExactDecimal(parsing: substring) == (try dec("42.195")))
        #expect(throws: DecimalError.invalidLiteral) { try ExactDecimal(parsingUTF8: [UInt8]()) }
    }
}

// MARK: - Text output

extension ExactDecimalTests {
    @Test(arguments: [
        ("1187.5", "1187.5"),
        ("100", "100"),
        ("-0.25", "-0.25"),
        ("0.000452", "0.000452"),
        ("1.50", "1.5"),
        ("100.00", "100"),
        ("0.00", "0"),
        ("-0", "0"),
        ("1e3", "1000"),
        ("123.4500e5", "12345000"),
        ("1e30", "1000000000000000000000000000000"),
        ("1e31", "1e+31"),
        ("-1.5e31", "-15000000000000000000000000000000"),
        ("-1.5e32", "-1.5e+32"),
        ("1e-40", "0.0000000000000000000000000000000000000001"),
        ("1e-41", "1e-41"),
        ("-2.5e-41", "-2.5e-41"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("1234567890123456789012345678901234567.8", "1234567890123456789012345678901234567.8"),
        ("1e32767", "1e+32767"),
        ("1e-32767", "1e-32767"),
    ])
    func describesInPlainNotation(text: String, expected: String) throws {
        let value = try dec(text)
        #expect(value.description == expected)
        #expect(ExactDecimal(value.description) == value)
    }

    @Test(
        arguments: [
            ("1187.5", 2, true, "1,187.50"),
            ("1187.5", nil, true, "1,187.5"),
            ("1187.5", nil, false, "1187.5"),
            ("-12345678", nil, true, "-12,345,678"),
            ("-12345678.9", 0, true, "-12,345,679"),
            ("999.995", 2, true, "1,000.00"),
            ("-0.004", 2, false, "0.00"),
            ("0.5", 0, false, "1"),
            ("-0.5", 0, false, "-1"),
            ("2.345", 2, false, "2.35"),
            ("-2.345", 2, false, "-2.35"),
            ("123456", -3, true, "123,000"),
            ("123500", -3, false, "124000"),
            ("1e3", 2, true, "1,000.00"),
            ("0.000452", 6, false, "0.000452"),
            ("0.000452", 8, false, "0.00045200"),
            ("0.000452", nil, false, "0.000452"),
            ("0", 2, true, "0.00"),
            ("0.00", nil, true, "0"),
            ("100", nil, true, "100"),
            ("1000", nil, true, "1,000"),
            ("100000", nil, true, "100,000"),
            ("1e9", nil, true, "1,000,000,000"),
            ("12.3456", 3, false, "12.346"),
            ("1e31", nil, false, "10000000000000000000000000000000"),
            ("-1e-41", nil, false, "-0.00000000000000000000000000000000000000001"),
        ] as [(String, Int?, Bool, String)]
    )
    func formatsForPeople(text: String, places: Int?, grouping: Bool, expected: String) throws {
        #expect(try dec(text).formatted(places: places, grouping: grouping) == expected)
    }
}

// MARK: - Arithmetic

extension ExactDecimalTests {
    /// The acceptance case: a 25 % reduction computed from 1.4 and 1.05 is exactly 25.
    @Test func reductionPercentageIsExactlyTwentyFive() throws {
        let base = try dec("1.4")
        let current = try dec("1.05")
        let reduction = try (base - current) / base * 100
        #expect(reduction >= 25)
        #expect(reduction == 25)
        #expect(reduction.description == "25")
        #expect(try base.subtracting(current).dividing(by: base).multiplying(by: 100).compare(toInt64: 25) == .equal)
    }

    @Test func tenthsAddExactly() throws {
        #expect(try dec("0.1") + dec("0.2") == dec("0.3"))
        #expect(try (dec("0.1") + dec("0.2")).description == "0.3")
    }

    /// 1/3 rounds to 34 digits, so multiplying back by 3 gives 34 nines, not 1.
    @Test func oneThirdTimesThreeIsNotOne() throws {
        let third = try ExactDecimal(1 as Int64) / 3
        #expect(third.description == "0.3333333333333333333333333333333333")
        let back = try third * 3
        #expect(back.description == "0.9999999999999999999999999999999999")
        #expect(back != 1)
        #expect(back < 1)
    }

    @Test func representativeRuleComputations() throws {
        #expect(try (dec("1187.5") / 1674).description == "0.7093787335722819593787335722819594")
        let emissions = try dec("12345.678") * dec("0.000452")
        #expect(emissions.coefficient == 5_580_246_456)
        #expect(emissions.scale == 9)
        #expect(emissions == (try dec("5.580246456")))
        #expect(try ExactDecimal(999_999_999_999 as Int64) * 100 == ExactDecimal(99_999_999_999_900 as Int64))
        #expect(try (dec("1234567.89") * dec("0.000452")).description == "558.02468628")
        #expect(try (ExactDecimal(1 as Int64) / dec("0.000452")).description == "2212.389380530973451327433628318584")
    }

    @Test func exactResultsKeepTheirNaturalScale() throws {
        let product = try dec("1.50") * dec("2.0")
        #expect(product.coefficient == 3_000)
        #expect(product.scale == 3)
        let quarter = try dec("1.00") / 4
        #expect(quarter.coefficient == 25)
        #expect(quarter.scale == 2)
        let whole = try ExactDecimal(100 as Int64) / 4
        #expect(whole.coefficient == 25)
        #expect(whole.scale == 0)
        let thousand = try dec("1e3") / 1
        #expect(thousand.coefficient == 1)
        #expect(thousand.scale == -3)
        let sum = try dec("1.5") + dec("2.25")
        #expect(sum.coefficient == 375)
        #expect(sum.scale == 2)
    }

    @Test(arguments: [
        // Exact: 39 digits with a trailing zero still fit in 38.
        ("99999999999999999999999999999999999999", "1", "add", "1e38"),
        // Inexact: 39 significant digits round to 34.
        ("99999999999999999999999999999999999999", "2", "add", "1.000000000000000000000000000000000e38"),
        ("12345678901234567890123456789012345678", "0.5", "add", "1.234567890123456789012345678901235e37"),
        ("1e30", "1e-30", "add", "1e30"),
        ("1e30", "1e-30", "subtract", "1e30"),
        ("1e30", "-1e-30", "add", "1e30"),
        ("1", "1e-40", "subtract", "1"),
        ("12345678901234567890123456789012345678", "1e-60", "add", "1.234567890123456789012345678901235e37"),
        ("12345678901234567890123456789012345678", "1e-60", "subtract", "1.234567890123456789012345678901235e37"),
        ("10000000000000000000000000000000000000", "1e-60", "subtract", "1e37"),
        // The far smaller operand still decides: just below or just above a half.
        ("12345678901234567890123456789012335000", "1e-60", "subtract", "1.234567890123456789012345678901233e37"),
        ("12345678901234567890123456789012335000", "1e-60", "add", "1.234567890123456789012345678901234e37"),
        ("12345678901234567890123456789012335000", "0", "add", "12345678901234567890123456789012335000"),
        ("9999999999999999999", "9999999999999999999", "multiply", "99999999999999999980000000000000000001"),
        ("12345678901234567890", "98765432109876543210", "multiply", "1.2193263113702179522374638011112635269e39"),
        (
            "12345678901234567890123456789012345678", "87654321098765432109876543210987654321", "multiply",
            "1.082152102591068421507392163275568e75"
        ),
        ("-9223372036854775808", "-9223372036854775808", "multiply", "85070591730234615865843651857942052864"),
        ("1.1", "1.1", "multiply", "1.21"),
    ])
    func roundsHalfEvenToThirtyFourDigitsOnlyBeyondThirtyEight(
        lhs: String,
        rhs: String,
        operation: String,
        expected: String
    )
        throws
    {
        let a = try dec(lhs)
        let b = try dec(rhs)
        let result: ExactDecimal
        switch operation {
        case "add": result = try a + b
        case "subtract": result = try a - b
        default: result = try a * b
        }
        #expect(result == (try dec(expected)))
        #expect(String(result.coefficient.magnitude).count <= 38)
    }

    @Test(arguments: [
        ("2", "3", "0.6666666666666666666666666666666667"),
        ("-2", "3", "-0.6666666666666666666666666666666667"),
        ("2", "-3", "-0.6666666666666666666666666666666667"),
        ("1", "7", "0.1428571428571428571428571428571429"),
        ("10", "3", "3.333333333333333333333333333333333"),
        ("1e-30", "3", "3.333333333333333333333333333333333e-31"),
        ("12345678901234567890123456789012345678", "7", "1.763668414462081127160493827001764e36"),
        ("1187.5", "1674", "0.7093787335722819593787335722819594"),
        // Exact quotients, including ones that need all 38 digits.
        ("12345678901234567890123456789012345679", "2", "6172839450617283945061728394506172839.5"),
        ("1", "1024", "0.0009765625"),
        ("1", "1099511627776", "9.094947017729282379150390625e-13"),
        ("0.35", "1.4", "0.25"),
        ("-7.5", "2.5", "-3"),
        ("12345678901234567890123456789012345678", "1", "12345678901234567890123456789012345678"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678", "1"),
        ("1", "123456789012345678901234567890", "8.100000072900000663390006036857155e-30"),
        ("0", "-5", "0"),
    ])
    func dividesExactlyOrToThirtyFourDigits(lhs: String, rhs: String, expected: String) throws {
        let quotient = try dec(lhs) / dec(rhs)
        #expect(quotient == (try dec(expected)))
        #expect(quotient.description == (try dec(expected)).description)
    }

    @Test func divisionRoundsAtTheThirtyFourthDigit() throws {
        let twoThirds = try ExactDecimal(2 as Int64) / 3
        #expect(twoThirds.coefficient == 6_666_666_666_666_666_666_666_666_666_666_667)
        #expect(twoThirds.scale == 34)
        #expect(String(twoThirds.coefficient).count == 34)
    }

    @Test func divisionByZeroThrows() throws {
        #expect(throws: DecimalError.divisionByZero) { try ExactDecimal(1 as Int64) / 0 }
        #expect(throws: DecimalError.divisionByZero) { try ExactDecimal(0 as Int64) / 0 }
        #expect(throws: DecimalError.divisionByZero) { try dec("1.5") / dec("0.00") }
        #expect(throws: DecimalError.divisionByZero) { try dec("1.5") % dec("-0.0") }
        #expect(throws: DecimalError.divisionByZero) { try ExactDecimal(0 as Int64) % 0 }
    }

    @Test func overflowOnlyBeyondTheExponentRange() throws {
        let largest = try #require(
            ExactDecimal(coefficient: 99_999_999_999_999_999_999_999_999_999_999_999_999, scale: .min)
        )
        #expect(throws: DecimalError.overflow) { try largest * 10 }
        #expect(throws: DecimalError.overflow) { try largest + largest }
        #expect(throws: DecimalError.overflow) { try largest / dec("0.1") }
        #expect(throws: DecimalError.overflow) { try dec("1e32000") * dec("1e32000") }
        #expect(throws: DecimalError.overflow) { try dec("1e32767") / dec("1e-32767") }
        #expect(throws: DecimalError.overflow) { try dec("1e32767") * dec("1e39") }
        #expect(try dec("1e32767") * dec("1e38") == (try dec("1e32805")))
        #expect(try dec("1e30000") * dec("1e2000") == (try dec("1e32000")))
        #expect(try largest - largest == 0)
        #expect(try dec("1e32767") + 1 == (try dec("1e32767")))
        // An inexact result is rounded to 34 digits, which can carry past the largest value.
        #expect(throws: DecimalError.overflow) { try largest + 1 }
    }

    /// Below 10^−32767 digits are lost gradually (half-even) until the value becomes zero.
    @Test func underflowRoundsTowardZeroGradually() throws {
        let tiniest = try dec("1e-32767")
        #expect(try tiniest * dec("0.1") == 0)
        #expect(try tiniest / 2 == 0)
        #expect(try dec("3e-32767") / 2 == (try dec("2e-32767")))
        #expect(try dec("12345e-32767") * dec("0.01") == (try dec("123e-32767")))
        #expect(try dec("12355e-32767") * dec("0.01") == (try dec("124e-32767")))
        #expect(try tiniest * tiniest == 0)
        #expect(try (tiniest - tiniest).isZero)
    }

    @Test(arguments: [
        ("7.5", "2", "1.5"),
        ("-7.5", "2", "-1.5"),
        ("7.5", "-2", "1.5"),
        ("-7.5", "-2", "-1.5"),
        ("7", "7", "0"),
        ("10", "0.3", "0.1"),
        ("1e30", "7", "1"),
        ("1", "1e-30", "0"),
        ("123.456", "1e-40", "0"),
        ("1e40", "0.7", "0.5"),
        ("5", "1e40", "5"),
        ("-5", "1e40", "-5"),
        ("0.001", "1000", "0.001"),
        ("12345678901234567890123456789012345678", "9", "0"),
        ("12345678901234567890123456789012345678", "1e-32767", "0"),
        ("1e32767", "3", "1"),
    ])
    func remainderIsTruncatedAndExact(lhs: String, rhs: String, expected: String) throws {
        let remainder = try dec(lhs) % dec(rhs)
        #expect(remainder == (try dec(expected)))
    }

    @Test func negationAndMagnitude() throws {
        let largest: Int128 = 99_999_999_999_999_999_999_999_999_999_999_999_999
        let big = try #require(ExactDecimal(coefficient: largest, scale: 3))
        #expect((-big).coefficient == -largest)
        #expect((-(-big)) == big)
        #expect((-big).magnitude == big)
        #expect(try dec("-2.50").magnitude.description == "2.5")
        #expect(try dec("-2.50").magnitude.scale == 2)
        #expect((-ExactDecimal.zero).isZero)
        #expect(ExactDecimal(Int64.min).negated().coefficient == -Int128(Int64.min))
        #expect(try dec("-3").signum == -1)
        #expect(try dec("0.000").signum == 0)
        #expect(try dec("3e-40").signum == 1)
    }
}

// MARK: - Rounding

extension ExactDecimalTests {
    @Test(
        arguments: [
            // halfUp: an exact half goes away from zero.
            ("2.345", 2, ExactDecimal.RoundingRule.halfUp, "2.35"),
            ("-2.345", 2, .halfUp, "-2.35"),
            ("2.344", 2, .halfUp, "2.34"),
            ("-2.344", 2, .halfUp, "-2.34"),
            ("2.5", 0, .halfUp, "3"),
            ("-2.5", 0, .halfUp, "-3"),
            ("0.5", 0, .halfUp, "1"),
            ("0.4999999999999999999999999999999999999", 0, .halfUp, "0"),
            ("2.35", 1, .halfUp, "2.4"),
            ("9.995", 2, .halfUp, "10"),
            ("1250", -2, .halfUp, "1300"),
            ("1249", -2, .halfUp, "1200"),
            ("-1250", -2, .halfUp, "-1300"),
            ("0.004", 2, .halfUp, "0"),
            // halfEven: an exact half goes to the even neighbour.
            ("2.345", 2, .halfEven, "2.34"),
            ("2.355", 2, .halfEven, "2.36"),
            ("2.3451", 2, .halfEven, "2.35"),
            ("2.5", 0, .halfEven, "2"),
            ("3.5", 0, .halfEven, "4"),
            ("-2.5", 0, .halfEven, "-2"),
            ("-3.5", 0, .halfEven, "-4"),
            ("1250", -2, .halfEven, "1200"),
            ("1350", -2, .halfEven, "1400"),
            // towardZero: truncate.
            ("2.349", 2, .towardZero, "2.34"),
            ("-2.349", 2, .towardZero, "-2.34"),
            ("1299", -2, .towardZero, "1200"),
            ("-0.999", 0, .towardZero, "0"),
            // up: away from zero when anything is dropped.
            ("2.341", 2, .up, "2.35"),
            ("-2.341", 2, .up, "-2.35"),
            ("2.340", 2, .up, "2.34"),
            ("1201", -2, .up, "1300"),
            ("0.004", 2, .up, "0.01"),
            ("0.0000000000000000000000000000000000000001", 0, .up, "1"),
            // floor and ceiling.
            ("2.349", 2, .floor, "2.34"),
            ("-2.341", 2, .floor, "-2.35"),
            ("-2.340", 2, .floor, "-2.34"),
            ("2.341", 2, .ceiling, "2.35"),
            ("-2.349", 2, .ceiling, "-2.34"),
            ("-0.001", 0, .ceiling, "0"),
            ("0.001", 0, .floor, "0"),
            // A carry through all 38 digits.
            ("9999999999999999999999999999999999999.9", 0, .halfUp, "10000000000000000000000000000000000000"),
            // Nothing to drop: unchanged.
            ("2.5", 3, .halfUp, "2.5"),
            ("1e5", -2, .up, "100000"),
        ] as [(String, Int, ExactDecimal.RoundingRule, String)]
    )
    func roundsToPlaces(text: String, places: Int, rule: ExactDecimal.RoundingRule, expected: String) throws {
        let value = try dec(text)
        let rounded = try value.rounded(places: places, rule)
        #expect(rounded == (try dec(expected)))
        #expect(rounded.scale == min(Int16(clamping: places), value.scale))
    }

    @Test func halfUpIsTheDefaultRule() throws {
        #expect(try dec("2.345").rounded(places: 2) == (try dec("2.35")))
        #expect(try dec("-2.345").rounded(places: 2) == (try dec("-2.35")))
        let rounded = try dec("2.345").rounded(places: 2)
        #expect(rounded.scale == 2)
    }

    @Test func roundingFarBeyondTheExponentRange() throws {
        #expect(throws: DecimalError.overflow) { try dec("0.1").rounded(places: -40_000, .up) }
        #expect(throws: DecimalError.overflow) { try dec("0.1").rounded(places: .min, .ceiling) }
        #expect(try dec("0.1").rounded(places: -40_000, .halfUp) == 0)
        #expect(try dec("-0.1").rounded(places: .min, .ceiling) == 0)
        #expect(try dec("0.1").rounded(places: .max, .up) == (try dec("0.1")))
        #expect(try dec("5e32767").rounded(places: -32768) == (try dec("1e32768")))
    }
}

// MARK: - Equality, hashing and ordering

extension ExactDecimalTests {
    @Test func equalityAndHashingAreNumeric() throws {
        let ones: Set<ExactDecimal> = try [dec("1"), dec("1.0"), dec("1.00"), dec("1e0"), dec("0.1e1"), 1]
        #expect(ones.count == 1)
        let zeros: Set<ExactDecimal> = try [dec("0"), dec("0.00"), dec("0e5"), dec("-0"), .zero]
        #expect(zeros.count == 1)
        #expect(try dec("100") == dec("1e2"))
        #expect(try dec("100").hashValue == dec("1e2").hashValue)
        #expect(try dec("100").hashValue == dec("100.000").hashValue)
        let big = try dec("12345678901234567890123456789")
        let bigRescaled = try dec("12345678901234567890123456789.000000000")
        #expect(big == bigRescaled)
        #expect(big.hashValue == bigRescaled.hashValue)
        #expect(try dec("1e30") == dec("1000000000000000000000000000000"))
        #expect(try dec("1.0") != dec("1.01"))
        #expect(try dec("-1") != dec("1"))
        var table: [ExactDecimal: String] = [try dec("2.5"): "two and a half"]
        #expect(table[try dec("2.50")] == "two and a half")
        table[try dec("2.500")] = "replaced"
        #expect(table.count == 1)
    }

    @Test(arguments: [
        ("1e30", "1e-30", ExactDecimal.Ordering.greater),
        ("-1e30", "1e-30", .less),
        ("-1e30", "-1e-30", .less),
        ("1e32767", "1e-32767", .greater),
        ("0", "-0.00", .equal),
        ("1", "0.99999999999999999999999999999999999999", .greater),
        ("-1", "-0.99", .less),
        ("123", "123.0000001", .less),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345677", .greater),
        ("1e38", "99999999999999999999999999999999999999", .greater),
        ("2.50", "2.5", .equal),
        ("2.5", "2.51", .less),
        ("100", "1e2", .equal),
        ("9223372036854775807", "9223372036854775808", .less),
        ("-9223372036854775808", "-9223372036854775807", .less),
        ("0.1", "0.0999999999999999999999999999999999999", .greater),
        ("1e-30", "0", .greater),
        ("-1e-30", "0", .less),
    ])
    func comparesNumerically(lhs: String, rhs: String, expected: ExactDecimal.Ordering) throws {
        let a = try dec(lhs)
        let b = try dec(rhs)
        #expect(a.compare(b) == expected)
        #expect(b.compare(a) == expected.reversed)
        #expect((a < b) == (expected == .less))
        #expect((a == b) == (expected == .equal))
        #expect((a > b) == (expected == .greater))
    }

    @Test(
        arguments: [
            ("1", Int64(1), ExactDecimal.Ordering.equal),
            ("1.00", 1, .equal),
            ("0.5", 0, .greater),
            ("-0.5", 0, .less),
            ("9223372036854775807", .max, .equal),
            ("9223372036854775808", .max, .greater),
            ("9223372036854775806.99", .max, .less),
            ("-9223372036854775808", .min, .equal),
            ("-9223372036854775808.5", .min, .less),
            ("1e30", .max, .greater),
            ("-1e30", .min, .less),
            ("1e-30", 0, .greater),
            ("1e3", 1_000, .equal),
        ] as [(String, Int64, ExactDecimal.Ordering)]
    )
    func comparesWithInt64(text: String, integer: Int64, expected: ExactDecimal.Ordering) throws {
        #expect(try dec(text).compare(toInt64: integer) == expected)
    }

    @Test(
        arguments: [
            ("18446744073709551615", UInt64.max, ExactDecimal.Ordering.equal),
            ("18446744073709551616", .max, .greater),
            ("18446744073709551614.9", .max, .less),
            ("-1", 0, .less),
            ("1e-30", 0, .greater),
            ("0.000", 0, .equal),
            ("-1e30", .max, .less),
        ] as [(String, UInt64, ExactDecimal.Ordering)]
    )
    func comparesWithUInt64(text: String, integer: UInt64, expected: ExactDecimal.Ordering) throws {
        #expect(try dec(text).compare(toUInt64: integer) == expected)
    }

    /// A double is compared as the exact dyadic rational it holds.
    @Test(
        arguments: [
            ("0.1", 0.1, ExactDecimal.Ordering.less),
            ("0.10000000000000000555111512312578270212", 0.1, .greater),
            ("0.10000000000000000555111512312578270211", 0.1, .less),
            ("0.5", 0.5, .equal),
            ("-0.5", -0.5, .equal),
            ("-0.1", -0.1, .greater),
            ("123.456", 123.456, .less),
            ("1187.5", 1187.5, .equal),
            ("1e308", 1e308, .less),
            ("1.7976931348623157e308", .greatestFiniteMagnitude, .less),
            ("1e400", .greatestFiniteMagnitude, .greater),
            ("1e400", .infinity, .less),
            ("-1e400", -.infinity, .greater),
            ("0", .infinity, .less),
            ("5e-324", .leastNonzeroMagnitude, .greater),
            ("4.9406564584124654e-324", .leastNonzeroMagnitude, .less),
            ("0", -0.0, .equal),
            ("0", .leastNonzeroMagnitude, .less),
            ("1e-400", 0.0, .greater),
            ("1e-400", .leastNonzeroMagnitude, .less),
            ("-1e-400", -0.0, .less),
            ("9007199254740993", 9_007_199_254_740_992.0, .greater),
            ("9223372036854775808", 0x1p63, .equal),
            ("18446744073709551616", 0x1p64, .equal),
            ("-18446744073709551617", -0x1p64, .less),
            ("1", 1.0000000000000002, .less),
            ("2", 1.9999999999999998, .greater),
            ("1", -1, .greater),
        ] as [(String, Double, ExactDecimal.Ordering)]
    )
    func comparesWithDoubleExactly(text: String, double: Double, expected: ExactDecimal.Ordering) throws {
        #expect(try dec(text).compare(toDouble: double) == expected)
    }

    @Test func nanIsUnordered() throws {
        #expect(try dec("0").compare(toDouble: .nan) == nil)
        #expect(try dec("1e400").compare(toDouble: -.nan) == nil)
        #expect(try dec("1").compare(toDouble: .signalingNaN) == nil)
    }
}

// MARK: - Conversions

extension ExactDecimalTests {
    @Test(
        arguments: [
            (0.1, "0.1"),
            (-0.0, "0"),
            (0.0, "0"),
            (1e16, "10000000000000000"),
            (1e-5, "0.00001"),
            (123.456, "123.456"),
            (2.5, "2.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (.leastNonzeroMagnitude, "5e-324"),
            (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
            (0x1p52 + 1, "4503599627370497"),
            (0x1p60, "1152921504606847000"),
            (0x1p63, "9223372036854776000"),
            (-0x1p63, "-9223372036854776000"),
            (1187.5, "1187.5"),
        ] as [(Double, String)]
    )
    func createsFromTheShortestDoubleText(double: Double, expected: String) throws {
        let value = try #require(ExactDecimal(exactly: double))
        #expect(value.description == expected)
        #expect(value.doubleValue == double)
    }

    @Test func rejectsNonFiniteDoubles() {
        #expect(ExactDecimal(exactly: .nan) == nil)
        #expect(ExactDecimal(exactly: .infinity) == nil)
        #expect(ExactDecimal(exactly: -.infinity) == nil)
    }

    @Test(
        arguments: [
            ("0.1", 0.1),
            ("1187.5", 1187.5),
            ("-0.25", -0.25),
            ("0.000452", 0.000452),
            ("12345.678", 12345.678),
            ("123456789012345678901234567890", 1.2345678901234568e+29),
            ("9007199254740993", 9_007_199_254_740_992),
            ("9007199254740995", 9_007_199_254_740_996),
            ("0.3333333333333333333333333333333333", 1.0 / 3.0),
            ("1e400", .infinity),
            ("-1e400", -.infinity),
            ("1e-400", 0),
            ("1e-320", Double("1e-320")!),
            ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("0.00", 0),
        ] as [(String, Double)]
    )
    func convertsToTheNearestDouble(text: String, expected: Double) throws {
        #expect(try dec(text).doubleValue == expected)
    }

    @Test(
        arguments: [
            ("2.7", ExactDecimal.RoundingRule.towardZero, Int64(2)),
            ("-2.7", .towardZero, -2),
            ("2.5", .halfUp, 3),
            ("-2.5", .halfUp, -3),
            ("2.5", .halfEven, 2),
            ("-2.5", .floor, -3),
            ("-2.5", .ceiling, -2),
            ("2.1", .up, 3),
            ("9223372036854775807.4", .halfUp, .max),
            ("-9223372036854775808.9", .towardZero, .min),
            ("1e3", .towardZero, 1_000),
            ("1e-3", .towardZero, 0),
            ("1e-3", .ceiling, 1),
            ("123.000", .towardZero, 123),
        ] as [(String, ExactDecimal.RoundingRule, Int64)]
    )
    func convertsToInt64(text: String, rule: ExactDecimal.RoundingRule, expected: Int64) throws {
        #expect(try dec(text).int64Value(rounding: rule) == expected)
    }

    @Test func int64ConversionFailures() throws {
        #expect(throws: DecimalError.overflow) { try dec("9223372036854775807.5").int64Value(rounding: .halfUp) }
        #expect(throws: DecimalError.overflow) { try dec("9223372036854775808").int64Value() }
        #expect(throws: DecimalError.overflow) { try dec("-9223372036854775809").int64Value() }
        #expect(throws: DecimalError.overflow) { try dec("1e19").int64Value() }
        #expect(throws: DecimalError.overflow) { try dec("1e300").int64Value() }
        #expect(try dec("1.00").exactInt64 == 1)
        #expect(try dec("1e18").exactInt64 == 1_000_000_000_000_000_000)
        #expect(try dec("-0").exactInt64 == 0)
        #expect(try dec("1.5").exactInt64 == nil)
        #expect(try dec("1e19").exactInt64 == nil)
        #expect(try dec("1e-40").exactInt64 == nil)
    }

    @Test func convertsToUInt64() throws {
        #expect(try dec("18446744073709551615").uint64Value() == .max)
        #expect(try dec("18446744073709551615.9").uint64Value() == .max)
        #expect(try dec("-0.5").uint64Value() == 0)
        #expect(try dec("2.5").uint64Value(rounding: .halfUp) == 3)
        #expect(throws: DecimalError.overflow) { try dec("18446744073709551616").uint64Value() }
        #expect(throws: DecimalError.overflow) { try dec("18446744073709551615.5").uint64Value(rounding: .halfUp) }
        #expect(throws: DecimalError.overflow) { try dec("-1").uint64Value() }
        #expect(throws: DecimalError.overflow) { try dec("-0.5").uint64Value(rounding: .floor) }
        #expect(try dec("18446744073709551615.000").exactUInt64 == .max)
        #expect(try dec("-1").exactUInt64 == nil)
        #expect(try dec("0.5").exactUInt64 == nil)
    }

    @Test(arguments: [
        ("1.00", true),
        ("1.5", false),
        ("1e3", true),
        ("0.000", true),
        ("1e-40", false),
        ("1234567890123456789012345678901234567.8", false),
        ("1234567890123456789012345678901234567.0", true),
        ("-42", true),
    ])
    func detectsIntegers(text: String, expected: Bool) throws {
        #expect(try dec(text).isInteger == expected)
    }
}

// MARK: - Properties over seeded random values

/// SplitMix64: a small, seedable generator, so every run checks the same values.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random value with up to `maximumDigits` digits (fewer more often) and a scale in
/// `scales`.
private func randomDecimal(
    _ generator: inout SplitMix64,
    maximumDigits: Int,
    scales: ClosedRange<Int16>
) -> ExactDecimal {
    let digits = Int.random(in: 1...maximumDigits, using: &generator)
    var magnitude: UInt128 = 0
    for _ in 0..<digits { magnitude = magnitude * 10 + UInt128.random(in: 0...9, using: &generator) }
    let coefficient = Bool.random(using: &generator) ? -Int128(magnitude) : Int128(magnitude)
    let scale = Int16.random(in: scales, using: &generator)
    return ExactDecimal(coefficient: coefficient, scale: scale)!
}

extension ExactDecimalTests {
    /// Values of up to 15 digits at scales 0…8: every sum, difference and product is exact.
    @Test func smallValueArithmeticIsExact() throws {
        var generator = SplitMix64(state: 20_250_401)
        for _ in 0..<4_000 {
            let a = randomDecimal(&generator, maximumDigits: 15, scales: 0...8)
            let b = randomDecimal(&generator, maximumDigits: 15, scales: 0...8)
            #expect(try a + b - b == a)
            #expect(try a - b + b == a)
            #expect(try a + b == b + a)
            #expect(try (a - a).isZero)
            let product = try a * b
            #expect(product.scale == a.scale + b.scale)
            #expect(product == (try b * a))
            if !b.isZero {
                #expect(try product / b == a)
            }
            // The sign of an exact difference is the ordering.
            let difference = try a - b
            #expect(difference.signum == orderingSign(a.compare(b)))
        }
    }

    /// Values of up to 38 digits over a wide range of scales, where results may round.
    @Test func wideValueArithmeticIsConsistent() throws {
        var generator = SplitMix64(state: 7_777)
        for _ in 0..<4_000 {
            let a = randomDecimal(&generator, maximumDigits: 38, scales: -60...60)
            let b = randomDecimal(&generator, maximumDigits: 38, scales: -60...60)
            #expect(try a + b == b + a)
            #expect(try a * b == b * a)
            #expect(try (a - a).isZero)
            #expect(try a * 1 == a)
            #expect(try a / 1 == a)
            #expect(try a + 0 == a)
            if !a.isZero {
                #expect(try a / a == 1)
            }
            // Rounding never changes the sign of a difference.
            #expect(try (a - b).signum == orderingSign(a.compare(b)))
            #expect(a.compare(b) == b.compare(a).reversed)
            #expect(try (-a) + a == 0)
            let product = try a * b
            #expect(String(product.coefficient.magnitude).count <= 38)
        }
    }

    /// |r| < |b|, r has the dividend's sign, and (a − r) / b is a whole number.
    @Test func remainderProperties() throws {
        var generator = SplitMix64(state: 31_337)
        for _ in 0..<3_000 {
            let a = randomDecimal(&generator, maximumDigits: 12, scales: -3...6)
            let b = randomDecimal(&generator, maximumDigits: 6, scales: -3...6)
            guard !b.isZero else { continue }
            let r = try a % b
            #expect(r.magnitude < b.magnitude)
            #expect(r.isZero || r.signum == a.signum)
            #expect(try ((a - r) / b).isInteger)
        }
    }

    /// The same number at different scales is equal, hashes alike and compares equal.
    @Test func rescaledValuesAreEqual() throws {
        var generator = SplitMix64(state: 4_242)
        for _ in 0..<3_000 {
            let a = randomDecimal(&generator, maximumDigits: 30, scales: -100...100)
            let extra = Int.random(in: 0...8, using: &generator)
            let pow10 = (0..<extra).reduce(Int128(1)) { power, _ in power * 10 }
            let rescaled = try #require(ExactDecimal(coefficient: a.coefficient * pow10, scale: a.scale + Int16(extra)))
            #expect(a == rescaled)
            #expect(a.hashValue == rescaled.hashValue)
            #expect(a.compare(rescaled) == .equal)
            #expect(a.description == rescaled.description)
        }
    }

    /// description parses back to an equal value, across the whole exponent range.
    @Test func descriptionRoundTrips() throws {
        var generator = SplitMix64(state: 99)
        for _ in 0..<3_000 {
            let a = randomDecimal(&generator, maximumDigits: 38, scales: Int16.min...Int16.max)
            let parsed = try #require(ExactDecimal(a.description))
            #expect(parsed == a)
            #expect(parsed.hashValue == a.hashValue)
            let plain = randomDecimal(&generator, maximumDigits: 20, scales: -5...12)
            #expect(ExactDecimal(plain.formatted()) == plain)
        }
    }

    /// Dyadic rationals are exact in both types, so they compare equal to their doubles;
    /// a nudge of 10^−30 relative (far below a double's precision) is always seen.
    @Test func doubleComparisonAgreesWithExactDyadicValues() throws {
        var generator = SplitMix64(state: 2_718)
        for _ in 0..<3_000 {
            let numerator = Int64.random(in: -(1 << 53)...(1 << 53), using: &generator)
            let shift = Int.random(in: 0...20, using: &generator)
            let double = Double(numerator) / Double(1 << shift)
            let exact = try ExactDecimal(numerator) / ExactDecimal(Int64(1) << shift)
            let nudge = exact.isZero ? try dec("1e-40") : try exact.magnitude * dec("1e-30")
            #expect(exact.compare(toDouble: double) == .equal)
            #expect(try (exact + nudge).compare(toDouble: double) == .greater)
            #expect(try (exact - nudge).compare(toDouble: double) == .less)
        }
    }

    /// Any finite double survives a trip through its shortest decimal text.
    @Test func doublesRoundTripThroughTheirShortestText() throws {
        var generator = SplitMix64(state: 161_803)
        for _ in 0..<3_000 {
            let double = Double(bitPattern: generator.next())
            guard double.isFinite else { continue }
            let value = try #require(ExactDecimal(exactly: double))
            #expect(value.doubleValue == double)
            #expect(value.compare(toDouble: double) != nil)
            #expect(value.compare(toDouble: double.nextUp) == .less)
            #expect(value.compare(toDouble: double.nextDown) == .greater)
        }
    }

    /// Integers convert exactly and compare like integers.
    @Test func int64ValuesRoundTrip() throws {
        var generator = SplitMix64(state: 1)
        for _ in 0..<3_000 {
            let integer = Int64.random(in: .min ... .max, using: &generator)
            let value = ExactDecimal(integer)
            #expect(value.exactInt64 == integer)
            #expect(value.compare(toInt64: integer) == .equal)
            if integer < .max { #expect(value.compare(toInt64: integer + 1) == .less) }
            let scaled = try value / 1_000
            #expect(scaled.compare(toInt64: integer / 1_000) == orderingOf(integer % 1_000, 0))
        }
    }
}

private func orderingSign(_ ordering: ExactDecimal.Ordering) -> Int {
    switch ordering {
    case .less: -1
    case .equal: 0
    case .greater: 1
    }
}

private func orderingOf(_ lhs: Int64, _ rhs: Int64) -> ExactDecimal.Ordering {
    lhs < rhs ? .less : (lhs == rhs ? .equal : .greater)
}
