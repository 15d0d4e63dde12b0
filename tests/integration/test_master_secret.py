"""A new JWT_SECRET: refused in one line while nothing opens what the old one sealed, and a rotation with
JWT_SECRET_PREVIOUS that seals it all again, keeps every signing key (and the tokens they signed) and
then runs without the old value."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import insert, select

from adapters.crypto.key_derivation import SIGNING_KEYS, WEBHOOK_SECRETS, derive_key
from adapters.crypto.sealed_secrets import AesGcmSealer
from adapters.crypto.signing_keys import KeyBox
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.resealing import MasterSecretMismatch, Resealer
from adapters.sqlalchemy.tables import signing_keys
from domain.webhooks import sealing_context
from entrypoints import cli
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW, OTHER = (
    "old-master-secret-" + "o" * 30,
    "new-master-secret-" + "n" * 30,
    "unrelated-secret-" + "x" * 30,
)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def accounts(*args: str, cwd: Path, **env: str) -> Ran:
    """The command in this process (quick), with its own folder (no .env) and environment."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("JWT_", "DATABASE_", "MAIL_", "ENVIRONMENT", "WEBHOOK_")):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(cwd)
        patch.setattr(cli, "configure_logging", lambda json_lines: None)  # the test runner keeps its own
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as leaving:
                code = leaving.code if isinstance(leaving.code, int) else (print(leaving.code, file=err) or 1)
    return Ran(code, out.getvalue(), err.getvalue())


def as_a_process(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command as an operator runs it, where a traceback would show."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("JWT_", "DATABASE_", "MAIL_", "ENVIRONMENT", "WEBHOOK_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=cwd,
        timeout=60,
        text=True,
        capture_output=True,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )


def keys_of(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "accounts.db") as db:
        return db.execute("SELECT kid, private_key FROM signing_keys ORDER BY kid").fetchall()


@pytest.fixture
def sealed_under_old(tmp_path: Path) -> Path:
    """A SQLite deployment whose signing key and webhook secret were sealed under OLD."""
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    assert accounts("keys", "rotate", cwd=tmp_path, JWT_SECRET=OLD).returncode == 0
    added = accounts(
        "webhooks",
        "add",
        "--url",
        "http://127.0.0.1:9/hooks",
        "--events",
        "user.created",
        cwd=tmp_path,
        JWT_SECRET=OLD,
        WEBHOOK_ALLOW_PRIVATE="true",
    )
    assert added.returncode == 0, added.stderr
    (tmp_path / "webhook-secret").write_text(added.stdout.rsplit(" ", 1)[1].strip())
    return tmp_path


def one_line_naming_the_fix(stderr: str) -> bool:
    lines = stderr.strip().splitlines()
    return (
        len(lines) == 1
        and "Traceback" not in stderr
        and "InvalidTag" not in stderr
        and "JWT_SECRET cannot open the signing keys (1 of 1) and the webhook secrets (1 of 1)" in lines[0]
        and "JWT_SECRET_PREVIOUS" in lines[0]
        and "DEPLOYMENT.md#rotating-the-master-secret" in lines[0]
    )


def test_a_new_secret_stops_serve_and_keys_list_in_one_line(sealed_under_old: Path) -> None:
    for command in (("serve", "--port", "0"), ("keys", "list")):
        ran = as_a_process(*command, cwd=sealed_under_old, JWT_SECRET=NEW)
        assert ran.returncode == 1 and one_line_naming_the_fix(ran.stderr), (command, ran.stderr)


def test_a_new_secret_stops_the_worker_and_every_command_that_opens_keys(sealed_under_old: Path) -> None:
    before = keys_of(sealed_under_old)
    for command in (("worker",), ("keys", "rotate"), ("webhooks", "list")):
        ran = accounts(*command, cwd=sealed_under_old, JWT_SECRET=NEW)
        assert ran.returncode == 1 and one_line_naming_the_fix(ran.stderr), (command, ran.stderr)
    assert keys_of(sealed_under_old) == before  # `keys rotate` made no key, nor said it had


def test_a_previous_that_is_not_the_old_secret_is_said_to_open_nothing_either(sealed_under_old: Path) -> None:
    ran = accounts("keys", "list", cwd=sealed_under_old, JWT_SECRET=NEW, JWT_SECRET_PREVIOUS=OTHER)
    assert ran.returncode == 1 and "nor any value of JWT_SECRET_PREVIOUS" in ran.stderr


@pytest.mark.parametrize("previous", [f"{OTHER},{OLD}", f'["{OTHER}", "{OLD}"]'], ids=["commas", "json"])
def test_the_old_secret_as_previous_seals_everything_again_and_can_then_go(
    sealed_under_old: Path, previous: str, caplog: pytest.LogCaptureFixture
) -> None:
    [(kid, sealed)] = keys_of(sealed_under_old)
    with caplog.at_level(logging.INFO, logger="accounts"):
        rotated = accounts("keys", "list", cwd=sealed_under_old, JWT_SECRET=NEW, JWT_SECRET_PREVIOUS=previous)
    assert rotated.returncode == 0 and kid in rotated.stdout, rotated.stderr
    [line] = [r.getMessage() for r in caplog.records if "sealed" in r.getMessage()]
    assert "sealed 2 secret(s)" in line and "signing keys: 1, webhook secrets: 1" in line
    assert OLD not in caplog.text and NEW not in caplog.text  # counts, never a secret

    [(same_kid, resealed)] = keys_of(sealed_under_old)
    assert same_kid == kid and resealed != sealed
    KeyBox(derive_key(NEW, SIGNING_KEYS)).open(kid, resealed)  # the same key, now under the new secret alone
    with sqlite3.connect(sealed_under_old / "accounts.db") as db:
        [(webhook_id, webhook_secret)] = db.execute("SELECT id, secret FROM webhook_subscriptions").fetchall()
    opened = AesGcmSealer(key=derive_key(NEW, WEBHOOK_SECRETS)).open(
        sealing_context(uuid.UUID(webhook_id)), webhook_secret
    )
    assert opened == (sealed_under_old / "webhook-secret").read_text()

    caplog.clear()
    for command in (
        ("keys", "list"),
        ("webhooks", "list"),
        ("keys", "rotate"),
    ):  # JWT_SECRET_PREVIOUS removed
        ran = accounts(*command, cwd=sealed_under_old, JWT_SECRET=NEW)
        assert ran.returncode == 0, (command, ran.stderr)
    assert not any("sealed" in r.getMessage() for r in caplog.records)  # nothing left to seal again
    assert (
        accounts("keys", "list", cwd=sealed_under_old, JWT_SECRET=OLD).returncode == 1
    )  # the old one is done


def test_a_secret_set_after_a_generated_one_in_development_takes_over_its_keys(tmp_path: Path) -> None:
    # The README's old compose step appended JWT_SECRET to the .env of a deployment that had run without one.
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    assert accounts("keys", "rotate", cwd=tmp_path).returncode == 0  # under the generated development secret
    # Outside development the kept secret is no earlier value of its own accord: the operator names it.
    assert accounts("keys", "list", cwd=tmp_path, JWT_SECRET=NEW, ENVIRONMENT="test").returncode == 1
    assert accounts("keys", "list", cwd=tmp_path, JWT_SECRET=NEW).returncode == 0
    assert accounts("keys", "list", cwd=tmp_path, JWT_SECRET=NEW, ENVIRONMENT="test").returncode == 0


def settings(database_url: str, secret: str, **more: object) -> Settings:
    return Settings(
        _env_file=None,
        ENVIRONMENT="test",  # type: ignore[call-arg]
        DATABASE_URL=database_url,
        JWT_SECRET=secret,
        MAIL_BACKEND="memory",
        PASSWORD_HASH_MEMORY_KIB=1024,
        PASSWORD_HASH_TIME_COST=1,
        **more,
    )


@pytest.mark.parametrize("algorithm", ["EdDSA", "RS256"])
async def test_tokens_signed_before_a_rotation_still_verify_after_it(
    tmp_path: Path, algorithm: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    await asyncio.to_thread(upgrade, url)

    ada = {"email": "ada@example.com", "password": "correct horse"}

    async def me_with(app_settings: Settings, token: str | None = None) -> tuple[int, str]:
        """GET /me with `token`, or with a token of a new login; the answer's status and the token."""
        async with (
            LifespanManager(create_app(app_settings)) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://accounts.test"
            ) as client,
        ):
            if token is None:
                await client.post("/api/v1/auth/signup", json=ada)
                token = (await client.post("/api/v1/auth/login", json=ada)).json()["access_token"]
            answer = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            return answer.status_code, token

    status, before = await me_with(settings(url, OLD, JWT_ALGORITHM=algorithm))
    assert status == 200
    with caplog.at_level(logging.WARNING, logger="accounts"):
        during = await me_with(settings(url, NEW, JWT_ALGORITHM=algorithm, JWT_SECRET_PREVIOUS=OLD), before)
    assert during[0] == 200 and any("sealed 1 secret(s)" in r.getMessage() for r in caplog.records)
    after = await me_with(settings(url, NEW, JWT_ALGORITHM=algorithm), before)
    assert after[0] == 200  # signed by a database key, which the rotation kept: no one has to log in again
    assert (await me_with(settings(url, NEW, JWT_ALGORITHM=algorithm)))[0] == 200  # and the key signs on


async def test_two_instances_rotating_at_once_seal_each_secret_once(pg_url: str) -> None:
    engine = create_engine(pg_url)
    old_box = KeyBox(derive_key(OLD, SIGNING_KEYS))
    try:
        async with engine.begin() as connection:
            now = datetime.now(UTC)
            for n in range(5):
                kid = f"kid-{n}"
                await connection.execute(
                    insert(signing_keys).values(
                        kid=kid,
                        algorithm="EdDSA",
                        public_jwk="{}",
                        created_at=now,
                        activates_at=now,
                        retires_at=None,
                        private_key=old_box.seal(kid, ed25519.Ed25519PrivateKey.generate()),
                    )
                )
        instances = [Resealer(engine=engine, secret=NEW, previous=[OLD], development=False) for _ in range(2)]
        done = await asyncio.gather(*(instance.reseal() for instance in instances))
        assert sorted(counts.get("signing keys", 0) for counts in done) == [
            0,
            5,
        ]  # one did it, the other waited
        async with engine.connect() as connection:
            rows = (await connection.execute(select(signing_keys.c.kid, signing_keys.c.private_key))).all()
        new_box = KeyBox(derive_key(NEW, SIGNING_KEYS))
        assert all(new_box.open(kid, sealed) for kid, sealed in rows)
        with pytest.raises(MasterSecretMismatch):  # and with the previous gone, the old secret opens nothing
            await Resealer(engine=engine, secret=OLD, previous=[], development=False).reseal()
    finally:
        await engine.dispose()


def test_keys_reseal_does_it_from_a_shell_whatever_the_algorithm(sealed_under_old: Path) -> None:
    done = accounts(
        "keys", "reseal", cwd=sealed_under_old, JWT_SECRET=NEW, JWT_SECRET_PREVIOUS=OLD, JWT_ALGORITHM="HS256"
    )  # no keys to sign with, but webhook secrets to keep
    assert done.returncode == 0
    assert done.stdout.strip() == "sealed again under JWT_SECRET: signing keys 1, webhook secrets 1"
    again = accounts("keys", "reseal", cwd=sealed_under_old, JWT_SECRET=NEW)
    assert again.returncode == 0 and again.stdout.startswith("nothing to seal again")
    assert accounts("keys", "reseal", cwd=sealed_under_old, JWT_SECRET=OLD).returncode == 1


async def test_a_key_sealed_since_under_another_secret_answers_503_not_500(tmp_path: Path) -> None:
    # A rolling rotation gone wrong: after this instance started, one with another secret made a key.
    url = f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    await asyncio.to_thread(upgrade, url)
    ada = {"email": "ada@example.com", "password": "correct horse"}
    async with (
        LifespanManager(create_app(settings(url, NEW, JWKS_CACHE_SECONDS=2))) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://accounts.test"
        ) as client,
    ):
        await client.post("/api/v1/auth/signup", json=ada)
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                now = datetime.now(UTC)
                await connection.execute(
                    insert(signing_keys).values(
                        kid="foreign",
                        algorithm="EdDSA",
                        public_jwk="{}",
                        created_at=now,
                        activates_at=now,
                        retires_at=None,
                        private_key=KeyBox(derive_key(OTHER, SIGNING_KEYS)).seal(
                            "foreign", ed25519.Ed25519PrivateKey.generate()
                        ),
                    )
                )
        finally:
            await engine.dispose()
        await asyncio.sleep(1.1)  # past the key ring's refresh (JWKS_CACHE_SECONDS / 2)
        answer = await client.post("/api/v1/auth/login", json=ada)
    assert answer.status_code == 503 and answer.json()["error_code"] == "service_unavailable"


def test_an_authenticator_apps_secret_is_sealed_again_as_the_keys_are(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    assert accounts("migrate", cwd=tmp_path).returncode == 0
    asyncio.run(_reseal_a_totp_secret(url))


async def _reseal_a_totp_secret(url: str) -> None:
    from adapters.crypto.key_derivation import TOTP_SECRETS
    from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
    from domain.email import Email
    from domain.factors import TotpFactor, totp_sealing_context
    from domain.user import User
    from tests.fakes import LIMITS, FakeClock

    engine = create_engine(url)
    try:
        user = User(email=Email.parse("ada@example.com"), password_hash="hash", created_at=datetime.now(UTC))
        sealed = AesGcmSealer(key=derive_key(OLD, TOTP_SECRETS)).seal(
            totp_sealing_context(user.id), "JBSWY3DP"
        )
        async with SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock()) as uow:
            await uow.users.add(user)
            await uow.factors.put_totp(TotpFactor(user.id, sealed, datetime.now(UTC)))
            await uow.commit()
        with pytest.raises(MasterSecretMismatch, match="authenticator-app secrets"):
            await Resealer(engine=engine, secret=NEW, previous=[], development=False).reseal()
        done = await Resealer(engine=engine, secret=NEW, previous=[OLD], development=False).reseal()
        assert done == {"authenticator-app secrets": 1}
        async with SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock()) as uow:
            factor = await uow.factors.get_totp(user.id)
        assert factor is not None
        opened = AesGcmSealer(key=derive_key(NEW, TOTP_SECRETS)).open(
            totp_sealing_context(user.id), factor.sealed_secret
        )
        assert opened == "JBSWY3DP"
    finally:
        await engine.dispose()
