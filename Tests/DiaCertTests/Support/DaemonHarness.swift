import Foundation
import Glibc
import JSON

/// The `diacert` executable of this build (a product of the same build directory as the tests).
enum DiaCertExecutable {
    static var path: String {
        get throws {
            let test = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let path = URL(fileURLWithPath: test).deletingLastPathComponent().appendingPathComponent("diacert").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw PeerError(description: "no diacert executable at \(path): build with `swift build --build-tests` first")
            }
            return path
        }
    }
}

/// A daemon under test: its own state directory and configuration, started as a real process
/// (`diacert serve`), driven with the real CLI (`submit`, `status`, `rounds close`), and stopped
/// with real signals.
final class DaemonHarness {
    let directory: TemporaryDirectory
    let configPath: String
    let stateDirectory: String
    /// The rule set directory the configuration names.
    let rulesDirectory: String
    /// Added to every process this harness starts (TZ, DIACERT_FAKE_NOW, …).
    var environment: [String: String] = [:]
    private var logCount = 0

    /// - Parameters:
    ///   - configuration: YAML appended to `rules:` and `state_dir:` (mail, webhooks, delivery, intake).
    ///   - rules: the rule set directory (default: the repository's `rules/`).
    init(_ label: String, configuration: String = "", rules: String? = nil) throws {
        directory = try TemporaryDirectory(label)
        stateDirectory = directory.file("state")
        configPath = directory.file("diacert.yaml")
        rulesDirectory = rules ?? SharedMaterial.packageRoot.appendingPathComponent("rules").path
        try reconfigure(configuration)
    }

    /// Rewrites the configuration file: `rules:` and `state_dir:` as before, then `configuration`.
    /// For peers whose port is known only once the harness (and its directory) exists; a daemon
    /// reads it when it starts.
    func reconfigure(_ configuration: String) throws {
        let text = "rules: \(rulesDirectory)\nstate_dir: \(stateDirectory)\n" + configuration
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit { directory.remove() }

    var maildir: String { stateDirectory + "/mail" }

    /// Starts `diacert serve` and waits until it logs `daemon.started`.
    func start(_ extra: [String: String] = [:], waitForStart: Bool = true) throws -> DaemonProcess {
        logCount += 1
        let process = try DaemonProcess(
            arguments: ["serve", "--config", configPath], environment: environment.merging(extra) { $1 },
            logPath: directory.file("daemon-\(logCount).log"))
        if waitForStart { try process.waitForLog("event=daemon.started", timeout: 30) }
        return process
    }

    /// Runs a CLI command with `--config` to completion.
    @discardableResult
    func cli(_ arguments: [String], _ extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try DaemonProcess.run(arguments + ["--config", configPath], environment: environment.merging(extra) { $1 })
    }

    /// `diacert submit` of these files; `at` sets the submission time (DIACERT_FAKE_NOW).
    func submit(_ files: [String], at time: String? = nil) throws {
        let result = try cli(["submit"] + files, time.map { ["DIACERT_FAKE_NOW": $0] } ?? [:])
        guard result.status == 0 else { throw PeerError(description: "submit failed: \(result.stderr)") }
    }

    /// `diacert status --format json`.
    func status() throws -> JSONValue {
        let result = try cli(["status", "--format", "json"])
        guard result.status == 0, case .success(let json) = JSONParser.parse(result.stdout) else {
            throw PeerError(description: "status failed (\(result.status)): \(result.stderr)")
        }
        return json
    }

    /// Rows of a read-only query on the daemon's database, read by the `sqlite3` program (not by
    /// DiaCert's own store code), as JSON objects.
    func query(_ sql: String) throws -> [JSONValue] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-readonly", "-json", stateDirectory + "/diacert.sqlite", sql]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PeerError(description: "sqlite3 \(sql): \(errorText)") }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A }) { return [] }
        guard case .success(let json) = JSONParser.parse([UInt8](data)), let rows = json.arrayValue else {
            throw PeerError(description: "sqlite3 gave no JSON array for \(sql): \(String(decoding: data, as: UTF8.self))")
        }
        return rows
    }

    /// The outbox count in `state` from `status`.
    func outboxCount(_ state: String) throws -> Int {
        Int(try status()["outbox"]?[state]?.numberText ?? "") ?? -1
    }

    /// Files in the mail folder.
    func mails() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: maildir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted().map {
            maildir + "/" + $0
        }
    }

    func files(in subdirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/" + subdirectory)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    /// Polls `condition` every 50 ms until it holds; throws with `what` after `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        throw PeerError(description: "timed out after \(timeout) s waiting for \(what)")
    }

    /// A fixture dossier's path.
    static func fixture(_ name: String) -> String {
        SharedMaterial.packageRoot.appendingPathComponent("fixtures/dossiers/" + name).path
    }

    /// Every fixture dossier.
    static func allFixtures() -> [String] {
        let directory = SharedMaterial.packageRoot.appendingPathComponent("fixtures/dossiers").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".json")
        }.sorted().map { directory + "/" + $0 }
    }

    /// A copy of a fixture with text replaced (a company name, a round), written into this harness's directory.
    func variant(of fixture: String, named name: String, replacing replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: DaemonHarness.fixture(fixture), encoding: .utf8)
        for (old, new) in replacements {
            guard text.contains(old) else { throw PeerError(description: "\(fixture) has no \(old.debugDescription)") }
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = directory.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A `diacert` process started with `posix_spawn`, stderr (the event log) in a file.
final class DaemonProcess {
    let pid: pid_t
    let logPath: String
    private var exitStatus: Int32?

    init(arguments: [String], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        pid = try DaemonProcess.spawn(arguments, environment: environment, stdoutPath: "/dev/null", stderrPath: logPath)
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Log lines that contain `text`.
    func logLines(_ text: String) -> [String] { log.split(separator: "\n").map(String.init).filter { $0.contains(text) } }

    func waitForLog(_ text: String, count: Int = 1, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if logLines(text).count >= count { return }
            if let status = try? exited() {
                throw PeerError(description: "daemon exited (\(status)) before logging \(text):\n\(log)")
            }
            usleep(20_000)
        }
        throw PeerError(description: "no \(text) in the daemon's log within \(timeout) s:\n\(log)")
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status if the process has ended (without waiting), nil while it runs.
    func exited() throws -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        exitStatus = DaemonProcess.decode(status)
        return exitStatus
    }

    /// Waits for the process to end; the exit code, or 128 + signal.
    func wait(timeout: Double = 30) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = try exited() { return status }
            usleep(20_000)
        }
        throw PeerError(description: "daemon did not exit within \(timeout) s:\n\(log)")
    }

    /// SIGKILL and reap.
    func killHard() {
        kill(pid, SIGKILL)
        _ = try? wait()
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Runs `diacert ARGUMENTS` to completion.
    static func run(_ arguments: [String], environment: [String: String], timeout: Double = 120) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-cli-\(UUID().uuidString)").path
        defer {
            unlink(base + ".out")
            unlink(base + ".err")
        }
        let pid = try spawn(arguments, environment: environment, stdoutPath: base + ".out", stderrPath: base + ".err")
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw PeerError(description: "diacert \(arguments) did not finish within \(timeout) s")
            }
            usleep(10_000)
        }
        let out = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return (decode(status), out, err)
    }

    private static func spawn(_ arguments: [String], environment: [String: String], stdoutPath: String, stderrPath: String) throws -> pid_t {
        let executable = try DiaCertExecutable.path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        var merged = ProcessInfo.processInfo.environment
        // The daemon must not inherit a systemd notification socket from whoever runs the tests.
        merged["NOTIFY_SOCKET"] = nil
        merged["WATCHDOG_USEC"] = nil
        for (key, value) in environment { merged[key] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else { throw PeerError(description: "cannot start \(executable): \(String(cString: strerror(status)))") }
        return pid
    }
}
