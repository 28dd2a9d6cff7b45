import Foundation

/// Material under `../shared` (conformance suites, peer benchmarks), read where it lives and never
/// copied into the repository.
///
/// `../shared` is resolved from the package root; a git worktree sits deeper, so each ancestor's
/// `shared` is tried too, and `DIACERT_SHARED` overrides. Where none exists (someone's own
/// clone), tests that need it are disabled with a message saying so.
enum SharedMaterial {
    static func path(_ relative: String) -> String? {
        var candidates: [String] = []
        if let shared = ProcessInfo.processInfo.environment["DIACERT_SHARED"] { candidates.append(shared + "/" + relative) }
        var directory = packageRoot
        while directory.path != "/" {
            directory.deleteLastPathComponent()
            candidates.append(directory.appendingPathComponent("shared/" + relative).path)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The repository's root directory (where Package.swift is).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
