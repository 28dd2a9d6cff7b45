/// Suite cases that fail through no fault of ours, by case id, with the reason.
///
/// Each libyaml entry was checked against libyaml itself: the case was parsed with Debian's
/// python3-yaml `CParser` (libyaml 0.2.5 events, then core-schema typing), which rejects,
/// accepts or mis-reads it exactly as listed. The runner still runs these cases and prints a
/// note when one passes, so the list cannot quietly go stale.
public enum YAMLKnownFaults {
    /// Cases libyaml 0.2.5 itself gets wrong.
    public static let libyaml: [String: String] = [
        // libyaml rejects a valid stream.
        "2JQS": "libyaml 0.2.5 rejects empty keys in a block mapping (did not find expected key); "
            + "its two empty keys would also be duplicates under DiaCert policy",
        "2SXE": "libyaml 0.2.5 rejects ':' inside an anchor name (mapping values are not allowed in this context)",
        "4MUZ/00": "libyaml 0.2.5 rejects a flow-mapping ':' on the line after a quoted key",
        "58MP": "libyaml 0.2.5 rejects a flow plain scalar that starts with ':' ({x: :x})",
        "5MUD": "libyaml 0.2.5 rejects a flow-mapping ':' with an adjacent value on the line after the key",
        "5T43": "libyaml 0.2.5 rejects a flow value adjacent to ':' after a quoted key (\"key\"::value)",
        "6BCT": "libyaml 0.2.5 rejects a tab as separation space after an indicator (suite tag libyaml-err)",
        "6CA3": "libyaml 0.2.5 rejects a tab before a top-level flow collection",
        "7Z25": "libyaml 0.2.5 rejects a bare document after a '...' document end marker",
        "8XYN": "libyaml 0.2.5 rejects a non-ASCII character in an anchor name",
        "96NN/00": "libyaml 0.2.5 rejects a tab as the first content character of a literal block scalar",
        "96NN/01": "libyaml 0.2.5 rejects a tab as the first content character of a literal block scalar",
        "9SA2": "libyaml 0.2.5 rejects a multi-line double-quoted key in a flow mapping",
        "A2M4": "libyaml 0.2.5 rejects a tab after a block sequence indicator (suite tag libyaml-err)",
        "BEC7": "libyaml 0.2.5 rejects %YAML 1.3, which YAML 1.2 parsers must accept with a warning",
        "DBG4": "libyaml 0.2.5 rejects a flow plain scalar that starts with '::'",
        "DK95/00": "libyaml 0.2.5 rejects a tab after the indentation of a block value",
        "DK95/03": "libyaml 0.2.5 rejects a whitespace-only line holding a tab before the first key",
        "DK95/04": "libyaml 0.2.5 rejects a line holding only a tab between block mapping entries",
        "FRK4": "libyaml 0.2.5 rejects completely empty flow nodes (? foo :,)",
        "HWV9": "libyaml 0.2.5 rejects a stream holding only a '...' document end marker",
        "K3WX": "libyaml 0.2.5 rejects a flow-mapping ':' on the line after a key and a comment",
        "M2N8/00": "libyaml 0.2.5 rejects an explicit key with an empty implicit key inside (- ? : x)",
        "M7A3": "libyaml 0.2.5 rejects a bare document after '...' and a comment",
        "MUS6/05": "libyaml 0.2.5 rejects an unknown directive (%YAM) that parsers must ignore with a warning",
        "NKF9": "libyaml 0.2.5 rejects empty keys in block and flow mappings",
        "QT73": "libyaml 0.2.5 rejects a stream holding only a comment and a '...' marker",
        "S3PD": "libyaml 0.2.5 rejects an empty key in a block mapping",
        "UKK6/00": "libyaml 0.2.5 rejects an empty key in a block mapping inside a sequence (- :)",
        "UT92": "libyaml 0.2.5 rejects a flow plain scalar continued on a line starting with '%'",
        "VJP3/01": "libyaml 0.2.5 rejects a flow-mapping ':' on its own line",
        "W4TN": "libyaml 0.2.5 reads a '%' line inside a literal block scalar as a directive",
        "Y79Y/010": "libyaml 0.2.5 rejects a tab between nested block sequence indicators (-\\t-1)",

        // libyaml accepts an invalid stream.
        "9JBA": "libyaml 0.2.5 accepts a comment with no space after a flow sequence (]#invalid)",
        "DK95/01": "libyaml 0.2.5 accepts a tab at the start of a double-quoted continuation line",
        "MUS6/01": "libyaml 0.2.5 accepts a second %YAML directive without a '...' end marker before it",
        "QB6E": "libyaml 0.2.5 accepts a multi-line double-quoted scalar indented less than its mapping value",
        "RHX7": "libyaml 0.2.5 accepts a %YAML directive after a document without a '...' end marker",
        "S98Z": "libyaml 0.2.5 accepts a block scalar whose leading empty lines are more indented than its content",
        "SU5Z": "libyaml 0.2.5 accepts a comment with no space after a double-quoted scalar",
        "X4QW": "libyaml 0.2.5 accepts a comment with no space after a block scalar indicator (>#)",
        "Y79Y/003": "libyaml 0.2.5 accepts a tab as indentation inside a flow sequence",
        "YJV2": "libyaml 0.2.5 accepts a lone '-' as a plain scalar in a flow sequence ([-])",

        // libyaml produces a different tree.
        "652Z": "libyaml 0.2.5 reads '?foo' in a flow mapping as an explicit key 'foo', not the plain scalar '?foo'",
        "JEF9/02": "libyaml 0.2.5 drops the line break of a keep-chomped (|+) block scalar whose only line is spaces",
        "Y2GN": "libyaml 0.2.5 ends an anchor name at ':', so '&an:chor value' becomes the value ':chor value'",
    ]

    /// Valid cases DiaCert rejects on purpose.
    public static let policy: [String: String] = [
        "X38W": "DiaCert policy: duplicate keys are errors (the key *a repeats the key &a [a, &b b])"
    ]

    /// Both lists; the runner skips these cases.
    public static var all: [String: String] { libyaml.merging(policy) { first, _ in first } }
}
