import Diagnostics
import Testing

@testable import ExpressionLanguage

/// The typed kernels (conditions, ints and decimals without intermediate values, fields read in
/// place, comprehension bodies on elements, constant tables) must agree with the general `Value`
/// closures on every result and every error: the same value of the same kind, the same message,
/// the same missing fields with full paths, the same offset.
@Suite struct TypedKernelTests {
    private static let item = RecordType(
        name: "item",
        fields: [.init(name: "id", type: .string), .init(name: "t", type: .decimal, optional: true), .init(name: "n", type: .int)])
    private static let inner = RecordType(
        name: "inner",
        fields: [
            .init(name: "x", type: .decimal, optional: true), .init(name: "k", type: .int, optional: true),
            .init(name: "s", type: .string, optional: true),
        ])
    private static let dossier = RecordType(
        name: "dossier",
        fields: [
            .init(name: "a", type: .int), .init(name: "d", type: .decimal, optional: true), .init(name: "inner", type: .record(inner), optional: true),
            .init(name: "items", type: .list(.record(item))), .init(name: "tags", type: .list(.string)), .init(name: "name", type: .string),
            .init(name: "flag", type: .bool, optional: true),
        ])
    private static let row = RecordType(name: "a row of tables.t", fields: [.init(name: "f", type: .int), .init(name: "g", type: .decimal, optional: true)])

    private static func decimal(_ text: String) -> Value { .decimal(ExactDecimal(text)!) }

    private static var table: Value {
        var map = MapValue()
        _ = try? map.insert(key: .string("abc"), value: .record(RecordValue(type: row, fields: [.int(2), decimal("0.5")])))
        _ = try? map.insert(key: .string("é"), value: .record(RecordValue(type: row, fields: [.int(0), nil])))
        return .map(map)
    }

    private static func item(_ id: String, _ t: String?, _ n: Int64) -> Value {
        .record(RecordValue(type: item, fields: [.string(id), t.map(decimal), .int(n)]))
    }

    /// Dossiers with every field present, and with each kind of gap.
    private static var dossiers: [Value] {
        let full = RecordValue(
            type: dossier,
            fields: [
                .int(5), decimal("2.50"),
                .record(RecordValue(type: inner, fields: [decimal("1.25"), .int(7), .string("abc")])),
                .list([item("x", "1.5", 3), item("z", "2.25", 4), item("x", "0.1", 1)]), .list([.string("a"), .string("b")]),
                .string("abc"), .bool(false),
            ])
        let sparse = RecordValue(
            type: dossier,
            fields: [.int(-3), nil, nil, .list([item("q", nil, 0), item("y", "3", 2)]), .list([]), .string("é"), nil])
        let partial = RecordValue(
            type: dossier,
            fields: [
                .int(Int64.max), decimal("0"), .record(RecordValue(type: inner, fields: [nil, nil, nil])), .list([]),
                .list([.string("b"), .string("e\u{301}")]), .string("nope"), .bool(true),
            ])
        return [.record(full), .record(sparse), .record(partial)]
    }

    private static let expressions = [
        // ints: fused comparisons, arithmetic, overflow, division
        "dossier.a >= 3", "dossier.a < 0", "dossier.a + 1 > dossier.a * 2", "dossier.a * 2 > 0", "dossier.a / 0 > 1", "dossier.a - 1",
        "dossier.a * 4", "dossier.a / 2",
        // decimals: fields and lets against constants, arithmetic, ?:, otherwise, has
        "dossier.d >= 2", "dossier.d > 2.5", "dossier.d * 1.5 + dossier.a", "(has(dossier.inner.x) ? dossier.inner.x : 0) + 1",
        "otherwise(dossier.inner.x, 7) / 2", "has(dossier.inner.k) ? dossier.inner.k / 2 : 7 / 2", "dossier.inner.x * 3 >= dossier.d",
        "v > 1", "v * 2", "v >= 0 || dossier.a > 100", "(dossier.d - v) / dossier.d * 100", "max(0, min(30, dossier.d))", "min(dossier.a, 2)",
        "max(dossier.a, v)",
        // sums, sizes, distinct
        "sum(dossier.items.map(i, i.t))", "sum(dossier.items.map(i, i.n)) * 10 >= dossier.a", "sum(dossier.items.map(i, i.t)) >= v * 0.10",
        "size(dossier.items) > 1", "size(distinct(dossier.items.map(i, i.id)))", "size(dossier.name)", "size(dossier.tags) >= 1",
        // quantifiers on elements, membership, equality
        "dossier.items.exists(i, i.id in ['x', 'y'])", "dossier.items.exists(i, i.t > 2)", "dossier.tags.exists(t, t in ['b'])",
        "dossier.items.all(i, i.n > 0)", "'b' in dossier.tags", "dossier.name in ['é', 'abc']", "dossier.name == 'abc'",
        "dossier.name != 'e\u{301}'", "dossier.name in tables.t", "dossier.inner.s in ['abc']",
        // constant tables
        "tables.t[dossier.name].f > 1", "tables.t[dossier.name].g", "tables.t[dossier.name]",
        // presence, missing data, error absorption
        "has(dossier.inner.x)", "has(dossier.inner)", "has(dossier.inner.k) && dossier.inner.k > 1", "dossier.flag || dossier.a > 1",
        "dossier.inner.k > 1 && dossier.d > 1", "dossier.inner.x > 1 || dossier.d > 100", "!dossier.flag", "dossier.flag == true",
    ]

    private func describe(_ result: Result<Value, EvalError>) -> String {
        switch result {
        case .success(let value):
            if case .decimal(let d) = value { return "decimal \(d.coefficient)e-\(d.scale)" }
            return "\(value.type.displayName) \(Format.literal(value))"
        case .failure(let error):
            return "error \(error.message) missing=\(error.missingFields) at \(error.offset.map(String.init) ?? "-")"
        }
    }

    @Test func kernelsAgreeWithTheGeneralClosures() throws {
        var environment = Environment(dialect: .rules)
        environment.declare("dossier", .record(Self.dossier))
        environment.declare("v", .decimal)
        environment.declareConstant("tables", .map({ var m = MapValue(); _ = try? m.insert(key: .string("t"), value: Self.table); return m }()), type: .map(.string, .dyn))
        for source in Self.expressions {
            let compilation = environment.compile(source)
            let program = try #require(compilation.program, "\(source): \(compilation.issues)")
            let typed = Compiler().compile(program.checked)
            let typedBool = Compiler().compileBool(program.checked)
            let general = Compiler(kernels: false).compile(program.checked)
            let generalBool = Compiler(kernels: false).compileBool(program.checked)
            for dossier in Self.dossiers {
                // `v` is a let that computed, or one that failed for lack of data.
                for v in [Result<Value, EvalError>.success(Self.decimal("12.5")), .success(.int(3)), .failure(EvalError(missing: ["dossier.base.t"]))] {
                    let activation = Activation(size: program.frameSize)
                    activation.bind(environment.variable("dossier")!.slot, dossier)
                    switch v {
                    case .success(let value): activation.bind(environment.variable("v")!.slot, value)
                    case .failure(let error): activation.fail(environment.variable("v")!.slot, error)
                    }
                    func run(_ evaluator: Evaluator) -> Result<Value, EvalError> {
                        do throws(EvalError) { return .success(try evaluator(activation)) } catch { return .failure(error) }
                    }
                    func runBool(_ evaluator: BoolEvaluator) -> Result<Value, EvalError> {
                        do throws(EvalError) { return .success(.bool(try evaluator(activation))) } catch { return .failure(error) }
                    }
                    #expect(describe(run(typed)) == describe(run(general)), "\(source) on \(Format.literal(dossier)), v = \(describe(v))")
                    if program.type == .bool {
                        #expect(describe(runBool(typedBool)) == describe(runBool(generalBool)), "\(source) as a condition, v = \(describe(v))")
                    }
                }
            }
        }
    }

    @Test func missingDataNamesFullPathsThroughTheKernels() throws {
        var environment = Environment(dialect: .rules)
        environment.declare("dossier", .record(Self.dossier))
        let sparse = Self.dossiers[1]
        for (source, missing) in [
            // The field asked for is named, even when its parent is what is absent.
            ("dossier.inner.k > 1 && dossier.d > 1", ["dossier.inner.k", "dossier.d"]),
            ("dossier.d * 2 + dossier.inner.x > 0", ["dossier.d", "dossier.inner.x"]),
            ("has(dossier.inner.x)", ["dossier.inner.x"]),
            ("sum(dossier.items.map(i, i.t)) > 0", ["i.t"]),
        ] {
            let program = try #require(environment.compile(source).program)
            let activation = Activation(size: program.frameSize)
            activation.bind(environment.variable("dossier")!.slot, sparse)
            do throws(EvalError) {
                _ = try program.evaluateBool(activation)
                Issue.record("\(source) should lack data")
            } catch {
                #expect(error.missingFields == missing, "\(source)")
            }
        }
    }

    @Test func decimalKernelsAreExactAndKeepIntsInts() throws {
        var environment = Environment(dialect: .rules)
        environment.declare("dossier", .record(Self.dossier))
        let full = Self.dossiers[0]
        for (source, expected) in [
            ("(dossier.d - 1.05) / dossier.d * 100", "58"), ("dossier.d * 0.000452 + dossier.a", "5.00113"),
            ("has(dossier.inner.k) ? dossier.inner.k / 2 : 0", "3"), ("sum(dossier.items.map(i, i.t))", "3.85"),
            ("sum(dossier.items.map(i, i.n))", "8"),
        ] {
            let program = try #require(environment.compile(source).program)
            let activation = Activation(size: program.frameSize)
            activation.bind(environment.variable("dossier")!.slot, full)
            let value = try program.evaluate(activation)
            #expect(Format.display(value) == expected, "\(source)")
            if expected == "3" || expected == "8" { #expect(value.type == .int, "\(source) stays an int") }
        }
    }
}
