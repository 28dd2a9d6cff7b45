import Diagnostics
import Testing
import YAMLLoader

/// Loads one document that must load, failing the test (at the caller) with the diagnostics otherwise.
func loadYAML(
    _ text: String,
    path: String = "test.yaml",
    limits: YAMLLimits = YAMLLimits(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> YAMLNode {
    switch YAMLLoader.loadDocument(text, path: path, limits: limits) {
    case .success(let node): return node
    case .failure(let error):
        Issue.record("unexpected load failure: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The diagnostics of a load that must fail.
func yamlErrors(
    _ bytes: [UInt8],
    path: String = "test.yaml",
    limits: YAMLLimits = YAMLLimits(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> [Diagnostic] {
    switch YAMLLoader.loadStream(bytes, path: path, limits: limits) {
    case .success(let documents):
        Issue.record("expected a load failure, loaded \(documents.count) document(s)", sourceLocation: sourceLocation)
        throw LoadedUnexpectedly()
    case .failure(let error): return error.diagnostics
    }
}

func yamlErrors(
    _ text: String,
    path: String = "test.yaml",
    limits: YAMLLimits = YAMLLimits(),
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> [Diagnostic] {
    try yamlErrors(Array(text.utf8), path: path, limits: limits, sourceLocation: sourceLocation)
}

struct LoadedUnexpectedly: Error {}

/// The single diagnostic of a failed accessor call.
func accessorError<T>(
    _ result: Result<T, DiagnosticError>,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> Diagnostic {
    switch result {
    case .success(let value):
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        throw LoadedUnexpectedly()
    case .failure(let error):
        #expect(error.diagnostics.count == 1, sourceLocation: sourceLocation)
        return try #require(error.diagnostics.first, sourceLocation: sourceLocation)
    }
}
