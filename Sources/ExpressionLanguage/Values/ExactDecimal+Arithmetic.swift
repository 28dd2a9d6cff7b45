// Arithmetic on ExactDecimal: fast paths for coefficients that fit in an Int64, and exact
// 256-bit slow paths that round half-even to 34 digits only when 38 are not enough.

extension ExactDecimal {
    /// The sum `self + other`.
    ///
    /// Exact when the exact sum has at most 38 significant digits, otherwise rounded
    /// half-even to 34 significant digits: `0.1 + 0.2 == 0.3` exactly, while
    /// `1e30 + 1e-30` rounds to `1e30`.
    ///
    /// - Throws: ``DecimalError/overflow`` if the sum is too large for the exponent range.
    @inlinable
    public func adding(_ other: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        if let x = small, let y = other.small,
            let sum = Self.smallSum(x, scale, y, other.scale, subtracting: false)
        {
            return sum
        }
        return try Self.sumSlowly(self, other, negatingOther: false)
    }

    /// The difference `self − other`, with the precision rules of ``adding(_:)``.
    ///
    /// - Throws: ``DecimalError/overflow`` if the difference is too large for the exponent
    ///   range.
    @inlinable
    public func subtracting(_ other: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        if let x = small, let y = other.small,
            let difference = Self.smallSum(x, scale, y, other.scale, subtracting: true)
        {
            return difference
        }
        return try Self.sumSlowly(self, other, negatingOther: true)
    }

    /// The product `self × other`.
    ///
    /// Exact when the exact product has at most 38 significant digits (always the case
    /// when both coefficients fit in an `Int64`, since 2⁶³ · 2⁶³ < 10³⁸), otherwise rounded
    /// half-even to 34 significant digits. The exact product's scale is the sum of the
    /// scales: `1.50 × 2.0 = 3.000`.
    ///
    /// - Throws: ``DecimalError/overflow`` if the product is too large for the exponent
    ///   range.
    @inlinable
    public func multiplying(by other: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        if let x = small, let y = other.small {
            let productScale = Int(scale) &+ Int(other.scale)
            if productScale >= Int(Int16.min), productScale <= Int(Int16.max) {
                // |x · y| ≤ 2¹²⁶ < 10³⁸, and the full-width halves are exactly our two words.
                let (high, low) = x.multipliedFullWidth(by: y)
                return ExactDecimal(lo: low, hi: high, scale: Int16(truncatingIfNeeded: productScale))
            }
        }
        return try Self.productSlowly(self, other)
    }

    /// The quotient `self ÷ divisor`.
    ///
    /// Exact when the quotient terminates within 38 significant digits, at the scale
    /// closest to `self.scale − divisor.scale` that holds it (`1.00 ÷ 4 = 0.25`,
    /// `100 ÷ 4 = 25`, `0.35 ÷ 1.4 = 0.25`). Otherwise rounded half-even to 34 significant
    /// digits: `1 ÷ 3 = 0.3333333333333333333333333333333333`,
    /// `2 ÷ 3 = 0.6666666666666666666666666666666667`.
    ///
    /// - Throws: ``DecimalError/divisionByZero`` if `divisor` is zero (also for `0 ÷ 0`);
    ///   ``DecimalError/overflow`` if the quotient is too large for the exponent range.
    @inlinable
    public func dividing(by divisor: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try Self.quotient(self, divisor)
    }

    /// The truncated remainder of `self ÷ divisor`: `self − divisor × q` where `q` is the
    /// quotient rounded toward zero, like Swift's `%` on integers and
    /// `truncatingRemainder(dividingBy:)` on floating point.
    ///
    /// The result has the sign of `self` (or is zero), a magnitude below `|divisor|`, and
    /// is always exact: `7.5 % 2 = 1.5`, `-7.5 % 2 = -1.5`, `7.5 % -2 = 1.5`.
    ///
    /// - Complexity: O(1) unless the scales differ by more than 38, then O(difference / 38).
    /// - Throws: ``DecimalError/divisionByZero`` if `divisor` is zero.
    @inlinable
    public func remainder(dividingBy divisor: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try Self.truncatedRemainder(self, divisor)
    }

    /// The value with the opposite sign; never fails, because coefficients are symmetric.
    @inlinable
    public func negated() -> ExactDecimal {
        let (low, borrow) = UInt64(0).subtractingReportingOverflow(lo)
        return ExactDecimal(lo: low, hi: 0 &- hi &- (borrow ? 1 : 0), scale: scale)
    }

    /// The absolute value, at the same scale.
    @inlinable
    public var magnitude: ExactDecimal {
        isNegative ? negated() : self
    }
}

// MARK: - Operators

extension ExactDecimal {
    /// ``adding(_:)`` as an operator: `try a + b`.
    @inlinable
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try lhs.adding(rhs)
    }

    /// ``subtracting(_:)`` as an operator: `try a - b`.
    @inlinable
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try lhs.subtracting(rhs)
    }

    /// ``multiplying(by:)`` as an operator: `try a * b`.
    @inlinable
    public static func * (lhs: ExactDecimal, rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try lhs.multiplying(by: rhs)
    }

    /// ``dividing(by:)`` as an operator: `try a / b`.
    @inlinable
    public static func / (lhs: ExactDecimal, rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try lhs.dividing(by: rhs)
    }

    /// ``remainder(dividingBy:)`` as an operator: `try a % b`.
    @inlinable
    public static func % (lhs: ExactDecimal, rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        try lhs.remainder(dividingBy: rhs)
    }

    /// ``negated()`` as an operator: `-a`.
    @inlinable
    public static prefix func - (operand: ExactDecimal) -> ExactDecimal {
        operand.negated()
    }
}

// MARK: - Rounding to places

extension ExactDecimal {
    /// The value rounded to `places` digits after the decimal point.
    ///
    /// Negative `places` round to tens (−1), hundreds (−2) and so on. A value that already
    /// has at most `places` fractional digits is returned unchanged (no zeros are added).
    /// With the default rule ``RoundingRule/halfUp``, a dropped part of exactly one half
    /// goes away from zero, symmetrically for negative values: 2.345 → 2.35,
    /// −2.345 → −2.35, 2.344 → 2.34, 1250 to places −2 → 1300. See ``RoundingRule`` for
    /// the other rules.
    ///
    /// - Throws: ``DecimalError/overflow`` only when rounding up to a power of ten beyond
    ///   the exponent range, for example `0.1` to places −40000 with ``RoundingRule/up``.
    public func rounded(places: Int, _ rule: RoundingRule = .halfUp) throws(DecimalError) -> ExactDecimal {
        let parts = roundedParts(places: places, rule)
        if !parts.changed { return self }
        return try Self.fitted(negative: isNegative, magnitude: parts.magnitude, scale: parts.scale)
    }

    /// The rounded magnitude and scale without the exponent-range limit.
    ///
    /// `changed` is false when nothing had to be dropped (the result is then `self`);
    /// `exact` is false when non-zero digits were dropped.
    func roundedParts(
        places: Int,
        _ rule: RoundingRule
    ) -> (magnitude: UInt128, scale: Int, changed: Bool, exact: Bool) {
        // Any places beyond ±70 000 behave like ±70 000: everything or nothing is dropped.
        let places = min(max(places, -70_000), 70_000)
        let drop = Int(scale) - places
        let magnitude = magnitudeBits
        guard drop > 0 else { return (magnitude, Int(scale), false, true) }
        let quotient: UInt128
        let dropped: DecimalDroppedDigits
        if drop <= 19, magnitude >> 64 == 0 {
            let small = UInt64(truncatingIfNeeded: magnitude)
            let unit = decimalPowersOfTen64[drop]
            let (smallQuotient, remainder) = small.quotientAndRemainder(dividingBy: unit)
            quotient = UInt128(smallQuotient)
            dropped = DecimalDroppedDigits(remainder: remainder, half: unit / 2, sticky: false)
        } else {
            let result = DecimalUInt256(magnitude).droppingDecimalDigits(drop, sticky: false)
            quotient = result.quotient.low
            dropped = result.dropped
        }
        let up = rule.roundsAwayFromZero(dropped: dropped, lastDigitIsOdd: quotient & 1 == 1, negative: isNegative)
        return (up ? quotient + 1 : quotient, places, true, dropped == .zero)
    }
}

// MARK: - Implementation

extension ExactDecimal {
    /// The fast sum of two `Int64` coefficients whose scales differ by at most 18, or `nil`
    /// when that does not apply or overflows `Int64`.
    ///
    /// Both coefficients are multiplied by a power of ten (one of them by 1), which avoids
    /// a data-dependent branch on which scale is larger.
    @inlinable @inline(__always)
    static func smallSum(_ x: Int64, _ xScale: Int16, _ y: Int64, _ yScale: Int16, subtracting: Bool) -> ExactDecimal? {
        if xScale == yScale {
            let (result, overflow) = subtracting ? x.subtractingReportingOverflow(y) : x.addingReportingOverflow(y)
            return overflow ? nil : ExactDecimal(small: result, scale: xScale)
        }
        let difference = Int(xScale) &- Int(yScale)
        guard difference >= -18, difference <= 18 else { return nil }
        let (xAligned, xOverflow) = x.multipliedReportingOverflow(
            by: Int64(bitPattern: decimalPowersOfTen64[max(-difference, 0)])
        )
        let (yAligned, yOverflow) = y.multipliedReportingOverflow(
            by: Int64(bitPattern: decimalPowersOfTen64[max(difference, 0)])
        )
        let (result, overflow) =
            subtracting
            ? xAligned.subtractingReportingOverflow(yAligned)
            : xAligned.addingReportingOverflow(yAligned)
        if xOverflow || yOverflow || overflow { return nil }
        return ExactDecimal(small: result, scale: max(xScale, yScale))
    }

    /// The general sum: exact in 256 bits when the operands overlap within 76 digits,
    /// otherwise the smaller operand only decides the rounding of the larger one.
    @usableFromInline
    static func sumSlowly(_ lhs: ExactDecimal, _ rhs: ExactDecimal, negatingOther: Bool) throws(DecimalError)
        -> ExactDecimal
    {
        let rhs = negatingOther ? rhs.negated() : rhs
        if rhs.isZero { return lhs }
        if lhs.isZero { return rhs }
        if lhs.scale == rhs.scale {
            let (sum, overflow) = lhs.coefficient.addingReportingOverflow(rhs.coefficient)
            if !overflow, sum.magnitude < decimalPowersOfTen128[38] {
                return ExactDecimal(uncheckedCoefficient: sum, scale: lhs.scale)
            }
        }
        // x is the operand with the smaller scale; it is shifted left to y's scale.
        let (x, y) = lhs.scale <= rhs.scale ? (lhs, rhs) : (rhs, lhs)
        let xMagnitude = x.magnitudeBits
        let yMagnitude = y.magnitudeBits
        let shift = Int(y.scale) - Int(x.scale)
        let xDigits = decimalDigitCount(xMagnitude)
        if xDigits + shift <= 76 {
            let xWide = DecimalUInt256.shifted(xMagnitude, byDecimalPlaces: shift)
            let yWide = DecimalUInt256(yMagnitude)
            let scale = Int(y.scale)
            if x.isNegative == y.isNegative {
                return try normalized(
                    negative: x.isNegative,
                    magnitude: xWide.adding(yWide),
                    scale: scale,
                    sticky: false
                )
            }
            if xWide == yWide { return ExactDecimal(small: 0, scale: y.scale) }
            if xWide > yWide {
                return try normalized(
                    negative: x.isNegative,
                    magnitude: xWide.subtracting(yWide),
                    scale: scale,
                    sticky: false
                )
            }
            return try normalized(
                negative: y.isNegative,
                magnitude: yWide.subtracting(xWide),
                scale: scale,
                sticky: false
            )
        }
        // y's leading digit lies at least 39 places below x's, so |y| is less than one unit
        // of x extended to 38 digits: x ± y is that extension (minus one unit when the
        // signs differ) plus a non-zero fraction of a unit.
        let padding = 38 - xDigits
        var extended = DecimalUInt256.shifted(xMagnitude, byDecimalPlaces: padding)
        if x.isNegative != y.isNegative { extended = extended.subtracting(DecimalUInt256(1)) }
        return try normalized(negative: x.isNegative, magnitude: extended, scale: Int(x.scale) + padding, sticky: true)
    }

    /// The general product, exact in 256 bits before normalisation.
    @usableFromInline
    static func productSlowly(_ lhs: ExactDecimal, _ rhs: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        let product = DecimalUInt256.product(lhs.magnitudeBits, rhs.magnitudeBits)
        return try normalized(
            negative: lhs.isNegative != rhs.isNegative,
            magnitude: product,
            scale: Int(lhs.scale) + Int(rhs.scale),
            sticky: false
        )
    }

    /// Long division in chunks of up to 19 digits, one 128-by-64-bit division per chunk
    /// while the divisor fits in 64 bits.
    ///
    /// The quotient is developed until it terminates (exact, at the scale nearest the
    /// preferred one) or has 38 digits. In the latter case the last four digits and the
    /// non-zero remainder (sticky) decide the half-even rounding to 34 digits without a
    /// further wide division.
    @usableFromInline
    static func quotient(_ dividend: ExactDecimal, _ divisor: ExactDecimal) throws(DecimalError) -> ExactDecimal {
        let divisorMagnitude = divisor.magnitudeBits
        guard divisorMagnitude != 0 else { throw .divisionByZero }
        let preferredScale = Int(dividend.scale) - Int(divisor.scale)
        let dividendMagnitude = dividend.magnitudeBits
        if dividendMagnitude == 0 { return ExactDecimal(small: 0, scale: Int16(clamping: preferredScale)) }
        let negative = dividend.isNegative != divisor.isNegative

        var quotient: UInt128
        var remainder: UInt128
        if dividendMagnitude >> 64 == 0, divisorMagnitude >> 64 == 0 {
            let (smallQuotient, smallRemainder) = UInt64(truncatingIfNeeded: dividendMagnitude)
                .quotientAndRemainder(dividingBy: UInt64(truncatingIfNeeded: divisorMagnitude))
            quotient = UInt128(smallQuotient)
            remainder = UInt128(smallRemainder)
        } else if divisorMagnitude >> 64 == 0 {
            let (wideQuotient, smallRemainder) = dividendMagnitude.quotientAndRemainder(
                dividingBy: UInt64(truncatingIfNeeded: divisorMagnitude)
            )
            quotient = wideQuotient
            remainder = UInt128(smallRemainder)
        } else {
            (quotient, remainder) = dividendMagnitude.quotientAndRemainder(dividingBy: divisorMagnitude)
        }
        if remainder == 0 {
            return try normalized(
                negative: negative,
                magnitude: DecimalUInt256(quotient),
                scale: preferredScale,
                sticky: false
            )
        }

        var digits = decimalDigitCount(quotient)
        var scale = preferredScale
        // Develop the quotient to 38 digits, stopping early if it terminates. Leading zeros of
        // a quotient below 1 do not count as digits.
        while true {
            let step = digits == 0 ? 19 : min(19, 38 - digits)
            let (chunk, rest) = longDivisionStep(remainder, digits: step, divisor: divisorMagnitude)
            if rest == 0 {
                return try exactQuotient(negative: negative, prefix: quotient, chunk: chunk, digits: step, scale: scale)
            }
            remainder = rest
            if digits == 0 || digits + step < 38 {
                quotient = quotient &* UInt128(decimalPowersOfTen64[step]) &+ UInt128(chunk)
                digits = digits == 0 ? decimalDigitCount(chunk) : digits + step
                scale += step
                continue
            }
            // Inexact at 38 digits: round to 34. When the last chunk holds the four dropped
            // digits, they and the sticky remainder decide without another wide division.
            if step >= 4, scale + step - 4 <= Int(Int16.max) {
                let (kept, droppedDigits) = chunk.quotientAndRemainder(dividingBy: 10_000)
                let prefix = quotient &* UInt128(decimalPowersOfTen64[step - 4]) &+ UInt128(kept)
                let dropped = DecimalDroppedDigits(remainder: droppedDigits, half: 5_000, sticky: true)
                let up = RoundingRule.halfEven.roundsAwayFromZero(
                    dropped: dropped,
                    lastDigitIsOdd: prefix & 1 == 1,
                    negative: negative
                )
                return try fitted(negative: negative, magnitude: up ? prefix &+ 1 : prefix, scale: scale + step - 4)
            }
            let extended = quotient &* UInt128(decimalPowersOfTen64[step]) &+ UInt128(chunk)
            return try normalized(
                negative: negative,
                magnitude: DecimalUInt256(extended),
                scale: scale + step,
                sticky: true
            )
        }
    }

    /// The exact quotient `prefix` followed by the `digits`-digit `chunk` (non-zero), at
    /// `scale + digits` less the chunk's trailing zeros, which is the scale closest to the
    /// preferred one.
    @inline(__always)
    private static func exactQuotient(
        negative: Bool,
        prefix: UInt128,
        chunk: UInt64,
        digits: Int,
        scale: Int
    ) throws(DecimalError) -> ExactDecimal {
        // Strip the chunk's trailing zeros (at most 18) with divisions by constants.
        var chunk = chunk
        var width = digits
        if chunk % 10_000_000_000_000_000 == 0 {
            chunk /= 10_000_000_000_000_000
            width -= 16
        }
        if chunk % 100_000_000 == 0 {
            chunk /= 100_000_000
            width -= 8
        }
        if chunk % 10_000 == 0 {
            chunk /= 10_000
            width -= 4
        }
        if chunk % 100 == 0 {
            chunk /= 100
            width -= 2
        }
        if chunk % 10 == 0 {
            chunk /= 10
            width -= 1
        }
        // At most 38 digits: the prefix had 38 − digits or fewer.
        let quotient = prefix &* UInt128(decimalPowersOfTen64[width]) &+ UInt128(chunk)
        if scale + width > Int(Int16.max) {
            return try normalized(
                negative: negative,
                magnitude: DecimalUInt256(quotient),
                scale: scale + width,
                sticky: false
            )
        }
        return try fitted(negative: negative, magnitude: quotient, scale: scale + width)
    }

    /// One step of long division: `(remainder × 10^digits) ÷ divisor`, whose quotient is
    /// below 10^digits because `remainder < divisor`.
    @inline(__always)
    static func longDivisionStep(_ remainder: UInt128, digits: Int, divisor: UInt128) -> (UInt64, UInt128) {
        let unit = decimalPowersOfTen64[digits]
        if divisor >> 64 == 0 {
            let smallDivisor = UInt64(truncatingIfNeeded: divisor)
            let product = UInt64(truncatingIfNeeded: remainder).multipliedFullWidth(by: unit)
            let (chunk, rest) = smallDivisor.dividingFullWidth(product)
            return (chunk, UInt128(rest))
        }
        let product = DecimalUInt256.product(remainder, UInt128(unit))
        let (chunk, rest) = divisor.dividingFullWidth((product.high, product.low))
        return (UInt64(truncatingIfNeeded: chunk), rest)
    }

    /// The exact truncated remainder (see ``remainder(dividingBy:)``).
    @usableFromInline
    static func truncatedRemainder(_ dividend: ExactDecimal, _ divisor: ExactDecimal) throws(DecimalError)
        -> ExactDecimal
    {
        let divisorMagnitude = divisor.magnitudeBits
        guard divisorMagnitude != 0 else { throw .divisionByZero }
        let dividendMagnitude = dividend.magnitudeBits
        if dividendMagnitude == 0 { return ExactDecimal(small: 0, scale: max(dividend.scale, divisor.scale)) }
        if dividend.scale >= divisor.scale {
            // Align the divisor to the dividend's scale; if that makes it longer than the
            // dividend, it is larger and the dividend is its own remainder.
            let shift = Int(dividend.scale) - Int(divisor.scale)
            if decimalDigitCount(divisorMagnitude) + shift > decimalDigitCount(dividendMagnitude) { return dividend }
            let aligned = divisorMagnitude * decimalPowersOfTen128[shift]
            return ExactDecimal(
                negative: dividend.isNegative,
                magnitude: dividendMagnitude % aligned,
                scale: dividend.scale
            )
        }
        // (|a| × 10^shift) mod |b|, reducing after every 38 places so nothing overflows.
        var remainder = dividendMagnitude % divisorMagnitude
        var shift = Int(divisor.scale) - Int(dividend.scale)
        while shift > 0, remainder != 0 {
            let step = min(shift, 38)
            remainder =
                DecimalUInt256.product(remainder, decimalPowersOfTen128[step])
                .quotientAndRemainder(dividingBy: divisorMagnitude).remainder
            shift -= step
        }
        return ExactDecimal(negative: dividend.isNegative, magnitude: remainder, scale: divisor.scale)
    }

    /// Builds `±magnitude × 10^(−scale)` from an exact (or, with `sticky`, truncated)
    /// intermediate result.
    ///
    /// The result is exact when it fits in 38 digits and the scale range. Otherwise it is
    /// rounded half-even to 34 significant digits, or to fewer when the scale would exceed
    /// `Int16.max` (gradual underflow to zero).
    ///
    /// - Parameters:
    ///   - sticky: whether non-zero digits lie beyond `magnitude`; the caller then provides
    ///     at least 35 digits so that rounding is correct.
    static func normalized(negative: Bool, magnitude: DecimalUInt256, scale: Int, sticky: Bool) throws(DecimalError)
        -> ExactDecimal
    {
        let digits = magnitude.digitCount
        let underflow = scale - Int(Int16.max)
        if !sticky, digits <= 38, underflow <= 0 {
            return try fitted(negative: negative, magnitude: magnitude.low, scale: scale)
        }
        assert(!sticky || digits > 34, "too few digits to round a sticky result")
        // Dropping exactDrop digits keeps 38; dropping roundingDrop digits keeps 34. Either
        // may be raised to keep the scale within Int16.
        let exactDrop = max(digits - 38, underflow, 0)
        let roundingDrop = max(digits - 34, underflow, 0)
        var quotient: UInt128
        var dropped: DecimalDroppedDigits
        if roundingDrop <= 19 {
            // One division serves both the exactness test and the rounding.
            let unit = decimalPowersOfTen64[roundingDrop]
            let (wideQuotient, remainder) = magnitude.quotientAndRemainder(dividingBy: unit)
            quotient = wideQuotient.low
            if !sticky {
                let exactUnit = decimalPowersOfTen64[exactDrop]
                if remainder % exactUnit == 0 {
                    let exact = quotient &* UInt128(unit / exactUnit) &+ UInt128(remainder / exactUnit)
                    return try fitted(negative: negative, magnitude: exact, scale: scale - exactDrop)
                }
            }
            dropped = DecimalDroppedDigits(remainder: remainder, half: unit / 2, sticky: sticky)
        } else {
            if !sticky {
                let (exact, exactDropped) = magnitude.droppingDecimalDigits(exactDrop, sticky: false)
                if exactDropped == .zero {
                    return try fitted(negative: negative, magnitude: exact.low, scale: scale - exactDrop)
                }
            }
            let (wideQuotient, wideDropped) = magnitude.droppingDecimalDigits(roundingDrop, sticky: sticky)
            quotient = wideQuotient.low
            dropped = wideDropped
        }
        if RoundingRule.halfEven.roundsAwayFromZero(
            dropped: dropped,
            lastDigitIsOdd: quotient & 1 == 1,
            negative: negative
        ) {
            quotient &+= 1
        }
        return try fitted(negative: negative, magnitude: quotient, scale: scale - roundingDrop)
    }

    /// Exactly `±magnitude × 10^(−scale)` for a magnitude below 10³⁸, moving an
    /// out-of-range scale into range by removing trailing zeros or appending zeros.
    ///
    /// - Throws: ``DecimalError/overflow`` when that is impossible.
    static func fitted(negative: Bool, magnitude: UInt128, scale: Int) throws(DecimalError) -> ExactDecimal {
        guard magnitude != 0 else { return ExactDecimal(small: 0, scale: Int16(clamping: scale)) }
        if scale > Int(Int16.max) {
            let excess = scale - Int(Int16.max)
            guard excess <= 38, decimalTrailingZeroCount(magnitude, limit: excess) == excess else { throw .overflow }
            return ExactDecimal(negative: negative, magnitude: magnitude / decimalPowersOfTen128[excess], scale: .max)
        }
        if scale < Int(Int16.min) {
            let deficit = Int(Int16.min) - scale
            guard decimalDigitCount(magnitude) + deficit <= 38 else { throw .overflow }
            return ExactDecimal(negative: negative, magnitude: magnitude * decimalPowersOfTen128[deficit], scale: .min)
        }
        return ExactDecimal(negative: negative, magnitude: magnitude, scale: Int16(truncatingIfNeeded: scale))
    }
}
