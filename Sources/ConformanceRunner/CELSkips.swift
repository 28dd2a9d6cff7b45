/// CEL conformance cases DiaCert does not run, each with the reason. Keyed `file/section/name`.
enum CELSkips {
    static let reasons: [String: String] = [:]
}
