/// A function of the expression language: its signatures for the type checker and one
/// implementation that dispatches on the run-time values.
///
/// Keeping one implementation per function (not per overload) means evaluation never searches an
/// overload list: the checker validates the call once, and the implementation's `switch` picks the
/// case.
public struct Function: Sendable {
    /// One typed form of the function, for checking.
    public struct Signature: Sendable {
        /// Receiver style (`s.startsWith(p)`): the receiver is the first parameter.
        public var isReceiver: Bool
        public var parameters: [CELType]
        public var result: CELType

        public init(receiver: Bool = false, _ parameters: [CELType], _ result: CELType) {
            self.isReceiver = receiver
            self.parameters = parameters
            self.result = result
        }
    }

    public enum Implementation: Sendable {
        case unary(@Sendable (Value) throws(EvalError) -> Value)
        case binary(@Sendable (Value, Value) throws(EvalError) -> Value)
        case ternary(@Sendable (Value, Value, Value) throws(EvalError) -> Value)
        case variadic(@Sendable ([Value]) throws(EvalError) -> Value)

        func call(_ args: [Value]) throws(EvalError) -> Value {
            switch self {
            case .unary(let f): try f(args[0])
            case .binary(let f): try f(args[0], args[1])
            case .ternary(let f): try f(args[0], args[1], args[2])
            case .variadic(let f): try f(args)
            }
        }
    }

    public var name: String
    public var signatures: [Signature]
    /// Implementations by argument count (receiver included).
    public var implementations: [Int: Implementation]
    /// Pure functions of constant arguments are evaluated once, when the expression is compiled.
    public var isPure: Bool

    public init(_ name: String, pure: Bool = true, signatures: [Signature], implementations: [Int: Implementation]) {
        self.name = name
        self.signatures = signatures
        self.implementations = implementations
        self.isPure = pure
    }
}

/// The set of functions an expression can call.
public struct FunctionLibrary: Sendable {
    public private(set) var functions: [String: Function] = [:]

    public init() {}

    public mutating func add(_ function: Function) {
        if var existing = functions[function.name] {
            existing.signatures += function.signatures
            existing.implementations.merge(function.implementations) { _, new in new }
            functions[function.name] = existing
        } else {
            functions[function.name] = function
        }
    }

    public subscript(name: String) -> Function? { functions[name] }

    /// Every function name a user can call (for "did you mean" suggestions).
    public var callableNames: [String] {
        functions.keys.filter { !$0.hasPrefix("_") && !$0.hasPrefix("@") && !$0.hasSuffix("_") }.sorted()
    }
}

// MARK: Small helpers for writing the library tables

func sig(_ parameters: [CELType], _ result: CELType) -> Function.Signature {
    Function.Signature(receiver: false, parameters, result)
}

func method(_ parameters: [CELType], _ result: CELType) -> Function.Signature {
    Function.Signature(receiver: true, parameters, result)
}

let typeA = CELType.parameter("A")
let typeB = CELType.parameter("B")
