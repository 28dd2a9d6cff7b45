import Foundation
import Testing

@testable import Delivery
@testable import Hashing
@testable import Store

/// Each system C library is linked and does real work.
@Suite struct CLibrarySmokeTests {
    @Test func sha256MatchesKnownVector() {
        #expect(Digest.hex(Digest.sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmacMatchesRFC4231Case2() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func sqliteRoundTripInWALFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-smoke-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("smoke.sqlite").path
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT")
            try db.query("BEGIN IMMEDIATE")
            try db.query("INSERT INTO t VALUES (?, ?)", [.text("株式会社"), .integer(42)])
            try db.query("COMMIT")
        }
        let reopened = try SQLiteConnection(path: path)
        #expect(try reopened.query("SELECT k, v FROM t") == [[.text("株式会社"), .integer(42)]])
        #expect(try reopened.query("PRAGMA journal_mode").first?.first == .text("wal"))
        #expect(throws: SQLiteError.self) { try reopened.query("INSERT INTO t VALUES ('x', 'not an int')") }
    }

    @Test func curlReadsAFileURLAndReportsRefusedConnections() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-curl-\(UUID()).txt")
        try Data("ダイア5市\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let body = try CurlEasy().get(file.absoluteString)
        #expect(String(decoding: body, as: UTF8.self) == "ダイア5市\n")
        #expect(throws: CurlError.self) { _ = try CurlEasy().get("http://127.0.0.1:1/", timeoutSeconds: 5) }
    }
}
