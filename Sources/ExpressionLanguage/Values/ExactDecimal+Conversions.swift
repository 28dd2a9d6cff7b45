// Conversions between ExactDecimal and the language's other numbers (Int64, UInt64, Double),
// and exact comparisons with them.

// MARK: - Double

/// 10⁰ … 10²², every power of ten a `Double` holds exactly.
private let exactDoublePowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// `double` as an `Int64` if it is a whole number in range, else `nil`.
///
/// Bit inspection rather than `Int64(exactly:)` or `rounded()`, which call libm, and this
/// module does not link it.
private func wholeInt64(_ double: Double) -> Int64? {
    guard double.isFinite, double.magnitude < 0x1p63 else { return nil }
    if double == 0 { return 0 }
    let exponent = Int(double.exponent)
    guard exponent >= 0 else { return nil }
    if exponent < 52 {
        let fractionBits = UInt64(52 - exponent)
        guard double.significandBitPattern & ((1 << fractionBits) - 1) == 0 else { return nil }
    }
    return Int64(double)
}

extension ExactDecimal {
    /// Creates the decimal that `double`'s shortest round-trip representation denotes, or
    /// `nil` for NaN and ±infinity.
    ///
    /// The shortest representation is the text Swift prints for the double (`0.1`, not the
    /// binary value 0.1000000000000000055511151231257827…), so `ExactDecimal(exactly: 0.1)`
    /// equals `ExactDecimal("0.1")`. "Exactly" refers to that text: the result is the
    /// decimal a person wrote, which is what a double read from JSON or YAML meant.
    /// −0.0 becomes 0.
    public init?(exactly double: Double) {
        guard double.isFinite else { return nil }
        // Below 2⁵³ every integer is a double, so an integral double's shortest text is the
        // integer itself; beyond, it may be shorter (2⁶⁰ prints as 1.152921504606847e+18).
        if double.magnitude < 0x1p53, let integer = wholeInt64(double) {
            self.init(integer)
            return
        }
        // Double.description is the shortest round-trip text, e.g. "1e-05" or "1.5e+300".
        guard let value = ExactDecimal(double.description) else { return nil }
        self = value
    }

    /// The nearest `Double`, correctly rounded (ties to even); ±infinity beyond the double
    /// range and ±0 below it.
    public var doubleValue: Double {
        let magnitude = magnitudeBits
        let scale = Int(scale)
        if magnitude <= 1 << 53, scale >= -22, scale <= 22 {
            // Both operands are exact doubles, so one IEEE operation rounds correctly.
            let significand = Double(UInt64(truncatingIfNeeded: magnitude))
            let value =
                scale >= 0
                ? significand / exactDoublePowersOfTen[scale]
                : significand * exactDoublePowersOfTen[-scale]
            return isNegative ? -value : value
        }
        // The C library's strtod rounds correctly.
        return Double("\(coefficient)e\(-scale)") ?? .nan
    }

    /// Compares with `other` exactly, treating the double as the dyadic rational it is.
    ///
    /// Decimal 0.5 equals double 0.5, but decimal 0.1 is *less* than double 0.1 (which is
    /// 0.1000000000000000055511151231257827…). Every decimal is below +infinity and above
    /// −infinity; −0.0 equals 0.
    ///
    /// - Returns: the ordering of `self` relative to `other`, or `nil` if `other` is NaN
    ///   (unordered).
    public func compare(toDouble other: Double) -> Ordering? {
        if other.isNaN { return nil }
        if other.isInfinite { return other < 0 ? .greater : .less }
        let otherSign = other == 0 ? 0 : (other < 0 ? -1 : 1)
        let sign = signum
        if sign != otherSign { return sign < otherSign ? .less : .greater }
        if sign == 0 { return .equal }
        if let integer = wholeInt64(other) {
            return compare(toInt64: integer)
        }
        // Correct rounding is monotonic: if the rounded value differs, it is on the same
        // side as the exact value.
        let rounded = doubleValue
        if rounded != other { return rounded < other ? .less : .greater }
        let order = Self.compareMagnitudeExactly(magnitudeBits, scale: Int(scale), other.magnitude)
        return sign > 0 ? order : order.reversed
    }

    /// Compares `magnitude × 10^(−scale)` with a positive finite double that is its
    /// correctly rounded value, using integers of up to 2 560 bits on the stack.
    ///
    /// With `double = m × 2^e`, the comparison `c × 10^(−s)` vs `m × 2^e` becomes
    /// `c × 5^max(0,−s) × 2^max(0,−(e+s))` vs `m × 5^max(0,s) × 2^max(0,e+s)`.
    private static func compareMagnitudeExactly(_ magnitude: UInt128, scale: Int, _ double: Double) -> Ordering {
        // A decimal within half an ulp of a finite double has |scale| ≤ 362, which bounds
        // every product below 2 000 bits.
        precondition(scale >= -400 && scale <= 400, "decimal not near its rounded double")
        let significand: UInt64
        let exponent: Int
        if double.exponentBitPattern == 0 {
            significand = double.significandBitPattern
            exponent = -1074
        } else {
            significand = double.significandBitPattern | 1 << 52
            exponent = Int(double.exponentBitPattern) - 1075
        }
        var left = StackBigUInt(magnitude)
        var right = StackBigUInt(UInt128(significand))
        if scale < 0 {
            left.multiply(byPowerOfFive: -scale)
        } else {
            right.multiply(byPowerOfFive: scale)
        }
        let twos = exponent + scale
        if twos > 0 {
            right.shiftLeft(by: twos)
        } else {
            left.shiftLeft(by: -twos)
        }
        return left.compare(right)
    }
}

/// A fixed-capacity unsigned integer in 40 stack-allocated words, for the exact comparison
/// of a decimal with a double.
private struct StackBigUInt {
    private var words = InlineArray<40, UInt64>(repeating: 0)
    private var count: Int

    init(_ value: UInt128) {
        count = value >> 64 != 0 ? 2 : (value != 0 ? 1 : 0)
        words[0] = UInt64(truncatingIfNeeded: value)
        words[1] = UInt64(truncatingIfNeeded: value >> 64)
    }

    mutating func multiply(by factor: UInt64) {
        var carry: UInt64 = 0
        for index in 0..<count {
            let (high, low) = words[index].multipliedFullWidth(by: factor)
            let (sum, overflow) = low.addingReportingOverflow(carry)
            words[index] = sum
            carry = high &+ (overflow ? 1 : 0)
        }
        if carry != 0 {
            precondition(count < words.count, "StackBigUInt overflow")
            words[count] = carry
            count += 1
        }
    }

    mutating func multiply(byPowerOfFive exponent: Int) {
        // 5²⁷ is the largest power of five below 2⁶⁴.
        var remaining = exponent
        while remaining >= 27 {
            multiply(by: 7_450_580_596_923_828_125)
            remaining -= 27
        }
        var factor: UInt64 = 1
        for _ in 0..<remaining { factor *= 5 }
        multiply(by: factor)
    }

    mutating func shiftLeft(by bits: Int) {
        guard count > 0, bits > 0 else { return }
        let wordShift = bits / 64
        let bitShift = bits % 64
        let newCount = count + wordShift + 1
        precondition(newCount <= words.count, "StackBigUInt overflow")
        // From the top down, so every source word is read before it is overwritten.
        var index = newCount - 1
        while index >= 0 {
            let source = index - wordShift
            var word: UInt64 = 0
            if source >= 0, source < count { word = words[source] << bitShift }
            if bitShift > 0, source >= 1, source - 1 < count { word |= words[source - 1] >> (64 - bitShift) }
            words[index] = word
            index -= 1
        }
        count = newCount
        while count > 0, words[count - 1] == 0 { count -= 1 }
    }

    func compare(_ other: StackBigUInt) -> ExactDecimal.Ordering {
        if count != other.count { return count < other.count ? .less : .greater }
        var index = count - 1
        while index >= 0 {
            if words[index] != other.words[index] { return words[index] < other.words[index] ? .less : .greater }
            index -= 1
        }
        return .equal
    }
}

// MARK: - Integers

extension ExactDecimal {
    /// The value rounded to an integer with `rule` (truncation by default), as an `Int64`.
    ///
    /// - Throws: ``DecimalError/overflow`` if the rounded value is outside `Int64`'s range.
    public func int64Value(rounding rule: RoundingRule = .towardZero) throws(DecimalError) -> Int64 {
        if scale == 0, let small { return small }
        guard let magnitude = integerMagnitude(rule).magnitude else { throw .overflow }
        if isNegative {
            guard magnitude <= UInt128(Int64.min.magnitude) else { throw .overflow }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt128(Int64.max) else { throw .overflow }
        return Int64(truncatingIfNeeded: magnitude)
    }

    /// The value as an `Int64` if it is a whole number in `Int64`'s range, else `nil`.
    public var exactInt64: Int64? {
        guard integerMagnitude(.towardZero).exact else { return nil }
        return try? int64Value()
    }

    /// The value rounded to an integer with `rule` (truncation by default), as a `UInt64`.
    ///
    /// - Throws: ``DecimalError/overflow`` if the rounded value is negative or above
    ///   `UInt64.max`; −0.5 truncates to 0 and is fine.
    public func uint64Value(rounding rule: RoundingRule = .towardZero) throws(DecimalError) -> UInt64 {
        guard let magnitude = integerMagnitude(rule).magnitude else { throw .overflow }
        guard magnitude == 0 || !isNegative, magnitude <= UInt128(UInt64.max) else { throw .overflow }
        return UInt64(truncatingIfNeeded: magnitude)
    }

    /// The value as a `UInt64` if it is a whole number in `UInt64`'s range, else `nil`.
    public var exactUInt64: UInt64? {
        guard integerMagnitude(.towardZero).exact else { return nil }
        return try? uint64Value()
    }

    /// The magnitude of the value rounded to an integer, or `nil` beyond 38 digits; `exact`
    /// tells whether nothing non-zero was dropped.
    private func integerMagnitude(_ rule: RoundingRule) -> (magnitude: UInt128?, exact: Bool) {
        let parts = roundedParts(places: 0, rule)
        if parts.magnitude == 0 || parts.scale == 0 { return (parts.magnitude, parts.exact) }
        // A non-positive scale: append zeros.
        let zeros = -parts.scale
        guard decimalDigitCount(parts.magnitude) + zeros <= 38 else { return (nil, parts.exact) }
        return (parts.magnitude * decimalPowersOfTen128[zeros], parts.exact)
    }

    /// Compares with an integer exactly.
    @inlinable
    public func compare(toInt64 other: Int64) -> Ordering {
        compare(ExactDecimal(other))
    }

    /// Compares with an unsigned integer exactly.
    @inlinable
    public func compare(toUInt64 other: UInt64) -> Ordering {
        compare(ExactDecimal(other))
    }
}
