import Foundation
import Testing

@testable import ConformanceRunner

private let celDirectory = SharedMaterial.path("conformance/cel")

/// The cel-spec conformance cases in `../shared/conformance/cel`, with the thresholds the project
/// committed to: at least 97 % of each core file, at least 85 % of the extensions.
@Suite struct CELConformanceTests {
    static let coreFiles = [
        "basic", "comparisons", "logic", "integer_math", "fp_math", "string", "lists", "macros", "conversions",
        "timestamps", "parse", "plumbing", "namespace", "fields",
    ]
    static let extensionFiles = ["string_ext", "macros2"]

    @Test(
        .enabled(if: celDirectory != nil, "../shared/conformance/cel not found from the package root (or set DIACERT_SHARED)"),
        arguments: coreFiles.map { ($0, 0.97) } + extensionFiles.map { ($0, 0.85) })
    func fileMeetsItsThreshold(file: String, threshold: Double) throws {
        let path = try #require(celDirectory) + "/\(file).json"
        let report = try CELConformance.run(paths: [path])
        let counts = try #require(report.groups[file])
        #expect(counts.passed + counts.failed + counts.skipped > 0)
        #expect(counts.passRate >= threshold, "\(file): \(report.text)")
    }

    @Test func everySkipNamesItsReason() {
        for (id, reason) in CELSkips.reasons {
            #expect(id.split(separator: "/").count == 3, "skip id \(id) is file/section/name")
            #expect(!reason.isEmpty, "skip \(id) needs a reason")
        }
    }
}
