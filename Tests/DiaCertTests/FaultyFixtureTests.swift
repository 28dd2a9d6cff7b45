import Diagnostics
import Foundation
import Testing

@testable import RuleModel

/// The rule set shipped in `rules/`, loaded once for the tests.
enum ShippedRules {
    static let directory = SharedMaterial.packageRoot.appendingPathComponent("rules").path
    static let fixtures = SharedMaterial.packageRoot.appendingPathComponent("fixtures").path

    static let loaded: (ruleSet: RuleSet?, diagnostics: [Diagnostic]) = RuleSet.load(directory: directory)

    static func ruleSet(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> RuleSet {
        try #require(loaded.ruleSet, "rules/ does not load: \(loaded.diagnostics)", sourceLocation: sourceLocation)
    }
}

/// The typical mistakes in `fixtures/faulty/` produce the errors documented there: position and wording.
@Suite struct FaultyFixtureTests {
    @Test(arguments: [
        ("typo-field-name.yaml", "12:3", "unknown field 'company.employes'; did you mean 'employees'?"),
        ("wrong-type.yaml", "12:14", "company.employees: expected an integer, found a quoted string 'many'"),
        (
            "bad-corporate-number.yaml", "8:21",
            "company.corporate_number: corporate number '8030202930125' has a wrong check digit: the first digit should be 7"
        ),
        (
            "bad-city-code.yaml", "9:14",
            "company.city_code: local government code '112088' has a wrong check digit: the last digit should be 9"
        ),
        ("duplicate-key.yaml", "11:3", "duplicate key 'industry'; first defined at line 10"),
        (
            "yaml11-bool.yaml", "25:13",
            "management.iso14001: expected true or false, found 'no'; YAML 1.1 words like yes/no/on/off are not booleans here"
        ),
        ("date-for-number.yaml", "11:16", "company.capital_jpy: expected a number, found '2027-01-01'"),
        (
            "leading-zero.yaml", "12:14",
            "company.employees: '0012' is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write 12 or quote it"
        ),
        ("email-injection.yaml", "15:33", "company.contact.email: e-mail address contains a line break or control character"),
        (
            "unknown-enum.yaml", "10:13",
            "company.industry: 'farming' is not one of manufacturing, construction, transport, wholesale, retail, services, software, hotel, other"
        ),
        ("negative-number.yaml", "30:22", "emissions.activity.electricity_kwh must be at least 0, found -42000"),
        ("missing-name.yaml", "6:1", "missing required field 'company.name' (事業者名)"),
        ("invalid-utf8.yaml", "7:17", "invalid UTF-8 byte 0xFF; save the file as UTF-8"),
        ("unclosed-bracket.yaml", "25:11", "did not find expected ',' or ']' while parsing a flow sequence that started at line 24"),
        ("trailing-comma.json", "35:18", "invalid JSON: trailing comma before '}' is not allowed in JSON"),
    ])
    func faultyDossierIsRejectedWithItsError(file: String, position: String, message: String) throws {
        let ruleSet = try ShippedRules.ruleSet()
        let path = "\(ShippedRules.fixtures)/faulty/\(file)"
        guard case .failure(let error) = ruleSet.decoder.load(path: path) else {
            Issue.record("\(file) was accepted")
            return
        }
        let first = try #require(error.diagnostics.first)
        #expect(first.location == SourceLocation(file: path, position: parse(position)))
        #expect(first.message.en == message)
        #expect(first.severity == .error)
    }

    @Test func typoInAFieldNameAlsoReportsTheMissingField() throws {
        let ruleSet = try ShippedRules.ruleSet()
        guard case .failure(let error) = ruleSet.decoder.load(path: "\(ShippedRules.fixtures)/faulty/typo-field-name.yaml") else {
            Issue.record("accepted")
            return
        }
        #expect(error.diagnostics.map(\.message.en).contains("missing required field 'company.employees' (常時使用する従業員数)"))
    }

    @Test(arguments: [
        (
            "typo-field.certification.yaml", "41:30",
            "unknown field 'oficer_assigned' in dossier.management; did you mean 'officer_assigned'?"
        ),
        ("type-mismatch.certification.yaml", "124:44", "cannot compare bool with int using '>'"),
        ("unknown-criterion.certification.yaml", "144:29", "tier 'silver' requires an unknown criterion 'mesured'; did you mean 'measured'?"),
        ("syntax-error.certification.yaml", "68:38", "expected an expression, found end of expression"),
        ("unknown-table-row.loan.yaml", "16:59", "'tables.sme_limits' has no entry 'retial'; did you mean 'retail'?"),
        ("duplicate-key.certification.yaml", "43:5", "duplicate key 'points'; first defined at line 42"),
        (
            "yaml11-bool.schema.yaml", "66:36",
            "expected true or false, found 'no'; YAML 1.1 words like yes/no/on/off are not booleans here"
        ),
        ("uses-cycle.certification.yaml", "9:7", "programs use each other in a cycle: certification → loan → certification"),
        ("points-as-text.certification.yaml", "64:13", "expected an integer, found 'fifteen'"),
        ("misspelt-key.certification.yaml", "143:5", "unknown key 'min_point' in a tier; did you mean 'min_points'?"),
        (
            "unquoted-not.loan.yaml", "33:11",
            "a value starting with '!' is read by YAML as a tag, not as 'not'; put the expression in quotes: \"!dossier.compliance.city_tax_arrears\""
        ),
    ])
    func faultyRuleFileIsReportedExactlyOnce(file: String, position: String, message: String) throws {
        let target = String(file.split(separator: ".", maxSplits: 1)[1])
        let directory = try copyOfRules(replacing: target, with: "\(ShippedRules.fixtures)/faulty/rules/\(file)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        #expect(ruleSet == nil)
        let errors = diagnostics.errors
        // One mistake, one error: nothing cascades from it.
        #expect(errors.count == 1, "\(errors)")
        let first = try #require(errors.first)
        #expect(first.location == SourceLocation(file: "\(directory)/\(target)", position: parse(position)))
        #expect(first.message.en == message)
    }

    @Test(arguments: [
        (
            "misspelt-value.loan.yaml", "50:42",
            "programs.certification.tier is never 'platnum' (its values are bronze, silver, gold, platinum); did you mean 'platinum'?"
        )
    ])
    func faultyRuleFileWarnsExactlyOnce(file: String, position: String, message: String) throws {
        let target = String(file.split(separator: ".", maxSplits: 1)[1])
        let directory = try copyOfRules(replacing: target, with: "\(ShippedRules.fixtures)/faulty/rules/\(file)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        // A warning: the rules still load (and the daemon would use them).
        #expect(ruleSet != nil)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let first = try #require(diagnostics.first)
        #expect(first.severity == .warning)
        #expect(first.location == SourceLocation(file: "\(directory)/\(target)", position: parse(position)))
        #expect(first.message.en == message)
    }

    /// Policy staff fix a file in one go only if `check` shows every mistake in it: the award's
    /// `eligible` failing must not hide a typo further down, nor make the templates report the
    /// award as unknown.
    @Test func everyMistakeInAnAwardFileIsReportedAndNothingCascades() throws {
        let directory = try copyOfRules()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/award.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let eligible = "programs.certification.tier in ['gold', 'platinum']"
        let employees = "dossier.company.employees <="
        #expect(text.contains(eligible) && text.contains(employees))
        text = text.replacingOccurrences(of: eligible, with: "programs.certification.tier = 'gold'")
        text = text.replacingOccurrences(of: employees, with: "dossier.company.employes <=")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        #expect(ruleSet == nil)
        let messages = diagnostics.errors.map(\.message.en)
        #expect(
            messages == [
                "unexpected character '='; to compare, write '==' (equal) or '!=' (not equal)",
                "unknown field 'employes' in dossier.company; did you mean 'employees'?",
            ], "\(diagnostics)")
        #expect(diagnostics.errors.allSatisfy { $0.location?.file == path })
    }

    /// `when: ! x` (a space after the `!`): YAML keeps `x` as the value under the tag `!`, so the
    /// condition would silently mean the opposite.
    @Test func aNegationThatYAMLReadsAsATagIsNeverDroppedSilently() throws {
        let directory = try copyOfRules()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/loan.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let edited = text.replacingOccurrences(
            of: "    when: \"!dossier.compliance.city_tax_arrears\"", with: "    when: ! dossier.compliance.city_tax_arrears")
        #expect(edited != text)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        #expect(ruleSet == nil)
        let errors = diagnostics.errors
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.location == SourceLocation(file: path, position: SourcePosition(line: 38, column: 11)))
        #expect(
            errors.first?.message.en
                == "a value starting with '!' is read by YAML as a tag, not as 'not'; put the expression in quotes: \"! dossier.compliance.city_tax_arrears\"")
        #expect(
            errors.first?.message.text(in: .ja)
                == "'!' で始まる値は YAML ではタグとして読まれ、否定になりません。式を引用符で囲んでください: \"! dossier.compliance.city_tax_arrears\"")
    }

    @Test func renderedErrorShowsTheLineAndACaretUnderTheMistake() throws {
        let directory = try copyOfRules(
            replacing: "certification.yaml", with: "\(ShippedRules.fixtures)/faulty/rules/typo-field.certification.yaml")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let diagnostics = RuleSet.load(directory: directory).diagnostics
        let text = try String(contentsOfFile: "\(directory)/certification.yaml", encoding: .utf8)
        let rendered = DiagnosticRenderer(sources: [SourceText(path: "\(directory)/certification.yaml", text: text)]).render(diagnostics)
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3)
        #expect(lines[1] == "        when: dossier.management.oficer_assigned")
        // The caret sits under the first letter of the misspelt name (column 30, after 4 spaces of indent).
        #expect(lines[2] == String(repeating: " ", count: 4 + 29) + "^")
    }

    private func parse(_ position: String) -> SourcePosition {
        let parts = position.split(separator: ":").compactMap { Int($0) }
        return SourcePosition(line: parts[0], column: parts[1])
    }
}

/// A copy of `rules/` in a temporary directory, with one file replaced.
func copyOfRules(replacing target: String? = nil, with replacement: String? = nil) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-rules-\(UUID().uuidString)").path
    try FileManager.default.copyItem(atPath: ShippedRules.directory, toPath: directory)
    if let target, let replacement {
        try FileManager.default.removeItem(atPath: "\(directory)/\(target)")
        try FileManager.default.copyItem(atPath: replacement, toPath: "\(directory)/\(target)")
    }
    return directory
}

/// Text literals that a value with known words can never be: warnings at the literal.
@Suite struct LiteralValueTests {
    /// The warnings of the shipped rules with texts of some files replaced.
    private func warnings(_ edits: [String: [(String, String)]]) throws -> [Diagnostic] {
        let directory = try copyOfRules()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (file, replacements) in edits {
            let path = "\(directory)/\(file)"
            var text = try String(contentsOfFile: path, encoding: .utf8)
            for (original, replacement) in replacements {
                #expect(text.contains(original), "\(original) not in \(file)")
                text = text.replacingOccurrences(of: original, with: replacement)
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let (ruleSet, diagnostics) = RuleSet.load(directory: directory)
        #expect(ruleSet != nil, "\(diagnostics.errors)")
        return diagnostics.map { diagnostic in
            var relative = diagnostic
            relative.location = diagnostic.location.map { SourceLocation(file: String($0.file.dropFirst(directory.count + 1)), position: $0.position) }
            return relative
        }
    }

    @Test func misspeltEnumWordsAreReportedAtTheLiteralWithTheValuesAndASuggestion() throws {
        let found = try warnings([
            "certification.yaml": [
                (
                    "\"'step1' in dossier.management.study_sessions || 'step2' in dossier.management.study_sessions\"",
                    "\"'step1' in dossier.management.study_sessions || 'step9' in dossier.management.study_sessions\""
                )
            ],
            "award.yaml": [
                ("programs.certification.tier in ['gold', 'platinum']", "programs.certification.tier in ['gold', 'platnum']"),
                (
                    "when: dossier.company.employees <= tables.sme_limits[dossier.company.industry].small_business_employees",
                    "when: \"dossier.company.industry != 'retial' && dossier.company.employees <= 20\""
                ),
            ],
        ])
        #expect(
            found.map(\.description) == [
                "certification.yaml:59:64: warning: no item of dossier.management.study_sessions is ever 'step9' (the values are step1, step2); did you mean 'step1'?",
                "award.yaml:25:49: warning: programs.certification.tier is never 'platnum' (its values are bronze, silver, gold, platinum); did you mean 'platinum'?",
                "award.yaml:36:40: warning: dossier.company.industry is never 'retial' (its values are manufacturing, construction, transport, wholesale, retail, services, software, hotel, other); did you mean 'retail'?",
            ])
        #expect(
            found.last?.message.text(in: .ja)
                == "dossier.company.industry が 'retial' になることはありません (値は manufacturing、construction、transport、wholesale、retail、services、software、hotel、other のいずれか)。'retail' のことですか?"
        )
    }

    @Test func wordsAreFollowedThroughLetsComprehensionsAndOtherwise() throws {
        let found = try warnings([
            // A let without a label (`name: expression`) beside the labelled ones.
            "emissions.yaml": [("en: Main site in the five cities}", "en: Main site in the five cities}\n  industry: dossier.company.industry")],
            "loan.yaml": [
                ("    when: dossier.company.years_in_business >= 1", "    when: \"dossier.company.years_in_business >= 1 && industry != 'hotal'\""),
                (
                    "    when: dossier.company.revenue_jpy < 1000000000",
                    "    when: \"dossier.company.revenue_jpy < 1000000000 && !dossier.management.study_sessions.exists(s, s == 'stepp2') && otherwise(dossier.company.industry, 'other') != 'softwear'\""
                ),
            ],
        ])
        #expect(
            found.map(\.message.en) == [
                "no item of dossier.management.study_sessions is ever 'stepp2' (the values are step1, step2); did you mean 'step2'?",
                "dossier.company.industry is never 'softwear' (its values are manufacturing, construction, transport, wholesale, retail, services, software, hotel, other); did you mean 'software'?",
                "dossier.company.industry is never 'hotal' (its values are manufacturing, construction, transport, wholesale, retail, services, software, hotel, other); did you mean 'hotel'?",
            ])
    }

    @Test func correctWordsAndOtherComparisonsAreNotReported() throws {
        // The shipped rules compare tiers, study sessions and criteria statuses with correct words.
        #expect(ShippedRules.loaded.diagnostics.isEmpty, "\(ShippedRules.loaded.diagnostics)")
        let found = try warnings([
            "loan.yaml": [
                (
                    "    when: dossier.company.years_in_business >= 1",
                    "    when: \"dossier.company.years_in_business >= 1 && dossier.company.name != 'retial' && programs.certification.criteria.measured != 'not_met' && round.id != '2027-1' && dossier.company.industry in ['retail', 'hotel']\""
                )
            ]
        ])
        #expect(found.isEmpty, "\(found)")
    }
}
