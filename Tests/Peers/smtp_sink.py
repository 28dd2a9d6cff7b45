#!/usr/bin/env python3
"""A real SMTP server (Debian's aiosmtpd) on loopback for DiaCert's delivery tests.

Prints the listening port as the first line of stdout, then serves until killed. Each accepted
message is saved in DIRECTORY as `<n>.eml` (the DATA bytes exactly as received after SMTP
un-dot-stuffing, CRLF line ends kept) plus `<n>.json` (envelope, TLS and AUTH state); every
MAIL/RCPT/DATA command is appended to `events.jsonl`, so a test can show that nothing was sent.

Options:
  --port N              port to listen on (0, the default, picks a free one)
  --starttls CERT KEY   offer STARTTLS with this certificate and require it before MAIL
  --auth USER:PASS      require AUTH (PLAIN or LOGIN) with these credentials
  --fail-first N        answer 451 after DATA to the first N messages
  --reject {rcpt,data}  answer 550 to RCPT TO, or after DATA
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, fail_first, reject):
        self.directory = directory
        self.fail_first = fail_first
        self.reject = reject
        self.data_count = 0
        self.saved = 0

    def event(self, session, command, reply, **extra):
        record = {
            "event": command,
            "reply": reply,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            **extra,
        }
        with open(os.path.join(self.directory, "events.jsonl"), "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        self.event(session, "MAIL", 250, address=address, options=mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject == "rcpt":
            self.event(session, "RCPT", 550, address=address)
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        self.event(session, "RCPT", 250, address=address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.data_count <= self.fail_first:
            self.event(session, "DATA", 451, size=len(envelope.original_content))
            return "451 4.3.0 Try again later"
        if self.reject == "data":
            self.event(session, "DATA", 550, size=len(envelope.original_content))
            return "550 5.7.1 Message rejected"
        self.saved += 1
        base = os.path.join(self.directory, str(self.saved))
        write_atomically(base + ".eml", envelope.original_content)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "login": login,
        }
        write_atomically(base + ".json", json.dumps(meta).encode())
        self.event(session, "DATA", 250, size=len(envelope.original_content), saved=self.saved)
        return f"250 2.0.0 OK queued as {self.saved}"


def write_atomically(path, data):
    temporary = path + ".partial"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject", choices=["rcpt", "data"])
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    handler = Sink(args.directory, args.fail_first, args.reject)

    tls_context = None
    if args.starttls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(*args.starttls)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def factory():
        return SMTP(
            handler,
            hostname="diacert-smtp-sink",
            decode_data=False,
            tls_context=tls_context,
            require_starttls=tls_context is not None,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            auth_require_tls=tls_context is not None,
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, "127.0.0.1", args.port)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
