#!/usr/bin/env python3
"""Parses a saved mail with Python's `email` package (policy=email.policy.default) and prints JSON.

Output: decoded subject, from/to (text and addresses), date (text, ISO form, UTC offset in seconds),
message_id, content type, charset, transfer encoding, the decoded body, every header name, the
defects Python found, and each RFC 2047 word of the raw Subject decoded on its own (charset, the
decoded bytes in hex, the text) so a test can check that no word depends on its neighbours.
"""
import email
import email.header
import email.policy
import json
import re
import sys

ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


def addresses(header):
    if header is None:
        return []
    return [{"display_name": a.display_name, "addr_spec": a.addr_spec} for a in header.addresses]


def display_name_rfc2047(raw):
    """The display name of a one-address header decoded the RFC 2047 way.

    RFC 2047 §6.2: whitespace between adjacent encoded words is not part of the text. Python's
    policy=default address parser keeps it (so a name split over two words gains a space there);
    the legacy decode_header/make_header pair drops it, as mail clients do.
    """
    if raw is None:
        return None
    unfolded = re.sub(r"\r?\n", "", raw).strip()
    phrase = unfolded[: unfolded.rfind("<")].strip() if unfolded.endswith(">") else ""
    if "=?" in phrase:
        return str(email.header.make_header(email.header.decode_header(phrase)))
    return None


def words(raw):
    out = []
    for word in ENCODED_WORD.findall(raw or ""):
        [(data, charset)] = email.header.decode_header(word)
        out.append({"word": word, "charset": charset, "hex": data.hex(), "text": data.decode(charset)})
    return out


def main():
    with open(sys.argv[1], "rb") as handle:
        raw = handle.read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    raw_message = email.message_from_bytes(raw, policy=email.policy.compat32)
    defects = [type(d).__name__ for d in message.defects]
    for name, value in message.items():
        defects += [f"{name}: {type(d).__name__}" for d in getattr(value, "defects", [])]
    date = message["Date"]
    result = {
        "subject": str(message["Subject"]),
        "from": str(message["From"]),
        "from_addresses": addresses(message["From"]),
        "to": str(message["To"]),
        "to_addresses": addresses(message["To"]),
        "from_display_rfc2047": display_name_rfc2047(raw_message["From"]),
        "to_display_rfc2047": display_name_rfc2047(raw_message["To"]),
        "date": str(date),
        "date_iso": date.datetime.isoformat() if date is not None and date.datetime else None,
        "utc_offset_seconds": int(date.datetime.utcoffset().total_seconds()) if date is not None and date.datetime else None,
        "message_id": str(message["Message-ID"]),
        "content_type": message.get_content_type(),
        "charset": message.get_content_charset(),
        "transfer_encoding": message.get("Content-Transfer-Encoding"),
        "body": message.get_content(),
        "header_names": list(message.keys()),
        "defects": defects,
        "subject_words": words(raw_message["Subject"]),
    }
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
