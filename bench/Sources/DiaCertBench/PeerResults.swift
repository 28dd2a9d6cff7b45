import Foundation

/// The numbers of `../shared/bench/peers` (the same policy in six other engines, measured on this
/// kind of machine through their Python bindings), printed beside DiaCert's.
enum PeerResults {
    static func printSideBySide(shared: String, diaCertRate: Double) {
        let directory = "\(shared)/bench/peers/results"
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory),
            let latest = files.filter({ $0.hasPrefix("results-") && $0.hasSuffix(".md") }).sorted().last,
            let text = try? String(contentsOfFile: "\(directory)/\(latest)", encoding: .utf8)
        else {
            print("\n(peer results not found under \(directory); run ../shared/bench/peers/run_all.sh to compare)")
            return
        }
        print("")
        print("Side by side with \(directory)/\(latest) (same policy, 100,000 dossiers, one core):")
        print("engine".padding(toLength: 44, withPad: " ", startingAt: 0) + "dossiers/s".leftPadded(12) + "   DiaCert is")
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 5, cells[2] == "per-dossier" || cells[2] == "batch" || cells[2].hasPrefix("batch"),
                let rate = Double(cells[4].replacingOccurrences(of: ",", with: ""))
            else { continue }
            let name = "\(cells[1]) (\(cells[2]))"
            print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + format(rate).leftPadded(12) + String(format: "   ×%.0f faster", diaCertRate / rate))
        }
    }
}
