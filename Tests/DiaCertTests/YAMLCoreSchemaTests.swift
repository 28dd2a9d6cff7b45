import Diagnostics
import Testing
import YAMLLoader

/// Core-schema typing and the schema-directed accessors.
@Suite struct YAMLCoreSchemaTests {}

extension YAMLCoreSchemaTests {
    @Test(arguments: [
        ("", YAMLValue.null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("false", .bool(false)),
        ("False", .bool(false)), ("FALSE", .bool(false)),
        ("42", .int(text: "42")), ("-7", .int(text: "-7")), ("+3", .int(text: "+3")), ("012025", .int(text: "012025")),
        ("0o17", .int(text: "0o17")), ("0x1F", .int(text: "0x1F")),
        ("123456789012345678901234567890", .int(text: "123456789012345678901234567890")),
        ("1.50", .float(text: "1.50")), ("1e3", .float(text: "1e3")), (".5", .float(text: ".5")),
        ("-2.5E-3", .float(text: "-2.5E-3")),
        (".inf", .float(text: ".inf")), ("-.Inf", .float(text: "-.Inf")), (".NaN", .float(text: ".NaN")),
        // YAML 1.1 forms and near misses stay strings.
        ("yes", .string("yes")), ("no", .string("no")), ("On", .string("On")), ("off", .string("off")),
        ("y", .string("y")),
        ("1_000", .string("1_000")), ("12:30", .string("12:30")), ("0b101", .string("0b101")), ("0x", .string("0x")),
        ("1.2.3", .string("1.2.3")), ("nan", .string("nan")), ("tRUE", .string("tRUE")), ("0o8", .string("0o8")),
        ("2024-04-01", .string("2024-04-01")), ("<<", .string("<<")),
    ])
    func plainScalarsResolveByTheCoreSchema(text: String, expected: YAMLValue) throws {
        let root = try loadYAML("v: \(text)\n")
        #expect(root["v"]?.coreValue == expected)
    }

    @Test(arguments: [
        ("\"true\"", YAMLValue.string("true")), ("'42'", .string("42")), ("\"\"", .string("")),
        ("'null'", .string("null")),
        ("|\n  12\n", .string("12\n")), (">-\n  false\n", .string("false")), ("! 12", .string("12")),
        ("!!str 42", .string("42")), ("!!int 42", .int(text: "42")), ("!!float 1", .float(text: "1")),
        ("!!bool true", .bool(true)), ("!!null", .null), ("!local 42", .string("42")),
        ("!!binary aGk=", .string("aGk=")),
    ])
    func onlyPlainUntaggedScalarsAreTyped(text: String, expected: YAMLValue) throws {
        let root = try loadYAML("v: \(text)\n")
        #expect(root["v"]?.coreValue == expected)
    }

    @Test func collectionsHaveNoCoreValue() throws {
        let root = try loadYAML("m: {a: 1}\ns: [1]\n")
        #expect(root["m"]?.coreValue == nil)
        #expect(root["s"]?.coreValue == nil)
        #expect(root["m"]?.isNull == false)
    }

    @Test(arguments: [
        ("31", "31"), ("0x1F", "31"), ("0o37", "31"), ("+031", "31"), ("31.0", "31"), ("3.1e1", "31"), ("310e-1", "31"),
        ("0.25", "25e-2"), ("100", "1e2"), ("-0", "0"), ("0.0", "0"), ("-1.50", "-15e-1"), (".inf", "inf"),
        ("-.INF", "-inf"), (".nan", "nan"), ("0xFFFFFFFFFFFFFFFFFF", "4722366482869645213695"),
    ])
    func canonicalNumbersCompareByValue(text: String, canonical: String) {
        #expect(YAMLValue.float(text: text).canonicalNumber == canonical)
    }

    @Test func nonNumbersHaveNoCanonicalForm() {
        #expect(YAMLValue.string("31").canonicalNumber == nil)
        #expect(YAMLValue.float(text: "abc").canonicalNumber == nil)
    }
}

// MARK: asString and asBool

extension YAMLCoreSchemaTests {
    @Test func asStringKeepsTheTextAsWritten() throws {
        let root = try loadYAML("code: 012025\nprice: 1.50\nflag: no\nquoted: \"true\"\nempty:\n")
        #expect(try root["code"]?.asString().get() == "012025")
        #expect(try root["price"]?.asString().get() == "1.50")
        #expect(try root["flag"]?.asString().get() == "no")
        #expect(try root["quoted"]?.asString().get() == "true")
        #expect(try root["empty"]?.asString().get() == "")
        let error = try accessorError(root.asString())
        #expect(error.description == "test.yaml:1:1: error: expected a string, found a mapping")
        #expect(error.message.text(in: .ja) == "文字列が必要ですが、マッピングが書かれています")
    }

    @Test func asBoolAcceptsCoreBooleansOnly() throws {
        let root = try loadYAML("a: true\nb: False\nc: !!bool TRUE\n")
        #expect(try root["a"]?.asBool().get() == true)
        #expect(try root["b"]?.asBool().get() == false)
        #expect(try root["c"]?.asBool().get() == true)
    }

    @Test func noIsAStringAndNotABoolean() throws {
        let root = try loadYAML("company:\n  listed: no\n", path: "dossier.yaml")
        let listed = try #require(root["company"]?["listed"])
        #expect(listed.coreValue == .string("no"))
        #expect(try listed.asString().get() == "no")
        let error = try accessorError(listed.asBool())
        #expect(error.code == YAMLDiagnosticCode.yaml11Boolean)
        #expect(
            error.description
                == "dossier.yaml:2:11: error: expected true or false, found 'no'; "
                + "YAML 1.1 words like yes/no/on/off are not booleans here"
        )
        #expect(
            error.message.text(in: .ja)
                == "true か false が必要ですが、'no' が書かれています。yes/no/on/off のような YAML 1.1 の語は、ここでは真偽値になりません"
        )
    }

    @Test(arguments: ["yes", "Yes", "NO", "on", "OFF", "y", "N"])
    func yaml11BooleanWordsAreErrors(word: String) throws {
        let root = try loadYAML("v: \(word)\n")
        let error = try accessorError(try #require(root["v"]).asBool())
        #expect(error.code == YAMLDiagnosticCode.yaml11Boolean)
        #expect(error.message.en.hasPrefix("expected true or false, found '\(word)'"))
    }

    @Test func quotedTrueIsAString() throws {
        let root = try loadYAML("v: \"true\"\n")
        let value = try #require(root["v"])
        #expect(value.coreValue == .string("true"))
        let error = try accessorError(value.asBool())
        #expect(error.code == YAMLDiagnosticCode.typeMismatch)
        #expect(
            error.description
                == "test.yaml:1:4: error: expected true or false, found a quoted string 'true'; remove the quotes"
        )
    }

    @Test func otherBoolMismatches() throws {
        let root = try loadYAML("a: 1\nb:\nc: [x]\nd: maybe\ne: !!str true\n")
        #expect(
            try accessorError(try #require(root["a"]).asBool()).message.en
                == "expected true or false, found the number '1'"
        )
        #expect(
            try accessorError(try #require(root["b"]).asBool()).message.en
                == "expected true or false, found an empty value"
        )
        #expect(
            try accessorError(try #require(root["c"]).asBool()).message.en == "expected true or false, found a sequence"
        )
        #expect(
            try accessorError(try #require(root["d"]).asBool()).message.en == "expected true or false, found 'maybe'"
        )
        #expect(
            try accessorError(try #require(root["e"]).asBool()).message.en
                == "expected true or false, found the string 'true' tagged !!str"
        )
    }
}

// MARK: Numbers

extension YAMLCoreSchemaTests {
    @Test(arguments: [
        ("42", Int64(42)), ("-7", -7), ("+3", 3), ("0", 0), ("0x1F", 31), ("0o17", 15), ("!!int 12", 12),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
    ])
    func asIntegerReadsCoreIntegers(text: String, expected: Int64) throws {
        #expect(try loadYAML("v: \(text)\n")["v"]?.asInteger().get() == expected)
    }

    @Test(arguments: [
        (
            "0755", YAMLDiagnosticCode.ambiguousLeadingZero,
            "'0755' is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write 755 or quote it"
        ),
        ("1_000", YAMLDiagnosticCode.digitSeparator, "digit separators are not allowed in '1_000'; write 1000"),
        (
            "12:30", YAMLDiagnosticCode.sexagesimal,
            "sexagesimal (base 60) value '12:30' is not a number; write it in decimal, or quote it if it is a time"
        ),
        ("1.5", YAMLDiagnosticCode.typeMismatch, "expected an integer, found the number '1.5'"),
        (
            "9223372036854775808", YAMLDiagnosticCode.integerOverflow,
            "integer '9223372036854775808' is out of range; it must be between -9223372036854775808 and 9223372036854775807"
        ),
        (
            "\"42\"", YAMLDiagnosticCode.typeMismatch,
            "expected an integer, found a quoted string '42'; remove the quotes"
        ),
        (
            "0b101", YAMLDiagnosticCode.typeMismatch,
            "expected an integer, found '0b101'; binary numbers are YAML 1.1 only; write it in decimal"
        ),
        ("!!str 5", YAMLDiagnosticCode.typeMismatch, "expected an integer, found the string '5' tagged !!str"),
        ("", YAMLDiagnosticCode.typeMismatch, "expected an integer, found an empty value"),
    ])
    func asIntegerRejectsAmbiguousAndNonIntegerText(text: String, code: String, message: String) throws {
        let root = try loadYAML("count: \(text)\n", path: "rules.yaml")
        let error = try accessorError(try #require(root["count"]).asInteger())
        #expect(error.code == code)
        #expect(error.description == "rules.yaml:1:\(text.isEmpty ? 7 : 8): error: \(message)")
    }

    @Test(arguments: [
        ("123", "123"), ("-4.5", "-4.5"), ("1e3", "1e3"), ("1.50", "1.50"), ("+5", "5"), (".5", "0.5"), ("5.", "5"),
        ("-2.5E-3", "-2.5e-3"), ("0.5", "0.5"), ("0", "0"), ("!!float 2.25", "2.25"), ("!!int 7", "7"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ])
    func asNumberTextGivesExactDecimalText(text: String, expected: String) throws {
        #expect(try loadYAML("v: \(text)\n")["v"]?.asNumberText().get() == expected)
    }

    @Test(arguments: [
        (
            "0755", YAMLDiagnosticCode.ambiguousLeadingZero,
            "'0755' is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write 755 or quote it"
        ),
        (
            "-0755", YAMLDiagnosticCode.ambiguousLeadingZero,
            "'-0755' is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write -755 or quote it"
        ),
        (
            "00.5", YAMLDiagnosticCode.ambiguousLeadingZero,
            "'00.5' is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write 0.5 or quote it"
        ),
        ("1_000", YAMLDiagnosticCode.digitSeparator, "digit separators are not allowed in '1_000'; write 1000"),
        ("1_000.5", YAMLDiagnosticCode.digitSeparator, "digit separators are not allowed in '1_000.5'; write 1000.5"),
        (
            "12:30", YAMLDiagnosticCode.sexagesimal,
            "sexagesimal (base 60) value '12:30' is not a number; write it in decimal, or quote it if it is a time"
        ),
        (
            "1:30:00.5", YAMLDiagnosticCode.sexagesimal,
            "sexagesimal (base 60) value '1:30:00.5' is not a number; write it in decimal, or quote it if it is a time"
        ),
        (".inf", YAMLDiagnosticCode.nonFinite, "expected a finite number, found '.inf'"),
        ("-.INF", YAMLDiagnosticCode.nonFinite, "expected a finite number, found '-.INF'"),
        (".nan", YAMLDiagnosticCode.nonFinite, "expected a finite number, found '.nan'"),
        ("\"42\"", YAMLDiagnosticCode.typeMismatch, "expected a number, found a quoted string '42'; remove the quotes"),
        ("'abc'", YAMLDiagnosticCode.typeMismatch, "expected a number, found a quoted string 'abc'"),
        (
            "0x1F", YAMLDiagnosticCode.typeMismatch,
            "expected a number, found the number '0x1F'; hexadecimal and octal numbers are not accepted here; write it in decimal"
        ),
        ("true", YAMLDiagnosticCode.typeMismatch, "expected a number, found the boolean 'true'"),
        ("~", YAMLDiagnosticCode.typeMismatch, "expected a number, found null ('~')"),
        ("ten", YAMLDiagnosticCode.typeMismatch, "expected a number, found 'ten'"),
        ("abc_1", YAMLDiagnosticCode.typeMismatch, "expected a number, found 'abc_1'"),
        ("|\n  5\n", YAMLDiagnosticCode.typeMismatch, "expected a number, found a block scalar"),
    ])
    func asNumberTextRejectsYAML11AndNonFiniteForms(text: String, code: String, message: String) throws {
        let root = try loadYAML("amount: \(text)\n", path: "rules.yaml")
        let error = try accessorError(try #require(root["amount"]).asNumberText())
        #expect(error.code == code)
        #expect(error.description == "rules.yaml:1:9: error: \(message)")
    }

    @Test func numberErrorsHaveJapaneseText() throws {
        let root = try loadYAML("a: 0755\nb: \"42\"\n")
        let leadingZero = try accessorError(try #require(root["a"]).asNumberText())
        #expect(
            leadingZero.message.text(in: .ja)
                == "'0755' は先頭が 0 のため曖昧です（YAML 1.1 では 8 進数、YAML 1.2 では 10 進数）。755 と書くか、引用符で囲んでください"
        )
        let quoted = try accessorError(try #require(root["b"]).asNumberText())
        #expect(quoted.message.text(in: .ja) == "数値が必要ですが、引用符で囲まれた文字列 '42' が書かれています。引用符を外してください")
    }

    @Test func collectionAccessors() throws {
        let root = try loadYAML("m: {a: 1}\ns: [1, 2]\n")
        #expect(try root["m"]?.asMapping().get().count == 1)
        #expect(try root["s"]?.asSequence().get().count == 2)
        let error = try accessorError(try #require(root["s"]).asMapping())
        #expect(error.description == "test.yaml:2:4: error: expected a mapping, found a sequence")
        #expect(
            try accessorError(try #require(root["m"]).asSequence()).message.en == "expected a sequence, found a mapping"
        )
    }
}
