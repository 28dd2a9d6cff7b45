import Foundation

extension Duration {
    /// Whole milliseconds (rounded down).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// For `CURLOPT_*TIMEOUT_MS`: at least 1, since curl reads 0 as "no timeout".
    var curlMilliseconds: Int { Int(clamping: max(1, wholeMilliseconds)) }

    /// Seconds for messages: `15`, `0.5`.
    var secondsText: String {
        let milliseconds = wholeMilliseconds
        return milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
    }

    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
