#!/usr/bin/env python3
"""A real SMTP server on loopback for Gridline's tests and for watching mail locally.

Every message received is written to DIR as NNNNNN.eml (written whole, then renamed).
With --user/--password, the server requires AUTH and refuses other credentials (535).

    python3 tests/smtp_sink.py --port 2525 --dir data/mail     # `make mail-sink`
"""
import argparse
import asyncio
import itertools
import os
import pathlib
import signal
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory: pathlib.Path):
        self.dir = directory
        existing = [int(p.stem) for p in directory.glob("*.eml") if p.stem.isdigit()]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        tmp = self.dir / f".{n:06d}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.dir / f"{n:06d}.eml")
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    return check


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    directory = pathlib.Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    kwargs = {}
    if args.user:
        kwargs = dict(authenticator=authenticator(args.user, args.password), auth_required=True, auth_require_tls=False)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(f"SMTP sink listening on {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
