import Foundation
import Glibc
import Testing

@testable import Delivery

/// MIME rendering: header encoding and folding, injection, body encodings, dates, addresses.
@Suite struct DeliveryMailTests {}

// MARK: - Structure of the rendered bytes

extension DeliveryMailTests {
    @Test(arguments: MailCharset.allCases)
    func renderedMailIsSevenBitCRLFWithShortHeaderLines(charset: MailCharset) throws {
        let message = try MailFixture.message(
            body: "一行目\n二行目\r三行目\r\n.\n..\n\u{0}制御\u{7}文字\tタブ\n最終行", charset: charset,
            extraHeaders: [try MailHeader("X-DiaCert-Dossier", "D-2027-0042 〔都市: 大阪〕")])
        let bytes = try message.render()
        #expect(bytes.bareLineEnds.isEmpty)
        #expect(bytes.allSatisfy { $0 < 0x80 })
        let header = try RawHeaders(bytes)
        for line in header.lines { #expect(line.utf8.count <= 78, "\(line)") }
        for field in ["Subject", "From", "To", "X-DiaCert-Dossier"] {
            for word in header.encodedWords(of: field) { #expect(word.utf8.count <= 75, "\(word)") }
        }
        let names = header.fields.map(\.name)
        #expect(
            names == [
                "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
                "Auto-Submitted", "X-DiaCert-Dossier",
            ])
        let field = Dictionary(header.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(field["Message-ID"] == " <dia-2027-1-000042.r1@notify.diacert.example.jp>")
        #expect(field["MIME-Version"] == " 1.0")
        #expect(field["Date"] == " Thu, 01 Jul 2027 09:30:00 +0900")
        #expect(field["Auto-Submitted"] == " auto-generated")
        #expect(field["Content-Type"] == " text/plain; charset=\(charset.mimeName)")
        #expect(field["Content-Transfer-Encoding"] == (charset == .utf8 ? " base64" : " 7bit"))
    }

    @Test func utf8BodyIsBase64In76CharacterLinesOfCRLFText() throws {
        let body = String(repeating: "脱炭素経営の取り組み", count: 20) + "\n.\n"
        let bytes = try MailFixture.message(body: body).render()
        let raw = try RawHeaders(bytes)
        let lines = String(decoding: raw.body, as: UTF8.self).components(separatedBy: "\r\n").dropLast()
        #expect(lines.dropLast().allSatisfy { $0.utf8.count == 76 })
        let decoded = try #require(Data(base64Encoded: lines.joined()))
        #expect(String(decoding: decoded, as: UTF8.self) == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func iso2022jpBodyLinesReturnToASCIIAndLongLinesAreWrapped() throws {
        let long = String(repeating: "あ", count: 600)  // 1200 bytes of JIS: over the 998-byte line limit
        let bytes = try MailFixture.message(body: "漢字\n" + long + "\nend", charset: .iso2022jp).render()
        let body = try RawHeaders(bytes).body
        let lines = body.split(separator: 0x0A).map { Array($0.dropLast()) }  // drop the CR
        #expect(lines.count == 4)
        for line in lines {
            #expect(line.count <= 998)
            #expect(line.endsInASCIIState)
        }
        #expect(lines.map { decodeISO2022JP($0)! }.joined() == "漢字" + long + "end")
    }

    @Test func emptySubjectAndBodyStillRender() throws {
        let bytes = try MailFixture.message(subject: "", body: "").render()
        let header = try RawHeaders(bytes)
        #expect(header.physicalLines(of: "Subject") == ["Subject:"])
        #expect(header.body.isEmpty)
    }
}

// MARK: - RFC 2047 words

extension DeliveryMailTests {
    @Test func longJapaneseSubjectIsSplitIntoWholeCharacterWords() throws {
        let subject = "【DiaCert】2027年度第1回 脱炭素経営認定の審査結果のお知らせ（株式会社サンプル様）"
        #expect(subject.count > 40)
        for charset in MailCharset.allCases {
            let header = try RawHeaders(try MailFixture.message(subject: subject, charset: charset).render())
            let words = header.encodedWords(of: "Subject")
            #expect(words.count >= 3)
            var decoded = ""
            for word in words {
                #expect(word.utf8.count <= 75)
                let payload = try #require(Data(base64Encoded: String(word.dropFirst("=?\(charset.mimeName)?B?".count).dropLast(2))))
                let text = try #require(charset == .utf8 ? String(validating: Array(payload), as: UTF8.self) : decodeISO2022JP(Array(payload)))
                decoded += text
            }
            #expect(decoded == subject)
        }
    }

    @Test func asciiSubjectFoldsAtSpacesAndUnfoldsToTheSameText() throws {
        let subject = "Notice of the results of the 2027 first round of the Dia decarbonisation certification  (double space)"
        let header = try RawHeaders(try MailFixture.message(subject: subject).render())
        #expect(header.physicalLines(of: "Subject").count > 1)
        #expect(header.encodedWords(of: "Subject").isEmpty)
        let value = try #require(header.fields.first { $0.name == "Subject" }?.value)
        #expect(value == " " + subject)
    }

    @Test func asciiThatCannotFoldOrLooksEncodedIsEncoded() throws {
        for subject in [String(repeating: "x", count: 120), "=?UTF-8?B?5pel?= is not a word here"] {
            let header = try RawHeaders(try MailFixture.message(subject: subject).render())
            #expect(!header.encodedWords(of: "Subject").isEmpty)
            for line in header.lines { #expect(line.utf8.count <= 78) }
        }
    }

    /// Random Japanese, emoji (ZWJ sequences, flags, skin tones), combining marks and ASCII: every word
    /// fits, decodes alone to whole scalars, splits only between grapheme clusters, and the words
    /// concatenate to the input.
    @Test func utf8WordSplittingProperty() throws {
        var generator = SeededRandomNumberGenerator(seed: 20_270_401)
        let pool: [String] = [
            "あ", "ア", "漢", "字", "㈱", "①", "髙", "〜", "～", "ｶ", "ﾞ", " ", "a", "Z", "0", "-", "é", "e\u{301}",
            "👍", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵", "🏳️‍🌈", "𠮷", "が", "か\u{3099}", "\u{2028}", "\u{1F9D1}\u{200D}\u{1F4BB}",
        ]
        for _ in 0..<400 {
            let text = String((0..<Int.random(in: 1...80, using: &generator)).map { _ in pool.randomElement(using: &generator)! }.joined())
            let firstRoom = Int.random(in: HeaderText.minimumFirstWordRoom...75, using: &generator)
            let words = try HeaderText.encodedWords(text, charset: .utf8, firstRoom: firstRoom, field: "subject")
            var decoded: [String] = []
            // The first word fits the first line's room unless the first character alone does not
            // (then it gets a continuation line of its own).
            let firstCharacterFits = 12 + (text.first!.utf8.count + 2) / 3 * 4 <= firstRoom
            for (index, word) in words.enumerated() {
                #expect(word.utf8.count <= (index == 0 && firstCharacterFits ? firstRoom : 75))
                #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
                let payload = try #require(Base64.decode(word.dropFirst(10).dropLast(2)))
                decoded.append(try #require(String(validating: payload, as: UTF8.self), "word \(index) splits a scalar"))
            }
            #expect(decoded.joined().unicodeScalars.elementsEqual(text.unicodeScalars))
            // Clusters that fit a whole word (45 bytes) are never split.
            if text.allSatisfy({ $0.utf8.count <= 45 }) {
                #expect(decoded.map(\.count).reduce(0, +) == text.count, "a split fell inside a grapheme cluster: \(words)")
            }
        }
    }

    @Test func iso2022jpWordSplittingProperty() throws {
        var generator = SeededRandomNumberGenerator(seed: 1468)
        let pool: [String] = ["あ", "ア", "漢", "字", "〜", "ー", " ", "a", "Z", "7", "(", "㈱", "①", "ｶﾞ", "ﾊﾟ", "髙", "～", "－", "№"]
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 1...70, using: &generator)).map { _ in pool.randomElement(using: &generator)! }.joined()
            let firstRoom = Int.random(in: HeaderText.minimumFirstWordRoom...75, using: &generator)
            let words = try HeaderText.encodedWords(text, charset: .iso2022jp, firstRoom: firstRoom, field: "subject")
            var decoded = ""
            for (index, word) in words.enumerated() {
                #expect(word.utf8.count <= (index == 0 ? firstRoom : 75))
                let payload = try #require(Base64.decode(word.dropFirst("=?ISO-2022-JP?B?".count).dropLast(2)))
                #expect(payload.endsInASCIIState)
                decoded += try #require(decodeISO2022JP(payload), "word \(index) does not decode on its own")
            }
            #expect(decoded == ISO2022JP.normalized(text))
        }
    }

    @Test func unencodableCharacterInISO2022JPIsNamed() throws {
        let message = try MailFixture.message(subject: "認定のお知らせ 🎉", charset: .iso2022jp)
        #expect(throws: MailError.unencodableCharacter("🎉", scalar: "🎉", charset: .iso2022jp, field: "subject")) {
            try message.render()
        }
        let error = MailError.unencodableCharacter("🎉", scalar: "🎉", charset: .iso2022jp, field: "subject")
        #expect(error.description.contains("U+1F389"))
        let body = try MailFixture.message(body: "∑ の記号", charset: .iso2022jp)
        #expect(throws: MailError.unencodableCharacter("∑", scalar: "∑", charset: .iso2022jp, field: "body")) { try body.render() }
        #expect(throws: Never.self) { try MailFixture.message(subject: "認定のお知らせ 🎉").render() }
    }
}

// MARK: - Header injection

extension DeliveryMailTests {
    static let injection = "\r\nBcc: x@evil.example"

    @Test func injectedLineBreaksNeverMakeAHeader() throws {
        let message = try MailFixture.message(
            subject: "審査結果" + DeliveryMailTests.injection, fromName: "Office" + DeliveryMailTests.injection,
            toName: "様" + DeliveryMailTests.injection + "\nX-Evil: 1",
            extraHeaders: [try MailHeader("X-DiaCert-Dossier", "D-1" + DeliveryMailTests.injection)])
        for charset in MailCharset.allCases {
            var copy = message
            copy.charset = charset
            let header = try RawHeaders(try copy.render())
            #expect(!header.lines.contains { $0.lowercased().hasPrefix("bcc") || $0.lowercased().hasPrefix("x-evil") })
            #expect(header.fields.count == 10)
        }
    }

    @Test(arguments: [
        "a@b.jp\r\nBcc: x@evil.example", "a@b.jp\nBcc: x@evil.example", "\"Boss\" <x@evil.example>", "<a@b.jp>",
        "a@b.jp, c@d.jp", "a b@c.jp", "あ@b.jp", "a@b", "a@b.123", "a@-b.jp", "a..b@c.jp", ".a@b.jp", "a@[127.0.0.1]",
        "a@b.jp;c@d.jp", "a(comment)@b.jp", "", "@b.jp", "a@", "a@b@c.jp", String(repeating: "a", count: 65) + "@b.jp",
        "a@b.jp\u{0}",
    ])
    func invalidAddressesAreRefused(address: String) {
        #expect(throws: MailError.self) { try MailAddress(address) }
    }

    @Test(arguments: ["a@b.jp", "soumu+dia@sample.co.jp", "first.last@xn--eckwd4c7c.xn--zckzah", "o'hara@example.jp", "A_B-C@mail-1.example.jp"])
    func plainAddressesAreAccepted(address: String) throws {
        #expect(try MailAddress(address).description == address)
    }

    @Test func reservedAndMalformedExtraHeaderNamesAreRefused() {
        for name in ["Bcc", "bcc", "To", "Subject", "Content-Type", "content-disposition", "Content-Foo", "Message-ID", "Date"] {
            #expect(throws: MailError.reservedHeaderName(name)) { try MailHeader(name, "x") }
        }
        for name in ["", "X Bad", "X:Bad", "X-\r\nBcc", "X-日本", String(repeating: "X", count: 61)] {
            #expect(throws: MailError.invalidHeaderName(name)) { try MailHeader(name, "x") }
        }
    }

    @Test func displayNamesUseAtomsQuotedStringsOrEncodedWords() throws {
        func fromField(_ name: String) throws -> String {
            let header = try RawHeaders(try MailFixture.message(fromName: name).render())
            return try #require(header.fields.first { $0.name == "From" }?.value)
        }
        #expect(try fromField("DiaCert Office") == " DiaCert Office <noreply@notify.diacert.example.jp>")
        #expect(try fromField("Dia \"5\" Cities, Office") == " \"Dia \\\"5\\\" Cities, Office\" <noreply@notify.diacert.example.jp>")
        #expect(try fromField("事務局").hasPrefix(" =?UTF-8?B?"))
    }

    @Test func messageIDsAreValidated() throws {
        #expect(try MessageID("<a.b@c.d>").bracketed == "<a.b@c.d>")
        #expect(try MessageID("a.b@c.d").bracketed == "<a.b@c.d>")
        for bad in ["<a@b>\r\nBcc: x@y.z", "a b@c", "ab", "<a@b", "a@b@c", "日本@b.jp", "<>", "a@.b"] {
            #expect(throws: MailError.self) { try MessageID(bad) }
        }
    }
}

// MARK: - Date

extension DeliveryMailTests {
    @Test(arguments: [
        (Int64(1_743_465_600), 540, "Tue, 01 Apr 2025 09:00:00 +0900"),
        (Int64(0), 0, "Thu, 01 Jan 1970 00:00:00 +0000"),
        (Int64(-1), 0, "Wed, 31 Dec 1969 23:59:59 +0000"),
        (Int64(1_709_164_800), 540, "Thu, 29 Feb 2024 09:00:00 +0900"),
        (Int64(951_868_800), -300, "Tue, 29 Feb 2000 19:00:00 -0500"),
        (Int64(1_814_401_800), 330, "Thu, 01 Jul 2027 06:00:00 +0530"),
        (Int64(4_102_444_799), 540, "Fri, 01 Jan 2100 08:59:59 +0900"),
    ])
    func dateUsesEnglishNamesAndANumericZone(seconds: Int64, offset: Int, expected: String) {
        #expect(MailDate(secondsSince1970: seconds, utcOffsetMinutes: offset).description == expected)
    }

    @Test func dateFromFoundationDropsFractions() {
        #expect(MailDate(Date(timeIntervalSince1970: 1_743_465_600.999)).description == "Tue, 01 Apr 2025 09:00:00 +0900")
    }
}

// MARK: - .eml directory and secret files

extension DeliveryMailTests {
    @Test func emlWritesAtomicallyAndRewritesTheSameMessageIDInPlace() throws {
        let directory = try TemporaryDirectory("eml")
        defer { directory.remove() }
        let folder = try EMLDirectory(path: directory.file("outbox"))
        let message = try MailFixture.message()
        let first = try folder.write(try message.render(), messageID: message.messageID)
        var second = message
        second.body = "再送"
        let path = try folder.write(try second.render(), messageID: second.messageID)
        #expect(path == first)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["dia-2027-1-000042.r1@notify.diacert.example.jp.eml"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(try second.render()))
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let parsed = try ParsedMail.parse(file: path)
        #expect(parsed.body == "再送\r\n")
    }

    @Test func emlFileNamesAreSafeAndDistinct() throws {
        let ids = ["a/b@c.d", "a_b@c.d", "a%2Fb@c.d", "a%252Fb@c.d", "{a}|b@c.d", "a.b@c.d"]
        let names = try ids.map { EMLDirectory.fileName(for: try MessageID($0)) }
        #expect(Set(names).count == ids.count)
        for name in names {
            #expect(!name.contains("/") && !name.hasPrefix(".") && name.hasSuffix(".eml"))
        }
        let long = try MessageID(String(repeating: "/", count: 100) + "@c.d")
        #expect(EMLDirectory.fileName(for: long).utf8.count <= 200 + 4)
    }

    @Test func secretFileTrimsOneNewlineAndRefusesLooseModes() throws {
        let directory = try TemporaryDirectory("secret")
        defer { directory.remove() }
        let path = directory.file("smtp-password")
        try Data("pa ss\nword\n\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect(try SecretFile.read(path: path).revealed == "pa ss\nword\n")
        #expect(try SecretFile.read(path: path).description == "<redacted>")
        #expect(!String(describing: try SecretFile.read(path: path)).contains("pa ss"))
        #expect(!String(reflecting: try SecretFile.read(path: path)).contains("pa ss"))
        chmod(path, 0o640)
        #expect(throws: Never.self) { try SecretFile.read(path: path) }
        chmod(path, 0o644)
        #expect(throws: SecretFile.Error.self) { try SecretFile.read(path: path) }
        try Data("\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect(throws: SecretFile.Error(path: path, reason: "empty")) { try SecretFile.read(path: path) }
        #expect(throws: SecretFile.Error.self) { try SecretFile.read(path: directory.file("missing")) }
    }
}
