"""The `accounts` command: serve, worker, migrate, create-admin, the outbox, signing keys, webhooks, users
and suppressions."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from adapters.crypto.passwords import HashBuildUnfit, check_the_hash_runs_here
from adapters.crypto.sealed_secrets import SealedUnderAnotherSecret
from application.admin.create_admin import NewAdmin
from application.shared.errors import StorageError, StorageNotMigrated
from domain.errors import DomainError
from domain.views import UserView
from entrypoints import cli_suppressions, cli_users, cli_webhooks
from entrypoints.container import Container, build_container, close_container
from entrypoints.logs import configure_logging
from entrypoints.master_secret import open_sealed_secrets
from entrypoints.settings import Settings, SettingsError, load_settings
from entrypoints.version import __version__
from entrypoints.worker_metrics import CannotListen, WorkerMetricsListener

logger = logging.getLogger("accounts")
PASSWORD_TRIES = 3


def main(argv: list[str] | None = None, app_factory: Callable[[Settings], Any] | None = None) -> int:
    """`app_factory`: what `serve` serves, the service's own app unless a benchmark mounts more."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"accounts: {error}", file=sys.stderr)
        return 2
    configure_logging(json_lines=settings.LOG_FORMAT == "json")
    try:
        check_the_hash_runs_here()
        return _run(args, settings, app_factory)
    except HashBuildUnfit as error:
        print(f"accounts: {error}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"accounts: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"accounts: {error.message} {error.resolution}", file=sys.stderr)
        return 1
    except SealedUnderAnotherSecret as error:
        print(f"accounts: {error}", file=sys.stderr)  # one line: the cause and the fix
        return 1
    except StorageNotMigrated as error:
        print(
            f"accounts: the database schema is not up to date: run `accounts migrate` first ({error})",
            file=sys.stderr,
        )
        return 1
    except StorageError as error:
        print(f"accounts: could not reach the database named by DATABASE_URL: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accounts", description="Bookly Accounts")
    # Answered before any setting is read, so it works with none (and in an image without its secret).
    parser.add_argument("--version", action="version", version=f"accounts (Bookly Accounts) {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (and the outbox worker)")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="API processes sharing the port (SO_REUSEPORT)")
    commands.add_parser("migrate", help="bring the database schema up to date (Alembic upgrade head)")
    admin = commands.add_parser("create-admin", help="create a verified administrator")
    admin.add_argument("--email", required=True, help="the administrator's email address")
    admin.add_argument("--password", help="asked for when not given (or read from standard input when piped)")
    commands.add_parser("worker", help="run only the outbox delivery worker")
    outbox = commands.add_parser("outbox", help="look at and operate the email outbox")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True)
    outbox_commands.add_parser("status", help="counts by state and the oldest pending message's age")
    retry = outbox_commands.add_parser("retry", help="put dead messages back in the queue")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=uuid.UUID, help="one dead message, by its id")
    which.add_argument("--dead", action="store_true", help="every dead message")
    keys = commands.add_parser("keys", help="the keys access tokens are signed with")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("list", help="every key, its algorithm and state")
    keys_commands.add_parser(
        "rotate", help="publish a new key now; it signs once JWKS_CACHE_SECONDS have passed"
    )
    keys_commands.add_parser(
        "reseal",
        help="seal what an earlier JWT_SECRET (named in JWT_SECRET_PREVIOUS) sealed "
        "again under JWT_SECRET, as every start does; then JWT_SECRET_PREVIOUS can go",
    )
    cli_webhooks.add_parser(commands)
    cli_users.add_parser(commands)
    cli_suppressions.add_parser(commands)
    return parser


def _run(args: argparse.Namespace, settings: Settings, app_factory: Callable[[Settings], Any] | None) -> int:
    if args.command == "serve":
        from entrypoints.development_secret import with_development_secret
        from entrypoints.serve import serve

        _warn_of_production_risks(settings)
        settings = with_development_secret(settings)  # once, before any process of --workers N starts
        asyncio.run(
            _open_sealed(settings)
        )  # here, where a wrong secret is one line and not uvicorn's traceback
        if settings.DOMAIN is None:
            # Links in emails must reach this server: follow its address unless DOMAIN says otherwise.
            host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host  # noqa: S104
            settings = settings.model_copy(update={"DOMAIN": f"{host}:{args.port}"})
        return serve(settings, args.host, args.port, args.workers, app_factory)
    if args.command == "migrate":
        from adapters.sqlalchemy.migrate import upgrade

        upgrade(settings.DATABASE_URL)
        print("database schema is up to date")
    elif args.command == "create-admin":
        password = args.password or _read_password()
        user = asyncio.run(_create_admin(settings, NewAdmin(args.email, password)))
        print(f"created administrator {user.email} ({user.id})")
    elif args.command == "worker":
        _warn_of_production_risks(settings)
        return asyncio.run(_worker(settings))
    elif args.command == "outbox":
        print(asyncio.run(_outbox(settings, args)))
    elif args.command == "keys" and args.keys_command == "reseal":
        print(asyncio.run(_reseal(settings)))
    elif args.command == "keys":
        print(asyncio.run(_keys(settings, args.keys_command)))
    elif args.command == "webhooks":
        try:
            print(asyncio.run(cli_webhooks.run(args, lambda: _container(settings, sealed=True))))
        except cli_webhooks.WebhookTestFailed as failed:
            print(f"accounts: {failed}", file=sys.stderr)
            return 1
    elif args.command == "users":
        try:
            print(asyncio.run(cli_users.run(args, lambda: _container(settings))))
        except cli_users.NotDone as refused:
            print(f"accounts: {refused}", file=sys.stderr)
            return 1
    elif args.command == "suppressions":
        print(asyncio.run(cli_suppressions.run(args, lambda: _container(settings))))
    return 0


def _warn_of_production_risks(settings: Settings) -> None:
    for warning in settings.production_warnings():
        logger.warning("%s", warning)


def _read_password() -> str:
    """From the terminal, typed twice (again on a mismatch); from a pipe, its first line (and, if a second
    line follows, it must be the same)."""
    if not sys.stdin.isatty():
        lines = sys.stdin.read().splitlines()
        if not lines or not lines[0]:
            raise SystemExit("accounts: no password on standard input: pipe one in, or pass --password")
        if len(lines) > 1 and lines[1] != lines[0]:
            raise SystemExit("accounts: the two passwords do not match")
        return lines[0]
    for _ in range(PASSWORD_TRIES):
        try:
            password, again = getpass.getpass("Password: "), getpass.getpass("Password again: ")
        except EOFError:
            raise SystemExit(
                "accounts: no password given: type it at the prompt, or pass --password"
            ) from None
        if password == again:
            return password
        print("The two passwords do not match; type them again.", file=sys.stderr)
    raise SystemExit(
        f"accounts: the two passwords did not match {PASSWORD_TRIES} times; no administrator made"
    )


@asynccontextmanager
async def _container(
    settings: Settings, sealed: bool = False, database_may_be_away: bool = False
) -> AsyncIterator[Container]:
    """`sealed`: the command opens secrets sealed in the database (signing keys, webhook secrets), so they
    are looked at first: sealed again if an earlier JWT_SECRET sealed them, refused in one line if none
    opens."""
    container = build_container(settings)
    try:
        if sealed:
            await open_sealed_secrets(container, database_may_be_away=database_may_be_away)
        yield container
    finally:
        await close_container(container)


async def _open_sealed(settings: Settings) -> None:
    async with _container(settings, sealed=True, database_may_be_away=True):
        pass


async def _create_admin(settings: Settings, admin: NewAdmin) -> UserView:
    async with _container(settings) as container:
        return await container.create_admin().execute(admin)


async def _outbox(settings: Settings, args: argparse.Namespace) -> str:
    async with _container(settings) as container:
        if args.outbox_command == "retry":
            count = await container.revive_dead_messages().execute(args.id)
            if args.id is not None and count == 0:
                raise SystemExit(
                    f"accounts: no dead message has the id {args.id}; "
                    "`accounts outbox status` counts the dead ones"
                )
            return f"{count} dead message(s) queued again"
        report = await container.outbox_status().execute()
        now = container.clock().now()
    lines = []
    # Emails as the lines always were; the webhook deliveries' below them, named so.
    for prefix, stats in (("", report.emails), ("webhooks ", report.webhooks)):
        oldest = stats.oldest_pending_created_at
        age = f"{(now - oldest).total_seconds():.0f} s" if oldest else "none pending"
        lines += [
            f"{prefix}pending {stats.pending}",
            f"{prefix}sent {stats.sent}",
            f"{prefix}dead {stats.dead}",
            f"{prefix}oldest pending age {age}",
        ]
    return "\n".join(lines)


async def _keys(settings: Settings, command: str) -> str:
    if settings.JWT_ALGORITHM.startswith("HS"):
        raise SystemExit(
            f"accounts: JWT_ALGORITHM is {settings.JWT_ALGORITHM}, which signs with JWT_SECRET: "
            "there are no keys (set JWT_ALGORITHM=EdDSA, ES256 or RS256 to have some)"
        )
    async with _container(settings, sealed=True) as container:
        ring, now = container.key_ring(), container.clock().now()
        if command == "rotate":
            key = await ring.create(activates_in=timedelta(seconds=settings.JWKS_CACHE_SECONDS))
            return (
                f"published key {key.kid} ({key.algorithm}); "
                f"it signs from {key.activates_at:%Y-%m-%d %H:%M:%S} UTC, "
                "when every cache of the key set has it"
            )
        lifetime = container.lifetimes().access
        lines = [
            f"{key.kid}  {key.algorithm:6}  {key.state(now, lifetime):9}  "
            f"created {key.created_at:%Y-%m-%d %H:%M}"
            f"  signs from {key.activates_at:%Y-%m-%d %H:%M:%S}"
            + (f"  retires {key.retires_at:%Y-%m-%d %H:%M:%S}" if key.retires_at else "")
            for key in await ring.all()
        ]
        return "\n".join(lines) or "no keys yet: the first start makes one"


async def _reseal(settings: Settings) -> str:
    # Apart from _keys: an HS256 deployment has no keys, but may have webhook secrets to seal again.
    async with _container(settings) as container:
        resealed = await container.resealer().reseal()
    if not resealed:
        return "nothing to seal again: everything sealed in the database opens with JWT_SECRET"
    return "sealed again under JWT_SECRET: " + ", ".join(
        f"{words} {count}" for words, count in resealed.items()
    )


async def _worker(settings: Settings) -> int:
    async with _container(settings, sealed=True, database_may_be_away=True) as container:
        listener, metrics_at = None, "off (set WORKER_METRICS_LISTEN to serve them)"
        if settings.worker_metrics_listener is not None:
            host, port = settings.worker_metrics_listener
            listener = WorkerMetricsListener(
                host=host,
                port=port,
                metrics=container.metrics(),
                status=container.outbox_status,
                clock=container.clock(),
            )
            try:
                metrics_at = f"http://{await listener.start()}/metrics"
            except CannotListen as error:
                print(f"accounts: {error}", file=sys.stderr)
                return 1
        worker = container.outbox_worker()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        worker.start()
        emails, webhooks = container.delivery_policy(), container.webhook_delivery_policy()
        logger.info(
            "worker started: delivers emails (a claim of %d, a lease of %g s) and webhooks (a claim of %d, "
            "a lease of %g s), polling every %g s; metrics %s",
            emails.batch_size,
            emails.lease.total_seconds(),
            webhooks.batch_size,
            webhooks.lease.total_seconds(),
            settings.OUTBOX_POLL_SECONDS,
            metrics_at,
        )
        try:
            await stop.wait()
            await worker.stop()
        finally:
            if listener is not None:
                await listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
