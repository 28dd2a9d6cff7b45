import Daemon
import Foundation
import Glibc
import Testing

/// The systemd unit (`systemd/diacert.service`), the production example configuration
/// (`systemd/diacert.yaml`) and the install step (`scripts/install.sh`).
///
/// `systemd-analyze` (Debian package `systemd`, installed by `scripts/setup.sh`) checks the unit
/// offline: no systemd needs to run. Where it is missing these tests fail and say so; they never
/// pass without having checked anything.
@Suite("systemd unit and installation", .serialized)
struct SystemdUnitTests {
    static let unitPath = SharedMaterial.packageRoot.appendingPathComponent("systemd/diacert.service").path
    static let examplePath = SharedMaterial.packageRoot.appendingPathComponent("systemd/diacert.yaml").path
    static let installScript = SharedMaterial.packageRoot.appendingPathComponent("scripts/install.sh").path
    /// Where the unit says the binary is (install.sh's default prefix).
    static let installedBinary = "/usr/local/bin/diacert"

    @Test("systemd-analyze security --offline=true: overall exposure at most 2.0")
    func exposure() throws {
        let analyze = try SystemTool.systemdAnalyze
        let result = try SystemTool.run(analyze, ["security", "--offline=true", "--no-pager", Self.unitPath])
        #expect(result.status == 0, "systemd-analyze security failed: \(result.stderr)")
        let score = try #require(
            SystemdUnitTests.overallExposure(in: result.stdout), "no 'Overall exposure level' line in:\n\(result.stdout)\(result.stderr)")
        #expect(score <= 2.0, "exposure \(score) > 2.0:\n\(result.stdout)")
        // --threshold= is on the 0-100 scale (exposure x 10): 20 means 2.0.
        let gated = try SystemTool.run(analyze, ["security", "--offline=true", "--no-pager", "--threshold=20", Self.unitPath])
        #expect(gated.status == 0, "exposure above the threshold of 20 (2.0):\n\(gated.stdout)")
    }

    @Test("systemd-analyze verify is silent on the unit (ExecStart pointed at this build's diacert)")
    func verify() throws {
        let analyze = try SystemTool.systemdAnalyze
        let scratch = try TemporaryDirectory("systemd-verify")
        defer { scratch.remove() }
        let text = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let copy = try SystemdUnitTests.pointingExecStart(of: text, from: Self.installedBinary, to: try DiaCertExecutable.path)
        let copyPath = scratch.file("diacert.service")
        try copy.write(toFile: copyPath, atomically: true, encoding: .utf8)
        let result = try SystemTool.run(analyze, ["verify", copyPath])
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "systemd-analyze verify:\n\(result.stdout)\(result.stderr)")

        // The unit as shipped: the only complaint allowed is the binary not being installed here.
        let shipped = try SystemTool.run(analyze, ["verify", Self.unitPath])
        let complaints = (shipped.stdout + shipped.stderr).split(separator: "\n").filter {
            !$0.contains("Command \(Self.installedBinary) is not executable")
        }
        #expect(complaints.isEmpty, "systemd-analyze verify on systemd/diacert.service: \(complaints)")
    }

    @Test("the unit has the directives the daemon and the operators rely on")
    func directives() throws {
        let unit = try SystemdUnit(path: Self.unitPath)
        #expect(unit.value("Service", "Type") == "notify")
        #expect(unit.value("Service", "NotifyAccess") == "main")
        #expect(unit.value("Service", "ExecStart") == "\(Self.installedBinary) serve --config /etc/diacert/diacert.yaml")
        #expect(unit.value("Service", "ExecReload") == "/bin/kill -HUP $MAINPID")
        #expect(unit.value("Service", "Restart") == "on-failure")
        let watchdog = try #require(unit.value("Service", "WatchdogSec").flatMap { Int($0) })
        #expect(watchdog >= 10, "the daemon pings every WatchdogSec/2 from a loop that also does work")
        // Stopping waits for sends in flight (delivery.timeout_s, 15 s by default).
        #expect((unit.value("Service", "TimeoutStopSec").flatMap { Int($0) } ?? 90) > 15)
        #expect(unit.value("Service", "StateDirectory") == "diacert")
        #expect(unit.value("Service", "ConfigurationDirectory") == "diacert")
        // A static user, so that operators can run the CLI as it (`sudo -u diacert diacert status`).
        #expect(unit.value("Service", "User") == "diacert")
        #expect(unit.values("Service", "DynamicUser").allSatisfy { $0 == "no" })
        let credentials = unit.values("Service", "LoadCredential").map { $0.split(separator: ":").first.map(String.init) ?? $0 }
        #expect(credentials.sorted() == ["smtp-password", "webhook-secret"])
        #expect(unit.value("Service", "RestrictAddressFamilies")?.split(separator: " ").sorted() == ["AF_INET", "AF_INET6", "AF_UNIX"])
        for (key, value) in [
            ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("PrivateDevices", "yes"), ("PrivateTmp", "yes"),
            ("ProtectHome", "yes"), ("MemoryDenyWriteExecute", "yes"), ("CapabilityBoundingSet", ""),
        ] {
            #expect(unit.value("Service", key) == value, "\(key)=")
        }
        #expect(unit.value("Install", "WantedBy") == "multi-user.target")
    }

    @Test("the example configuration loads, and its paths are the unit's state directory and credentials")
    func exampleConfiguration() throws {
        let credentials = "/run/credentials/diacert.service"
        let configuration = try DaemonConfiguration.load(path: Self.examplePath, environment: ["CREDENTIALS_DIRECTORY": credentials])
            .get()
        let unit = try SystemdUnit(path: Self.unitPath)
        #expect(configuration.stateDirectory == "/var/lib/" + (unit.value("Service", "StateDirectory") ?? "?"))
        #expect(configuration.rulesDirectory == "/usr/local/share/diacert/rules")
        #expect(configuration.mail.smtp?.starttls == .required)
        #expect(configuration.mail.smtp?.passwordFile == credentials + "/smtp-password")
        #expect(configuration.webhooks.map(\.secretFile) == [credentials + "/webhook-secret"])
        #expect(configuration.webhooks.allSatisfy { $0.url.hasPrefix("https://") && !$0.allowPlainHTTP })
        // Every secret the configuration names is one the unit loads.
        let loaded = Set(unit.values("Service", "LoadCredential").compactMap { $0.split(separator: ":").first.map { credentials + "/" + $0 } })
        let named = [configuration.mail.smtp?.passwordFile].compactMap { $0 } + configuration.webhooks.map(\.secretFile)
        #expect(Set(named).isSubset(of: loaded), "\(named) not all in \(loaded)")
    }

    @Test(
        "install.sh into a DESTDIR: layout, rules, unit and configuration; a second run changes nothing and keeps an edited configuration",
        .timeLimit(.minutes(2)),
        arguments: ["/usr/local", "/opt/diacert"])
    func install(prefix: String) throws {
        let analyze = try SystemTool.systemdAnalyze
        let binary = try DiaCertExecutable.path
        let scratch = try TemporaryDirectory("install")
        defer { scratch.remove() }
        let root = scratch.file("root")
        let arguments = [Self.installScript, "--binary", binary] + (prefix == "/usr/local" ? [] : ["--prefix", prefix])
        let first = try SystemTool.run("/bin/bash", arguments, environment: ["DESTDIR": root])
        try #require(first.status == 0, "install.sh failed (\(first.status)):\n\(first.stdout)\(first.stderr)")

        let unitDirectory = prefix == "/usr/local" ? "/usr/local/lib/systemd/system" : "/etc/systemd/system"
        let installedUnit = root + unitDirectory + "/diacert.service"
        let installedConfig = root + "/etc/diacert/diacert.yaml"
        let installedRules = root + prefix + "/share/diacert/rules"
        let files = FileManager.default
        #expect(files.isExecutableFile(atPath: root + prefix + "/bin/diacert"))
        #expect(files.contentsEqual(atPath: binary, andPath: root + prefix + "/bin/diacert"))
        #expect(files.fileExists(atPath: root + prefix + "/share/doc/diacert/operations.md"))
        #expect(files.contentsEqual(atPath: Self.examplePath, andPath: root + prefix + "/share/doc/diacert/diacert.yaml.example"))
        let sysusers = try String(contentsOfFile: root + prefix + "/lib/sysusers.d/diacert.conf", encoding: .utf8)
        #expect(sysusers.contains("u diacert - \"DiaCert daemon\" /var/lib/diacert /usr/sbin/nologin"))
        #expect(try SystemdUnitTests.mode(root + "/etc/credstore") == 0o700)
        #expect(try SystemdUnitTests.mode(root + "/var/lib/diacert") == 0o700)

        // The unit and the configuration name this prefix.
        let unit = try SystemdUnit(path: installedUnit)
        #expect(unit.value("Service", "ExecStart") == "\(prefix)/bin/diacert serve --config /etc/diacert/diacert.yaml")
        if prefix == "/usr/local" {
            #expect(files.contentsEqual(atPath: Self.unitPath, andPath: installedUnit))
            #expect(files.contentsEqual(atPath: Self.examplePath, andPath: installedConfig))
        }
        let configuration = try DaemonConfiguration.load(path: installedConfig, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/x"]).get()
        #expect(configuration.rulesDirectory == prefix + "/share/diacert/rules")

        // The rule set is the repository's, without its tests (they need the repository's fixtures).
        let repositoryRules = SharedMaterial.packageRoot.appendingPathComponent("rules").path
        let expected = try SystemdUnitTests.relativeFiles(under: repositoryRules).filter { !$0.hasPrefix("tests/") }
        #expect(try SystemdUnitTests.relativeFiles(under: installedRules) == expected)
        for file in expected { #expect(files.contentsEqual(atPath: repositoryRules + "/" + file, andPath: installedRules + "/" + file), "\(file)") }
        let installedCheck = try DaemonProcess.run(["check", "--rules", installedRules], environment: [:])
        let repositoryCheck = try DaemonProcess.run(["check", "--rules", repositoryRules], environment: [:])
        #expect(installedCheck.status == 0, "diacert check on the installed rules:\n\(installedCheck.stdout)\(installedCheck.stderr)")
        let hash = { (output: String) in output.split(separator: "\n").first { $0.hasPrefix("hash: ") }.map(String.init) }
        #expect(hash(installedCheck.stdout) != nil && hash(installedCheck.stdout) == hash(repositoryCheck.stdout))

        // The installed unit verifies, with ExecStart pointed at the installed binary.
        let verifyCopy = scratch.file("diacert.service")
        let installedText = try String(contentsOfFile: installedUnit, encoding: .utf8)
        try SystemdUnitTests.pointingExecStart(of: installedText, from: prefix + "/bin/diacert", to: root + prefix + "/bin/diacert")
            .write(toFile: verifyCopy, atomically: true, encoding: .utf8)
        let verified = try SystemTool.run(analyze, ["verify", verifyCopy])
        #expect(verified.status == 0 && verified.stdout.isEmpty && verified.stderr.isEmpty, "verify:\n\(verified.stdout)\(verified.stderr)")

        // An operator edits the configuration; the next run keeps it and rewrites nothing.
        let edited = try String(contentsOfFile: installedConfig, encoding: .utf8) + "# edited by the operator\n"
        try edited.write(toFile: installedConfig, atomically: true, encoding: .utf8)
        let second = try SystemTool.run("/bin/bash", arguments, environment: ["DESTDIR": root])
        #expect(second.status == 0, "second install.sh run:\n\(second.stdout)\(second.stderr)")
        #expect(try String(contentsOfFile: installedConfig, encoding: .utf8) == edited)
        #expect(second.stdout.contains("keeping /etc/diacert/diacert.yaml"))
        let rewritten = second.stdout.split(separator: "\n").filter { $0.hasPrefix("install: /") }
        #expect(rewritten.isEmpty, "a second run rewrote \(rewritten)")
    }

    @Test("install.sh refuses a relative prefix and an unknown option")
    func installArguments() throws {
        let scratch = try TemporaryDirectory("install-arguments")
        defer { scratch.remove() }
        let binary = try DiaCertExecutable.path
        for arguments in [["--prefix", "usr/local"], ["--frobnicate"]] {
            let result = try SystemTool.run(
                "/bin/bash", [Self.installScript, "--binary", binary] + arguments, environment: ["DESTDIR": scratch.file("root")])
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.file("root")), "\(arguments) installed something")
        }
    }

    // MARK: Helpers

    /// The number in `→ Overall exposure level for diacert.service: 1.2 OK 🙂`.
    static func overallExposure(in output: String) -> Double? {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("Overall exposure level for ") }),
            let colon = line.range(of: ": ", options: .backwards)
        else { return nil }
        return line[colon.upperBound...].split(separator: " ").first.flatMap { Double($0) }
    }

    /// The unit text with its one `ExecStart=` binary replaced (quoted, so any path works).
    static func pointingExecStart(of unit: String, from old: String, to new: String) throws -> String {
        let lines = unit.split(separator: "\n", omittingEmptySubsequences: false)
        let matching = lines.indices.filter { lines[$0].hasPrefix("ExecStart=\(old) ") }
        guard matching.count == 1, let index = matching.first else {
            throw PeerError(description: "expected exactly one 'ExecStart=\(old) …' line, found \(matching.count)")
        }
        var result = lines.map(String.init)
        result[index] = "ExecStart=\"\(new)\" " + lines[index].dropFirst("ExecStart=\(old) ".count)
        return result.joined(separator: "\n")
    }

    static func mode(_ path: String) throws -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { throw PeerError(description: "cannot stat \(path)") }
        return status.st_mode & 0o7777
    }

    /// Every regular file under `directory`, relative to it, sorted.
    static func relativeFiles(under directory: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw PeerError(description: "cannot list \(directory)")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }
}

/// A systemd unit file read as sections of `Key=Value` lines (comments and blank lines skipped).
struct SystemdUnit {
    private var entries: [(section: String, key: String, value: String)] = []

    init(path: String) throws {
        var section = ""
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw PeerError(description: "\(path): not Key=Value: \(line)") }
            entries.append(
                (section, line[..<equals].trimmingCharacters(in: .whitespaces), line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }
    }

    /// Every value given to `key`, in order.
    func values(_ section: String, _ key: String) -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The value of a key given once; nil when absent or given more than once.
    func value(_ section: String, _ key: String) -> String? {
        let all = values(section, key)
        return all.count == 1 ? all[0] : nil
    }
}

/// Commands the tests run (systemd-analyze, the install script), with their output captured.
enum SystemTool {
    /// `systemd-analyze` from the Debian package `systemd`.
    static var systemdAnalyze: String {
        get throws {
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/systemd-analyze" }
            let candidates = path + ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw PeerError(
                    description: "systemd-analyze is not installed: the unit cannot be checked. Install the Debian package "
                        + "'systemd' (scripts/setup.sh does: apt-get install systemd); it need not be running")
            }
            return found
        }
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let scratch = try TemporaryDirectory("tool")
        defer { scratch.remove() }
        guard FileManager.default.createFile(atPath: scratch.file("out"), contents: nil),
            FileManager.default.createFile(atPath: scratch.file("err"), contents: nil)
        else { throw PeerError(description: "cannot create output files in \(scratch.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["SYSTEMD_COLORS"] = "0"
        merged["SYSTEMD_PAGER"] = "cat"
        merged["NOTIFY_SOCKET"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("err")))
        try process.run()
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: scratch.file("out"), encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: scratch.file("err"), encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }
}
