"""The `accounts` command as an operator runs it, on the embedded SQLite default: in process, with its own
working folder, environment and standard streams (the commands that serve run as processes elsewhere)."""

import contextlib
import io
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from entrypoints import cli
from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("MAIL_", "DATABASE_", "JWT_", "ENVIRONMENT")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(cli, "configure_logging", lambda json_lines: None)  # the test runner keeps its own


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


TERMINAL = "\0terminal"  # stdin as a person at a terminal, rather than a pipe (what follows it is typed)


def accounts(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        typed = stdin is not None and stdin.startswith(TERMINAL)  # TERMINAL + "what the person types"
        patch.setattr(
            sys, "stdin", Terminal(stdin.removeprefix(TERMINAL)) if typed else io.StringIO(stdin or "")
        )
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as leaving:
                code = leaving.code if isinstance(leaving.code, int) else (print(leaving.code, file=err) or 1)
    return Ran(code, out.getvalue(), err.getvalue())


def test_the_installed_command_runs_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "database schema is up to date" in result.stdout, result.stderr


def test_migrate_then_create_admin_on_the_default_sqlite_file(tmp_path: Path) -> None:
    migrated = accounts("migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "accounts.db").exists()

    created = accounts(
        "create-admin", "--email", "Root@Example.com", "--password", "admin password 1", cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert "created administrator root@example.com" in created.stdout

    again = accounts(
        "create-admin", "--email", "root@example.com", "--password", "admin password 1", cwd=tmp_path
    )
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.parametrize(
    "env, named",
    [
        ({"MAIL_PORT": "abc"}, "MAIL_PORT"),
        ({"MAIL_SSL_TLS": "true", "MAIL_STARTTLS": "true"}, "MAIL_SSL_TLS"),
        ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND"),
        ({"ENVIRONMENT": "production", "JWT_SECRET": "too-short"}, "JWT_SECRET"),
        ({"ENVIRONMENT": "production", "MAIL_BACKEND": "smtp"}, "JWT_SECRET is not set"),
        (
            {"JWT_SECRET": "development-only-secret-do-not-deploy-0123456789"},
            "JWT_SECRET is a value published",
        ),
        (
            {"ENVIRONMENT": "test", "JWT_SECRET": "s" * 40, "MAIL_PASSWORD": "s" * 40},
            "JWT_SECRET is the same",
        ),
        ({"ENVIRONMENT": "production", "JWT_SECRET": "s" * 40}, "MAIL_BACKEND is console"),
        ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
        ({"DATABASE_URL": "mysql://db/accounts"}, "DATABASE_URL"),
        ({"MAIL_FROM": "Bookly <noreply@example.com>"}, "MAIL_FROM"),
        ({"JWT_SECRET": " " * 40}, "JWT_SECRET is blank"),
        (
            {"ENVIRONMENT": "production", "JWT_SECRET": "development-only-secret-do-not-deploy-0123456789 "},
            "JWT_SECRET is a value published",
        ),
        ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM"),
    ],
)
def test_invalid_settings_stop_start_up_with_one_line_naming_the_setting(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = accounts("serve", cwd=tmp_path, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("accounts: invalid setting") and named in line


BOOKLY_ENV = """\
DATABASE_URL=sqlite+aiosqlite:///./bookly.db
JWT_SECRET=a-bookly-secret-that-is-long-enough-for-production
JWT_ALGORITHM=HS256
REDIS_URL=redis://localhost:6379/0
MAIL_USERNAME=bookly@example.com
MAIL_PASSWORD=app-password
MAIL_SERVER=smtp.example.com
MAIL_PORT=587
MAIL_FROM=bookly@example.com
MAIL_FROM_NAME=Bookly
MAIL_STARTTLS=True
MAIL_SSL_TLS=False
USE_CREDENTIALS=True
VALIDATE_CERTS=True
DOMAIN=bookly.example.com
"""


def test_a_bookly_env_file_works_unchanged(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(BOOKLY_ENV)
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    assert (tmp_path / "bookly.db").exists()
    status = accounts("outbox", "status", cwd=tmp_path)
    assert status.returncode == 0 and "pending 0" in status.stdout

    settings = Settings(_env_file=tmp_path / ".env")
    assert (settings.MAIL_SERVER, settings.MAIL_PORT, settings.MAIL_FROM_NAME) == (
        "smtp.example.com",
        587,
        "Bookly",
    )
    assert settings.reset_url_template.startswith("http://bookly.example.com/api/v1/auth/")


def test_a_bad_value_in_env_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAIL_PORT=not-a-port\n")
    result = accounts("migrate", cwd=tmp_path)
    assert result.returncode == 2 and "MAIL_PORT" in result.stderr


def test_create_admin_prompts_for_the_password_when_it_is_not_given(tmp_path: Path) -> None:
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    created = accounts(
        "create-admin",
        "--email",
        "root@example.com",
        cwd=tmp_path,
        stdin="admin password 1\nadmin password 1\n",
    )
    assert created.returncode == 0, created.stderr
    mismatch = accounts(
        "create-admin", "--email", "two@example.com", cwd=tmp_path, stdin="one password\nother\n"
    )
    assert mismatch.returncode != 0 and "do not match" in mismatch.stderr


def test_outbox_retry_puts_dead_messages_back(tmp_path: Path) -> None:
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    retried = accounts("outbox", "retry", "--dead", cwd=tmp_path)
    assert retried.returncode == 0 and "0 dead message(s) queued again" in retried.stdout
    usage = accounts("outbox", "retry", cwd=tmp_path)
    assert usage.returncode == 2 and "--id" in usage.stderr


def test_a_taken_port_is_reported_as_a_port_problem(tmp_path: Path) -> None:
    import socket

    assert accounts("migrate", cwd=tmp_path).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = accounts(
            "serve", "--port", str(taken.getsockname()[1]), cwd=tmp_path, env={"JWT_SECRET": "s" * 40}
        )
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1:" in result.stderr and "database" not in result.stderr


def test_a_database_that_does_not_answer_is_named(tmp_path: Path) -> None:
    result = accounts(
        "migrate", cwd=tmp_path, env={"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:9/none"}
    )
    assert result.returncode == 1 and "could not reach the database named by DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_serving_a_database_with_no_schema_says_to_migrate_first(tmp_path: Path) -> None:
    result = accounts("serve", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1 and "run `accounts migrate` first" in result.stderr


def test_create_admin_reads_a_piped_password_and_asks_again_at_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    piped = accounts("create-admin", "--email", "one@example.com", cwd=tmp_path, stdin="admin password 1\n")
    assert piped.returncode == 0 and "created administrator one@example.com" in piped.stdout

    typed = iter(["admin password 2", "a typo", "admin password 2", "admin password 2"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(typed))
    asked = accounts("create-admin", "--email", "two@example.com", cwd=tmp_path, stdin=TERMINAL)
    assert asked.returncode == 0 and "do not match; type them again" in asked.stderr


def test_keys_are_listed_and_rotated(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40, "JWKS_CACHE_SECONDS": "300"}
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    assert "no keys yet" in accounts("keys", "list", cwd=tmp_path, env=env).stdout
    rotated = accounts("keys", "rotate", cwd=tmp_path, env=env)
    assert rotated.returncode == 0 and "published key" in rotated.stdout and "EdDSA" in rotated.stdout
    accounts("keys", "rotate", cwd=tmp_path, env=env)
    listed = accounts("keys", "list", cwd=tmp_path, env=env).stdout.splitlines()
    assert len(listed) == 2 and "published" in listed[1] and "retires" in listed[0]
    refused = accounts("keys", "rotate", cwd=tmp_path, env={**env, "JWT_ALGORITHM": "HS256"})
    assert refused.returncode == 1 and "HS256" in refused.stderr


def test_webhooks_are_added_listed_tested_and_removed(tmp_path: Path) -> None:
    from standardwebhooks import Webhook

    from tests.live_server import serving_in_thread
    from tests.webhook_receiver import WebhookReceiver

    env = {"JWT_SECRET": "s" * 40, "WEBHOOK_ALLOW_PRIVATE": "true"}
    receiver = WebhookReceiver()
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    with serving_in_thread(receiver) as base_url:  # type: ignore[arg-type]
        added = accounts(
            "webhooks",
            "add",
            "--url",
            f"{base_url}/hooks",
            "--events",
            "user.created,user.verified",
            cwd=tmp_path,
            env=env,
        )
        assert added.returncode == 0, added.stderr
        webhook_id = added.stdout.split()[2]
        secret = added.stdout.rsplit(" ", 1)[1].strip()
        listed = accounts("webhooks", "list", cwd=tmp_path, env=env).stdout
        assert webhook_id in listed and "active" in listed and secret not in listed

        tested = accounts("webhooks", "test", webhook_id, cwd=tmp_path, env=env)
        assert tested.returncode == 0 and tested.stdout.startswith("delivered: the receiver answered 200")
        [received] = receiver.received
        assert Webhook(secret).verify(received.body, received.headers)["type"] == "webhook.test"

    refused = accounts(
        "webhooks", "add", "--url", "https://example.com/", "--events", "user.exploded", cwd=tmp_path, env=env
    )
    assert refused.returncode == 1 and "user.exploded" in refused.stderr
    assert accounts("webhooks", "remove", webhook_id, cwd=tmp_path, env=env).stdout.startswith("removed")
    assert accounts("webhooks", "list", cwd=tmp_path, env=env).stdout.strip() == "no webhooks"
    assert accounts("webhooks", "remove", webhook_id, cwd=tmp_path, env=env).returncode == 1


def test_users_are_listed_shown_disabled_enabled_and_promoted(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    for email in ("root@example.com", "second@example.com"):
        assert (
            accounts(
                "create-admin", "--email", email, "--password", "admin password 1", cwd=tmp_path, env=env
            ).returncode
            == 0
        )
    listed = accounts("users", "list", "--limit", "1", cwd=tmp_path, env=env).stdout.splitlines()
    assert "root@example.com" in listed[0] and listed[1].startswith("more: accounts users list --cursor ")
    rest = accounts("users", "list", "--cursor", listed[1].rsplit(" ", 1)[1], cwd=tmp_path, env=env).stdout
    assert "second@example.com" in rest and "root@example.com" not in rest
    root, second = listed[0].split()[0], rest.split()[0]

    assert "disabled" in accounts("users", "disable", second, cwd=tmp_path, env=env).stdout
    last = accounts("users", "set-role", root, "user", cwd=tmp_path, env=env)
    assert last.returncode == 1 and "last verified administrator" in last.stderr
    assert "verified" in accounts("users", "enable", second, cwd=tmp_path, env=env).stdout
    assert "  user  " in accounts("users", "set-role", root, "user", cwd=tmp_path, env=env).stdout
    assert "  user  " in accounts("users", "show", root, cwd=tmp_path, env=env).stdout
    missing = accounts("users", "show", "00000000-0000-0000-0000-000000000000", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "No account has this id." in missing.stderr
    assert accounts("users", "delete", root, "--yes", cwd=tmp_path, env=env).stdout.startswith(
        "deleted account"
    )
    assert accounts("suppressions", "list", cwd=tmp_path, env=env).stdout.strip() == "no suppressed addresses"
    lifted = accounts("suppressions", "remove", "gone@example.com", cwd=tmp_path, env=env)
    assert lifted.returncode == 1 and "not suppressed" in lifted.stderr
    assert "root@example.com" not in accounts("users", "list", cwd=tmp_path, env=env).stdout
    # The trail says where an operator's acts came from: the command line, with no address.
    import sqlite3

    with sqlite3.connect(tmp_path / "accounts.db") as db:
        kept = db.execute(
            "SELECT type, client_ip, device FROM security_events WHERE user_id = ? ORDER BY occurred_at",
            (uuid.UUID(second).hex,),
        ).fetchall()
    assert [row[0] for row in kept] == ["signed_up", "account_disabled", "account_enabled"], kept
    assert {(row[1], row[2]) for row in kept} == {(None, "command line")}


def test_every_option_and_argument_of_every_command_says_what_it_is() -> None:
    import argparse

    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions if choice.help}
                missing.extend(f"{path} {name}" for name in action.choices if name not in helped)
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(cli._parser(), "accounts")
    assert missing == []


def _two_accounts(tmp_path: Path, env: dict[str, str]) -> None:
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    for email in ("root@example.com", "second@example.com"):
        assert (
            accounts(
                "create-admin", "--email", email, "--password", "admin password 1", cwd=tmp_path, env=env
            ).returncode
            == 0
        )


def test_users_commands_take_an_email_address_as_well_as_an_id(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    _two_accounts(tmp_path, env)
    assert "disabled" in accounts("users", "disable", "Second@Example.com", cwd=tmp_path, env=env).stdout
    assert "verified" in accounts("users", "enable", "second@example.com", cwd=tmp_path, env=env).stdout
    assert (
        "  user  "
        in accounts("users", "set-role", "second@example.com", "user", cwd=tmp_path, env=env).stdout
    )
    shown = accounts("users", "show", "second@example.com", cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "second@example.com" in shown.stdout
    by_id = accounts("users", "show", shown.stdout.split()[0], cwd=tmp_path, env=env).stdout
    assert by_id == shown.stdout
    missing = accounts("users", "show", "nobody@example.com", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "no account has the address nobody@example.com" in missing.stderr
    bad = accounts("users", "show", "not an address", cwd=tmp_path, env=env)
    assert bad.returncode == 1 and "not a valid email address" in bad.stderr


def test_users_show_gives_the_whole_account(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    _two_accounts(tmp_path, env)
    shown = accounts("users", "show", "root@example.com", cwd=tmp_path, env=env).stdout
    assert "  sessions:       0\n" in shown and "  second factors: none\n" in shown
    assert "  email:          deliverable\n" in shown and "  last sign-in:   never" in shown

    import asyncio
    from datetime import UTC, datetime, timedelta

    from application.mail.record_bounce import BounceReport
    from application.sessions.login import Credentials
    from domain.suppressions import SuppressionSource

    async def sign_in_and_bounce() -> None:
        async with cli._container(cli.load_settings()) as container:
            await container.login().execute(Credentials("root@example.com", "admin password 1", "cli-test"))
            report = BounceReport(
                "root@example.com",
                SuppressionSource.HARD,
                "msg_cli_test",
                datetime.now(UTC) + timedelta(minutes=5),
                "gone",
            )
            await container.record_bounce().execute(report)

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        for name, value in env.items():
            patch.setenv(name, value)
        asyncio.run(sign_in_and_bounce())
    shown = accounts("users", "show", "root@example.com", cwd=tmp_path, env=env).stdout
    assert "  sessions:       1\n" in shown and "  email:          suppressed" in shown
    assert "  last sign-in:   never" not in shown and " UTC" in shown.split("last sign-in:")[1]


def test_users_reset_mfa_removes_every_factor(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    _two_accounts(tmp_path, env)

    import asyncio
    from datetime import UTC, datetime

    from domain.email import Email
    from domain.factors import TotpFactor

    async def enrol() -> None:
        async with cli._container(cli.load_settings()) as container, container.uow() as uow:
            user = await uow.users.get_by_email(Email.parse("root@example.com"))
            await uow.factors.put_totp(TotpFactor(user.id, "sealed", datetime.now(UTC)))
            await uow.factors.confirm_totp(user.id, datetime.now(UTC), 1)
            await uow.factors.replace_recovery_codes(user.id, ["a" * 64], datetime.now(UTC))
            await uow.commit()

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        for name, value in env.items():
            patch.setenv(name, value)
        asyncio.run(enrol())
    shown = accounts("users", "show", "root@example.com", cwd=tmp_path, env=env).stdout
    assert "  second factors: totp, recovery_code\n" in shown
    done = accounts("users", "reset-mfa", "root@example.com", cwd=tmp_path, env=env)
    assert done.returncode == 0 and "removed every second factor" in done.stdout
    shown = accounts("users", "show", "root@example.com", cwd=tmp_path, env=env).stdout
    assert "  second factors: none\n" in shown


def test_users_list_takes_the_apis_filters(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    _two_accounts(tmp_path, env)
    assert accounts("users", "disable", "second@example.com", cwd=tmp_path, env=env).returncode == 0
    assert accounts("users", "set-role", "second@example.com", "user", cwd=tmp_path, env=env).returncode == 0

    def listed(*filters: str) -> list[str]:
        ran = accounts("users", "list", *filters, cwd=tmp_path, env=env)
        assert ran.returncode == 0, ran.stderr
        return [line.split()[1] for line in ran.stdout.splitlines() if "@" in line]

    assert listed("--disabled") == ["second@example.com"]
    assert listed("--no-disabled") == ["root@example.com"]
    assert listed("--role", "admin") == ["root@example.com"]
    assert listed("--verified", "--role", "user") == ["second@example.com"]
    assert listed("--no-verified") == []
    paged = accounts("users", "list", "--verified", "--limit", "1", cwd=tmp_path, env=env).stdout.splitlines()
    assert paged[1].startswith(
        "more: accounts users list --verified --cursor "
    )  # the next page keeps the filter


def test_users_delete_asks_for_the_address_unless_yes(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    _two_accounts(tmp_path, env)
    piped = accounts("users", "delete", "second@example.com", cwd=tmp_path, env=env)
    assert (
        piped.returncode == 1
        and "standard input is not a terminal" in piped.stderr
        and "--yes" in piped.stderr
    )
    wrong = accounts(
        "users", "delete", "second@example.com", cwd=tmp_path, env=env, stdin=TERMINAL + "root@example.com\n"
    )
    assert wrong.returncode == 1 and "nothing deleted" in wrong.stderr
    assert "Type its address" in wrong.stderr
    assert "second@example.com" in accounts("users", "list", cwd=tmp_path, env=env).stdout

    typed = accounts(
        "users",
        "delete",
        "second@example.com",
        cwd=tmp_path,
        env=env,
        stdin=TERMINAL + "Second@example.com\n",
    )
    assert typed.returncode == 0 and typed.stdout.startswith("deleted account"), typed.stderr
    assert "second@example.com" not in accounts("users", "list", cwd=tmp_path, env=env).stdout
    assert (
        accounts("users", "delete", "root@example.com", "--yes", cwd=tmp_path, env=env).returncode == 1
    )  # the last admin


def test_a_private_webhook_url_names_the_setting_that_allows_it(tmp_path: Path) -> None:
    env = {"JWT_SECRET": "s" * 40}
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    for url in (
        "https://127.0.0.1:9443/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "http://127.0.0.1:9000/hooks",
    ):
        refused = accounts("webhooks", "add", "--url", url, "--events", "user.created", cwd=tmp_path, env=env)
        assert refused.returncode == 1 and "WEBHOOK_ALLOW_PRIVATE=true" in refused.stderr, (
            url,
            refused.stderr,
        )


def test_webhooks_test_tells_refused_from_silent_from_a_refusing_receiver(tmp_path: Path) -> None:
    import socket

    from tests.live_server import serving_in_thread
    from tests.webhook_receiver import WebhookReceiver

    allowed = {"JWT_SECRET": "s" * 40, "WEBHOOK_ALLOW_PRIVATE": "true"}
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    with socket.socket() as closed:  # a port that was free a moment ago: nothing answers there
        closed.bind(("127.0.0.1", 0))
        silent_url = f"http://127.0.0.1:{closed.getsockname()[1]}/hooks"
    silent = accounts(
        "webhooks", "add", "--url", silent_url, "--events", "user.created", cwd=tmp_path, env=allowed
    )
    silent_id = silent.stdout.split()[2]

    refused = accounts("webhooks", "test", silent_id, cwd=tmp_path, env={"JWT_SECRET": "s" * 40})
    assert refused.returncode == 1
    assert refused.stderr.startswith("accounts: refused before sending (the address is not allowed)")
    assert "WEBHOOK_ALLOW_PRIVATE" in refused.stderr

    unanswered = accounts("webhooks", "test", silent_id, cwd=tmp_path, env=allowed)
    assert unanswered.returncode == 1 and "not delivered: the receiver did not answer" in unanswered.stderr

    receiver = WebhookReceiver(status=500)
    with serving_in_thread(receiver) as base_url:  # type: ignore[arg-type]
        added = accounts(
            "webhooks",
            "add",
            "--url",
            f"{base_url}/hooks",
            "--events",
            "user.created",
            cwd=tmp_path,
            env=allowed,
        )
        rejected = accounts("webhooks", "test", added.stdout.split()[2], cwd=tmp_path, env=allowed)
    assert rejected.returncode == 1 and "not delivered: the receiver answered 500" in rejected.stderr
