// Internal fixed-width helpers for ExactDecimal: power-of-ten tables, digit counting, a
// 256-bit unsigned integer for exact intermediate results, and digit dropping with the
// information every rounding rule needs. Nothing here allocates.

/// 10⁰ … 10¹⁹, every power of ten that fits in a `UInt64`.
@usableFromInline
let decimalPowersOfTen64: [UInt64] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
]

/// 10⁰ … 10³⁸, every power of ten that fits in a `UInt128`.
let decimalPowersOfTen128: [UInt128] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
    100_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000_000_000_000_000,
    1_000_000_000_000_000_000_000_000_000_000_000_000,
    10_000_000_000_000_000_000_000_000_000_000_000_000,
    100_000_000_000_000_000_000_000_000_000_000_000_000,
]

/// The number of decimal digits of `value`; 0 has no digits.
@inline(__always)
func decimalDigitCount(_ value: UInt64) -> Int {
    guard value != 0 else { return 0 }
    // ⌊bits·log₁₀2⌋ is the digit count or one less (1233/4096 ≈ log₁₀2).
    let estimate = ((64 - value.leadingZeroBitCount) &* 1233) &>> 12
    return value >= decimalPowersOfTen64[estimate] ? estimate &+ 1 : estimate
}

/// The number of decimal digits of `value`; 0 has no digits.
@inline(__always)
func decimalDigitCount(_ value: UInt128) -> Int {
    if value >> 64 == 0 { return decimalDigitCount(UInt64(truncatingIfNeeded: value)) }
    let estimate = ((128 - value.leadingZeroBitCount) &* 1233) &>> 12
    return value >= decimalPowersOfTen128[estimate] ? estimate &+ 1 : estimate
}

/// The number of trailing decimal zeros of a non-zero `value`, at most `limit`.
func decimalTrailingZeroCount(_ value: UInt128, limit: Int) -> Int {
    // A factor 10ᵏ needs the factor 2ᵏ, which bounds the search cheaply.
    let bound = min(limit, value.trailingZeroBitCount, 38)
    var count = 0
    var rest = value
    if bound >= 32 {
        let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: decimalPowersOfTen128[32])
        if remainder == 0 {
            rest = quotient
            count = 32
        }
    }
    var step = 16
    while step > 0 {
        if count + step <= bound {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: decimalPowersOfTen64[step])
            if remainder == 0 {
                rest = quotient
                count += step
            }
        }
        step >>= 1
    }
    return count
}

/// How the digits dropped by rounding compare with half a unit of the last kept digit.
enum DecimalDroppedDigits: Equatable {
    /// Nothing non-zero was dropped: the result is exact.
    case zero
    /// Something non-zero, less than half a unit.
    case belowHalf
    /// Exactly half a unit.
    case half
    /// More than half a unit.
    case aboveHalf

    /// Classifies a remainder against the half unit, accounting for non-zero digits that
    /// were dropped even further to the right (`sticky`).
    @inline(__always)
    init<T: BinaryInteger>(remainder: T, half: T, sticky: Bool) {
        if remainder > half {
            self = .aboveHalf
        } else if remainder == half {
            self = sticky ? .aboveHalf : .half
        } else {
            self = remainder == 0 && !sticky ? .zero : .belowHalf
        }
    }
}

/// An unsigned 256-bit integer: just wide enough for the exact product of two 38-digit
/// coefficients (< 10⁷⁶) and for a 38-digit coefficient shifted by up to 38 more places.
struct DecimalUInt256: Equatable, Comparable {
    var high: UInt128
    var low: UInt128

    init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    init(_ low: UInt128) {
        self.init(high: 0, low: low)
    }

    static func product(_ lhs: UInt128, _ rhs: UInt128) -> Self {
        let (high, low) = lhs.multipliedFullWidth(by: rhs)
        return Self(high: high, low: low)
    }

    /// 10ᵏ for 0 ≤ k ≤ 77 (10⁷⁷ < 2²⁵⁶).
    static func powerOfTen(_ exponent: Int) -> Self {
        if exponent <= 38 { return Self(decimalPowersOfTen128[exponent]) }
        return product(decimalPowersOfTen128[exponent - 38], decimalPowersOfTen128[38])
    }

    /// `value × 10ᵏ`; the caller guarantees that the result has at most 77 digits.
    static func shifted(_ value: UInt128, byDecimalPlaces places: Int) -> Self {
        if places <= 38 { return product(value, decimalPowersOfTen128[places]) }
        return product(value * decimalPowersOfTen128[places - 38], decimalPowersOfTen128[38])
    }

    var isZero: Bool { high == 0 && low == 0 }

    var isOdd: Bool { low & 1 == 1 }

    static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }

    /// The wrapping sum; callers stay far below 2²⁵⁶.
    func adding(_ other: Self) -> Self {
        let (low, carry) = low.addingReportingOverflow(other.low)
        return Self(high: high &+ other.high &+ (carry ? 1 : 0), low: low)
    }

    /// The difference; the caller guarantees `self >= other`.
    func subtracting(_ other: Self) -> Self {
        let (low, borrow) = low.subtractingReportingOverflow(other.low)
        return Self(high: high &- other.high &- (borrow ? 1 : 0), low: low)
    }

    func adding(_ small: UInt128) -> Self { adding(Self(small)) }

    var digitCount: Int {
        if high == 0 { return decimalDigitCount(low) }
        let estimate = ((256 - high.leadingZeroBitCount) &* 1233) &>> 12
        return self >= Self.powerOfTen(estimate) ? estimate + 1 : estimate
    }

    /// Division by a 64-bit divisor, one machine division per non-trivial 64-bit word.
    func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: Self, remainder: UInt64) {
        var remainder: UInt64 = 0
        @inline(__always)
        func divide(_ word: UInt64) -> UInt64 {
            // Leading words below the divisor need no division instruction.
            if remainder == 0, word < divisor {
                remainder = word
                return 0
            }
            let (quotient, rest) = divisor.dividingFullWidth((remainder, word))
            remainder = rest
            return quotient
        }
        let word3 = divide(UInt64(truncatingIfNeeded: high >> 64))
        let word2 = divide(UInt64(truncatingIfNeeded: high))
        let word1 = divide(UInt64(truncatingIfNeeded: low >> 64))
        let word0 = divide(UInt64(truncatingIfNeeded: low))
        let quotient = Self(
            high: UInt128(word3) << 64 | UInt128(word2),
            low: UInt128(word1) << 64 | UInt128(word0)
        )
        return (quotient, remainder)
    }

    /// Division by a 128-bit divisor.
    func quotientAndRemainder(dividingBy divisor: UInt128) -> (quotient: Self, remainder: UInt128) {
        if divisor >> 64 == 0 {
            let (quotient, remainder) = quotientAndRemainder(dividingBy: UInt64(truncatingIfNeeded: divisor))
            return (quotient, UInt128(remainder))
        }
        let (quotientHigh, remainderHigh) = high.quotientAndRemainder(dividingBy: divisor)
        let (quotientLow, remainder) = divisor.dividingFullWidth((remainderHigh, low))
        return (Self(high: quotientHigh, low: quotientLow), remainder)
    }

    /// Removes the lowest `count` decimal digits and reports what was removed.
    ///
    /// - Parameters:
    ///   - count: how many digits to drop; any non-negative number (all digits may go).
    ///   - sticky: whether non-zero digits were already dropped further to the right.
    func droppingDecimalDigits(_ count: Int, sticky: Bool) -> (quotient: Self, dropped: DecimalDroppedDigits) {
        guard count > 0 else { return (self, sticky ? .belowHalf : .zero) }
        guard count <= 77 else {
            // self < 10⁷⁷ ≤ 10^(count−1): less than a tenth of the unit.
            return (Self(0), isZero && !sticky ? .zero : .belowHalf)
        }
        var rest = self
        var sticky = sticky
        var remaining = count
        while remaining > 19 {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: decimalPowersOfTen64[19])
            rest = quotient
            sticky = sticky || remainder != 0
            remaining -= 19
        }
        let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: decimalPowersOfTen64[remaining])
        let half = decimalPowersOfTen64[remaining] / 2
        return (quotient, DecimalDroppedDigits(remainder: remainder, half: half, sticky: sticky))
    }
}

extension UInt128 {
    /// Division of a `UInt128` by a 64-bit divisor with two machine divisions.
    @inline(__always)
    func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt128, remainder: UInt64) {
        let high = UInt64(truncatingIfNeeded: self >> 64)
        let low = UInt64(truncatingIfNeeded: self)
        let (quotientHigh, remainderHigh) = high.quotientAndRemainder(dividingBy: divisor)
        let (quotientLow, remainder) = divisor.dividingFullWidth((remainderHigh, low))
        return (UInt128(quotientHigh) << 64 | UInt128(quotientLow), remainder)
    }
}
