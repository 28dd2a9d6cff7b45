import Foundation
import Glibc

/// An error in the test harness itself (a peer that did not start, a missing interpreter).
struct PeerError: Error, CustomStringConvertible {
    let description: String
}

/// The Python the delivery tests run their peers with, and the peers' scripts.
enum PeerPython {
    /// `$DIACERT_VENV/bin/python` if `DIACERT_VENV` is set, else `<package root>/.venv/bin/python`.
    ///
    /// - Throws: ``PeerError`` telling to run `scripts/setup.sh` when it is missing. The tests fail
    ///   rather than skip: CI runs setup first, so a missing venv is a broken environment.
    static func interpreter() throws -> String {
        let venv = ProcessInfo.processInfo.environment["DIACERT_VENV"] ?? SharedMaterial.packageRoot.appendingPathComponent(".venv").path
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw PeerError(
                description: "no Python at \(python): run scripts/setup.sh (it creates the venv with aiosmtpd and standardwebhooks), "
                    + "or point DIACERT_VENV at such a venv")
        }
        return python
    }

    /// `Tests/Peers/<name>`.
    static func script(_ name: String) -> String {
        SharedMaterial.packageRoot.appendingPathComponent("Tests/Peers/" + name).path
    }

    /// Runs `Tests/Peers/<name>` to completion; returns its stdout.
    ///
    /// - Throws: ``PeerError`` with stderr if it exits non-zero.
    static func run(_ name: String, _ arguments: [String]) throws -> Data {
        let python = try interpreter()
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-peer-\(UUID().uuidString).stderr").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script(name)] + arguments
        process.environment = peerEnvironment()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw PeerError(description: "\(name) \(arguments) exited \(process.terminationStatus): \(errors)")
        }
        return data
    }

    static func peerEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        return environment
    }
}

/// A Python peer (SMTP sink, webhook receiver) running on loopback for one test.
///
/// The peer prints its port as its first stdout line. ``stop()`` kills it and waits; `deinit` does the
/// same as a backstop, so a test that throws still leaves no process behind.
final class PeerProcess: @unchecked Sendable {  // the process is only stopped once, under `lock`
    let name: String
    let port: Int
    private let process: Process
    private let stderrPath: String
    private let lock = NSLock()
    private var isStopped = false

    /// Starts `Tests/Peers/<script>` with `arguments`; its stderr goes to `<directory>/<script>.stderr`.
    init(_ script: String, _ arguments: [String], directory: String) throws {
        let python = try PeerPython.interpreter()
        name = script
        stderrPath = directory + "/" + script + ".stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [PeerPython.script(script)] + arguments
        process.environment = PeerPython.peerEnvironment()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        do {
            let line = try PeerProcess.readLine(from: output.fileHandleForReading.fileDescriptor, seconds: 60)
            guard let port = Int(line.trimmingCharacters(in: .whitespaces)), port > 0 else {
                throw PeerError(description: "\(script) printed \(line.debugDescription) instead of its port")
            }
            self.port = port
        } catch {
            process.terminate()
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw PeerError(description: "\(script) did not start: \(error)\n\(log)")
        }
    }

    /// The peer's stderr so far (for failure messages).
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func stop() {
        let shouldStop = lock.withLock {
            defer { isStopped = true }
            return !isStopped
        }
        guard shouldStop else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// One line from `descriptor`, waiting at most `seconds` (a peer that hangs must not hang the suite).
    private static func readLine(from descriptor: Int32, seconds: Int) throws -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while true {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, remaining)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { throw PeerError(description: "no port line within \(seconds) s") }
            var byte: UInt8 = 0
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { throw PeerError(description: "exited before printing its port") }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "delivery") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A TCP port on 127.0.0.1 that refuses connections: bound (so nobody else gets it) but not listening.
final class RefusingPort {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw PeerError(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw PeerError(description: "bind: \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

/// A self-signed certificate for `127.0.0.1`/`localhost`, made with the `openssl` command.
struct SelfSignedCertificate {
    let certificatePath: String
    let keyPath: String

    init(in directory: TemporaryDirectory) throws {
        certificatePath = directory.file("cert.pem")
        keyPath = directory.file("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PeerError(description: "openssl req failed (\(process.terminationStatus))") }
    }
}
