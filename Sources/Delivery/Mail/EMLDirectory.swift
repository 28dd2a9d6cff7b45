import Glibc
import Hashing

/// A directory of `.eml` files: the embedded delivery when no SMTP server is configured.
///
/// Each message is written as `<file name of its Message-ID>.eml` atomically: the bytes go to a hidden
/// temporary file in the same directory, which is fsynced, renamed over the final name, and the
/// directory is fsynced. A reader never sees a partial `.eml`, and writing the same Message-ID again
/// (a redelivery after a crash) replaces the same file instead of adding a second copy. Files are
/// created `0600`: notices hold personal data. Not a Maildir (no `tmp`/`new`/`cur`); any mail client
/// opens the files directly.
///
/// Blocking file I/O, cheap for notice-sized mails; call from a worker, not in a tight async loop.
public struct EMLDirectory: Sendable {
    /// A failed system call, with the path and `errno` text.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let operation: String
        public let path: String
        public let errorNumber: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(errorNumber)))" }
    }

    /// The directory.
    public let path: String

    /// Uses `path`, creating it (mode `0700`, parents must exist) if it is missing.
    public init(path: String) throws(Error) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw Error(operation: "mkdir", path: path, errorNumber: errno) }
        self.path = path
    }

    /// The file name for `messageID`: letters, digits and `.@+=_-` kept, every other byte as `%XX` (so
    /// distinct IDs never share a file; a valid Message-ID never starts with a dot, so no name is
    /// hidden or `..`), names over 200 bytes shortened to 150 bytes plus a SHA-256 prefix; then `.eml`.
    public static func fileName(for messageID: MessageID) -> String {
        var name = ""
        for byte in messageID.value.utf8 {
            let isKept =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || Array(".@+=_-".utf8).contains(byte)
            if isKept {
                name.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                name += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        if name.utf8.count > 200 {
            name = String(name.prefix(150)) + "-" + String(Digest.hex(Digest.sha256(messageID.value)).prefix(32))
        }
        return name + ".eml"
    }

    /// Writes `message` as the file of `messageID`, atomically and durably; returns its path.
    @discardableResult
    public func write(_ message: [UInt8], messageID: MessageID) throws(Error) -> String {
        let finalPath = path + "/" + EMLDirectory.fileName(for: messageID)
        let temporaryPath = path + "/.tmp-" + Digest.hex(Digest.randomBytes(8)) + ".partial"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Error(operation: "open", path: temporaryPath, errorNumber: errno) }
        var isOpen = true
        var isLinked = true
        defer {
            if isOpen { close(descriptor) }
            if isLinked { unlink(temporaryPath) }
        }
        var written = 0
        while written < message.count {
            let count = message.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Error(operation: "write", path: temporaryPath, errorNumber: errno)
            }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw Error(operation: "fsync", path: temporaryPath, errorNumber: errno) }
        isOpen = false
        guard close(descriptor) == 0 else { throw Error(operation: "close", path: temporaryPath, errorNumber: errno) }
        guard rename(temporaryPath, finalPath) == 0 else { throw Error(operation: "rename", path: finalPath, errorNumber: errno) }
        isLinked = false
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw Error(operation: "open", path: path, errorNumber: errno) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw Error(operation: "fsync", path: path, errorNumber: errno) }
        return finalPath
    }
}
