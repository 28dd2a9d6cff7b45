import Synchronization

/// A compiled regular expression for `matches()`.
///
/// Swift's `Regex` understands the RE2 syntax CEL specifies for the common cases (classes,
/// groups, alternation, repetition, anchors). It runs with Unicode-scalar semantics so that `.`
/// matches one code point, as in RE2.
struct CompiledPattern: @unchecked Sendable {
    // Regex values are immutable once built; matching does not mutate them.
    private let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws(EvalError) {
        do {
            regex = try Regex(source).matchingSemantics(.unicodeScalar)
        } catch {
            throw EvalError("invalid regular expression '\(source)': \(error)")
        }
    }

    /// RE2 `matches` is a search: true when the pattern matches any part of the text.
    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}

/// Patterns compiled once per process; rules use a handful of constant patterns.
final class RegexCache: Sendable {
    static let shared = RegexCache()
    private let cache = Mutex<[String: CompiledPattern]>([:])

    func compile(_ source: String) throws(EvalError) -> CompiledPattern {
        if let hit = cache.withLock({ $0[source] }) { return hit }
        let compiled = try CompiledPattern(source)
        cache.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache[source] = compiled
        }
        return compiled
    }
}
