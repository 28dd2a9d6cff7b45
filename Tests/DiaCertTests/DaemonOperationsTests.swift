import Foundation
import Glibc
import JSON
import Testing

/// Operating the daemon: rule reloads, systemd notifications, the operator commands with and
/// without a running daemon.
@Suite("Daemon: operations", .serialized)
struct DaemonOperationsTests {
    static let configuration = """
        mail:
          from: {address: office@dia5.example.jp}
        delivery: {poll_ms: 50}
        intake: {poll_ms: 50}

        """

    @Test("SIGHUP with a broken rule file keeps the running rules and logs where the error is; a good edit is then taken")
    func reload() throws {
        let scratch = try TemporaryDirectory("daemon-reload-rules")
        defer { scratch.remove() }
        let rules = scratch.file("rules")
        try FileManager.default.copyItem(atPath: SharedMaterial.packageRoot.appendingPathComponent("rules").path, toPath: rules)
        let harness = try DaemonHarness("daemon-reload", configuration: Self.configuration, rules: rules)
        let daemon = try harness.start()
        let hash = try #require(harness.status()["rules_hash"]?.stringValue)

        let file = rules + "/certification.yaml"
        let good = try String(contentsOfFile: file, encoding: .utf8)
        try good.replacingOccurrences(of: "validity_years: 3", with: "validity_years: [3").write(toFile: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try daemon.waitForLog("event=rules.reload_failed")
        let errors = daemon.logLines("event=rules.reload_error")
        #expect(errors.contains { $0.contains("certification.yaml:") }, "the log says where: \(errors)")
        #expect(daemon.logLines("event=rules.reload_failed").first?.contains("keeping=\(hash)") == true)
        #expect(try harness.status()["rules_hash"]?.stringValue == hash)

        // Still at work on the old rules.
        try harness.submit([DaemonHarness.fixture("sayama-chaen.yaml")])
        try daemon.waitForLog("event=dossier.stored dossier=sayama-chaen")

        try (good + "\n# edited\n").write(toFile: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try daemon.waitForLog("event=rules.reloaded")
        let newHash = try #require(harness.status()["rules_hash"]?.stringValue)
        #expect(newHash != hash)
        #expect(daemon.logLines("event=rules.reloaded").first?.contains("previous=\(hash)") == true)
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }

    @Test("sd_notify: READY, WATCHDOG, RELOADING with MONOTONIC_USEC then READY, STOPPING; exit 0 on SIGTERM")
    func systemdNotifications() throws {
        let harness = try DaemonHarness("daemon-notify", configuration: Self.configuration)
        let socket = try NotifySocket(path: harness.directory.file("notify.sock"))
        let daemon = try harness.start(["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        #expect(try socket.next(containing: "READY=1").contains("READY=1"))
        #expect(try socket.next(containing: "WATCHDOG=1").contains("WATCHDOG=1"))
        daemon.signal(SIGHUP)
        let reloading = try socket.next(containing: "RELOADING=1")
        #expect(reloading.contains("MONOTONIC_USEC="))
        #expect(try socket.next(containing: "READY=1").contains("READY=1"))
        daemon.signal(SIGTERM)
        #expect(try socket.next(containing: "STOPPING=1").contains("STOPPING=1"))
        #expect(try daemon.wait() == 0)
    }

    @Test("without a daemon the CLI works on the store itself; the daemon then sends what was queued")
    func cliWithoutDaemon() throws {
        let harness = try DaemonHarness("daemon-offline-cli", configuration: Self.configuration)
        let daemon = try harness.start()
        try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml"), DaemonHarness.fixture("sayama-chaen.yaml")])
        try daemon.waitForLog("event=dossier.stored", count: 2)
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)

        let status = try harness.status()
        #expect(status["daemon"]?.stringValue == "stopped")
        #expect(status["dossiers"]?.numberText == "2")
        let rounds = status["rounds"]?.arrayValue ?? []
        #expect(rounds.map { $0["id"]?.stringValue ?? "" } == ["2027-1", "2027-2"])
        for round in rounds {
            for key in ["id", "state", "deadline", "dossiers"] { #expect(round[key] != nil, "round has \(key)") }
        }
        for key in ["pending", "sent", "dead"] { #expect(status["outbox"]?[key]?.numberText != nil, "outbox has \(key)") }

        let close = try harness.cli(["rounds", "close", "2027-1"], ["USER": "suzuki"])
        #expect(close.status == 0, "\(close.stderr)")
        #expect(close.stdout.contains("2 dossiers evaluated"))
        let again = try harness.cli(["rounds", "close", "2027-1"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already closed"))
        #expect(again.stderr.contains("operator:suzuki"))
        let pending = try harness.outboxCount("pending")
        #expect(pending > 0)
        // The text listing says when it was cut at --limit; a listing that fits says nothing more.
        let cut = try harness.cli(["outbox", "list", "--limit", "1", "--lang", "en"])
        let cutLines = cut.stdout.split(separator: "\n")
        #expect(cutLines.count == 2, "\(cut.stdout)")
        #expect(cutLines.last == "… more notices not shown: raise --limit (now 1) or narrow with --state")
        let whole = try harness.cli(["outbox", "list", "--limit", "1000", "--lang", "en"])
        let total = try JSONParser.parse(try harness.cli(["outbox", "list", "--limit", "1000", "--format", "json"]).stdout).get().arrayValue?.count
        #expect(whole.stdout.split(separator: "\n").count == total)
        #expect(!whole.stdout.contains("more notices"))

        let restarted = try harness.start()
        try harness.waitUntil("the queued notices to be sent") { try harness.outboxCount("pending") == 0 && harness.outboxCount("sent") > 0 }
        restarted.signal(SIGTERM)
        #expect(try restarted.wait() == 0)
    }

    @Test("a notice that died is listed, retried by an operator under the same id, and dies again while the server is down")
    func outboxRetry() throws {
        let refusing = try RefusingPort()
        let harness = try DaemonHarness(
            "daemon-outbox-retry",
            configuration: """
                mail:
                  from: {address: office@dia5.example.jp}
                  smtp: {url: "smtp://127.0.0.1:\(refusing.port)", starttls: off}
                delivery: {poll_ms: 50, max_attempts: 1}
                intake: {poll_ms: 50}

                """)
        let daemon = try harness.start()
        try harness.submit([DaemonHarness.fixture("sayama-chaen.yaml")])
        try harness.waitUntil("the loan notice to die") { try harness.outboxCount("dead") == 1 }
        let listed = try harness.cli(["outbox", "list", "--state", "dead", "--format", "json"])
        let row = try #require(JSONParser.parse(listed.stdout).get().arrayValue?.first)
        let id = try #require(row["id"]?.numberText)
        #expect(row["last_error"]?.stringValue?.isEmpty == false)
        #expect(row["attempts"]?.numberText == "1")

        let retried = try harness.cli(["outbox", "retry", id])
        #expect(retried.status == 0, "\(retried.stderr)")
        try daemon.waitForLog("event=outbox.retried id=\(id)")
        try daemon.waitForLog("event=delivery.dead id=\(id)", count: 2)
        let after = try JSONParser.parse(try harness.cli(["outbox", "list", "--format", "json"]).stdout).get().arrayValue ?? []
        #expect(after.filter { $0["id"]?.numberText == id }.first?["message_id"] == row["message_id"])
        // Only a dead notice can be retried.
        #expect(try harness.cli(["outbox", "retry", "99999"]).stderr.contains("no notice 99999"))
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }
}

/// A Unix datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw PeerError(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw PeerError(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw PeerError(description: "bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The next datagram that contains `text` (others are skipped), within `timeout` seconds.
    func next(containing text: String, timeout: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            if message.contains(text) { return message }
        }
        throw PeerError(description: "no notification with \(text) within \(timeout) s")
    }
}
