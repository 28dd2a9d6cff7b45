import Diagnostics
import Foundation
import Testing
import YAMLLoader

/// Loading: the node tree, positions, errors with positions, encoding, limits, aliases, duplicates.
@Suite struct YAMLLoaderTests {}

extension YAMLLoaderTests {
    @Test func buildsTreeWithPositionsInDocumentOrder() throws {
        let root = try loadYAML(
            """
            company:
              name: 株式会社ダイア
              employees: 12
            tags: [a, "b"]
            {名前: 値, x: 1}: complex
            """
        )
        #expect(root.keys == ["company", "tags"])
        #expect(root.mapping?.count == 3)
        let company = try #require(root["company"])
        #expect(company.keys == ["name", "employees"])
        #expect(company.start == Mark(line: 2, column: 3, offset: 11))
        let name = try #require(company["name"])
        #expect(name.scalar == YAMLScalar(text: "株式会社ダイア", style: .plain))
        #expect(name.location.description == "test.yaml:2:9")
        #expect(company["employees"]?.location.description == "test.yaml:3:14")
        let tags = try #require(root["tags"]?.sequence)
        #expect(tags.map(\.start.column) == [8, 11])
        #expect(tags[1].scalar?.style == .doubleQuoted)
        // Columns count Unicode scalars, so a key after Japanese text is at column 9.
        let complexKey = try #require(root.mapping?[2].key)
        #expect(complexKey.mapping?[1].key.location.description == "test.yaml:5:9")
        #expect(root.mapping?[2].value.scalar?.text == "complex")
    }

    @Test func lookupsMatchStringKeysOnly() throws {
        let root = try loadYAML("\"name\": a\n1: one\nempty:\nnull: x\n")
        #expect(root["name"]?.scalar?.text == "a")
        #expect(root.pair(forKey: "name")?.key.start == Mark(line: 1, column: 1, offset: 0))
        #expect(root["1"] == nil)
        #expect(root.value(forKey: "empty")?.isNull == true)
        #expect(root["null"] == nil)
        #expect(root["missing"] == nil)
        #expect(root.keys == ["name", "1", "empty", "null"])
        #expect(root["name"]?["x"] == nil)
    }

    @Test func mergeKeyIsAnOrdinaryKey() throws {
        let root = try loadYAML("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n")
        let derived = try #require(root["derived"])
        #expect(derived.keys == ["<<", "y"])
        #expect(derived["<<"]?["x"]?.coreValue == .int(text: "1"))
    }

    @Test func jsonInputLoads() throws {
        let root = try loadYAML(#"{"name": "ダイア", "count": 3, "ok": true, "ratio": 2.50, "items": [1, null, "x"]}"#)
        #expect(root["name"]?.coreValue == .string("ダイア"))
        #expect(root["count"]?.coreValue == .int(text: "3"))
        #expect(root["ok"]?.coreValue == .bool(true))
        #expect(root["ratio"]?.coreValue == .float(text: "2.50"))
        #expect(root["items"]?.sequence?.map(\.coreValue) == [.int(text: "1"), .null, .string("x")])
    }

    @Test func tagsAreExpanded() throws {
        let root = try loadYAML("a: !!str 42\nb: !local x\nc: ! 12\nd: plain\n")
        #expect(root["a"]?.tag == "tag:yaml.org,2002:str")
        #expect(root["b"]?.tag == "!local")
        #expect(root["c"]?.tag == "!")
        #expect(root["d"]?.tag == nil)
    }
}

// MARK: Syntax errors

extension YAMLLoaderTests {
    @Test func syntaxErrorNamesLineColumnAndContext() throws {
        let errors = try yamlErrors("root:\n  a: 1\n  - b\n", path: "rules.yaml")
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.code == YAMLDiagnosticCode.syntax)
        #expect(
            error.description
                == "rules.yaml:3:3: error: did not find expected key while parsing a block mapping that started at line 2"
        )
        #expect(error.message.text(in: .ja) == "期待したキーが見つかりません（2 行目から始まるブロックマッピングの解析中）")
    }

    @Test func unclosedFlowSequence() throws {
        let errors = try yamlErrors("a: 1\nb: [1, 2\nc: 3\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:3:2: error: did not find expected ',' or ']' while parsing a flow sequence that started at line 2"
            ]
        )
    }

    @Test func tabIndentationGetsAHint() throws {
        let errors = try yamlErrors("a:\n\tb: 1\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:2:1: error: found character that cannot start any token while scanning for the next token; "
                    + "indent with spaces, not tabs"
            ]
        )
    }

    @Test func ampersandsAfterATagGetAHint() throws {
        // `when: !x && y` unquoted: `!x` is a tag, then `&&` starts an anchor.
        let errors = try yamlErrors("when: !x && y\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:1:11: error: did not find expected alphabetic or numeric character while scanning an anchor; "
                    + "'&' at the start of a value (or after a '!' tag) begins a YAML anchor; put an expression using '&&' in quotes"
            ]
        )
    }

    @Test func colonInPlainValueGetsAHint() throws {
        let errors = try yamlErrors("key: value: other\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:1:11: error: mapping values are not allowed in this context; "
                    + "put the value in quotes if it contains ': '"
            ]
        )
    }
}

// MARK: Encoding

extension YAMLLoaderTests {
    @Test(arguments: [
        (Array("a: b\nc: d".utf8) + [0xFF, 0x0A], "2:5", "0xFF"),
        // A truncated two-byte sequence is reported where the sequence starts.
        (Array("a: b\nc: d\ne: é".utf8) + [0xC3] + Array("x\n".utf8), "3:5", "0xC3"),
        (Array("名前: 値".utf8) + [0x80], "1:6", "0x80"),
        // An overlong encoding of '/'.
        (Array("k: ".utf8) + [0xC0, 0xAF], "1:4", "0xC0"),
    ])
    func invalidUTF8IsReportedAtItsLineAndColumn(bytes: [UInt8], position: String, byte: String) throws {
        let errors = try yamlErrors(bytes, path: "dossier.yaml")
        #expect(
            errors.map(\.description) == [
                "dossier.yaml:\(position): error: invalid UTF-8 byte \(byte); save the file as UTF-8"
            ]
        )
        #expect(errors.first?.code == YAMLDiagnosticCode.encoding)
    }

    @Test func controlCharacterIsReportedAtItsPosition() throws {
        let errors = try yamlErrors(Array("a: b\nc: \u{0}\n".utf8))
        #expect(
            errors.map(\.description) == [
                "test.yaml:2:4: error: control character U+0000 is not allowed in YAML; is the file UTF-16? save it as UTF-8"
            ]
        )
    }

    @Test func byteOrderMarkIsAcceptedAndNotCounted() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: 1\nb: ダイア\n".utf8)
        let root = try YAMLLoader.loadDocument(bytes, path: "bom.yaml").get()
        #expect(root["a"]?.start == Mark(line: 1, column: 4, offset: 3))
        #expect(root["b"]?.coreValue == .string("ダイア"))
    }

    @Test func utf16IsRefusedClearly() throws {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("a: 1".utf8).flatMap { [$0, 0] }
        let errors = try yamlErrors(bytes)
        #expect(
            errors.map(\.description) == ["test.yaml:1:1: error: input is UTF-16 or UTF-32; save the file as UTF-8"]
        )
    }

    @Test func crlfLineBreaksCountAsOne() throws {
        let root = try loadYAML("a: 1\r\nb:\r\n  c: 2\r\n")
        #expect(root["b"]?["c"]?.location.description == "test.yaml:3:6")
    }
}

// MARK: Documents

extension YAMLLoaderTests {
    @Test func streamLoadsEveryDocument() throws {
        let documents = try YAMLLoader.loadStream("a: 1\n---\nb: 2\n...\n---\n", path: "s.yaml").get()
        #expect(documents.count == 3)
        #expect(documents[0]["a"]?.coreValue == .int(text: "1"))
        #expect(documents[1]["b"]?.start.line == 3)
        #expect(documents[2].isNull)
        #expect(try YAMLLoader.loadStream("", path: "s.yaml").get().isEmpty)
        #expect(try YAMLLoader.loadStream("# only a comment\n", path: "s.yaml").get().isEmpty)
    }

    @Test func documentMustBeSingle() throws {
        let result = YAMLLoader.loadDocument("a: 1\n---\nb: 2\n", path: "one.yaml")
        let error = try accessorError(result)
        #expect(error.code == YAMLDiagnosticCode.multipleDocuments)
        #expect(
            error.description
                == "one.yaml:2:1: error: expected one document, found a second one; remove the '---' line or split the file"
        )
    }

    @Test func emptyDocumentIsANullAtTheStart() throws {
        let node = try loadYAML("")
        #expect(node.isNull)
        #expect(node.start == .start)
        #expect(try loadYAML("---\n...\n").isNull)
    }

    @Test func filesLoadAndReadFailuresAreReported() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-yaml-\(UUID()).yaml")
        try Data("name: ダイア\nflag: no\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let root = try YAMLLoader.loadDocument(atPath: url.path).get()
        #expect(root["name"]?.location == SourceLocation(file: url.path, line: 1, column: 7))
        #expect(try YAMLLoader.loadStream(atPath: url.path).get().count == 1)

        let tooSmall = YAMLLimits(maxBytes: 4)
        let large = try accessorError(YAMLLoader.loadDocument(atPath: url.path, limits: tooSmall))
        #expect(large.code == YAMLDiagnosticCode.tooLarge)
        #expect(large.description == "\(url.path):1:1: error: input is 25 bytes, more than the limit of 4 bytes")

        let missing = try accessorError(YAMLLoader.loadDocument(atPath: "/nonexistent/rules.yaml"))
        #expect(missing.code == YAMLDiagnosticCode.readFailed)
        #expect(missing.description == "error: cannot read '/nonexistent/rules.yaml': No such file or directory")
    }
}

// MARK: Duplicate keys

extension YAMLLoaderTests {
    @Test func duplicateKeyNamesBothLines() throws {
        let errors = try yamlErrors("company:\n  name: A\n  size: 3\n  name: B\n", path: "dossier.yaml")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.code == YAMLDiagnosticCode.duplicateKey)
        #expect(error.description == "dossier.yaml:4:3: error: duplicate key 'name'; first defined at line 2")
        #expect(error.message.text(in: .ja) == "キー 'name' が重複しています（最初の定義は 2 行目）")
        #expect(error.notes.count == 1)
        let note = try #require(error.notes.first)
        #expect(note.location == SourceLocation(file: "dossier.yaml", line: 2, column: 3))
        #expect(note.message == LocalizedText("first defined here", ja: "最初の定義はここです"))
    }

    @Test(arguments: [
        ("a: 1\n\"a\": 2\n", "'a'", 2),
        ("1: x\n0x1: y\n", "'0x1'", 2),
        ("{x: 1, y: 2, x: 3}", "'x'", 1),
        ("? [a, b]\n: 1\n? [a, b]\n: 2\n", "(a sequence)", 3),
        ("~: 1\nnull: 2\n", "'null'", 2),
    ])
    func keysCompareByResolvedValue(text: String, key: String, line: Int) throws {
        let errors = try yamlErrors(text)
        #expect(errors.map(\.message.en) == ["duplicate key \(key); first defined at line 1"])
        #expect(errors.first?.location?.position.line == line)
    }

    @Test func differentlyTypedKeysAreDistinct() throws {
        let root = try loadYAML("1: int\n\"1\": string\ntrue: bool\n\"true\": string\n1.0: float\n")
        #expect(root.mapping?.count == 5)
    }

    @Test func everyDuplicateIsReportedInOneRun() throws {
        let errors = try yamlErrors("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
        #expect(errors.map(\.location?.description) == ["test.yaml:2:1", "test.yaml:5:3"])
    }
}

// MARK: Tags

extension YAMLLoaderTests {
    @Test func explicitCoreTagsMustFitTheirText() throws {
        let errors = try yamlErrors("a: !!int abc\nb: !!bool yes\nc: !!null x\nd: !!float 1.5\ne: !!str {k: v}\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:1:4: error: 'abc' is not a valid !!int; expected an integer such as 42",
                "test.yaml:2:4: error: 'yes' is not a valid !!bool; expected true or false",
                "test.yaml:3:4: error: 'x' is not a valid !!null; expected null, ~ or nothing",
                "test.yaml:5:4: error: tag !!str cannot be used on a mapping",
            ]
        )
        #expect(errors.allSatisfy { $0.code == YAMLDiagnosticCode.tagMismatch })
    }
}

// MARK: Anchors, aliases and limits

extension YAMLLoaderTests {
    @Test func aliasesExpandToTheAnchoredNode() throws {
        let root = try loadYAML("base: &b\n  rate: 0.5\ncopy: *b\n")
        let copy = try #require(root["copy"])
        #expect(copy["rate"]?.coreValue == .float(text: "0.5"))
        // The copy points at the anchored text.
        #expect(copy["rate"]?.location.description == "test.yaml:2:9")
    }

    @Test func unknownAndRecursiveAliasesAreErrors() throws {
        let errors = try yamlErrors("a: *nowhere\nb: &loop [1, *loop]\n")
        #expect(
            errors.map(\.description) == [
                "test.yaml:1:4: error: unknown alias '*nowhere'; define the anchor '&nowhere' before using it",
                "test.yaml:2:14: error: alias '*loop' refers to a node that contains it; recursive structures are not supported",
            ]
        )
        #expect(errors.map(\.code) == [YAMLDiagnosticCode.unknownAlias, YAMLDiagnosticCode.recursiveAlias])
    }

    @Test func billionLaughsIsRefused() throws {
        let text = """
            a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
            g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
            h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
            i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
            """
        let errors = try yamlErrors(text, path: "bomb.yaml")
        // a to e copy 74,718 nodes; the first *e in f would take that past 100,000.
        #expect(
            errors.map(\.description) == [
                "bomb.yaml:6:8: error: alias '*e' copies too many nodes; aliases may copy at most 100000 nodes in all"
            ]
        )
        #expect(errors.first?.code == YAMLDiagnosticCode.aliasExpansion)
    }

    @Test func nodeLimitCountsAliasCopies() throws {
        let errors = try yamlErrors("a: &a [1, 2, 3]\nb: *a\n", limits: YAMLLimits(maxNodes: 8))
        #expect(errors.map(\.description) == ["test.yaml:2:4: error: input has more than 8 nodes"])
    }

    @Test func deepNestingIsRefusedAtTheLimit() throws {
        let text = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        let errors = try yamlErrors(text)
        #expect(
            errors.map(\.description) == [
                "test.yaml:1:101: error: nesting is deeper than 100 levels; flatten the document"
            ]
        )
        #expect(errors.first?.code == YAMLDiagnosticCode.tooDeep)
        #expect(throws: Never.self) {
            try YAMLLoader.loadDocument(
                String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
                path: "ok.yaml"
            ).get()
        }
    }

    @Test func blockNestingAndAliasesRespectTheDepthLimit() throws {
        let limits = YAMLLimits(maxDepth: 3)
        let block = try yamlErrors("a:\n  b:\n    c:\n      d: 1\n", limits: limits)
        #expect(block.map(\.location?.description) == ["test.yaml:4:7"])
        let alias = try yamlErrors("x: &x [[1]]\ny: [*x]\n", limits: limits)
        #expect(alias.map(\.message.en) == ["alias '*x' makes the nesting deeper than 3 levels"])
        #expect(alias.first?.location?.description == "test.yaml:2:5")
    }

    @Test func inputSizeIsLimited() throws {
        let errors = try yamlErrors("a: 123456789\n", limits: YAMLLimits(maxBytes: 8))
        #expect(errors.map(\.code) == [YAMLDiagnosticCode.tooLarge])
    }
}
