import Diagnostics
import Testing
import YAMLLoader

/// `location(ofScalarOffset:)`: an offset in a scalar's decoded text back to a file position.
@Suite struct YAMLScalarLocationTests {
    private func position(_ text: String, key: String = "v", offset: Int) throws -> String {
        let node = try #require(try loadYAML(text)[key])
        return node.location(ofScalarOffset: offset).position.description
    }

    @Test func plainScalar() throws {
        let yaml = "rule:\n  when: dossier.company.employes > 5\n"
        let when = try #require(try loadYAML(yaml)["rule"]?["when"])
        // "employes" starts 16 scalars into the text.
        #expect(when.location(ofScalarOffset: 16) == SourceLocation(file: "test.yaml", line: 2, column: 25))
        #expect(when.location(ofScalarOffset: 0).position.description == "2:9")
        // The end of the text is allowed; past it clamps to the end.
        #expect(when.location(ofScalarOffset: 28).position.description == "2:37")
        #expect(when.location(ofScalarOffset: 99).position.description == "2:37")
    }

    @Test func plainScalarAfterJapaneseText() throws {
        #expect(try position("名前: 値\nv: 社員数 > 5\n", offset: 4) == "2:8")
    }

    @Test func quotedSingleLineScalarsWithoutEscapes() throws {
        #expect(try position("v: \"a > b\"\n", offset: 2) == "1:7")
        #expect(try position("v: 'a > b'\n", offset: 4) == "1:9")
    }

    @Test func escapesFallBackToTheSegmentStart() throws {
        // 'it''s x': text "it's x" matches the file only up to the first quote.
        #expect(try position("v: 'it''s x'\n", offset: 1) == "1:6")
        #expect(try position("v: 'it''s x'\n", offset: 5) == "1:5")
        #expect(try position("v: \"a\\tb c\"\n", offset: 0) == "1:5")
        #expect(try position("v: \"a\\tb c\"\n", offset: 4) == "1:5")
    }

    @Test func literalBlockScalarLinesMapToTheirOwnLines() throws {
        let yaml = "rule:\n  when: |\n    dossier.a > 1 &&\n      dossier.b < 2\n"
        let when = try #require(try loadYAML(yaml)["rule"]?["when"])
        #expect(when.scalar?.text == "dossier.a > 1 &&\n  dossier.b < 2\n")
        #expect(when.location(ofScalarOffset: 0).position.description == "3:5")
        #expect(when.location(ofScalarOffset: 8).position.description == "3:13")
        // "dossier.b" is at offset 19: the second text line keeps two spaces of extra indentation.
        #expect(when.location(ofScalarOffset: 19).position.description == "4:7")
        #expect(when.location(ofScalarOffset: 17).position.description == "4:5")
        // The final line break is just after the last character of its line.
        #expect(when.location(ofScalarOffset: 32).position.description == "4:20")
    }

    @Test func literalWithLeadingEmptyLineAndCRLF() throws {
        #expect(try position("v: |\r\n\r\n  x\r\n  y\r\n", offset: 3) == "4:3")
        #expect(try position("v: |-\n  a\n\n  b\n", offset: 3) == "4:3")
    }

    @Test func foldedAndMultiLineScalarsMatchTheirLines() throws {
        #expect(try position("v: >\n  one\n  two\n", offset: 4) == "3:3")
        #expect(try position("v: one\n  two three\n", offset: 8) == "2:7")
        #expect(try position("v: \"first\n  second\"\n", offset: 6) == "2:3")
        #expect(try position("v: \"x\\ty\n  second\"\n", offset: 4) == "2:3")
    }

    @Test func anchorsAndTagsBeforeTheTextAreSkipped() throws {
        let root = try loadYAML("a: &x !!str dossier.y > 1\nb: !e \"q r\"\nc: !!str\n  text here\nd: &x:y z\n")
        // The node starts at its properties; offsets count from the text.
        #expect(root["a"]?.start.column == 4)
        #expect(root["a"]?.location(ofScalarOffset: 8).position.description == "1:21")
        #expect(root["b"]?.location(ofScalarOffset: 2).position.description == "2:10")
        #expect(root["c"]?.location(ofScalarOffset: 5).position.description == "4:8")
        // libyaml ends the anchor name at ':', so the text is ":y z".
        #expect(root["d"]?.scalar?.text == ":y z")
        #expect(root["d"]?.location(ofScalarOffset: 1).position.description == "5:7")
    }

    @Test func collectionsUseTheirStart() throws {
        let node = try #require(try loadYAML("v: [a, b]\n")["v"])
        #expect(node.location(ofScalarOffset: 3).position.description == "1:4")
    }
}
