#!/usr/bin/env python3
"""Prints .eml files as a person reads them: Subject, From, To, Date and the decoded body.

    scripts/read_mail.py demo/state/mail/*.eml | less
"""
import email
import email.policy
import sys


def main():
    for index, path in enumerate(sys.argv[1:]):
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        if index:
            print("\n" + "=" * 72 + "\n")
        print(f"{'File:':<12}{path}")
        for name in ("Subject", "From", "To", "Date", "Message-ID"):
            print(f"{name + ':':<12}{message[name]}")
        print()
        print(message.get_body(preferencelist=("plain",)).get_content().rstrip())


if __name__ == "__main__":
    main()
