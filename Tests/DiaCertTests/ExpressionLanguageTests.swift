import Diagnostics
import Testing

@testable import ExpressionLanguage

/// Compiles and runs `source` with the given variables; returns the value or the error.
private func run(
    _ source: String, dialect: Environment.Dialect = .cel, _ bindings: [String: (CELType, Value)] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> Result<Value, EvalError> {
    var environment = Environment(dialect: dialect)
    for (name, binding) in bindings { environment.declare(name, binding.0) }
    let compilation = environment.compile(source)
    let program = try #require(compilation.program, "\(compilation.issues)", sourceLocation: sourceLocation)
    let activation = Activation(size: program.frameSize)
    for (name, binding) in bindings { activation.bind(environment.variable(name)!.slot, binding.1) }
    do throws(EvalError) {
        return .success(try program.evaluate(activation))
    } catch {
        return .failure(error)
    }
}

private func value(_ source: String, dialect: Environment.Dialect = .cel, _ bindings: [String: (CELType, Value)] = [:])
    throws -> Value?
{
    try run(source, dialect: dialect, bindings).get()
}

private func decimal(_ text: String) -> Value { .decimal(ExactDecimal(text)!) }

private func issues(_ source: String, _ bindings: [String: CELType] = [:]) -> [ExpressionIssue] {
    var environment = Environment(dialect: .rules)
    for (name, type) in bindings { environment.declare(name, type) }
    return environment.compile(source).issues
}

@Suite struct DecimalArithmeticTests {
    @Test func reductionPercentageIsExact() throws {
        let bindings: [String: (CELType, Value)] = ["base": (.decimal, decimal("1.4")), "cur": (.decimal, decimal("1.05"))]
        #expect(try value("(base - cur) / base * 100 >= 25", bindings)?.isEqual(to: .bool(true)) == true)
        #expect(try value("(base - cur) / base * 100 == 25", bindings)?.isEqual(to: .bool(true)) == true)
        // In binary floating point the same computation falls short of 25.
        #expect((1.4 - 1.05) / 1.4 * 100 < 25)
        #expect(try value("(double(base) - double(cur)) / double(base) * 100.0 >= 25.0", bindings)?.isEqual(to: .bool(false)) == true)
    }

    @Test func literalsNextToDecimalsAreReadAtTheirWrittenValue() throws {
        let bindings: [String: (CELType, Value)] = ["x": (.decimal, decimal("0.3"))]
        #expect(try value("x == 0.1 + 0.2", bindings)?.isEqual(to: .bool(false)) == true)  // 0.1 + 0.2 is a double sum
        #expect(try value("x - 0.1 == 0.2", bindings)?.isEqual(to: .bool(true)) == true)
        #expect(try value("x * 3", bindings)?.isEqual(to: decimal("0.9")) == true)
        #expect(try value("0.1 + 0.2 == 0.3", dialect: .rules)?.isEqual(to: .bool(true)) == true)
    }

    @Test func decimalsMixWithInts() throws {
        let bindings: [String: (CELType, Value)] = ["kwh": (.decimal, decimal("412000")), "employees": (.int, .int(48))]
        let result = try value("kwh * 0.000452 + employees", dialect: .rules, bindings)
        #expect(result.map { Format.display($0) } == "234.224")
        #expect(try value("employees * 0.9", dialect: .rules, bindings).map { Format.display($0) } == "43.2")
    }

    @Test(arguments: [
        ("round(2.345, 2)", "2.35"), ("round(-2.345, 2)", "-2.35"), ("round(2.5)", "3"), ("round(-2.5)", "-3"),
        ("round(1234.5, -2)", "1200"), ("round(0.125, 2)", "0.13"),
    ])
    func roundIsHalfUp(source: String, expected: String) throws {
        #expect(try value(source, dialect: .rules).map { Format.display($0) } == expected)
    }

    @Test func divisionByZeroIsAnError() throws {
        let result = try run("1.5 / (2.0 - 2.0)", dialect: .rules)
        guard case .failure(let error) = result else { Issue.record("expected an error"); return }
        #expect(error.message == "division by zero")
        #expect(error.offset == 4)
    }
}

@Suite struct AggregateTests {
    @Test func sumMinMax() throws {
        #expect(try value("sum([1, 2, 3])")?.isEqual(to: .int(6)) == true)
        #expect(try value("sum([])")?.isEqual(to: .int(0)) == true)
        #expect(try value("sum([1.5, 2, 0.25])", dialect: .rules).map { Format.display($0) } == "3.75")
        #expect(try value("min([3, 1, 2])")?.isEqual(to: .int(1)) == true)
        #expect(try value("max([3.5, 1, 2])", dialect: .rules).map { Format.display($0) } == "3.5")
        #expect(try value("max(0, min(30, 42.5))", dialect: .rules).map { Format.display($0) } == "30")
        #expect(try value("size([1, 2]) + size('日本語') + size({'a': 1})")?.isEqual(to: .int(6)) == true)
        guard case .failure(let error) = try run("min([])") else { Issue.record("expected an error"); return }
        #expect(error.message == "min() of an empty list")
    }

    @Test func sumOverAMappedListOfRecords() throws {
        let item = RecordType(name: "investment", fields: [.init(name: "annual_reduction_t", type: .decimal)])
        let plan = Value.list([
            .record(RecordValue(type: item, fields: [decimal("38.5")])),
            .record(RecordValue(type: item, fields: [decimal("1.25")])),
        ])
        let result = try value("sum(plan.map(i, i.annual_reduction_t))", dialect: .rules, ["plan": (.list(.record(item)), plan)])
        #expect(result.map { Format.display($0) } == "39.75")
    }
}

@Suite struct SemanticsTests {
    @Test func errorsAreAbsorbedByLogicalOperators() throws {
        #expect(try value("false && 1 / 0 > 0")?.isEqual(to: .bool(false)) == true)
        #expect(try value("1 / 0 > 0 && false")?.isEqual(to: .bool(false)) == true)
        #expect(try value("1 / 0 > 0 || true")?.isEqual(to: .bool(true)) == true)
        guard case .failure = try run("1 / 0 > 0 || false") else { Issue.record("expected an error"); return }
        #expect(try value("[1, 0].exists(x, 1 / x == 1)")?.isEqual(to: .bool(true)) == true)
        #expect(try value("[0, 1].all(x, 1 / x == 7)")?.isEqual(to: .bool(false)) == true)
    }

    @Test(arguments: [
        "9223372036854775807 + 1", "-9223372036854775808 - 1", "9223372036854775807 * 2", "-(-9223372036854775808)",
        "18446744073709551615u + 1u", "0u - 1u", "-9223372036854775808 / -1", "int(18446744073709551615u)",
    ])
    func integerOverflowIsAnError(source: String) throws {
        guard case .failure(let error) = try run(source) else { Issue.record("\(source) should overflow"); return }
        #expect(error.message.contains("overflow"))
    }

    @Test func numericEqualityAcrossTypes() throws {
        #expect(try value("dyn(1) == 1.0 && dyn(1u) == 1 && [1, 2.0] == [1u, 2]")?.isEqual(to: .bool(true)) == true)
        #expect(try value("{1: 'a'}[1u] == 'a'")?.isEqual(to: .bool(true)) == true)
    }

    @Test func stringsAreCodePoints() throws {
        #expect(try value("size('株式会社サンプル①')")?.isEqual(to: .int(9)) == true)
        #expect(try value("'ダイア5市'.charAt(3)")?.isEqual(to: .string("5")) == true)
        #expect(try value("'ダイア5市'.substring(1, 3)")?.isEqual(to: .string("イア")) == true)
        #expect(try value("'é' == 'e\\u0301'")?.isEqual(to: .bool(false)) == true)
    }

    @Test func macros() throws {
        #expect(try value("[1, 2, 3].map(x, x * 2)")?.isEqual(to: .list([.int(2), .int(4), .int(6)])) == true)
        #expect(try value("[1, 2, 3].filter(x, x > 1)")?.isEqual(to: .list([.int(2), .int(3)])) == true)
        #expect(try value("[1, 2, 3].exists_one(x, x > 2)")?.isEqual(to: .bool(true)) == true)
        #expect(try value("['step1', 'step2'].all(s, s.startsWith('step'))")?.isEqual(to: .bool(true)) == true)
        #expect(try value("{'a': 1, 'b': 2}.exists(k, k == 'b')")?.isEqual(to: .bool(true)) == true)
    }

    @Test func missingDataIsNeverASilentFalse() throws {
        let target = RecordType(
            name: "target", displayName: "dossier.target",
            fields: [.init(name: "year", type: .int, optional: true), .init(name: "sbt", type: .bool)])
        let dossier = RecordType(name: "dossier", fields: [.init(name: "target", type: .record(target))])
        let value = Value.record(RecordValue(type: dossier, fields: [.record(RecordValue(type: target, fields: [nil, .bool(false)]))]))
        let bindings: [String: (CELType, Value)] = ["dossier": (.record(dossier), value)]

        guard case .failure(let error) = try run("dossier.target.year <= 2030", bindings) else {
            Issue.record("expected missing data")
            return
        }
        #expect(error.missingFields == ["dossier.target.year"])
        // false on the other side decides the result; the missing year does not matter.
        #expect(try run("dossier.target.sbt && dossier.target.year <= 2030", bindings).get().isEqual(to: Value.bool(false)))
        #expect(try run("has(dossier.target.year)", bindings).get().isEqual(to: Value.bool(false)))
        #expect(try run("has(dossier.target.sbt)", bindings).get().isEqual(to: Value.bool(true)))
    }

    @Test func timestampsAndZones() throws {
        let deadline = "timestamp('2027-06-30T14:59:59.999999999Z')"
        #expect(try value("timestamp('2027-06-30T23:59:59+09:00') <= \(deadline)")?.isEqual(to: .bool(true)) == true)
        #expect(try value("timestamp('2027-07-01T00:00:01+09:00') <= \(deadline)")?.isEqual(to: .bool(false)) == true)
        #expect(try value("\(deadline).getDate('Asia/Tokyo')")?.isEqual(to: .int(30)) == true)
    }
}

@Suite struct DiagnosticsTests {
    private let company = RecordType(
        name: "company", displayName: "dossier.company",
        fields: [.init(name: "employees", type: .int), .init(name: "industry", type: .string)])

    @Test func unknownFieldSuggestsTheNearestName() throws {
        let dossier = RecordType(name: "dossier", fields: [.init(name: "company", type: .record(company))])
        let found = issues("dossier.company.employes > 5", ["dossier": .record(dossier)])
        let issue = try #require(found.first)
        #expect(issue.message.en == "unknown field 'employes' in dossier.company; did you mean 'employees'?")
        #expect(issue.message.ja?.contains("employees") == true)
        #expect(issue.offset == 16)
    }

    @Test func typeMismatchNamesBothTypes() throws {
        let found = issues("employees > 'many'", ["employees": .int])
        #expect(found.first?.message.en == "cannot compare int with string using '>'")
        let plus = issues("name + 1", ["name": .string])
        #expect(plus.first?.message.en == "cannot apply '+' to string and int")
    }

    @Test func unknownNamesAndFunctions() throws {
        #expect(issues("employes", ["employees": .int]).first?.message.en == "unknown name 'employes'; did you mean 'employees'?")
        #expect(issues("summ([1])").first?.message.en == "unknown function 'summ'; did you mean 'sum'?")
    }

    @Test func syntaxErrorsSayWhatWasExpected() throws {
        #expect(issues("employees >= ").first?.message.en == "expected an expression, found end of expression")
        #expect(issues("(1 + 2").first?.message.en == "expected ')' to close '(', found end of expression")
        #expect(issues("1 ＋ 2").first?.message.en == "unexpected character '＋'; this is a full-width character, use '+'")
        #expect(issues("1 ＋ 2").first?.message.ja == "'＋' はここでは使えません。全角文字です。半角の '+' を使ってください")
    }

    @Test func spreadsheetStyleOperatorsSuggestTheRightOnes() throws {
        let equal = issues("employees = 10", ["employees": .int]).first
        #expect(equal?.message.en == "unexpected character '='; to compare, write '==' (equal) or '!=' (not equal)")
        #expect(equal?.offset == 10)
        #expect(issues("true & false").first?.message.en == "unexpected character '&'; write '&&' for \"and\"")
        #expect(issues("true | false").first?.message.en == "unexpected character '|'; write '||' for \"or\"")
        let and = issues("true and false").first
        #expect(and?.message.en == "'and' is not an operator here; write '&&' for \"and\"")
        #expect(and?.message.ja == "'and' は演算子ではありません。「かつ」は '&&' と書きます")
        #expect(issues("true OR false").first?.message.en == "'OR' is not an operator here; write '||' for \"or\"")
        // A name called `and` is still a name where a name can stand.
        #expect(issues("and", ["and": .bool]).isEmpty)
    }

    @Test func issuesRenderWithFileLineColumnAndCaret() throws {
        let file = "rules/certification.yaml"
        let line = "    when: dossier.company.employes > 5"
        let source = SourceText(path: file, text: "criteria:\n  - id: x\n\(line)\n")
        let dossier = RecordType(name: "dossier", fields: [.init(name: "company", type: .record(company))])
        let expression = "dossier.company.employes > 5"
        let issue = try #require(issues(expression, ["dossier": .record(dossier)]).first)
        let diagnostic = issue.diagnostic(in: expression) { Diagnostics.SourceLocation(file: file, line: 3, column: 11 + $0) }
        let rendered = DiagnosticRenderer(sources: [source]).render(diagnostic)
        let caret = String(repeating: " ", count: 4 + 26) + "^"
        #expect(
            rendered.split(separator: "\n").map(String.init) == [
                "rules/certification.yaml:3:27: error: unknown field 'employes' in dossier.company; did you mean 'employees'?",
                "    " + line,
                caret,
            ])
    }
}
