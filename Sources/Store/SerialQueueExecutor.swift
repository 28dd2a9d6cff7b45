internal import Dispatch

/// A serial executor backed by its own `DispatchQueue` (GRDB's `DispatchQueueActor` idea).
///
/// ``Store`` runs on one of these so that blocking `sqlite3_step` calls (and `fsync` at commit)
/// occupy a thread of its own, never one of the cooperative pool's (one per core).
///
/// `@unchecked Sendable`: the only state is an immutable `let` of a queue, which is itself safe to
/// use from any thread (Linux's Dispatch does not mark `DispatchQueue` `Sendable`).
final class SerialQueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
