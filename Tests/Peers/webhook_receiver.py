#!/usr/bin/env python3
"""A Standard Webhooks receiver on loopback for DiaCert's delivery tests.

Prints the listening port as the first line of stdout, then serves until killed. Every POST is
verified with the reference library, `standardwebhooks.Webhook(secret).verify(body, headers)`, and
recorded as one JSON line in LOG *before* the response is sent: request number, arrival time
(`received_at`, Unix seconds as a float, taken when the request line and headers have been read), webhook-id,
webhook-timestamp, webhook-signature, the body (base64 and text), verified true/false (with the
error), Content-Type, and the response the script chose.

--script gives the response to each request in order; requests after the script get 200:
  200, 410, 500, 301 ...      answer with that status
  429:retry-after=2           a status with a Retry-After header (seconds)
  sleep:5                     wait 5 seconds, then answer 200 (the client has usually given up)
"""
import argparse
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


def parse_action(text):
    if text.startswith("sleep:"):
        return {"sleep": float(text.split(":", 1)[1]), "status": 200, "headers": {}}
    status, *options = text.split(":")
    headers = {}
    for option in options:
        key, value = option.split("=", 1)
        if key == "retry-after":
            headers["Retry-After"] = value
        elif key == "location":
            headers["Location"] = value
    if 300 <= int(status) < 400 and "Location" not in headers:
        headers["Location"] = "/moved"
    return {"sleep": 0, "status": int(status), "headers": headers}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True, help="the whsec_... secret to verify with")
    parser.add_argument("--log", required=True, help="JSONL file of received requests")
    parser.add_argument("--script", default="", help="comma-separated responses, see above")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    webhook = Webhook(args.secret)
    script = [parse_action(item) for item in args.script.split(",") if item]
    default = {"sleep": 0, "status": 200, "headers": {}}
    lock = threading.Lock()
    state = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            received_at = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key: value for key, value in self.headers.items()}
            try:
                webhook.verify(body, headers)
                verified, error = True, None
            except Exception as exception:  # any failure is recorded, the test decides
                verified, error = False, f"{type(exception).__name__}: {exception}"
            with lock:
                state["count"] += 1
                number = state["count"]
                action = script[number - 1] if number <= len(script) else default
                record = {
                    "n": number,
                    "received_at": received_at,
                    "path": self.path,
                    "id": self.headers.get("webhook-id"),
                    "timestamp": self.headers.get("webhook-timestamp"),
                    "signature": self.headers.get("webhook-signature"),
                    "content_type": self.headers.get("Content-Type"),
                    "body_base64": base64.b64encode(body).decode(),
                    "body": body.decode("utf-8", errors="replace"),
                    "verified": verified,
                    "error": error,
                    "status": action["status"],
                    "slept": action["sleep"],
                }
                with open(args.log, "a", encoding="utf-8") as log:
                    log.write(json.dumps(record, ensure_ascii=False) + "\n")
            if action["sleep"]:
                time.sleep(action["sleep"])
            try:
                self.send_response(action["status"])
                for key, value in action["headers"].items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args):
            sys.stderr.write("webhook_receiver: " + (format % args) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
