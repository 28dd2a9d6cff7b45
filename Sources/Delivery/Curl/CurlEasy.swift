internal import CCurlShim
internal import CCurl

/// A libcurl failure: the curl code and curl's error buffer.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "curl error \(code): \(message)" }
}

/// Called exactly once, before any other thread touches curl.
private let initializeLibcurl: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

/// One libcurl easy handle.
///
/// Intentionally not thread safe and not `Sendable`: one delivery worker owns a handle.
public final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// curl writes failure details here; it must outlive every transfer, so it is heap memory we own.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    public init() {
        _ = initializeLibcurl
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = CCurlShim_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Without NOSIGNAL, curl uses SIGALRM for timeouts, which is unsafe in a threaded process.
        _ = CCurlShim_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// The libcurl version string (`7.88.1`).
    public static var libraryVersion: String { String(cString: curl_version_info(CURLVERSION_TENTH).pointee.version) }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(CCurlShim_easy_setopt_long(handle, option, value))
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        try check(CCurlShim_easy_setopt_string(handle, option, value))
    }

    func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw CurlError(code: Int32(code.rawValue), message: message)
        }
    }

    /// Fetches `url` and returns the body (used for smoke tests and `file://` reads).
    public func get(_ url: String, timeoutSeconds: Int = 10) throws(CurlError) -> [UInt8] {
        let sink = ByteSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        errorBuffer[0] = 0
        try set(CURLOPT_URL, url)
        try set(CURLOPT_TIMEOUT, timeoutSeconds)
        try check(CCurlShim_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
        try check(CCurlShim_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { pointer, size, count, user in
            let sink = Unmanaged<ByteSink>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
            }
            return length
        })
        try check(curl_easy_perform(handle))
        return sink.bytes
    }

    /// The last response code (HTTP status, SMTP reply code).
    public var responseCode: Int {
        var code = 0
        _ = CCurlShim_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}

/// Collects response bytes from curl's write callback.
final class ByteSink {
    var bytes: [UInt8] = []
}
