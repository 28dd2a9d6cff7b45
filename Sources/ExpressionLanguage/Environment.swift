import Diagnostics

/// The names and functions expressions may use, and the entry point that turns text into a
/// runnable `Program`.
///
/// Declaring a variable gives it a slot: checked expressions read that slot directly, so
/// evaluation never looks a name up.
public struct Environment: Sendable {
    /// How numeric literals are read.
    public enum Dialect: Sendable {
        /// Standard CEL: `1.5` is a double (except next to a decimal, where it is read exactly).
        case cel
        /// Rule files: every literal with a point or exponent is an exact decimal, so policy staff
        /// never meet binary floating point.
        case rules
    }

    public struct Variable: Sendable {
        public var name: String
        public var type: CELType
        public var slot: Int
    }

    public var dialect: Dialect
    public var library: FunctionLibrary
    public private(set) var variables: [String: Variable] = [:]
    /// Names bound to a fixed value for every evaluation (data tables): expressions on them are
    /// folded when checked, and a missing key is reported then.
    public private(set) var constants: [String: (value: Value, type: CELType)] = [:]
    public private(set) var slotCount = 0

    public init(dialect: Dialect = .cel, library: FunctionLibrary = .standard) {
        self.dialect = dialect
        self.library = library
    }

    /// Declares `name` (which may contain dots: `a.b.c`) with a type; returns its slot. Declaring a
    /// name again replaces its type and keeps its slot.
    @discardableResult
    public mutating func declare(_ name: String, _ type: CELType) -> Int {
        if let existing = variables[name] {
            variables[name]?.type = type
            return existing.slot
        }
        let slot = slotCount
        slotCount += 1
        variables[name] = Variable(name: name, type: type, slot: slot)
        return slot
    }

    public func variable(_ name: String) -> Variable? { variables[name] }

    /// Binds `name` to a value known before any evaluation.
    public mutating func declareConstant(_ name: String, _ value: Value, type: CELType) {
        constants[name] = (value, type)
    }

    /// Parses, checks and compiles `source`.
    ///
    /// - Parameters:
    ///   - checked: when false, type errors and unknown names are not reported but become
    ///     evaluation errors (CEL's "disable check" mode, used by conformance cases).
    ///   - expecting: the type the expression must have (`bool` for a condition); a mismatch is an error.
    public func compile(_ source: String, checked: Bool = true, expecting: CELType? = nil) -> Compilation {
        let (expr, parseIssues) = Parser.parse(source)
        if parseIssues.contains(where: { $0.severity == .error }) {
            return Compilation(source: source, program: nil, checked: nil, issues: parseIssues)
        }
        var checker = Checker(environment: self, lenient: !checked)
        var node = checker.check(expr)
        var issues = parseIssues + checker.issues
        if let expecting, checked, !issues.contains(where: { $0.severity == .error }) {
            if expecting == .decimal, node.type == .int || node.type == .uint {
                node = CheckedNode(offset: node.offset, type: .decimal, kind: node.kind)
            } else if !Checker.isAssignable(node.type, to: expecting) {
                issues.append(
                    ExpressionIssue(
                        code: "expr.result-type",
                        .init(
                            "expression must give \(expecting.displayName), but gives \(node.type.displayName)",
                            ja: "式の結果は \(expecting.displayName) でなければなりませんが、\(node.type.displayName) になります"),
                        offset: node.offset))
            }
        }
        if issues.contains(where: { $0.severity == .error }) {
            return Compilation(source: source, program: nil, checked: node, issues: issues)
        }
        let program = Program(source: source, checked: node, frameSize: max(slotCount, checker.highestSlot + 1))
        return Compilation(source: source, program: program, checked: node, issues: issues)
    }
}

/// The outcome of compiling one expression.
public struct Compilation: Sendable {
    public var source: String
    public var program: Program?
    public var checked: CheckedNode?
    public var issues: [ExpressionIssue]
}

/// A compiled expression, ready to evaluate many times.
///
/// A class: rule engines keep thousands of programs in their rule model and call them for every
/// dossier; passing a reference costs one retain where copying the struct would cost several.
public final class Program: Sendable {
    public let source: String
    public let checked: CheckedNode
    /// The number of activation slots this program needs (declared variables plus comprehension variables).
    public let frameSize: Int
    let run: Evaluator
    /// The same expression as a closure giving a Swift `Bool` (for conditions).
    let runBool: BoolEvaluator

    init(source: String, checked: CheckedNode, frameSize: Int) {
        self.source = source
        self.checked = checked
        self.frameSize = frameSize
        let compiler = Compiler()
        run = compiler.compile(checked)
        runBool = compiler.compileBool(checked)
    }

    public var type: CELType { checked.type }

    /// Evaluates against the values bound in `activation` (sized at least `frameSize`).
    @inline(__always)
    public func evaluate(_ activation: Activation) throws(EvalError) -> Value {
        try run(activation)
    }

    /// Evaluates a condition: true or false, or the error (a non-bool result is an error too).
    @inline(__always)
    public func evaluateBool(_ activation: Activation) throws(EvalError) -> Bool {
        try runBool(activation)
    }

    /// Evaluates a condition held by an unretained reference (the caller keeps the program alive),
    /// touching no reference counts: for loops that run many programs for every evaluation.
    @inline(__always)
    public static func evaluateBool(_ program: Unmanaged<Program>, _ activation: Activation) throws(EvalError) -> Bool {
        var failure: EvalError?
        let holds = program._withUnsafeGuaranteedRef { program in
            do throws(EvalError) {
                return try program.runBool(activation)
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return holds
    }

    /// Evaluates a program held by an unretained reference (see `evaluateBool(_:_:)`).
    @inline(__always)
    public static func evaluate(_ program: Unmanaged<Program>, _ activation: Activation) throws(EvalError) -> Value {
        var failure: EvalError?
        let value = program._withUnsafeGuaranteedRef { program -> Value in
            do throws(EvalError) {
                return try program.run(activation)
            } catch {
                failure = error
                return .null
            }
        }
        if let failure { throw failure }
        return value
    }
}

/// One evaluation's variable values, by slot.
///
/// The slots live in memory the activation owns, so that reading a variable is one pointer access
/// (no array bounds or exclusivity checks on the hot path). Not thread safe: each evaluation, or
/// each worker thread, uses its own activation.
public final class Activation {
    public enum Slot {
        case unbound
        case value(Value)
        /// A let whose expression failed: reading it fails the same way.
        case failed(EvalError)
    }

    let slots: UnsafeMutablePointer<Slot>
    /// For slots that hold a record, an unretained reference to it (the slot keeps it alive), so
    /// that reading `dossier.company.employees` touches no reference counts.
    let records: UnsafeMutablePointer<Unmanaged<RecordValue>?>
    public let size: Int

    /// An activation with `size` slots, all unbound; use the largest `Program.frameSize` of the
    /// programs that will run on it.
    public init(size: Int) {
        self.size = size
        slots = .allocate(capacity: max(size, 1))
        slots.initialize(repeating: .unbound, count: max(size, 1))
        records = .allocate(capacity: max(size, 1))
        records.initialize(repeating: nil, count: max(size, 1))
    }

    deinit {
        slots.deinitialize(count: max(size, 1))
        slots.deallocate()
        records.deallocate()
    }

    public subscript(slot: Int) -> Slot {
        get {
            precondition(slot >= 0 && slot < size, "slot \(slot) outside activation of size \(size)")
            return slots[slot]
        }
        set {
            precondition(slot >= 0 && slot < size, "slot \(slot) outside activation of size \(size)")
            set(slot, newValue)
        }
    }

    /// Every write goes through here so that the record cache stays in step with the slot.
    @inline(__always)
    func set(_ slot: Int, _ newValue: __owned Slot) {
        if case .value(.record(let record)) = newValue {
            records[slot] = Unmanaged.passUnretained(record)
        } else {
            records[slot] = nil
        }
        slots[slot] = newValue
    }

    /// Binds a value (moved into the slot, the old one released in place).
    @inline(__always)
    func bindValue(_ slot: Int, _ value: __owned Value) {
        if case .record(let record) = value {
            records[slot] = Unmanaged.passUnretained(record)
        } else {
            records[slot] = nil
        }
        slots[slot] = .value(value)
    }

    /// Binds a value; an owned argument (a temporary, as most are) is moved into the slot, not copied.
    public func bind(_ slot: Int, _ value: __owned Value) {
        precondition(slot >= 0 && slot < size, "slot \(slot) outside activation of size \(size)")
        bindValue(slot, value)
    }
    public func fail(_ slot: Int, _ error: EvalError) { self[slot] = .failed(error) }
    public func unbind(_ slot: Int) { self[slot] = .unbound }

    /// Unbinds every slot.
    public func reset() {
        for slot in 0..<size { set(slot, .unbound) }
    }
}

@available(*, unavailable)
extension Activation: Sendable {}
