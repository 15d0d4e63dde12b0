"""Settings from the environment and `.env`, under the Bookly tutorial's names where it had one."""

from __future__ import annotations

import base64
import ipaddress
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.sqlalchemy.engine import backend_of, password_of
from domain.user import Role

ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}
# Secrets that were ever written in public (this repository's old development default, the tutorial's
# example): whoever has read them can forge tokens and links, in any environment.
KNOWN_SECRETS = frozenset(
    {
        "development-only-secret-do-not-deploy-0123456789",
        "secret",
        "changeme",
        "your-secret-key",
        "supersecretkey",
    }
)


class Environment(str, Enum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MailBackend(str, Enum):
    SMTP = "smtp"
    CONSOLE = "console"
    FILE = "file"
    MEMORY = "memory"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    ENVIRONMENT: Environment = Environment.DEVELOPMENT
    LOG_FORMAT: Literal["text", "json"] = "text"
    # uvicorn's event loop and HTTP parser: "auto" takes uvloop and httptools, which are installed.
    SERVER_LOOP: Literal["auto", "asyncio", "uvloop"] = "auto"
    SERVER_HTTP: Literal["auto", "h11", "httptools"] = "auto"
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses or networks): limits
    # count by client address, so behind a load balancer set this to the balancer's addresses. None by
    # default: whoever could reach the port (a local process, a co-located app) would otherwise choose
    # its own identity. Never "*" where clients can reach the service directly.
    FORWARDED_ALLOW_IPS: str = ""
    # Operator data (/metrics, the outbox backlog in /health/ready): served to a scraper that presents
    # this as a bearer token, and/or on a listener of its own ("127.0.0.1:9100") off the public port.
    METRICS_TOKEN: SecretStr | None = None
    METRICS_LISTEN: str | None = None
    MAX_BODY_BYTES: int = Field(64 * 1024, ge=1024)
    # /docs, /redoc and /openapi.json. Unset: on, but off in production, where the document lists every
    # route for whoever asks (say true there to publish it on purpose).
    DOCS_ENABLED: bool | None = None
    # What a client may take to send a request, and how large its headers may be (431 past it): without
    # these a connection is held for as long as a client likes (entrypoints/http/guarded_protocol.py).
    MAX_REQUEST_HEADER_BYTES: int = Field(16 * 1024, ge=1024)
    REQUEST_HEADER_TIMEOUT_SECONDS: float = Field(10.0, gt=0)
    REQUEST_BODY_TIMEOUT_SECONDS: float = Field(30.0, gt=0)
    REQUEST_BODY_CHUNK_TIMEOUT_SECONDS: float = Field(10.0, gt=0)
    # On SIGTERM: new connections are refused at once, and requests in flight get this long to finish.
    SHUTDOWN_TIMEOUT_SECONDS: float = Field(30.0, gt=0)
    # Traces go by OTLP over HTTP to this collector (e.g. http://collector:4318); unset, tracing is off.
    OTEL_EXPORTER_OTLP_ENDPOINT: str | None = None
    OTEL_SERVICE_NAME: str = "bookly-accounts"
    OTEL_TRACES_SAMPLE_RATIO: float = Field(
        1.0, ge=0, le=1
    )  # of the traces started here; a caller's decides its own
    # Browser origins allowed to call the API with credentials (comma-separated); none by default.
    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    DATABASE_URL: str = "sqlite+aiosqlite:///./accounts.db"
    # Connections kept open per process. Overflow connections are closed as soon as they are returned,
    # so a load past the pool would open and close one per request; with none, a request past the pool
    # waits for a connection instead (bench/RESULTS.md measures the difference).
    DATABASE_POOL_SIZE: int = Field(20, ge=1)
    # How long a request waits for the database (to connect, for a pooled connection, for a statement)
    # before it is answered 503: an outage costs a client this, never a hang.
    DATABASE_TIMEOUT_SECONDS: float = Field(5.0, gt=0, le=300)
    DATABASE_MAX_OVERFLOW: int = Field(0, ge=0)

    # Unset in development: a secret generated on the first start and kept in the database (see
    # entrypoints/development_secret.py). Required everywhere else.
    JWT_SECRET: SecretStr | None = None
    # Earlier values of JWT_SECRET, while the master secret is rotated: what was sealed under one of them is
    # opened and sealed again under JWT_SECRET at start; nothing is signed or verified with them. Comma-
    # separated, or a JSON list for values with a comma (DEPLOYMENT.md, "Rotating the master secret").
    JWT_SECRET_PREVIOUS: Annotated[list[SecretStr], NoDecode] = []
    # EdDSA, ES256 and RS256 sign with keys kept in the database and published at /.well-known/jwks.json;
    # HS256 signs with JWT_SECRET itself, for a Bookly .env that names it (and publishes no key).
    JWT_ALGORITHM: Literal["EdDSA", "ES256", "RS256", "HS256", "HS384", "HS512"] = "EdDSA"
    JWT_AUDIENCE: str = Field("bookly", min_length=1, max_length=200)
    JWT_ISSUER: str | None = None  # unset: the service's public URL
    JWT_INCLUDE_EMAIL: bool = False
    JWKS_CACHE_SECONDS: int = Field(300, ge=1, le=86400)
    # A bearer secret for POST /api/v1/auth/introspect (RFC 7662); unset, the endpoint does not exist.
    INTROSPECTION_SECRET: SecretStr | None = None
    # Bounce and complaint reports are taken at /api/v1/mail/bounces only when signed with this
    # (Standard Webhooks, whsec_<base64>); without it the endpoint is off.
    BOUNCE_WEBHOOK_SECRET: SecretStr | None = None
    ACCESS_TOKEN_TTL_SECONDS: int = Field(900, gt=0)
    REFRESH_TOKEN_TTL_SECONDS: int = Field(14 * 24 * 3600, gt=0)
    # A session ends this long after its login, however often it is refreshed.
    SESSION_MAX_SECONDS: int = Field(30 * 24 * 3600, gt=0)
    # Two refreshes with one token this close together (two tabs, a retry) both get a pair; a later reuse
    # still ends the whole session.
    REFRESH_REUSE_GRACE_SECONDS: float = Field(10.0, ge=0, le=60)
    # Sensitive actions (export, factors, passkeys, email change, deletion) need a sign-in this recent.
    REAUTH_MAX_AGE_SECONDS: int = Field(900, gt=0, le=24 * 3600)
    # How long a sign-in that proved its first factor waits for the second (the mfa_token's life).
    MFA_TOKEN_TTL_SECONDS: int = Field(300, gt=0, le=3600)
    # Roles (comma-separated, e.g. admin) whose accounts must have a second factor and sign in with it.
    MFA_REQUIRED_ROLES: Annotated[list[Role], NoDecode] = []
    VERIFICATION_TOKEN_TTL_SECONDS: int = Field(24 * 3600, gt=0)
    RESET_TOKEN_TTL_SECONDS: int = Field(3600, gt=0)

    # Unset, links follow `accounts serve --host/--port` (localhost:8000 by default).
    DOMAIN: str | None = None
    PUBLIC_SCHEME: str = Field("http", pattern="^https?$")
    VERIFY_URL_TEMPLATE: str | None = None
    RESET_URL_TEMPLATE: str | None = None
    CHANGE_EMAIL_URL_TEMPLATE: str | None = None
    # Sign-in by an emailed code (passwordless); a front end's page with {token} gets a link beside the code.
    LOGIN_BY_CODE_ENABLED: bool = True
    LOGIN_LINK_URL_TEMPLATE: str | None = None
    LOGIN_CODE_TTL_SECONDS: int = Field(900, gt=0)

    RATE_LIMIT_PER_IP_PER_MINUTE: int = Field(30, ge=1)
    EMAILS_PER_ADDRESS_PER_HOUR: int = Field(5, ge=1)
    LOGIN_FAILURES_PER_ACCOUNT: int = Field(10, ge=1)
    LOGIN_FAILURE_WINDOW_SECONDS: int = Field(900, ge=1)
    # Wrong codes in a row at one address from every client before its codes are refused until a success
    # (a right password, login link or reset link): NIST SP 800-63B allows at most 100.
    CODE_FAILURES_IN_A_ROW: int = Field(100, ge=1, le=100)
    # False makes sign-up enumeration-safe: a taken address gets a 201 and its owner an email.
    SIGNUP_REVEALS_EXISTING_ACCOUNTS: bool = True

    PRODUCT_NAME: str = "Bookly Accounts"
    PAGES_TEMPLATES_DIR: Path | None = None
    LOGIN_URL: str | None = None

    MAIL_BACKEND: MailBackend = MailBackend.CONSOLE
    MAIL_FILE_DIR: Path = Path("mail-out")
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: SecretStr = SecretStr("")
    MAIL_FROM: str = "noreply@localhost"
    MAIL_FROM_NAME: str = "Bookly Accounts"
    MAIL_PORT: int = Field(587, ge=1, le=65535)
    MAIL_SERVER: str = "localhost"
    MAIL_STARTTLS: bool = True
    MAIL_SSL_TLS: bool = False
    USE_CREDENTIALS: bool = True
    VALIDATE_CERTS: bool = True
    MAIL_TIMEOUT_SECONDS: float = Field(10.0, gt=0)
    MAIL_TEMPLATES_DIR: Path | None = None

    OUTBOX_WORKER_ENABLED: bool = True
    OUTBOX_POLL_SECONDS: float = Field(1.0, gt=0)
    OUTBOX_MAX_ATTEMPTS: int = Field(8, ge=1)
    OUTBOX_FIRST_RETRY_SECONDS: float = Field(30.0, gt=0)
    # A worker claims this many emails at a time, about what it sends in a few seconds: the claim of a worker
    # that dies is what waits out the lease, and other workers may send none of it meanwhile.
    OUTBOX_BATCH_SIZE: int = Field(10, ge=1, le=1000)
    # How long a claim holds without renewal. A worker renews it every third of this while it sends, so
    # this is only how long a dead worker's emails wait before another worker takes them up. Unset: 30 s,
    # or 2 x MAIL_TIMEOUT_SECONDS if that is longer (a send is begun only with half a lease left).
    OUTBOX_LEASE_SECONDS: float | None = Field(None, gt=0)
    # Where `accounts worker` serves its own /metrics ("127.0.0.1:9101"). As on METRICS_LISTEN, no token is
    # asked there, so it belongs on loopback or a private network. Off by default: a worker opens no port
    # unless told, and two workers on one host would fight over a default one.
    WORKER_METRICS_LISTEN: str | None = None
    # Retention, pruned by the workers a small batch at a time. Sent emails and webhook deliveries hold no
    # body; those that never went (dead, suppressed, cancelled) are kept longer, to be looked into.
    OUTBOX_RETENTION_DAYS: float | None = Field(30, gt=0)
    OUTBOX_UNSENT_RETENTION_DAYS: float | None = Field(180, gt=0)
    REFRESH_TOKEN_RETENTION_DAYS: float = Field(
        7, gt=0
    )  # after a token expires (spent ones are kept till then)
    SECURITY_EVENT_RETENTION_DAYS: float = Field(365, gt=0)  # the audit trail's entries, pruned after this

    # Webhooks go to https URLs on the public internet only; true allows http and private addresses (tests,
    # a private network), and is refused in production.
    WEBHOOK_ALLOW_PRIVATE: bool = False
    WEBHOOK_TIMEOUT_SECONDS: float = Field(10.0, gt=0, le=120)
    WEBHOOK_CONCURRENCY: int = Field(16, ge=1, le=500)  # receivers sent to at once, by each worker

    PASSWORD_HASH_TIME_COST: int = Field(2, ge=1)
    PASSWORD_HASH_MEMORY_KIB: int = Field(19 * 1024, ge=8)
    PASSWORD_HASH_PARALLELISM: int = Field(1, ge=1)
    PASSWORD_HASH_THREADS: int | None = Field(None, ge=1)

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("MFA_REQUIRED_ROLES", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            return [role.strip().lower() for role in value.split(",") if role.strip()]
        return value

    @field_validator("FORWARDED_ALLOW_IPS")
    @classmethod
    def _proxies(cls, spec: str) -> str:
        try:
            trusted_networks(spec)
        except ValueError as error:
            raise ValueError(f"must be comma-separated IP addresses or networks: {error}") from None
        return spec

    @field_validator("JWT_SECRET", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return (
            None if value == "" else value
        )  # a blank line in .env (JWT_SECRET=) means unset, not an empty key

    @field_validator("JWT_SECRET_PREVIOUS", mode="before")
    @classmethod
    def _previous_secrets(cls, value: object) -> object:
        # An operator writes one value, or several with commas; a JSON list ('["a", "b"]') carries values
        # that hold a comma. pydantic-settings would read only JSON for a list, so the field takes no
        # decoding.
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            if value.strip().startswith("["):
                try:
                    value = json.loads(value)
                except (ValueError, RecursionError):  # RecursionError: "[[[[..." thousands deep
                    raise ValueError("starts with [ but is not a JSON list of strings") from None
                if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                    raise ValueError("must be a JSON list of strings") from None
                return [item for item in value if item]  # exactly as written: the form for exact values
            value = value.split(",")
        if isinstance(value, list):
            return [
                item.strip() if isinstance(item, str) else item
                for item in value
                if not isinstance(item, str) or item.strip()
            ]
        return value

    @field_validator("METRICS_LISTEN", "WORKER_METRICS_LISTEN")
    @classmethod
    def _listener(cls, value: str | None) -> str | None:
        if value:
            _host, colon, port = value.rpartition(":")
            if not colon or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError("must be host:port, such as 127.0.0.1:9100")
        return value or None

    @field_validator("BOUNCE_WEBHOOK_SECRET")
    @classmethod
    def _bounce_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        text = value.get_secret_value().removeprefix("whsec_")
        try:
            key = base64.b64decode(text, validate=True)
        except ValueError:
            raise ValueError("must be whsec_ and base64, as a Standard Webhooks secret is") from None
        if len(key) < 24:
            raise ValueError("is shorter than 24 bytes: make one with `openssl rand -base64 32`") from None
        return value

    @field_validator("METRICS_TOKEN", "INTROSPECTION_SECRET")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("is shorter than 16 characters: set a long random value")
        return value

    @field_validator("MAIL_FROM")
    @classmethod
    def _bare_address(cls, address: str) -> str:
        local, at, domain = address.strip().rpartition("@")
        if not (local and at and domain) or any(c in address for c in "<> ,"):
            raise ValueError(
                "must be a bare address such as noreply@example.com; the name goes in MAIL_FROM_NAME"
            )
        return address.strip()

    @field_validator("DATABASE_URL")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Bookly's URLs name the async driver already; a plain postgresql:// or sqlite:// gets it added."""
        scheme, _, rest = url.partition("://")
        backend = scheme.split("+")[0]
        try:
            backend_of(url.replace("postgres://", "postgresql://", 1))
        except ValueError:
            raise ValueError(
                "is not a database URL: use postgresql+asyncpg://user:pass@host:5432/db "
                "or sqlite+aiosqlite:///./accounts.db"
            ) from None
        driver = ASYNC_DRIVERS.get(backend)
        if driver is None:
            raise ValueError(
                f"names an unsupported database {backend!r}: "
                "use PostgreSQL (postgresql+asyncpg://...) or SQLite (sqlite+aiosqlite:///...)"
            )
        return f"{driver}://{rest}"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.MAIL_SSL_TLS and self.MAIL_STARTTLS:
            raise ValueError(
                "MAIL_SSL_TLS and MAIL_STARTTLS are both true: choose one "
                "(MAIL_SSL_TLS for implicit TLS, usually port 465; MAIL_STARTTLS for port 587)"
            )
        secret = self.JWT_SECRET.get_secret_value() if self.JWT_SECRET is not None else None
        make_one = "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        if secret is not None and not secret.strip():
            raise ValueError(
                f"JWT_SECRET is blank: set a long random value {make_one}, or leave it out in "
                "development to have one generated"
            )
        if secret is not None and secret.strip().lower() in KNOWN_SECRETS:
            raise ValueError(
                "JWT_SECRET is a value published elsewhere, which anyone could sign with: "
                f"set a secret of your own {make_one}"
            )
        if self.ENVIRONMENT is not Environment.DEVELOPMENT:
            if secret is None:
                raise ValueError(f"JWT_SECRET is not set: outside development it is required {make_one}")
            if len(secret.strip().encode()) < 32:
                raise ValueError(f"JWT_SECRET is shorter than 32 bytes: set a long random value {make_one}")
        if (
            self.OUTBOX_LEASE_SECONDS is not None
            and self.OUTBOX_LEASE_SECONDS < 2 * self.MAIL_TIMEOUT_SECONDS
        ):
            # A send is begun only while half a lease is left on the claim: one that takes
            # MAIL_TIMEOUT_SECONDS must end before the claim lapses, even when the database is away and the
            # heartbeat cannot renew.
            raise ValueError(
                "OUTBOX_LEASE_SECONDS is under 2 x MAIL_TIMEOUT_SECONDS: one slow send could outlast "
                "a worker's claim and let another worker send the same message"
            )
        if "*" in self.CORS_ORIGINS:
            raise ValueError(
                "CORS_ORIGINS is '*': name the origins of your front ends; any origin together "
                "with credentials would let every site act for a logged-in user"
            )
        if (
            secret is not None
            and self.ENVIRONMENT is not Environment.DEVELOPMENT
            and secret in (self.MAIL_PASSWORD.get_secret_value(), password_of(self.DATABASE_URL))
        ):
            raise ValueError(
                "JWT_SECRET is the same as another secret (MAIL_PASSWORD or the database "
                "password): give each its own"
            )
        if self.ENVIRONMENT is Environment.PRODUCTION and self.MAIL_BACKEND in (
            MailBackend.CONSOLE,
            MailBackend.MEMORY,
        ):
            raise ValueError(
                f"MAIL_BACKEND is {self.MAIL_BACKEND.value} in production, where emails (and "
                "their live links) would go to the log or nowhere: set MAIL_BACKEND=smtp"
            )
        if self.ENVIRONMENT is Environment.PRODUCTION and self.WEBHOOK_ALLOW_PRIVATE:
            raise ValueError(
                "WEBHOOK_ALLOW_PRIVATE is true in production, where a webhook could then reach "
                "the service's own network (SSRF): leave it false"
            )
        return self

    def production_warnings(self) -> list[str]:
        """What is allowed in production but most likely a mistake there, one line each."""
        if self.ENVIRONMENT is not Environment.PRODUCTION:
            return []
        warnings = []
        if self.PUBLIC_SCHEME == "http":
            warnings.append(
                "PUBLIC_SCHEME is http in production: the links in emails carry tokens in the clear; "
                "set PUBLIC_SCHEME=https"
            )
        if (self.DOMAIN or "localhost").split(":")[0] in ("localhost", "127.0.0.1", "::1", "[::1]"):
            warnings.append(
                f"DOMAIN is {self.DOMAIN or 'unset'} in production: the links in emails lead to "
                "the reader's own machine; set DOMAIN to the public host"
            )
        if self.DATABASE_URL.startswith("sqlite"):
            warnings.append(
                "the database is SQLite in production: one process, one machine, no replica; "
                "set DATABASE_URL to PostgreSQL"
            )
        return warnings

    @property
    def docs_enabled(self) -> bool:
        if self.DOCS_ENABLED is not None:
            return self.DOCS_ENABLED
        return self.ENVIRONMENT is not Environment.PRODUCTION

    @property
    def previous_secrets(self) -> list[str]:
        """JWT_SECRET_PREVIOUS's values, without JWT_SECRET itself (left in by mistake, it is no earlier
        value)."""
        current = self.JWT_SECRET.get_secret_value() if self.JWT_SECRET is not None else None
        return [
            value for secret in self.JWT_SECRET_PREVIOUS if (value := secret.get_secret_value()) != current
        ]

    @property
    def metrics_listener(self) -> tuple[str, int] | None:
        return _host_and_port(self.METRICS_LISTEN)

    @property
    def worker_metrics_listener(self) -> tuple[str, int] | None:
        return _host_and_port(self.WORKER_METRICS_LISTEN)

    @property
    def outbox_lease_seconds(self) -> float:
        if self.OUTBOX_LEASE_SECONDS is not None:
            return self.OUTBOX_LEASE_SECONDS
        return max(30.0, 2 * self.MAIL_TIMEOUT_SECONDS)

    @property
    def trusted_proxies(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
        """FORWARDED_ALLOW_IPS as networks; None for '*', every peer."""
        return trusted_networks(self.FORWARDED_ALLOW_IPS)

    @property
    def public_base_url(self) -> str:
        return f"{self.PUBLIC_SCHEME}://{self.DOMAIN or 'localhost:8000'}"

    @property
    def verify_url_template(self) -> str:
        return self.VERIFY_URL_TEMPLATE or f"{self.public_base_url}/api/v1/auth/verify/{{token}}"

    @property
    def change_email_url_template(self) -> str:
        return self.CHANGE_EMAIL_URL_TEMPLATE or f"{self.public_base_url}/api/v1/auth/confirm-email/{{token}}"

    @property
    def token_issuer(self) -> str:
        return self.JWT_ISSUER or self.public_base_url

    @property
    def forgot_password_url(self) -> str:
        return f"{self.public_base_url}/api/v1/auth/forgot-password"

    @property
    def reset_url_template(self) -> str:
        return (
            self.RESET_URL_TEMPLATE or f"{self.public_base_url}/api/v1/auth/password-reset-confirm/{{token}}"
        )


def _host_and_port(spec: str | None) -> tuple[str, int] | None:
    if not spec:
        return None
    host, _, port = spec.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def trusted_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    entries = [entry.strip() for entry in spec.split(",") if entry.strip()]
    if "*" in entries:
        return None
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


class SettingsError(Exception):
    """Settings that cannot start the service, said in one line that names the setting."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        where = f"{name}: " if first["loc"] else ""
        raise SettingsError(f"invalid setting {where}{message}") from None
