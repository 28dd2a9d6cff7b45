public import Foundation

/// What to do with an outbox row after an attempt.
public enum RetryDecision: Sendable, Hashable {
    /// Delivered: mark the row sent.
    case sent
    /// Try again at (not before) this instant.
    case retry(at: Date)
    /// Give up: the last attempt failed, or the peer refused for good. Keep the row for manual replay
    /// and tell someone by another channel.
    case dead
    /// HTTP 410: disable the endpoint (and stop this row).
    case disableEndpoint
}

/// When to retry a failed delivery: exponential backoff with jitter, `Retry-After` honoured, a bounded
/// number of attempts.
///
/// A pure function of its inputs and the random source, so a seeded generator makes it reproducible.
/// Jitter is *full* by default (uniform between 0 and the backoff, AWS's "full jitter"), which needs no
/// memory of earlier delays; *decorrelated* jitter does need the previous delay and so would have to be
/// stored in the outbox row — full jitter spreads retries as well and keeps the row stateless.
public struct RetryPolicy: Sendable, Hashable {
    /// The nominal delay after the n-th failed attempt, before jitter.
    public enum Schedule: Sendable, Hashable {
        /// `initial × multiplier^(n−1)`, at most `cap`.
        case exponential(initial: Duration, multiplier: Int, cap: Duration)
        /// The n-th entry after the n-th failure; the last entry repeats.
        case table([Duration])
    }

    public enum Jitter: Sendable, Hashable {
        /// Exactly the schedule.
        case none
        /// Uniform in `0…delay`.
        case full
        /// `delay/2` plus uniform in `0…delay/2`: never sooner than half the schedule.
        case equal
    }

    public var schedule: Schedule
    public var jitter: Jitter
    /// Attempts in all, the first included; the attempt numbered `maxAttempts` is the last.
    public var maxAttempts: Int
    /// A permanent refusal (SMTP 5xx) ends the row when the attempt number reaches this. `1` (the
    /// default): never retried. Raise it for relays known to answer 5xx for passing conditions.
    public var permanentFailureAttempts: Int
    /// `Retry-After` is honoured up to this bound (default 24 h), so a receiver cannot park a row forever.
    public var maxRetryAfter: Duration

    public init(
        schedule: Schedule, jitter: Jitter = .full, maxAttempts: Int, permanentFailureAttempts: Int = 1,
        maxRetryAfter: Duration = .seconds(24 * 3600)
    ) {
        precondition(maxAttempts >= 1 && permanentFailureAttempts >= 1, "attempt limits start at 1")
        self.schedule = schedule
        self.jitter = jitter
        self.maxAttempts = maxAttempts
        self.permanentFailureAttempts = permanentFailureAttempts
        self.maxRetryAfter = maxRetryAfter
    }

    /// 10 s × 2^(n−1), capped at 6 h, full jitter, 18 attempts: the nominal schedule spans about 51 h
    /// (2.8 h of doubling, then 6-hourly); with full jitter about half that on average.
    public static let standard = RetryPolicy(
        schedule: .exponential(initial: .seconds(10), multiplier: 2, cap: .seconds(6 * 3600)), maxAttempts: 18)

    /// The Standard Webhooks example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after the
    /// successive failures, 10 attempts (≈ 75 h), equal jitter so the spacing never shrinks below half.
    public static let standardWebhooks = RetryPolicy(
        schedule: .table([
            .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000),
            .seconds(50400), .seconds(72000), .seconds(86400),
        ]),
        jitter: .equal, maxAttempts: 10)

    /// The nominal delay after failed attempt number `attempt` (1-based), before jitter.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        precondition(attempt >= 1, "attempts are numbered from 1")
        switch schedule {
        case .exponential(let initial, let multiplier, let cap):
            var delay = initial
            for _ in 1..<attempt {
                guard delay < cap else { break }
                delay *= multiplier
            }
            return min(delay, cap)
        case .table(let delays):
            return delays.isEmpty ? .zero : delays[min(attempt, delays.count) - 1]
        }
    }

    /// The decision after attempt number `attempt` (1-based) ended with `outcome` at `now`.
    ///
    /// A retry is scheduled at `now + jittered backoff`, but never before `now + Retry-After` (bounded
    /// by ``maxRetryAfter``).
    public func decide(
        attempt: Int, outcome: DeliveryOutcome, now: Date, using generator: inout some RandomNumberGenerator
    ) -> RetryDecision {
        precondition(attempt >= 1, "attempts are numbered from 1")
        let retryAfter: Int?
        switch outcome {
        case .delivered:
            return .sent
        case .gone:
            return .disableEndpoint
        case .permanent:
            guard attempt < permanentFailureAttempts, attempt < maxAttempts else { return .dead }
            retryAfter = nil
        case .retryable(let seconds):
            guard attempt < maxAttempts else { return .dead }
            retryAfter = seconds
        }
        var delay = jittered(backoff(afterAttempt: attempt), using: &generator)
        if let retryAfter, retryAfter > 0 {
            delay = max(delay, min(.seconds(retryAfter), maxRetryAfter))
        }
        return .retry(at: now.addingTimeInterval(delay.timeInterval))
    }

    /// ``decide(attempt:outcome:now:using:)`` with the system's random source.
    public func decide(attempt: Int, outcome: DeliveryOutcome, now: Date) -> RetryDecision {
        var generator = SystemRandomNumberGenerator()
        return decide(attempt: attempt, outcome: outcome, now: now, using: &generator)
    }

    private func jittered(_ delay: Duration, using generator: inout some RandomNumberGenerator) -> Duration {
        let milliseconds = max(0, delay.wholeMilliseconds)
        switch jitter {
        case .none:
            return delay
        case .full:
            return .milliseconds(Int64.random(in: 0...milliseconds, using: &generator))
        case .equal:
            let half = milliseconds / 2
            return .milliseconds(half + Int64.random(in: 0...(milliseconds - half), using: &generator))
        }
    }
}

/// A small seedable generator (SplitMix64) for reproducible schedules in tests and simulations.
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
