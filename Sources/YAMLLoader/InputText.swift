import Diagnostics

/// The bytes given to libyaml, checked and indexed by line.
///
/// We validate the encoding ourselves before libyaml runs: libyaml reports bad UTF-8 only
/// as a byte offset with no line or column, and only after it has emitted earlier events.
struct InputText {
    /// UTF-8 text without a byte order mark.
    let bytes: [UInt8]
    /// Byte offset at which each line starts (line breaks as libyaml counts them).
    private let lineStarts: [Int]

    /// A problem that stops the input from being read at all.
    struct EncodingProblem: Error {
        var message: LocalizedText
        var mark: Mark
    }

    /// Checks `raw` and indexes its lines.
    ///
    /// - Complexity: O(n) for n bytes.
    init(_ raw: [UInt8]) throws(EncodingProblem) {
        if raw.starts(with: [0xFE, 0xFF]) || raw.starts(with: [0xFF, 0xFE]) || raw.starts(with: [0, 0, 0xFE, 0xFF]) {
            throw EncodingProblem(message: Messages.utf16Input, mark: .start)
        }
        let bytes = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(raw.dropFirst(3)) : raw
        self.bytes = bytes
        lineStarts = try Self.scan(bytes)
    }

    var lineCount: Int { lineStarts.count }

    /// Validates UTF-8 and the YAML character set, and records where lines start.
    private static func scan(_ bytes: [UInt8]) throws(EncodingProblem) -> [Int] {
        var starts = [0]
        var line = 1
        var column = 1
        var scalars = 0
        var index = 0
        var previous: UInt32 = 0
        while index < bytes.count {
            guard let (value, length) = decode(bytes, at: index) else {
                let byte = bytes[index]
                throw EncodingProblem(
                    message: Messages.invalidUTF8(byte: byte),
                    mark: Mark(line: line, column: column, offset: scalars)
                )
            }
            // The characters YAML allows (the set libyaml's reader checks).
            let allowed =
                value == 0x09 || value == 0x0A || value == 0x0D || (0x20...0x7E).contains(value) || value == 0x85
                || (0xA0...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
                || (0x10000...0x10FFFF).contains(value)
            guard allowed else {
                throw EncodingProblem(
                    message: Messages.controlCharacter(value),
                    mark: Mark(line: line, column: column, offset: scalars)
                )
            }
            index += length
            scalars += 1
            if value == 0x0D || (value == 0x0A && previous != 0x0D) || value == 0x85 || value == 0x2028
                || value == 0x2029
            {
                line += 1
                column = 1
            } else if value != 0x0A {
                column += 1
            }
            if value == 0x0A || value == 0x85 || value == 0x2028 || value == 0x2029
                || (value == 0x0D && (index >= bytes.count || bytes[index] != 0x0A))
            {
                starts.append(index)
            }
            previous = value
        }
        return starts
    }

    /// The scalar value and byte length of the well-formed UTF-8 sequence at `index`, or nil.
    private static func decode(_ bytes: [UInt8], at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        let minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (length, minimum, value) = (2, 0x80, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, minimum, value) = (3, 0x800, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, minimum, value) = (4, 0x10000, UInt32(lead & 0x07))
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for byte in bytes[(index + 1)..<(index + length)] {
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return nil }
        return (value, length)
    }

    /// The mark of a byte offset, for libyaml reader errors (which carry only an offset); our scan
    /// catches the reader errors libyaml 0.2.5 has before libyaml sees the bytes.
    ///
    /// - Complexity: O(log l + c) for l lines and a line of c bytes.
    func mark(ofByteOffset offset: Int) -> Mark {
        let offset = min(max(0, offset), bytes.count)
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let column = Self.scalarCount(bytes[lineStarts[low]..<offset]) + 1
        let scalarOffset = Self.scalarCount(bytes[0..<offset])
        return Mark(line: low + 1, column: column, offset: scalarOffset)
    }

    /// The Unicode scalars of a 1-based line, without its line break; empty when out of range.
    func lineScalars(_ line: Int) -> [Unicode.Scalar] {
        guard line >= 1, line <= lineStarts.count else { return [] }
        let end = line < lineStarts.count ? lineStarts[line] : bytes.count
        var scalars = Array(String(decoding: bytes[lineStarts[line - 1]..<end], as: UTF8.self).unicodeScalars)
        while let last = scalars.last, ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(last) {
            scalars.removeLast()
        }
        return scalars
    }

    private static func scalarCount(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }
}
