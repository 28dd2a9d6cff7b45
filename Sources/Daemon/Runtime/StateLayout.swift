@preconcurrency import Glibc
import Foundation

/// Where the daemon keeps its state under `state_dir`.
///
/// - `diacert.sqlite`: dossiers, results, the outbox, the audit log;
/// - `incoming/`: the spool `diacert submit` writes into (hidden `.tmp-*` files are not yet complete);
/// - `processed/`: files already stored; `rejected/`: invalid files with a `.error.txt` beside each;
/// - `control/requests`, `control/responses`: operator commands handed to the running daemon;
/// - `daemon.lock`: held (flock) while a daemon runs, so the CLI knows whether to talk to it.
public struct StateLayout: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var database: String { path("diacert.sqlite") }
    public var incoming: String { path("incoming") }
    public var processed: String { path("processed") }
    public var rejected: String { path("rejected") }
    public var requests: String { path("control/requests") }
    public var responses: String { path("control/responses") }
    public var lockFile: String { path("daemon.lock") }

    public func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    /// Creates every directory (owner-only permissions: dossiers hold personal data).
    public func create() throws {
        for directory in [root, incoming, processed, rejected, requests, responses] {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
    }

    /// Removes temporary files a killed process left behind (`.tmp-*`): all of those only the daemon
    /// writes (it holds the lock), and those older than an hour where the CLI writes too (the spool,
    /// the requests), since a `submit` may be writing one right now.
    func removeStaleTemporaryFiles(maildir: String, log: EventLog) {
        let now = Date()
        for (directory, onlyOld) in [
            (rejected, false), (processed, false), (responses, false), (maildir, false), (incoming, true), (requests, true),
        ] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".tmp-") {
                let path = (directory as NSString).appendingPathComponent(name)
                if onlyOld {
                    let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                    guard let modified, now.timeIntervalSince(modified) > 3600 else { continue }
                }
                if unlink(path) == 0 { log.log(.info, "state.temporary_removed", ["file": path]) }
            }
        }
    }

    /// Writes `bytes` into `directory` as `name`, atomically: a hidden temporary file, fsync, rename,
    /// fsync of the directory. A reader never sees a half-written file.
    public static func writeAtomically(_ bytes: [UInt8], directory: String, name: String) throws {
        let temporary = (directory as NSString).appendingPathComponent(".tmp-\(UUID().uuidString)")
        let final = (directory as NSString).appendingPathComponent(name)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw POSIXFailure("cannot create \(temporary)", errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw POSIXFailure("cannot write \(temporary)", code)
            }
            written += result
        }
        // Written by root (`sudo diacert submit`), the file goes to the directory's owner, so the
        // daemon (running as that owner) can read and move it.
        if geteuid() == 0, let owner = StateLayout.owner(of: directory), owner.uid != 0 {
            _ = fchown(descriptor, owner.uid, owner.gid)
        }
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary, final) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXFailure("cannot rename into \(final)", code)
        }
        syncDirectory(directory)
    }

    /// The owner of a file or directory.
    static func owner(of path: String) -> (uid: uid_t, gid: gid_t)? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return (status.st_uid, status.st_gid)
    }

    public static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}

/// An operating-system call that failed, with errno's text.
public struct POSIXFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let code: Int32
    init(_ message: String, _ code: Int32) {
        self.message = message
        self.code = code
    }
    public var description: String { "\(message): \(String(cString: strerror(code)))" }
}

/// The lock a running daemon holds on `daemon.lock` (flock; released by the kernel if it dies).
public final class DaemonLock {
    private let descriptor: Int32

    /// Takes the lock without waiting; nil when another process holds it.
    public init?(path: String) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, pid.count, 0) }
    }

    /// Whether no process holds the lock (checked without taking it for long).
    public static func isFree(path: String) -> Bool {
        // Read-only and never created here: a lock file made by root would lock the daemon out.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return false }
        flock(descriptor, LOCK_UN)
        return true
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

@available(*, unavailable)
extension DaemonLock: Sendable {}
