import Foundation
import Testing

@testable import Delivery

/// Helpers shared by the Delivery test files: sample messages, raw-header inspection, mail parsing
/// through Python's `email` package.
enum MailFixture {
    /// 2027-07-01T00:30:00Z, shown in Japan as 09:30 on a Thursday.
    static let date = MailDate(secondsSince1970: 1_814_401_800)

    static func message(
        subject: String = "【DiaCert】2027年度第1回 脱炭素経営認定の審査結果のお知らせ（株式会社サンプル様）",
        body: String = "株式会社サンプル 御中\n\n審査結果をお知らせします。\n",
        charset: MailCharset = .utf8,
        messageID: String = "<dia-2027-1-000042.r1@notify.diacert.example.jp>",
        fromName: String? = "ダイア5市 脱炭素認定事務局",
        toName: String? = "株式会社サンプル 総務部 ご担当者様",
        to: String = "applicant@sample.example.jp",
        extraHeaders: [MailHeader] = []
    ) throws -> MailMessage {
        MailMessage(
            from: try Mailbox(address: "noreply@notify.diacert.example.jp", displayName: fromName),
            to: try Mailbox(address: to, displayName: toName),
            subject: subject, body: body, charset: charset,
            messageID: try MessageID(messageID), date: date, extraHeaders: extraHeaders)
    }
}

/// The header block of raw message bytes, as physical lines and as unfolded fields.
struct RawHeaders {
    let lines: [String]
    let body: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard let split = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw PeerError(description: "no blank line after the header")
        }
        lines = String(decoding: bytes[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        body = Array(bytes[(split + 4)...])
    }

    /// Each field unfolded (continuation lines joined after removing CRLF).
    var fields: [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", !out.isEmpty {
                out[out.count - 1].value += line
            } else if let colon = line.firstIndex(of: ":") {
                out.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return out
    }

    /// The physical lines of field `name` (first line and continuations).
    func physicalLines(of name: String) -> [String] {
        var out: [String] = []
        var inField = false
        for line in lines {
            if line.first == " " || line.first == "\t" {
                if inField { out.append(line) }
            } else {
                inField = line.lowercased().hasPrefix(name.lowercased() + ":")
                if inField { out.append(line) }
            }
        }
        return out
    }

    /// The RFC 2047 words in field `name`.
    func encodedWords(of name: String) -> [String] {
        physicalLines(of: name).flatMap { line in
            line.split(separator: " ").map(String.init).filter { $0.hasPrefix("=?") && $0.hasSuffix("?=") }
        }
    }
}

/// What Python's `email` package (policy=default) makes of a message (`Tests/Peers/parse_mail.py`).
struct ParsedMail: Decodable {
    struct Address: Decodable {
        let display_name: String
        let addr_spec: String
    }
    struct Word: Decodable {
        let word: String
        let charset: String
        let hex: String
        let text: String
    }
    let subject: String
    let from: String
    let from_addresses: [Address]
    let to: String
    let to_addresses: [Address]
    /// The display names decoded per RFC 2047 §6.2 (`nil` unless encoded words are used).
    let from_display_rfc2047: String?
    let to_display_rfc2047: String?
    let date: String
    let date_iso: String?
    let utc_offset_seconds: Int?
    let message_id: String
    let content_type: String
    let charset: String?
    let transfer_encoding: String?
    let body: String
    let header_names: [String]
    let defects: [String]
    let subject_words: [Word]

    static func parse(file path: String) throws -> ParsedMail {
        try JSONDecoder().decode(ParsedMail.self, from: PeerPython.run("parse_mail.py", [path]))
    }

    static func parse(_ bytes: [UInt8], in directory: TemporaryDirectory) throws -> ParsedMail {
        let path = directory.file("parse-\(UUID().uuidString).eml")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try parse(file: path)
    }
}

extension Array where Element == UInt8 {
    /// Bytes from lower-case hex.
    init(hex: String) {
        let digits = Array(hex.utf8)
        self = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    /// The byte offsets of LF not preceded by CR and CR not followed by LF.
    var bareLineEnds: [Int] {
        indices.filter { index in
            (self[index] == 0x0A && (index == 0 || self[index - 1] != 0x0D))
                || (self[index] == 0x0D && (index + 1 == count || self[index + 1] != 0x0A))
        }
    }

    /// Whether every ISO-2022-JP shift in these bytes is back to ASCII (`ESC ( B`) by the end.
    var endsInASCIIState: Bool {
        var inJIS = false
        var index = 0
        while index + 2 < count {
            if self[index] == 0x1B {
                if self[index + 1] == 0x24 && self[index + 2] == 0x42 { inJIS = true }
                if self[index + 1] == 0x28 && self[index + 2] == 0x42 { inJIS = false }
            }
            index += 1
        }
        return !inJIS
    }
}

/// Decodes ISO-2022-JP (ASCII and JIS X 0208 only) with DiaCert's table inverted: a test-side
/// reference that each encoded word stands alone (`nil` for anything malformed).
func decodeISO2022JP(_ bytes: [UInt8]) -> String? {
    let fromJIS = Dictionary(uniqueKeysWithValues: ISO2022JP.jisCode.map { ($0.value, $0.key) })
    var out = String.UnicodeScalarView()
    var inJIS = false
    var index = 0
    while index < bytes.count {
        if bytes[index] == 0x1B {
            guard index + 2 < bytes.count else { return nil }
            switch (bytes[index + 1], bytes[index + 2]) {
            case (0x24, 0x42): inJIS = true
            case (0x28, 0x42): inJIS = false
            default: return nil
            }
            index += 3
        } else if inJIS {
            guard index + 1 < bytes.count, let scalar = fromJIS[UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])] else { return nil }
            out.append(Unicode.Scalar(scalar)!)
            index += 2
        } else {
            guard bytes[index] < 0x80 else { return nil }
            out.append(Unicode.Scalar(bytes[index]))
            index += 1
        }
    }
    return inJIS ? nil : String(out)
}
