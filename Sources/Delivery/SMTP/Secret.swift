import Glibc

/// A password or key that never shows up in logs: its description, debug description and mirror are
/// `<redacted>`. Read the value with ``revealed`` only where it is handed to libcurl.
public struct SecretString: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself.
    public let revealed: String

    public init(_ value: String) { revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Reads a secret (the SMTP password) from a file, e.g. one given by systemd's `LoadCredential=`
/// (`$CREDENTIALS_DIRECTORY/smtp-password`) or a root-owned `0600` / `root:diacert 0640` file.
public enum SecretFile {
    /// Why a secret file was refused. The text names the file and the rule, never the content.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "secret file \(path): \(reason)" }
    }

    /// The file's content less one trailing newline (`\n` or `\r\n`).
    ///
    /// Refused: anything but a regular file; a file others may read, write or execute, or the group
    /// may write (`chmod 600` or `640`); more than 64 KiB; empty content; a NUL byte (libcurl takes C
    /// strings); content that is not UTF-8.
    public static func read(path: String) throws(Error) -> SecretString {
        func fail(_ reason: String) -> Error { Error(path: path, reason: reason) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail("cannot stat: \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw fail("not a regular file") }
        let mode = status.st_mode & 0o777
        guard mode & 0o027 == 0 else {
            throw fail("mode \(String(mode, radix: 8)) lets others read it or the group write it; chmod 600 (or 640) the file")
        }
        let limit = 64 * 1024
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            guard bytes.count <= limit else { throw fail("larger than 64 KiB") }
        }
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty else { throw fail("empty") }
        guard !bytes.contains(0) else { throw fail("contains a NUL byte") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("not UTF-8") }
        return SecretString(text)
    }
}
