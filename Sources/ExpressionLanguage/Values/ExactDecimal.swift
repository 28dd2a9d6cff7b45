/// An exact decimal number: a signed integer coefficient of at most 38 digits times a power
/// of ten.
///
/// The value is `coefficient × 10^(−scale)`. The scale is an `Int16`, so it may be negative
/// (`1e50` is coefficient 1, scale −50). Rule authors compute yen, tonnes of CO₂ and
/// percentages with this type, so literals are read exactly (`1.05` is exactly 105 × 10⁻²)
/// and arithmetic is exact whenever the exact result fits.
///
/// ## Precision and rounding
///
/// - Addition, subtraction and multiplication are exact when the exact result has at most
///   38 significant digits. Otherwise the result is rounded half-even to 34 significant
///   digits, the IEEE 754 decimal128 context (Java's `MathContext.DECIMAL128`).
/// - Division is exact when the quotient terminates within 38 significant digits
///   (`1 / 4 = 0.25`, `(1.4 − 1.05) / 1.4 × 100 = 25`); otherwise it is rounded half-even
///   to 34 significant digits (`1 / 3 = 0.333…3` with 34 threes, so `1 / 3 × 3` is
///   `0.999…9` with 34 nines and is *not* equal to 1).
/// - ``remainder(dividingBy:)`` is always exact.
/// - ``DecimalError/overflow`` is thrown only when a result is too large for the exponent
///   range (the largest value is (10³⁸ − 1) × 10³²⁷⁶⁸). Results too small for it (below
///   10^−32767) lose digits gradually and finally become zero, like IEEE subnormals.
///
/// Because results of up to 38 digits are kept exactly, an exact tie at the 34th digit
/// (which would need exactly 35 significant digits) never reaches the rounding step of
/// `+`, `−`, `×` or `÷`; the half-even rule decides only in the underflow range. Rounding
/// to a number of places, with the rule of one's choice, is ``rounded(places:_:)``.
///
/// ## Equality
///
/// Equality, ordering and hashing are numeric: `1`, `1.0` and `1.00` are equal and hash
/// alike, although they keep their own ``scale``. ``description`` shows the value with
/// trailing fractional zeros removed.
///
/// ## Layout
///
/// The coefficient is stored as two 64-bit words rather than an `Int128`, which would force
/// 16-byte alignment: the type is 18 bytes with 8-byte alignment, so an enum that carries it
/// stays small. Arithmetic never allocates, and operations on coefficients that fit in an
/// `Int64` take a fast path without 128-bit division. Values are immutable and `Sendable`.
public struct ExactDecimal: Sendable {
    /// The low 64 bits of the two's-complement coefficient.
    @usableFromInline let lo: UInt64
    /// The high 64 bits of the two's-complement coefficient.
    @usableFromInline let hi: Int64
    /// The power of ten the coefficient is divided by: the value is
    /// `coefficient × 10^(−scale)`.
    ///
    /// Several scales can denote the same number (`1.5` and `1.50`); comparisons ignore the
    /// difference.
    public let scale: Int16

    /// Creates a value from its raw words; the caller guarantees |coefficient| < 10³⁸.
    @inlinable @inline(__always)
    init(lo: UInt64, hi: Int64, scale: Int16) {
        self.lo = lo
        self.hi = hi
        self.scale = scale
    }

    /// Creates a value whose coefficient fits in an `Int64`.
    @inlinable @inline(__always)
    init(small: Int64, scale: Int16) {
        self.init(lo: UInt64(bitPattern: small), hi: small >> 63, scale: scale)
    }

    /// Creates a value from a sign and a magnitude below 10³⁸.
    @inline(__always)
    init(negative: Bool, magnitude: UInt128, scale: Int16) {
        assert(magnitude < decimalPowersOfTen128[38], "coefficient has more than 38 digits")
        let signed = Int128(truncatingIfNeeded: magnitude)
        self.init(uncheckedCoefficient: negative ? 0 &- signed : signed, scale: scale)
    }

    /// Creates a value from a coefficient below 10³⁸ in magnitude.
    @inline(__always)
    init(uncheckedCoefficient coefficient: Int128, scale: Int16) {
        self.init(
            lo: UInt64(truncatingIfNeeded: coefficient),
            hi: Int64(truncatingIfNeeded: coefficient >> 64),
            scale: scale
        )
    }
}

// MARK: - Public construction and inspection

extension ExactDecimal {
    /// The largest number of significant digits a coefficient can have.
    public static let maximumDigits = 38

    /// The number of significant digits an inexact result is rounded to (decimal128).
    public static let roundingDigits = 34

    /// Zero.
    public static let zero = ExactDecimal(small: 0, scale: 0)

    /// The signed integer coefficient; the value is `coefficient × 10^(−scale)`.
    ///
    /// Its magnitude is always below 10³⁸.
    @inlinable
    public var coefficient: Int128 {
        Int128(hi) << 64 | Int128(lo)
    }

    /// Creates `coefficient × 10^(−scale)`, or `nil` if the coefficient has more than 38
    /// digits.
    public init?(coefficient: Int128, scale: Int16) {
        guard coefficient.magnitude < decimalPowersOfTen128[38] else { return nil }
        self.init(uncheckedCoefficient: coefficient, scale: scale)
    }

    /// Creates the integer `value` (scale 0).
    @inlinable
    public init(_ value: Int64) {
        self.init(small: value, scale: 0)
    }

    /// Creates the integer `value` (scale 0).
    @inlinable
    public init(_ value: Int) {
        self.init(small: Int64(value), scale: 0)
    }

    /// Creates the integer `value` (scale 0).
    @inlinable
    public init(_ value: UInt64) {
        self.init(lo: value, hi: 0, scale: 0)
    }

    /// Whether the value is zero (at any scale).
    @inlinable
    public var isZero: Bool { lo == 0 && hi == 0 }

    /// Whether the value is below zero.
    @inlinable
    public var isNegative: Bool { hi < 0 }

    /// −1, 0 or 1 according to the sign of the value.
    @inlinable
    public var signum: Int { hi < 0 ? -1 : (isZero ? 0 : 1) }

    /// The coefficient as an `Int64`, when it fits.
    @inlinable @inline(__always)
    var small: Int64? {
        let value = Int64(bitPattern: lo)
        return hi == value >> 63 ? value : nil
    }

    /// The magnitude of the coefficient.
    @usableFromInline
    var magnitudeBits: UInt128 {
        @inline(__always) get { coefficient.magnitude }
    }

    /// Whether the value is a whole number.
    public var isInteger: Bool {
        guard scale > 0, !isZero else { return true }
        guard scale <= 38 else { return false }
        return magnitudeBits % decimalPowersOfTen128[Int(scale)] == 0
    }

    /// The value with the trailing zeros of its coefficient removed (zero becomes scale 0).
    ///
    /// The scale is an `Int` because removing zeros can push it below `Int16.min`.
    var canonicalParts: (magnitude: UInt128, scale: Int) {
        let magnitude = magnitudeBits
        guard magnitude != 0 else { return (0, 0) }
        if magnitude >> 64 == 0 {
            var small = UInt64(truncatingIfNeeded: magnitude)
            var scale = Int(scale)
            while small % 10 == 0 {
                small /= 10
                scale -= 1
            }
            return (UInt128(small), scale)
        }
        let zeros = decimalTrailingZeroCount(magnitude, limit: 38)
        return (magnitude / decimalPowersOfTen128[zeros], Int(scale) - zeros)
    }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    /// Creates an integer value from a literal: `let fee: ExactDecimal = 1_000`.
    ///
    /// There is deliberately no float-literal initializer: a float literal is rounded to a
    /// binary `Double` before any initializer sees it. Use ``init(_:)-(String)`` instead.
    @inlinable
    public init(integerLiteral value: Int64) {
        self.init(small: value, scale: 0)
    }
}

// MARK: - Errors and rules

/// Why an ``ExactDecimal`` operation, conversion or parse failed.
public enum DecimalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The result is too large for the exponent range, or does not fit the requested
    /// integer type.
    case overflow
    /// The divisor is zero.
    case divisionByZero
    /// The text is not a decimal literal.
    case invalidLiteral
    /// The literal has more than 38 significant digits and cannot be held exactly.
    case tooManyDigits
    /// The literal's exponent is outside the representable range.
    case exponentOutOfRange

    public var description: String {
        switch self {
        case .overflow: "decimal overflow"
        case .divisionByZero: "division by zero"
        case .invalidLiteral: "invalid decimal literal"
        case .tooManyDigits: "decimal literal has more than 38 significant digits"
        case .exponentOutOfRange: "decimal literal exponent out of range"
        }
    }
}

extension ExactDecimal {
    /// How ``rounded(places:_:)`` and the integer conversions resolve dropped digits.
    public enum RoundingRule: Sendable, Hashable, CaseIterable {
        /// To the nearest; an exact half goes away from zero: 2.345 → 2.35,
        /// −2.345 → −2.35, 2.5 → 3, −2.5 → −3. Commercial rounding (四捨五入), and what the
        /// rule language's `round(x, digits)` uses.
        case halfUp
        /// To the nearest; an exact half goes to the even neighbour: 2.345 → 2.34,
        /// 2.355 → 2.36, 2.5 → 2. Banker's rounding.
        case halfEven
        /// Truncation: 2.349 → 2.34, −2.349 → −2.34 (切り捨て of the magnitude).
        case towardZero
        /// Away from zero whenever anything non-zero is dropped: 2.341 → 2.35,
        /// −2.341 → −2.35 (切り上げ of the magnitude).
        case up
        /// Toward negative infinity: 2.349 → 2.34, −2.341 → −2.35.
        case floor
        /// Toward positive infinity: 2.341 → 2.35, −2.349 → −2.34.
        case ceiling

        /// Whether the truncated magnitude must grow by one unit.
        @inline(__always)
        func roundsAwayFromZero(dropped: DecimalDroppedDigits, lastDigitIsOdd: Bool, negative: Bool) -> Bool {
            if dropped == .zero { return false }
            switch self {
            case .halfUp: return dropped != .belowHalf
            case .halfEven: return dropped == .aboveHalf || (dropped == .half && lastDigitIsOdd)
            case .towardZero: return false
            case .up: return true
            case .floor: return negative
            case .ceiling: return !negative
            }
        }
    }

    /// The result of an exact numeric comparison.
    public enum Ordering: Sendable, Hashable {
        case less
        case equal
        case greater

        /// The ordering seen from the other operand.
        @inlinable
        public var reversed: Ordering {
            switch self {
            case .less: .greater
            case .equal: .equal
            case .greater: .less
            }
        }
    }
}

// MARK: - Numeric equality, ordering and hashing

extension ExactDecimal: Equatable, Hashable, Comparable {
    /// Numeric equality: `1 == 1.0 == 1.00`.
    @inlinable
    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.scale == rhs.scale { return lhs.lo == rhs.lo && lhs.hi == rhs.hi }
        return lhs.compare(rhs) == .equal
    }

    @inlinable
    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        lhs.compare(rhs) == .less
    }

    /// Hashes the numeric value, so that equal values hash alike whatever their scale.
    public func hash(into hasher: inout Hasher) {
        let (magnitude, scale) = canonicalParts
        hasher.combine(isNegative)
        hasher.combine(magnitude)
        hasher.combine(scale)
    }

    /// Compares numerically, exactly, whatever the two scales are.
    @inlinable
    public func compare(_ other: ExactDecimal) -> Ordering {
        if let x = small, let y = other.small {
            if scale == other.scale { return x < y ? .less : (x == y ? .equal : .greater) }
            let difference = Int(scale) &- Int(other.scale)
            if difference >= -18, difference <= 18 {
                // Align both (one factor is 1) rather than branch on which scale is larger.
                let (xAligned, xOverflow) = x.multipliedReportingOverflow(
                    by: Int64(bitPattern: decimalPowersOfTen64[max(-difference, 0)])
                )
                let (yAligned, yOverflow) = y.multipliedReportingOverflow(
                    by: Int64(bitPattern: decimalPowersOfTen64[max(difference, 0)])
                )
                if !xOverflow, !yOverflow {
                    return xAligned < yAligned ? .less : (xAligned == yAligned ? .equal : .greater)
                }
            }
        }
        return Self.compareSlowly(self, other)
    }

    /// The general comparison: by sign, then by the position of the leading digit, then by
    /// the coefficients aligned to one scale (which then differ by at most 37 places).
    @usableFromInline
    static func compareSlowly(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Ordering {
        let lhsSign = lhs.signum
        let rhsSign = rhs.signum
        if lhsSign != rhsSign { return lhsSign < rhsSign ? .less : .greater }
        if lhsSign == 0 { return .equal }
        let order = compareMagnitudes(lhs.magnitudeBits, Int(lhs.scale), rhs.magnitudeBits, Int(rhs.scale))
        return lhsSign > 0 ? order : order.reversed
    }

    /// Compares two non-zero magnitudes `x × 10^(−xScale)` and `y × 10^(−yScale)`.
    static func compareMagnitudes(_ x: UInt128, _ xScale: Int, _ y: UInt128, _ yScale: Int) -> Ordering {
        let xDigits = decimalDigitCount(x)
        let yDigits = decimalDigitCount(y)
        // One more than the decimal exponent of the leading digit.
        let xTop = xDigits - xScale
        let yTop = yDigits - yScale
        if xTop != yTop { return xTop < yTop ? .less : .greater }
        var x = x
        var y = y
        if xScale > yScale {
            y *= decimalPowersOfTen128[xScale - yScale]
        } else if yScale > xScale {
            x *= decimalPowersOfTen128[yScale - xScale]
        }
        return x < y ? .less : (x == y ? .equal : .greater)
    }
}
