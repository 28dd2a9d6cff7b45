import Dispatch
import Glibc

/// An actor that owns one curl easy handle and runs its blocking transfers on a serial dispatch
/// queue of its own, so `curl_easy_perform` never blocks a thread of Swift's cooperative pool.
///
/// Transfers on one worker run one at a time, in the order they were requested; a daemon that wants
/// mail and webhooks (or several endpoints) to proceed side by side makes one worker per lane.
/// The handle keeps its connection cache between transfers (webhook keep-alive); SMTP sessions are
/// closed after each mail. Creating the first worker ignores `SIGPIPE` process-wide: with
/// `CURLOPT_NOSIGNAL` libcurl no longer does, and OpenSSL may raise it on a closed socket.
public actor CurlWorker {
    nonisolated let executor: DispatchQueueExecutor
    private let easy: CurlEasy

    /// The actor runs on its own queue (the GRDB `DispatchQueueActor` pattern).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// - Parameter label: the dispatch queue's label, shown in debuggers and crash logs.
    public init(label: String = "diacert.delivery.curl") {
        _ = ignoreSIGPIPE
        executor = DispatchQueueExecutor(label: label)
        easy = CurlEasy()
    }

    /// Runs `body` with the handle, on the worker's queue.
    func withHandle<Result: Sendable>(_ body: @Sendable (CurlEasy) -> Result) -> Result {
        body(easy)
    }
}

/// A `SerialExecutor` that runs jobs on one serial `DispatchQueue`.
///
/// `@unchecked Sendable`: its only state is an immutable reference to a queue, which is thread safe.
final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    func checkIsolated() { dispatchPrecondition(condition: .onQueue(queue)) }
}

/// Ignores `SIGPIPE` once for the process (NIO does the same on Linux).
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
