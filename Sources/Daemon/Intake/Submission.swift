import Foundation

/// `diacert submit`: puts dossier files into the daemon's spool.
///
/// Each file is written under a hidden name, synced, then renamed to `<time>-<nonce>-<name>`, so the
/// daemon never reads half a file. `<time>` (Unix nanoseconds, `DIACERT_FAKE_NOW` honoured) is
/// the receipt time the daemon records and judges the deadline by.
public enum Submission {
    /// Places every file; returns the spool names in the same order.
    public static func place(_ paths: [String], configuration: DaemonConfiguration, environment: [String: String]) throws -> [String] {
        let layout = StateLayout(root: configuration.stateDirectory)
        try layout.create()
        let clock = DaemonClock(environment: environment)
        var names: [String] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw OperatorError("cannot read \(path)")
            }
            let name = Intake.spoolName(for: path, at: clock.now)
            try StateLayout.writeAtomically([UInt8](data), directory: layout.incoming, name: name)
            names.append(name)
        }
        return names
    }
}
