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
        applyBaseOptions()
    }

    /// Options every transfer on this handle has; re-applied after `curl_easy_reset`.
    private func applyBaseOptions() {
        _ = CCurlShim_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Without NOSIGNAL, curl uses SIGALRM for timeouts, which is unsafe in a threaded process.
        // The process must then ignore SIGPIPE itself (CurlWorker does).
        _ = CCurlShim_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    }

    /// Forgets every option of the previous transfer (credentials, body pointers, headers), keeping the
    /// connection cache; `curl_easy_reset` leaves live connections alone.
    func reset() {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        applyBaseOptions()
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
        reset()
        let sink = ByteSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        defer { reset() }  // runs first: no option points at `sink` once it is released
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

// MARK: - Transfers used by the senders

/// What one transfer came to, read from the handle right after `curl_easy_perform`.
struct CurlTransferReport: Sendable, Equatable {
    /// The `CURLcode` (0 = `CURLE_OK`).
    var code: Int32
    /// curl's error buffer (or `curl_easy_strerror`) on failure; empty on success.
    var errorMessage: String
    /// The HTTP status or last SMTP reply code; 0 if the peer never answered.
    var responseCode: Int
    /// Bytes of the request body / mail uploaded.
    var uploadedBytes: Int64
    /// `Retry-After` in seconds as libcurl parsed it (delta or HTTP date); 0 if absent.
    var retryAfterSeconds: Int64

    var succeeded: Bool { code == 0 }
}

/// One SMTP submission: envelope and the exact message bytes (CRLF line ends).
struct SMTPTransferRequest: Sendable {
    var url: String
    /// A `curl_usessl` value.
    var useSSL: Int
    var username: String?
    var password: SecretString?
    var caFile: String?
    var connectTimeoutMilliseconds: Int
    var timeoutMilliseconds: Int
    /// `<a@b.jp>`.
    var mailFrom: String
    /// `<a@b.jp>` each.
    var recipients: [String]
    var message: [UInt8]
}

/// One HTTP POST of fixed bytes, no redirects.
struct HTTPPostRequest: Sendable {
    var url: String
    /// `Name: value` lines, already validated free of CR/LF.
    var headers: [String]
    var body: [UInt8]
    /// `CURLOPT_PROTOCOLS_STR`, e.g. `https` or `http,https`.
    var protocols: String
    var caFile: String?
    var userAgent: String
    /// `nil` disables proxies, including the `https_proxy` environment variables.
    var proxy: String?
    var connectTimeoutMilliseconds: Int
    var timeoutMilliseconds: Int
}

/// The message bytes handed to curl's read callback.
private final class ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

extension CurlEasy {
    /// Sends one mail. Runs `curl_easy_perform`: blocks the calling thread for up to the timeout.
    func sendMail(_ request: SMTPTransferRequest) -> CurlTransferReport {
        reset()
        let source = ByteSource(request.message)
        let unmanagedSource = Unmanaged.passRetained(source)
        defer { unmanagedSource.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(recipients) }
        for recipient in request.recipients { recipients = curl_slist_append(recipients, recipient) }
        // Runs before the releases above: drops the password and every pointer into this transfer.
        defer { reset() }
        do throws(CurlError) {
            try set(CURLOPT_URL, request.url)
            try set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            try set(CURLOPT_PROXY, "")
            try set(CURLOPT_USE_SSL, request.useSSL)
            if let caFile = request.caFile { try set(CURLOPT_CAINFO, caFile) }
            if let username = request.username { try set(CURLOPT_USERNAME, username) }
            if let password = request.password { try set(CURLOPT_PASSWORD, password.revealed) }
            try set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
            try set(CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
            // One SMTP session per mail, ended with QUIT: no idle connection to go stale between rounds.
            try set(CURLOPT_FORBID_REUSE, 1)
            try set(CURLOPT_MAIL_FROM, request.mailFrom)
            try check(CCurlShim_easy_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients))
            try set(CURLOPT_UPLOAD, 1)
            try check(CCurlShim_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.message.count)))
            try check(CCurlShim_easy_setopt_pointer(handle, CURLOPT_READDATA, unmanagedSource.toOpaque()))
            try check(CCurlShim_easy_setopt_read_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, user in
                let source = Unmanaged<ByteSource>.fromOpaque(user!).takeUnretainedValue()
                let length = min(size * count, source.bytes.count - source.offset)
                source.bytes.withUnsafeBufferPointer { bytes in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + source.offset, byteCount: length)
                }
                source.offset += length
                return length
            })
            try discardResponseBody()
        } catch {
            return report(setupFailure: error)
        }
        return performAndReport()
    }

    /// POSTs `request.body` exactly. Blocks the calling thread for up to the timeout.
    func post(_ request: HTTPPostRequest) -> CurlTransferReport {
        reset()
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headers) }
        for header in request.headers { headers = curl_slist_append(headers, header) }
        // One extra NUL so the buffer has an address even for an empty body; it is not sent.
        let storage = request.body + [0]
        return storage.withUnsafeBufferPointer { body in
            // Runs while `body` and `headers` are still valid: drops every pointer into this transfer.
            defer { reset() }
            do throws(CurlError) {
                try set(CURLOPT_URL, request.url)
                try set(CURLOPT_PROTOCOLS_STR, request.protocols)
                try set(CURLOPT_REDIR_PROTOCOLS_STR, request.protocols)
                try set(CURLOPT_FOLLOWLOCATION, 0)
                try set(CURLOPT_PROXY, request.proxy ?? "")
                if let caFile = request.caFile { try set(CURLOPT_CAINFO, caFile) }
                try set(CURLOPT_USERAGENT, request.userAgent)
                try set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
                try set(CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
                try set(CURLOPT_POST, 1)
                try check(CCurlShim_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                try check(CCurlShim_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress)))
                try check(CCurlShim_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
                try discardResponseBody()
            } catch {
                return report(setupFailure: error)
            }
            return performAndReport()
        }
    }

    private func discardResponseBody() throws(CurlError) {
        // Without a write function curl would write the response to stdout.
        try check(CCurlShim_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { _, size, count, _ in size * count })
    }

    private func report(setupFailure error: CurlError) -> CurlTransferReport {
        CurlTransferReport(code: error.code, errorMessage: error.message, responseCode: 0, uploadedBytes: 0, retryAfterSeconds: 0)
    }

    private func performAndReport() -> CurlTransferReport {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        var message = ""
        if code != CURLE_OK {
            let detail = String(cString: errorBuffer)
            message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }
        var uploaded: curl_off_t = 0
        _ = CCurlShim_easy_getinfo_off_t(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        var retryAfter: curl_off_t = 0
        _ = CCurlShim_easy_getinfo_off_t(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return CurlTransferReport(
            code: Int32(code.rawValue), errorMessage: message, responseCode: responseCode,
            uploadedBytes: Int64(uploaded), retryAfterSeconds: Int64(retryAfter))
    }
}
