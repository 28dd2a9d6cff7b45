// Exact decimal literals in and out: parsing from text or UTF-8 bytes, `description`, and
// `formatted(places:grouping:)` for human-facing amounts.

// MARK: - Parsing

extension ExactDecimal: LosslessStringConvertible {
    /// Parses an exact decimal literal, or returns `nil`.
    ///
    /// The grammar is JSON's number grammar plus an optional leading `+`:
    ///
    ///     literal  = [ "+" | "-" ] integer [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
    ///     integer  = "0" | "1"…"9" { digit }
    ///
    /// So `123`, `-4.5`, `+0.25`, `1e3`, `1.5E-2`, `0.000452` and `1e+16` are accepted, and
    /// these are rejected: the empty string, surrounding spaces, `.5` and `5.` (a digit is
    /// required on both sides of the point, because the rule language uses `.` for member
    /// access), leading zeros such as `007` (ambiguous between YAML 1.1 octal and decimal),
    /// `1_000`, hexadecimal, `NaN` and `Infinity`.
    ///
    /// The value is exact: `1.05` is 105 × 10⁻², keeping the written scale (`1.50` has
    /// scale 2). Literals with more than 38 significant digits are rejected rather than
    /// rounded; zeros beyond the 38th digit that do not change the value are absorbed into
    /// the scale (`1.000…0` with 50 zeros is fine). Use ``init(parsing:)`` to learn why a
    /// literal was rejected.
    public init?(_ text: String) {
        guard let value = try? ExactDecimal(parsing: text) else { return nil }
        self = value
    }

    /// Parses an exact decimal literal from UTF-8 bytes, as the expression lexer holds
    /// them; the grammar is that of ``init(_:)-(String)``.
    public init?(utf8 bytes: some Collection<UInt8>) {
        guard let value = try? ExactDecimal(parsingUTF8: bytes) else { return nil }
        self = value
    }

    /// Parses an exact decimal literal, throwing why it is rejected; the grammar is that of
    /// ``init(_:)-(String)``.
    ///
    /// - Throws: ``DecimalError/invalidLiteral``, ``DecimalError/tooManyDigits`` or
    ///   ``DecimalError/exponentOutOfRange``.
    public init(parsing text: some StringProtocol) throws(DecimalError) {
        try self.init(parsingUTF8: text.utf8)
    }

    /// Parses an exact decimal literal from UTF-8 bytes, throwing why it is rejected.
    ///
    /// - Throws: ``DecimalError/invalidLiteral``, ``DecimalError/tooManyDigits`` or
    ///   ``DecimalError/exponentOutOfRange``.
    public init(parsingUTF8 bytes: some Collection<UInt8>) throws(DecimalError) {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecimalError) in try Self.parse(buffer) }
        }
        let result =
            contiguous
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(DecimalError) in try Self.parse(buffer) }
            }
        self = try result.get()
    }

    /// The parser behind every text initializer.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(DecimalError) -> ExactDecimal {
        let end = bytes.count
        var index = 0
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits = DigitAccumulator()

        // Integer part: "0" alone, or a non-zero digit followed by digits.
        guard index < end, let first = decimalDigitValue(bytes[index]) else { throw .invalidLiteral }
        index += 1
        if first == 0 {
            if index < end, decimalDigitValue(bytes[index]) != nil { throw .invalidLiteral }
        } else {
            try digits.append(first)
            while index < end, let digit = decimalDigitValue(bytes[index]) {
                try digits.append(digit)
                index += 1
            }
        }

        // Fraction: a point followed by at least one digit.
        var fractionDigits = 0
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < end, let digit = decimalDigitValue(bytes[index]) {
                try digits.append(digit)
                index += 1
            }
            guard index > start else { throw .invalidLiteral }
            fractionDigits = index - start
        }

        // Exponent, saturated far beyond the representable range.
        var exponent = 0
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let start = index
            while index < end, let digit = decimalDigitValue(bytes[index]) {
                exponent = min(exponent * 10 + Int(digit), 1_000_000)
                index += 1
            }
            guard index > start else { throw .invalidLiteral }
            if exponentNegative { exponent = -exponent }
        }
        guard index == end else { throw .invalidLiteral }

        // coefficient × 10^pendingZeros × 10^(exponent − fractionDigits), with as many pending
        // zeros moved into the coefficient as fit.
        let absorbed = digits.significantDigits == 0 ? 0 : min(digits.pendingZeros, 38 - digits.significantDigits)
        let coefficient = digits.coefficient * decimalPowersOfTen128[absorbed]
        let scale = fractionDigits - exponent - (digits.pendingZeros - absorbed)
        do {
            return try fitted(negative: negative, magnitude: coefficient, scale: scale)
        } catch {
            throw .exponentOutOfRange
        }
    }

    /// The value of an ASCII digit byte.
    @inline(__always)
    private static func decimalDigitValue(_ byte: UInt8) -> UInt8? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? value : nil
    }
}

/// Collects the digits of a literal: leading zeros are skipped, and zeros after the last
/// non-zero digit stay pending until a later non-zero digit needs them.
///
/// The first 19 digits accumulate in a `UInt64` (a multiply by the constant 10 per digit);
/// only longer coefficients switch to 128-bit arithmetic.
private struct DigitAccumulator {
    private var small: UInt64 = 0
    private var wide: UInt128 = 0
    private var isWide = false
    private(set) var significantDigits = 0
    private(set) var pendingZeros = 0

    var coefficient: UInt128 { isWide ? wide : UInt128(small) }

    @inline(__always)
    mutating func append(_ digit: UInt8) throws(DecimalError) {
        if digit == 0 {
            if significantDigits > 0 { pendingZeros += 1 }
        } else if pendingZeros == 0, significantDigits < 19 {
            small = small &* 10 &+ UInt64(digit)
            significantDigits += 1
        } else {
            try appendAfterZerosOrBeyond19Digits(digit)
        }
    }

    private mutating func appendAfterZerosOrBeyond19Digits(_ digit: UInt8) throws(DecimalError) {
        let total = significantDigits + pendingZeros + 1
        guard total <= 38 else { throw .tooManyDigits }
        if total <= 19 {
            small = small &* decimalPowersOfTen64[pendingZeros + 1] &+ UInt64(digit)
        } else {
            if !isWide {
                wide = UInt128(small)
                isWide = true
            }
            wide = wide &* decimalPowersOfTen128[pendingZeros + 1] &+ UInt128(digit)
        }
        significantDigits = total
        pendingZeros = 0
    }
}

// MARK: - Formatting

extension ExactDecimal: CustomStringConvertible {
    /// The value in plain notation with trailing fractional zeros removed: `1187.5`, `100`,
    /// `-0.25`, `0.000452`, `0`.
    ///
    /// Once trailing zeros are removed, a value whose scale lies between −30 and 40 is
    /// written in full (`1e30` is `1` followed by 30 zeros; `1e-40` has 39 zeros after the
    /// point). Beyond that, scientific notation with one digit before the point and a
    /// signed exponent keeps the text short: `1.5e+31`, `2e-41`. Both forms parse back to
    /// an equal value with ``init(_:)-(String)``.
    public var description: String {
        let (magnitude, scale) = canonicalParts
        if magnitude == 0 { return "0" }
        let digits = Array(String(magnitude).utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digits.count + 45)
        if isNegative { text.append(UInt8(ascii: "-")) }
        if scale >= -30, scale <= 40 {
            Self.appendPlain(digits: digits, scale: scale, fractionDigits: max(scale, 0), grouping: false, to: &text)
        } else {
            text.append(digits[0])
            if digits.count > 1 {
                text.append(UInt8(ascii: "."))
                text.append(contentsOf: digits[1...])
            }
            let exponent = digits.count - 1 - scale
            text.append(contentsOf: (exponent < 0 ? "e-" : "e+").utf8)
            text.append(contentsOf: String(exponent.magnitude).utf8)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The value in plain notation for human-facing text, optionally rounded and grouped.
    ///
    /// - Parameters:
    ///   - places: the number of fractional digits to show, after rounding half-up
    ///     (``RoundingRule/halfUp``) and padding with zeros: `1187.5` with 2 places is
    ///     `1187.50`. Negative places round to tens, hundreds and so on and show no
    ///     fraction. `nil` shows the exact value with trailing fractional zeros removed.
    ///   - grouping: whether to separate thousands in the integer part with `,`, as both
    ///     English and Japanese amounts do: `1,187.50`, `-12,345,678`.
    /// - Returns: the text; never scientific notation, and never `-0`.
    /// - Complexity: O(number of digits shown), which is large only for extreme exponents.
    public func formatted(places: Int? = nil, grouping: Bool = false) -> String {
        let magnitude: UInt128
        let scale: Int
        let fractionDigits: Int
        if let places {
            let parts = roundedParts(places: places, .halfUp)
            magnitude = parts.magnitude
            scale = parts.scale
            fractionDigits = max(places, 0)
        } else {
            (magnitude, scale) = canonicalParts
            fractionDigits = max(scale, 0)
        }
        var text: [UInt8] = []
        if isNegative, magnitude != 0 { text.append(UInt8(ascii: "-")) }
        let digits = Array(String(magnitude).utf8)
        Self.appendPlain(
            digits: digits,
            scale: magnitude == 0 ? 0 : scale,
            fractionDigits: fractionDigits,
            grouping: grouping,
            to: &text
        )
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `digits × 10^(−scale)` in plain notation with exactly `fractionDigits`
    /// fractional digits (padding with zeros; never fewer than `scale`).
    private static func appendPlain(
        digits: [UInt8],
        scale: Int,
        fractionDigits: Int,
        grouping: Bool,
        to text: inout [UInt8]
    ) {
        let zero = UInt8(ascii: "0")
        // The integer part: the leading digits, padded with zeros for a negative scale.
        let integerCount = max(digits.count - max(scale, 0), 0)
        let integerLength = integerCount == 0 ? 1 : integerCount + max(-scale, 0)
        for position in 0..<integerLength {
            if grouping, position > 0, (integerLength - position) % 3 == 0 { text.append(UInt8(ascii: ",")) }
            if integerCount == 0 {
                text.append(zero)
            } else {
                text.append(position < integerCount ? digits[position] : zero)
            }
        }
        guard fractionDigits > 0 else { return }
        text.append(UInt8(ascii: "."))
        // The fraction: zeros before the digits when the value is below 0.1, then the
        // remaining digits, then padding.
        let fractionFromDigits = min(digits.count, max(scale, 0))
        let leadingZeros = max(scale, 0) - fractionFromDigits
        text.append(contentsOf: repeatElement(zero, count: leadingZeros))
        text.append(contentsOf: digits[(digits.count - fractionFromDigits)...])
        text.append(contentsOf: repeatElement(zero, count: fractionDigits - max(scale, 0)))
    }
}
