"""A real SMTP server for tests: aiosmtpd on loopback, with STARTTLS, AUTH and scripted refusals."""

from __future__ import annotations

import asyncio
import atexit
import email.policy
import functools
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@functools.cache
def self_signed_certificate(
    name: str = "localhost", alt_names: str = "IP:127.0.0.1,DNS:localhost"
) -> tuple[Path, Path]:
    """A certificate and key for `name` and `alt_names` (127.0.0.1 and localhost), made once per test
    session."""
    folder = Path(tempfile.mkdtemp(prefix="test-cert-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName={alt_names}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpTestServer:
    """Records every message it accepts in `.messages`; `.connections` counts the connections opened."""

    def __init__(
        self, *, starttls: bool = False, require_starttls: bool = False, auth: tuple[str, str] | None = None
    ) -> None:
        self.messages: list[EmailMessage] = []
        self.delay_seconds = 0.0  # how long each DATA takes to be accepted, for a slow server
        self.data_started = 0  # DATA commands begun, accepted or not: a message is on its way in
        self.port = free_port()
        self._auth = auth
        self._failures: dict[str, deque[str]] = {"RCPT": deque(), "DATA": deque()}
        self._sessions: list[SMTP] = []
        tls_context = None
        if starttls:
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(*self_signed_certificate())
        self._controller = _Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            tls_context=tls_context,
            require_starttls=require_starttls,
            auth_required=auth is not None,
            auth_require_tls=starttls,
            authenticator=self._authenticate if auth else None,
        )

    @property
    def connections(self) -> int:
        return len(self._sessions)

    def start(self) -> None:
        self._controller.start()
        self._sessions.clear()  # start() opens one connection itself, to check the server answers

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpTestServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, count: int, reply: str, command: str = "RCPT") -> None:
        """Answer the next `count` RCPT (or DATA) commands with `reply`, e.g. "451 4.3.0 try later"."""
        self._failures[command].extend([reply] * count)

    def drop_connections(self) -> None:
        """Close every open connection from the server's side, as an idle timeout would."""

        def close_all() -> None:
            for session in self._sessions:
                if session.transport is not None:
                    session.transport.close()

        self._controller.loop.call_soon_threadsafe(close_all)

    async def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.messages) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"expected {count} messages within {timeout} s, got {len(self.messages)}"
                )
            await asyncio.sleep(0.02)
        return list(self.messages)

    # aiosmtpd handler hooks; they run on the server's own thread and event loop.

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self._failures["RCPT"]:
            return self._failures["RCPT"].popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.data_started += 1
        if self._failures["DATA"]:
            return self._failures["DATA"].popleft()
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        self.messages.append(BytesParser(policy=email.policy.default).parsebytes(envelope.content))
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            (auth_data.login.decode(), auth_data.password.decode()) == self._auth
        )
        return AuthResult(success=ok, handled=False)


class _Controller(Controller):
    def __init__(self, owner: SmtpTestServer, **kwargs: Any) -> None:
        super().__init__(owner, **kwargs)
        self._owner = owner

    def factory(self) -> SMTP:
        # aiosmtpd builds one SMTP protocol per connection, so this is where connections are counted.
        session = super().factory()
        self._owner._sessions.append(session)
        return session


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """Plain SMTP: no TLS, no login."""
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def smtp_tls_server() -> Iterator[SmtpTestServer]:
    """STARTTLS required, then a login as "mailer" / "secret-pass"."""
    with SmtpTestServer(starttls=True, require_starttls=True, auth=("mailer", "secret-pass")) as server:
        yield server
