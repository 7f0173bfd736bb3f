"""A small program for the supervisor to run: prints, serves /health, crashes, resists SIGTERM."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, help="serve GET /health here (after --delay)")
    parser.add_argument("--no-listen", action="store_true", help="never serve: never ready")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--exit-after", type=float, help="exit with --code after this long")
    parser.add_argument("--code", type=int, default=0)
    parser.add_argument("--ignore-term", action="store_true", help="ignore SIGTERM")
    parser.add_argument("--grandchild", action="store_true", help="spawn a SIGTERM-proof child")
    parser.add_argument("--check-port", type=int, help="report whether this port serves")
    args = parser.parse_args()

    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    say(f"hello from {args.name}")
    if args.check_port:
        try:
            socket.create_connection(("127.0.0.1", args.check_port), timeout=1).close()
            say("dependency up")
        except OSError:
            say("dependency down")
    if args.grandchild:
        grandchild = subprocess.Popen(
            [sys.executable, __file__, "--name", "grandchild", "--ignore-term"],
            stdout=subprocess.DEVNULL,
        )
        say(f"grandchild {grandchild.pid}")
    if args.exit_after is not None:
        time.sleep(args.exit_after)
        say("about to crash")
        sys.exit(args.code)
    time.sleep(args.delay)
    if args.port and not args.no_listen:
        server = HTTPServer(("127.0.0.1", args.port), Health)
        say(f"listening on {args.port}")
        server.serve_forever(poll_interval=0.05)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
