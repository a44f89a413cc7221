#!/usr/bin/env python3
"""A test SMTP server (aiosmtpd) for AVA's SMTP transport tests.

Listens on 127.0.0.1 only, in one or more modes at once:

  --starttls PORT      plain port offering STARTTLS (required before MAIL), AUTH PLAIN/LOGIN
                       required and only accepted after STARTTLS (auth_require_tls=True)
  --implicit-tls PORT  SMTPS: TLS from the first byte, AUTH PLAIN/LOGIN required
  --plain PORT         no TLS at all, AUTH optional (like Mailpit); for tls=none tests

PORT 0 picks a free port. When every listener is up the server prints one line
  READY starttls=PORT implicit-tls=PORT plain=PORT
(only the modes asked for) and flushes stdout.

Every accepted message is written as <dir>/<n>.eml (the raw bytes received after DATA, dot-
unstuffed, CRLF line endings as sent) and <dir>/<n>.json with
  {"mail_from", "rcpt_tos", "auth_login", "tls", "mode"}.

The TLS certificate and key come from --cert/--key; with --generate-cert they are created with
openssl (self-signed, CN and subjectAltName IP 127.0.0.1) when the files do not exist yet.

With --exit-on-stdin-eof the server exits when its standard input closes, so a test process
that dies cannot leave it running.

Requires aiosmtpd (python3 -m pip install aiosmtpd).
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def generate_certificate(cert: str, key: str) -> None:
    if os.path.exists(cert) and os.path.exists(key):
        return
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class Recorder:
    """aiosmtpd handler that stores each message as <n>.eml + <n>.json."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        raw = envelope.original_content or b""
        transport = server.transport
        tls = bool(server._tls_protocol) or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        auth = session.auth_data
        if isinstance(auth, LoginPassword):
            auth = auth.login
        if isinstance(auth, bytes):
            auth = auth.decode("utf-8", "replace")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_login": auth,
            "tls": tls,
            "mode": getattr(server, "ava_mode", None),
        }
        eml = os.path.join(self.directory, f"{n}.eml")
        with open(eml + ".tmp", "wb") as f:
            f.write(raw)
        os.replace(eml + ".tmp", eml)
        # The .json is written last: its presence means the message is complete.
        path = os.path.join(self.directory, f"{n}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 OK: queued as %d" % n


def make_authenticator(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode("utf-8")
            and auth_data.password == password.encode("utf-8")
        ):
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    return authenticator


def main() -> None:
    # A parent may have blocked signals (test runners do, and the mask is inherited across exec):
    # unblock them so that SIGTERM/SIGINT stop this server.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="where to write <n>.eml and <n>.json")
    parser.add_argument("--starttls", type=int, metavar="PORT")
    parser.add_argument("--implicit-tls", type=int, metavar="PORT")
    parser.add_argument("--plain", type=int, metavar="PORT")
    parser.add_argument("--cert", help="PEM certificate (needed for the TLS modes)")
    parser.add_argument("--key", help="PEM private key (needed for the TLS modes)")
    parser.add_argument("--generate-cert", action="store_true", help="create --cert/--key with openssl if missing")
    parser.add_argument("--user", default="ava")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--only-auth", choices=["PLAIN", "LOGIN"], help="offer just this AUTH mechanism")
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()
    # aiosmtpd warns about AUTH without its own STARTTLS (the implicit-TLS and plain modes).
    warnings.filterwarnings("ignore", category=UserWarning, module="aiosmtpd")
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    if args.starttls is None and args.implicit_tls is None and args.plain is None:
        parser.error("give at least one of --starttls, --implicit-tls, --plain")
    os.makedirs(args.dir, exist_ok=True)

    tls_context = None
    if args.starttls is not None or args.implicit_tls is not None:
        if not args.cert or not args.key:
            parser.error("the TLS modes need --cert and --key")
        if args.generate_cert:
            generate_certificate(args.cert, args.key)
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    excluded = [m for m in ("PLAIN", "LOGIN") if args.only_auth and m != args.only_auth]
    recorder = Recorder(args.dir)
    authenticator = make_authenticator(args.user, args.password)

    def factory(mode: str):
        def make():
            if mode == "starttls":
                server = SMTP(
                    recorder,
                    hostname="ava-test-smtp",
                    tls_context=tls_context,
                    require_starttls=True,
                    authenticator=authenticator,
                    auth_required=True,
                    auth_require_tls=True,
                    enable_SMTPUTF8=True,
                    auth_exclude_mechanism=excluded,
                )
            elif mode == "implicit-tls":
                # The socket is TLS already; aiosmtpd only knows about STARTTLS, hence
                # auth_require_tls=False (the connection is encrypted all the same).
                server = SMTP(
                    recorder,
                    hostname="ava-test-smtp",
                    authenticator=authenticator,
                    auth_required=True,
                    auth_require_tls=False,
                    enable_SMTPUTF8=True,
                    auth_exclude_mechanism=excluded,
                )
            else:
                server = SMTP(
                    recorder,
                    hostname="ava-test-smtp",
                    authenticator=authenticator,
                    auth_required=False,
                    auth_require_tls=False,
                    enable_SMTPUTF8=True,
                    auth_exclude_mechanism=excluded,
                )
            server.ava_mode = mode
            return server

        return make

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        listeners = []
        ready = []
        for mode, port, ssl_context in (
            ("starttls", args.starttls, None),
            ("implicit-tls", args.implicit_tls, tls_context),
            ("plain", args.plain, None),
        ):
            if port is None:
                continue
            server = await loop.create_server(factory(mode), host="127.0.0.1", port=port, ssl=ssl_context)
            listeners.append(server)
            ready.append(f"{mode}={server.sockets[0].getsockname()[1]}")

        stop = asyncio.Event()
        if args.exit_on_stdin_eof:
            def watch_stdin() -> None:
                try:
                    while sys.stdin.buffer.read(4096):
                        pass
                finally:
                    loop.call_soon_threadsafe(stop.set)

            threading.Thread(target=watch_stdin, daemon=True).start()

        print("READY " + " ".join(ready), flush=True)
        try:
            await stop.wait()
        finally:
            for server in listeners:
                server.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
