#!/usr/bin/env python3
"""The JIS X 0208 -> Unicode table behind DiaCert's ISO-2022-JP encoder, derived from glibc iconv.

DiaCert's runtime never calls iconv: the table is generated once, at development time, into
Sources/Delivery/Mail/JIS0208Table.swift (committed). This script is the generator and the check:

    /usr/bin/python3 Tests/Peers/jis0208_table.py --swift > Sources/Delivery/Mail/JIS0208Table.swift
    /usr/bin/python3 Tests/Peers/jis0208_table.py --check Sources/Delivery/Mail/JIS0208Table.swift

Method: every two-byte code (row 0x21-0x7E, column 0x21-0x7E) is wrapped as `ESC $ B hi lo ESC ( B`
followed by a newline, all 8836 lines go through one `iconv -c -f ISO-2022-JP -t UTF-32BE` call, and
the n-th output line is the n-th code's character (an empty line: unassigned). The result is also
compared with Python's own iso2022_jp codec (the decoder the tests read mail with); on Debian 12
(glibc 2.36) both agree on all 6879 assigned codes.
"""
import argparse
import subprocess
import sys

ROWS = range(0x21, 0x7F)
COLUMNS = range(0x21, 0x7F)


def glibc_table():
    """[(row, [scalar or 0 for each column])] from glibc iconv."""
    lines = b"".join(b"\x1b$B" + bytes([row, column]) + b"\x1b(B\n" for row in ROWS for column in COLUMNS)
    result = subprocess.run(
        ["iconv", "-c", "-f", "ISO-2022-JP", "-t", "UTF-32BE"], input=lines, capture_output=True, check=False
    )
    if result.returncode not in (0, 1):
        sys.exit(f"iconv failed: {result.stderr.decode(errors='replace')}")
    out = result.stdout
    units = [int.from_bytes(out[i : i + 4], "big") for i in range(0, len(out), 4)]
    decoded, current = [], []
    for unit in units:
        if unit == 0x0A:
            decoded.append(current)
            current = []
        else:
            current.append(unit)
    if len(decoded) != len(ROWS) * len(COLUMNS):
        sys.exit(f"iconv returned {len(decoded)} lines, expected {len(ROWS) * len(COLUMNS)}")
    table, index = [], 0
    for row in ROWS:
        cells = []
        for column in COLUMNS:
            scalars = decoded[index]
            index += 1
            if len(scalars) > 1 or (scalars and scalars[0] > 0xFFFF):
                sys.exit(f"code {row:02X}{column:02X} decodes to {scalars}: not one BMP scalar")
            cells.append(scalars[0] if scalars else 0)
        table.append((row, cells))
    return table


def check_against_python(table):
    disagreements = 0
    for row, cells in table:
        for column, scalar in zip(COLUMNS, cells):
            try:
                text = (b"\x1b$B" + bytes([row, column]) + b"\x1b(B").decode("iso2022_jp")
                python = ord(text) if len(text) == 1 else -1
            except UnicodeDecodeError:
                python = 0
            if python != scalar:
                disagreements += 1
                print(f"note: {row:02X}{column:02X} glibc U+{scalar:04X}, Python {python:#x}", file=sys.stderr)
    return disagreements


def swift_source(table):
    assigned = sum(1 for _, cells in table for scalar in cells if scalar)
    lines = [
        "// GENERATED FILE: do not edit by hand.",
        "//",
        "// JIS X 0208 -> Unicode, as glibc iconv's ISO-2022-JP converter decodes it (glibc 2.36, Debian 12),",
        f"// {assigned} assigned codes. Generated once at development time by Tests/Peers/jis0208_table.py;",
        "// regenerate with",
        "//     /usr/bin/python3 Tests/Peers/jis0208_table.py --swift > Sources/Delivery/Mail/JIS0208Table.swift",
        "// The test suite re-derives the table from iconv and compares (`--check`). The runtime never calls iconv.",
        "",
        "/// The JIS X 0208 character set as a table (see the file header for its provenance).",
        "enum JIS0208Table {",
        "    /// One line per row 0x21...0x7E; each line holds 94 four-digit hexadecimal Unicode scalars for",
        "    /// columns 0x21...0x7E in order; `0000` marks an unassigned code.",
        '    static let rows = """',
    ]
    for _, cells in table:
        lines.append("        " + "".join(f"{scalar:04X}" for scalar in cells))
    lines.append('        """')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--swift", action="store_true", help="print the Swift source")
    group.add_argument("--check", metavar="SWIFT_FILE", help="exit 1 unless SWIFT_FILE is what --swift prints")
    args = parser.parse_args()
    table = glibc_table()
    disagreements = check_against_python(table)
    source = swift_source(table)
    if args.swift:
        sys.stdout.write(source)
        return
    with open(args.check, encoding="utf-8") as handle:
        committed = handle.read()
    if committed != source:
        sys.exit(f"{args.check} differs from the table glibc iconv gives; regenerate it (see --help)")
    print(f"table matches glibc iconv; {disagreements} disagreements with Python's iso2022_jp codec")


if __name__ == "__main__":
    main()
