/// Why an evaluation produced no value.
///
/// Two kinds, both absorbed by `&&`, `||`, `?:` and the macros the way CEL absorbs errors
/// (`false && <error>` is false):
/// - a failure: division by zero, overflow, a type mismatch found at run time;
/// - missing data: the expression needs a field the dossier does not have. Rules report this as
///   `unknown` and name the fields, never as a silent false.
public struct EvalError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case failure(String)
        /// The dotted paths of the absent fields (`dossier.target.year`).
        case missing([String])
    }

    public var kind: Kind
    /// UTF-8 byte offset of the expression node that failed, when known.
    public var offset: Int?

    public init(_ message: String, offset: Int? = nil) {
        kind = .failure(message)
        self.offset = offset
    }

    public init(missing paths: [String], offset: Int? = nil) {
        kind = .missing(paths)
        self.offset = offset
    }

    public var isMissing: Bool {
        if case .missing = kind { return true }
        return false
    }

    public var missingFields: [String] {
        if case .missing(let paths) = kind { return paths }
        return []
    }

    public var message: String {
        switch kind {
        case .failure(let message): message
        case .missing(let paths): "missing data: " + paths.joined(separator: ", ")
        }
    }

    public var description: String { message }

    /// Combines the errors of both sides of `&&`/`||` when neither side decides: missing data wins
    /// over failures (more data may make the result decidable), and missing fields accumulate.
    func merged(with other: EvalError) -> EvalError {
        switch (kind, other.kind) {
        case (.missing(let a), .missing(let b)):
            var paths = a
            for path in b where !paths.contains(path) { paths.append(path) }
            return EvalError(missing: paths, offset: offset)
        case (.missing, _): return self
        case (_, .missing): return other
        default: return self
        }
    }

    func at(_ offset: Int) -> EvalError {
        var copy = self
        if copy.offset == nil { copy.offset = offset }
        return copy
    }
}

extension EvalError {
    static func noOverload(_ function: String, _ args: [Value]) -> EvalError {
        let types = args.map { $0.type.displayName }.joined(separator: ", ")
        return EvalError("no such overload: \(displayName(of: function))(\(types))")
    }

    static let divisionByZero = EvalError("division by zero")
    static let moduloByZero = EvalError("modulus by zero")
    static let intOverflow = EvalError("int overflow")
    static let uintOverflow = EvalError("uint overflow")
}

/// The name of a function or operator as a user writes it (`+`, not `_+_`).
func displayName(of function: String) -> String {
    switch function {
    case "_+_": "+"
    case "_-_": "-"
    case "_*_": "*"
    case "_/_": "/"
    case "_%_": "%"
    case "-_": "unary -"
    case "!_": "!"
    case "_==_": "=="
    case "_!=_": "!="
    case "_<_": "<"
    case "_<=_": "<="
    case "_>_": ">"
    case "_>=_": ">="
    case "_&&_": "&&"
    case "_||_": "||"
    case "_?_:_": "?:"
    case "_[_]": "[]"
    case "@in": "in"
    default: function
    }
}
