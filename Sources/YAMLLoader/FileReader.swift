#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Diagnostics

/// Reads whole files with POSIX calls, so a failure names its `errno` reason and a file over the
/// size limit is refused before it is read.
enum FileReader {
    static func contents(ofFile path: String, limit: Int) -> Result<[UInt8], DiagnosticError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return failure(path, errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return failure(path, errno: errno) }
        guard status.st_mode & S_IFMT != S_IFDIR else { return failure(path, errno: EISDIR) }
        if Int(status.st_size) > limit { return tooLarge(path, bytes: Int(status.st_size), limit: limit) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return failure(path, errno: errno)
            }
            bytes += chunk[0..<count]
            // The file may have grown since fstat, or be a pipe.
            if bytes.count > limit { return tooLarge(path, bytes: bytes.count, limit: limit) }
        }
    }

    private static func failure(_ path: String, errno code: Int32) -> Result<[UInt8], DiagnosticError> {
        let reason = String(cString: strerror(code))
        return .failure(
            DiagnosticError(.error(YAMLDiagnosticCode.readFailed, Messages.readFailed(path, reason: reason)))
        )
    }

    private static func tooLarge(_ path: String, bytes: Int, limit: Int) -> Result<[UInt8], DiagnosticError> {
        let location = SourceLocation(file: path, line: 1, column: 1)
        return .failure(
            DiagnosticError(
                .error(YAMLDiagnosticCode.tooLarge, Messages.tooLarge(bytes: bytes, limit: limit), at: location)
            )
        )
    }
}
