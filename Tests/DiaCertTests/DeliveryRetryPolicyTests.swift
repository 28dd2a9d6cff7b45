import Foundation
import Testing

@testable import Delivery

/// The retry schedule as a pure function.
@Suite struct DeliveryRetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_814_401_800)

    @Test func exponentialBackoffDoublesFromTenSecondsUpToSixHours() {
        let policy = RetryPolicy.standard
        let expected: [Int64] = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 21600, 21600]
        #expect((1...14).map { policy.backoff(afterAttempt: $0) } == expected.map { .seconds($0) })
        #expect(policy.backoff(afterAttempt: 10_000) == .seconds(21600))
    }

    @Test func withoutJitterTheScheduleIsExact() {
        var policy = RetryPolicy.standard
        policy.jitter = .none
        var generator = SeededRandomNumberGenerator(seed: 1)
        for attempt in 1..<policy.maxAttempts {
            let decision = policy.decide(attempt: attempt, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &generator)
            #expect(decision == .retry(at: Self.now.addingTimeInterval(policy.backoff(afterAttempt: attempt).timeInterval)))
        }
        #expect(policy.decide(attempt: policy.maxAttempts, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &generator) == .dead)
    }

    @Test(arguments: [RetryPolicy.Jitter.full, .equal])
    func jitterStaysWithinItsRangeAndIsReproducible(jitter: RetryPolicy.Jitter) {
        var policy = RetryPolicy.standard
        policy.jitter = jitter
        var first = SeededRandomNumberGenerator(seed: 42)
        var second = SeededRandomNumberGenerator(seed: 42)
        var distinct = Set<Date>()
        for attempt in 1..<policy.maxAttempts {
            for _ in 0..<20 {
                let decision = policy.decide(attempt: attempt, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &first)
                #expect(decision == policy.decide(attempt: attempt, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &second))
                guard case .retry(let at) = decision else {
                    Issue.record("expected a retry, got \(decision)")
                    continue
                }
                let delay = at.timeIntervalSince(Self.now)
                let nominal = policy.backoff(afterAttempt: attempt).timeInterval
                #expect(delay <= nominal)
                #expect(delay >= (jitter == .equal ? nominal / 2 - 0.001 : 0))
                distinct.insert(at)
            }
        }
        #expect(distinct.count > 100)
    }

    @Test func retryAfterIsAFloorAndIsBounded() {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let policy = RetryPolicy.standard
        for attempt in 1...5 {
            for _ in 0..<50 {
                let decision = policy.decide(attempt: attempt, outcome: .retryable(retryAfterSeconds: 2), now: Self.now, using: &generator)
                guard case .retry(let at) = decision else { Issue.record("expected a retry"); return }
                #expect(at >= Self.now.addingTimeInterval(2))
            }
        }
        let far = policy.decide(attempt: 1, outcome: .retryable(retryAfterSeconds: 999_999_999), now: Self.now, using: &generator)
        #expect(far == .retry(at: Self.now.addingTimeInterval(24 * 3600)))
        let hour = policy.decide(attempt: 1, outcome: .retryable(retryAfterSeconds: 3600), now: Self.now, using: &generator)
        #expect(hour == .retry(at: Self.now.addingTimeInterval(3600)))
    }

    @Test func outcomesMapToDecisions() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let policy = RetryPolicy.standard
        #expect(policy.decide(attempt: 1, outcome: .delivered, now: Self.now, using: &generator) == .sent)
        #expect(policy.decide(attempt: 3, outcome: .gone, now: Self.now, using: &generator) == .disableEndpoint)
        #expect(policy.decide(attempt: 1, outcome: .permanent, now: Self.now, using: &generator) == .dead)
        var lenient = policy
        lenient.permanentFailureAttempts = 3
        #expect(lenient.decide(attempt: 2, outcome: .permanent, now: Self.now, using: &generator) != .dead)
        #expect(lenient.decide(attempt: 3, outcome: .permanent, now: Self.now, using: &generator) == .dead)
        #expect(policy.decide(attempt: 17, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &generator) != .dead)
        #expect(policy.decide(attempt: 18, outcome: .retryable(retryAfterSeconds: nil), now: Self.now, using: &generator) == .dead)
    }

    @Test func standardWebhooksScheduleSpansAboutSeventyFiveHours() {
        let policy = RetryPolicy.standardWebhooks
        let total = (1..<policy.maxAttempts).map { policy.backoff(afterAttempt: $0).timeInterval }.reduce(0, +)
        #expect(total == 5 + 300 + 1800 + 7200 + 18000 + 36000 + 50400 + 72000 + 86400)
        #expect(abs(total / 3600 - 75.58) < 0.01)
        #expect(policy.decide(attempt: 10, outcome: .retryable(retryAfterSeconds: nil), now: Self.now) == .dead)
    }

    @Test func resultsMapToOutcomes() {
        let failure = DeliveryFailure(reason: "x")
        #expect(SMTPResult.delivered(reply: 250).outcome == .delivered)
        #expect(SMTPResult.transient(failure).outcome == .retryable(retryAfterSeconds: nil))
        #expect(SMTPResult.permanent(failure).outcome == .permanent)
        #expect(WebhookResult.delivered(status: 204).outcome == .delivered)
        #expect(WebhookResult.gone(status: 410).outcome == .gone)
        #expect(WebhookResult.retry(after: 2, failure).outcome == .retryable(retryAfterSeconds: 2))
    }
}
