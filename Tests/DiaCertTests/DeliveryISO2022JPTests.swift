import Foundation
import Testing

@testable import Delivery

/// The ISO-2022-JP encoder, its JIS X 0208 table and the substitution table.
@Suite struct DeliveryISO2022JPTests {
    @Test(arguments: [
        ("日本語", [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x38, 0x6C, 0x1B, 0x28, 0x42]),
        ("A日B", [0x41, 0x1B, 0x24, 0x42, 0x46, 0x7C, 0x1B, 0x28, 0x42, 0x42]),
        ("〜", [0x1B, 0x24, 0x42, 0x21, 0x41, 0x1B, 0x28, 0x42]),
        ("～", [0x1B, 0x24, 0x42, 0x21, 0x41, 0x1B, 0x28, 0x42]),
        ("日\r\n本", [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x1B, 0x28, 0x42, 0x0D, 0x0A, 0x1B, 0x24, 0x42, 0x4B, 0x5C, 0x1B, 0x28, 0x42]),
        ("ｱｲ", [0x1B, 0x24, 0x42, 0x25, 0x22, 0x25, 0x24, 0x1B, 0x28, 0x42]),
        ("abc", [0x61, 0x62, 0x63]),
        ("", []),
        ("−‖￥", [0x1B, 0x24, 0x42, 0x21, 0x5D, 0x21, 0x42, 0x21, 0x6F, 0x1B, 0x28, 0x42]),
    ] as [(String, [UInt8])])
    func encodesKnownBytes(text: String, expected: [UInt8]) throws {
        #expect(try ISO2022JP.encode(text) == expected)
    }

    @Test(arguments: [
        ("㈱サンプル①号棟", "(株)サンプル(1)号棟"),
        ("㈲ダイア⑳", "(有)ダイア(20)"),
        ("髙橋﨑𠮷德", "高橋崎吉徳"),
        ("ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ｳﾞ ｱﾞ ﾝﾞ", "ガギグゲゴ パピプペポ ヴ ア゛ ン゛"),
        ("か\u{3099}は\u{309A}", "がぱ"),
        ("ﾃﾞｨｰｾﾞﾙ｡", "ディーゼル。"),
        ("№1 ℡ ㍉㌔ ㎏ ㎡ ㍻ Ⅲ ⅻ", "No.1 TEL ミリキロ kg m2 平成 III xii"),
        ("２０２７－０１－３１ ～ ∥ —", "２０２７−０１−３１ 〜 ‖ ―"),
        ("¥100 ￠￡￢", "￥100 ¢£¬"),
        ("ハ゛", "ハ゛"),  // a spacing ゛ typed on purpose stays
    ])
    func substitutesDocumentedCharacters(input: String, expected: String) throws {
        #expect(ISO2022JP.normalized(input) == expected)
        #expect(try ISO2022JP.encode(input) == ISO2022JP.encode(expected, substituting: false))
    }

    @Test func everySubstitutionIsForAnUnencodableCharacterAndEncodes() throws {
        #expect(ISO2022JP.substitutions.count > 150)
        #expect(Set(ISO2022JP.substitutions.map(\.original)).count == ISO2022JP.substitutions.count)
        for substitution in ISO2022JP.substitutions {
            #expect(!ISO2022JP.canEncode(substitution.original), "\(substitution)")
            #expect(substitution.replacement.unicodeScalars.allSatisfy(ISO2022JP.canEncode), "\(substitution)")
        }
        let documented = ["～": "〜", "①": "(1)", "⑳": "(20)", "㈱": "(株)", "㈲": "(有)", "－": "−", "∥": "‖", "ｱ": "ア", "髙": "高", "﨑": "崎", "—": "―", "№": "No.", "℡": "TEL"]
        for (original, replacement) in documented {
            #expect(ISO2022JP.substitutions.contains { String($0.original) == original && $0.replacement == replacement }, "\(original)")
        }
    }

    @Test func unencodableCharactersAreErrorsNeverQuestionMarks() {
        #expect(throws: ISO2022JP.Error.unencodable("🙂", scalar: "🙂")) { try ISO2022JP.encode("了解🙂") }
        #expect(throws: ISO2022JP.Error.unencodable("∑", scalar: "∑")) { try ISO2022JP.encode("合計∑") }
        #expect(throws: ISO2022JP.Error.unencodable("①", scalar: "①")) { try ISO2022JP.encode("①", substituting: false) }
        #expect(throws: ISO2022JP.Error.shiftControl("\u{1B}")) { try ISO2022JP.encode("a\u{1B}$Bb") }
        #expect(ISO2022JP.Error.unencodable("🙂", scalar: "🙂").description.contains("U+1F642"))
    }

    @Test func tableCoversJISX0208AndRoundTrips() throws {
        #expect(ISO2022JP.jisCode.count == 6879)
        var all = ""
        for (scalar, _) in ISO2022JP.jisCode.sorted(by: { $0.value < $1.value }) { all.unicodeScalars.append(Unicode.Scalar(scalar)!) }
        #expect(decodeISO2022JP(try ISO2022JP.encode(all, substituting: false)) == all)
    }

    /// The committed table is what glibc iconv gives (`Tests/Peers/jis0208_table.py --check`, which
    /// also compares with Python's codec).
    @Test func committedTableMatchesGlibcIconv() throws {
        let table = SharedMaterial.packageRoot.appendingPathComponent("Sources/Delivery/Mail/JIS0208Table.swift").path
        let output = String(decoding: try PeerPython.run("jis0208_table.py", ["--check", table]), as: UTF8.self)
        #expect(output.contains("table matches glibc iconv; 0 disagreements"))
    }
}
