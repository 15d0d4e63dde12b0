"""Sends email through an SMTP server, over one connection kept open across a batch."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from adapters.mail.mime import build_mime
from domain.mail import DeliveryError, OutboxMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    use_credentials: bool
    start_tls: bool
    ssl_tls: bool
    validate_certs: bool
    timeout: float
    sender_address: str
    sender_name: str

    def __post_init__(self) -> None:
        if self.start_tls and self.ssl_tls:
            raise ValueError("start_tls and ssl_tls exclude each other: choose STARTTLS or implicit TLS")


class SmtpMailSender:
    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._smtp: aiosmtplib.SMTP | None = None
        # One connection carries one transaction at a time.
        self._lock = asyncio.Lock()

    async def send(self, message: OutboxMessage) -> None:
        mime = build_mime(message, self._config.sender_address, self._config.sender_name)
        async with self._lock:
            for last_try in (False, True):
                try:
                    await self._send(mime, message.recipient)
                    return
                except aiosmtplib.SMTPServerDisconnected as error:
                    # Servers close idle connections: a fresh one gets the message once more. (Should the
                    # first copy have arrived after all, its unchanged Message-ID marks the duplicate.)
                    self._drop()
                    if last_try:
                        raise _delivery_error(error, self._config) from error
                except (aiosmtplib.SMTPException, OSError) as error:
                    self._drop()
                    raise _delivery_error(error, self._config) from error
                except BaseException:
                    # Cancelled mid-transaction: what the server has seen is unknown.
                    self._drop()
                    raise

    async def close(self) -> None:
        async with self._lock:
            if self._smtp is not None and self._smtp.is_connected:
                try:
                    await self._smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    pass  # QUIT is a courtesy; the connection closes either way
            self._drop()

    async def _send(self, mime: EmailMessage, recipient: str) -> None:
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = await self._connect()
        await self._smtp.send_message(mime, sender=self._config.sender_address, recipients=[recipient])

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self._config
        login = config.use_credentials and bool(config.username)
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            timeout=config.timeout,
            use_tls=config.ssl_tls,
            validate_certs=config.validate_certs,
            # False rather than None: None means "upgrade whenever the server offers STARTTLS".
            start_tls=config.start_tls,
            username=config.username if login else None,
            password=config.password if login else None,
        )
        await smtp.connect()
        return smtp

    def _drop(self) -> None:
        # After any error the connection's state is doubtful; the next send opens a new one.
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


_SETUP_REFUSALS = (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPHeloError)


def _delivery_error(error: Exception, config: SmtpConfig) -> DeliveryError:
    where = f"SMTP server {config.host}:{config.port}"
    reply = _reply(error)
    permanent, server_unavailable, refused = False, True, False
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        text = (
            f"{where} refused the login for user {config.username!r} ({error.code} {error.message}): "
            "check MAIL_USERNAME and MAIL_PASSWORD"
        )
    elif isinstance(error, ssl.SSLError) or isinstance(error.__cause__, ssl.SSLError):
        text = (
            f"TLS with {where} failed ({error.__cause__ or error}): check VALIDATE_CERTS "
            "(the certificate must be trusted and name MAIL_SERVER), MAIL_STARTTLS and MAIL_SSL_TLS"
        )
    elif isinstance(error, TimeoutError):
        text = f"{where} did not answer within {config.timeout:g} s; check MAIL_SERVER and MAIL_PORT"
    elif isinstance(error, aiosmtplib.SMTPConnectError):
        cause = error.__cause__
        reason = (
            "connection refused"
            if isinstance(cause, ConnectionRefusedError)
            else f"greeted with {reply[0]} {reply[1]}"
            if reply
            else str(cause or error)
        )
        text = f"could not connect to {where}: {reason}; check MAIL_SERVER and MAIL_PORT"
    elif reply is not None and (reply[0] == 530 or isinstance(error, _SETUP_REFUSALS)):
        # A refusal of our own setup is fixed in the settings, after which a retry succeeds.
        text = (
            f"{where} refused the session: {reply[0]} {reply[1]}; "
            "check MAIL_FROM, MAIL_STARTTLS and USE_CREDENTIALS"
        )
    elif reply is not None:
        # A 5xx about this message or its recipient will not change on a retry; a 4xx may.
        permanent, server_unavailable = reply[0] >= 500, False
        refused = permanent
        text = f"{where} refused the message: {reply[0]} {reply[1]}"
    else:
        text = (
            f"{where} failed: {str(error).rstrip('.')}; "
            "check MAIL_SERVER, MAIL_PORT, MAIL_STARTTLS and USE_CREDENTIALS"
        )
    if config.password:
        text = text.replace(config.password, "***")  # in case a server echoes it back
    return DeliveryError(
        text, permanent=permanent, server_unavailable=server_unavailable, recipient_refused=refused
    )


def _reply(error: Exception) -> tuple[int, str] | None:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code, error.message
    return None
