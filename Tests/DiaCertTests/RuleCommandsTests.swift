import Foundation
import JSON
import Testing

/// The policy staff's commands as they run: `diacert explain`, `eval` and `diff` (the real executable).
@Suite struct RuleCommandsTests {
    private let rules = ShippedRules.directory
    private func fixture(_ name: String) -> String { "\(ShippedRules.fixtures)/dossiers/\(name)" }

    private func diacert(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try DaemonProcess.run(arguments, environment: ["LANG": "C"])
    }

    // MARK: The award rank of a dossier alone

    @Test func explainOfOneDossierClaimsNoRankOrPrize() throws {
        // tokorozawa-seimitsu is 2nd (優秀賞) among its round's applicants; alone it would be 1st (大賞).
        let result = try diacert(["explain", "--rules", rules, "--lang", "ja", fixture("tokorozawa-seimitsu.yaml")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("順位 1"), "\(result.stdout)")
        #expect(!result.stdout.contains("大賞"), "\(result.stdout)")
        #expect(result.stdout.contains("■ ダイア5市脱炭素経営アワード: 選考対象・中小企業部門・得点 113.37\n  順位と賞は、締切後に募集回のすべての申請の中で決まります"))
        // The same with --round: a round of one is no ranking either.
        let rounded = try diacert(["explain", "--rules", rules, "--round", "2027-1", "--lang", "en", fixture("tokorozawa-seimitsu.yaml")])
        #expect(!rounded.stdout.contains("Rank 1"), "\(rounded.stdout)")
        #expect(rounded.stdout.contains("The rank and prize are decided over all applicants of the round after its deadline"))
    }

    @Test func evalOfOneDossierShowsNoRankInTextOrJSON() throws {
        let text = try diacert(["eval", "--rules", rules, "--lang", "en", fixture("tokorozawa-seimitsu.yaml")])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("eligible (sme, not ranked)"), "\(text.stdout)")
        #expect(!text.stdout.contains("grand"), "\(text.stdout)")
        #expect(text.stdout.contains("* a dossier evaluated alone gets no award rank"))
        // JSON keeps its shape; rank and prize are null, as for any dossier without a rank.
        let json = try diacert(["eval", "--rules", rules, "--format", "json", fixture("tokorozawa-seimitsu.yaml")])
        let parsed = try JSONParser.parse(json.stdout).get()
        let award = try #require(parsed.arrayValue?.first?["results"]?["award"])
        #expect(award["rank"] == .null)
        #expect(award["prize"] == .null)
        #expect(award["category"] == .string("sme"))
        #expect(award["eligible"] == .bool(true))
    }

    @Test func evalOfARoundRanksAmongTheDossiersGivenAndSaysSo() throws {
        let result = try diacert(["eval", "--rules", rules, "--round", "2027-1", "--lang", "en", "\(ShippedRules.fixtures)/dossiers"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("tokorozawa-seimitsu ") })
        #expect(line.contains("excellence (sme #2)"), "\(line)")
        #expect(
            result.stdout.contains(
                "* award ranks are among the 32 dossiers given for round 2027-1; the real rank and prize are decided over all applicants of the round after its deadline"
            ))
        // sayama-chaen is late by its submitted_at; the table says that the daemon judges by arrival.
        #expect(result.stdout.contains("sayama-chaen (late)"))
        #expect(result.stdout.hasSuffix("* (late) is judged here by the dossier's submitted_at; the daemon judges by the time the dossier arrives\n"))
        // The three dossiers of round 2027-2 are neither ranked here nor judged late by 2027-1's deadline.
        #expect(!result.stdout.contains("hanno-wellness") && !result.stdout.contains("komagawa-resort"))
        #expect(
            result.stderr.contains(
                "note: 3 dossier(s) of other rounds left out of round 2027-1: hanno-wellness (2027-2), iruma-kagaku (2027-2), komagawa-resort (2027-2)"
            ), "\(result.stderr)")
        let json = try diacert(["eval", "--rules", rules, "--round", "2027-1", "--format", "json", "\(ShippedRules.fixtures)/dossiers"])
        let items = try #require(try JSONParser.parse(json.stdout).get().arrayValue)
        let seimitsu = try #require(items.first { $0["dossier"] == .string("tokorozawa-seimitsu") })
        #expect(seimitsu["results"]?["award"]?["prize"] == .string("excellence"))
    }

    // MARK: diff --base git:REV

    @Test func diffAgainstGitOfAnUntrackedRulesDirectorySaysWhatToDoInOneLine() throws {
        let directory = try TemporaryDirectory("diff-git")
        defer { directory.remove() }
        // A git working copy with one commit, and a copy of the rules in it that git does not track.
        try "x\n".write(toFile: directory.file("README"), atomically: true, encoding: .utf8)
        try git(["init", "-q", directory.path])
        try git(["-C", directory.path, "add", "README"])
        try git(["-C", directory.path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first"])
        try FileManager.default.copyItem(atPath: rules, toPath: directory.file("rules-draft"))
        let untracked = try diacert(["diff", "--base", "git:HEAD", "--rules", directory.file("rules-draft"), fixture("sayama-kako.yaml")])
        #expect(untracked.status == 64)
        #expect(
            untracked.stderr
                == "diacert diff: --base git:HEAD: '\(directory.file("rules-draft"))' is not tracked by git at HEAD, so there is no version of it to compare with; give the base rule set as a directory instead (--base DIR, e.g. --base rules/)\n"
        )
        // Outside any git working copy.
        let outside = try TemporaryDirectory("diff-nogit")
        defer { outside.remove() }
        try FileManager.default.copyItem(atPath: rules, toPath: outside.file("rules"))
        let loose = try diacert(["diff", "--base", "git:HEAD", "--rules", outside.file("rules"), fixture("sayama-kako.yaml")])
        #expect(loose.status == 64)
        #expect(loose.stderr.split(separator: "\n").count == 1, "\(loose.stderr)")
        #expect(loose.stderr.contains("is not in a git working copy; give the base rule set as a directory instead"), "\(loose.stderr)")
        // A revision git does not know.
        let unknown = try diacert(["diff", "--base", "git:no-such-rev", "--rules", directory.file("rules-draft"), fixture("sayama-kako.yaml")])
        #expect(unknown.stderr == "diacert diff: --base git:no-such-rev: git knows no commit 'no-such-rev' (try git:HEAD, a branch name or a commit id)\n")
    }

    private func git(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments)")
    }
}
