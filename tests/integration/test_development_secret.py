"""With ENVIRONMENT unset and no JWT_SECRET, no public secret signs anything: one is generated and kept."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.generated_secrets import shared_secret
from adapters.sqlalchemy.migrate import upgrade
from application.shared.errors import StorageNotMigrated
from entrypoints.development_secret import with_development_secret
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

OLD_PUBLIC_DEFAULT = "development-only-secret-do-not-deploy-0123456789"


def development_settings(folder: Path) -> Settings:
    return Settings(
        _env_file=None,
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'accounts.db'}",  # type: ignore[call-arg]
        MAIL_BACKEND="memory",
        PASSWORD_HASH_MEMORY_KIB=1024,
        PASSWORD_HASH_TIME_COST=1,
    )


async def test_a_default_deployment_signs_with_a_secret_of_its_own_kept_across_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = development_settings(tmp_path)
    assert settings.JWT_SECRET is None and settings.ENVIRONMENT.value == "development"
    await asyncio.to_thread(upgrade, settings.DATABASE_URL)

    with caplog.at_level(logging.WARNING, logger="accounts"):
        first = create_app(settings)
    [line] = [r.getMessage() for r in caplog.records if "JWT_SECRET is not set" in r.getMessage()]
    assert "generated" in line and "made now" in line
    async with (
        LifespanManager(first) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://accounts.test"
        ) as client,
    ):
        await client.post(
            "/api/v1/auth/signup", json={"email": "ada@example.com", "password": "correct horse"}
        )
        session = (
            await client.post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
            )
        ).json()

    forged = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "type": "access",
            "iat": datetime.now(UTC).timestamp(),
            "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()),
        },
        OLD_PUBLIC_DEFAULT,
        algorithm="HS256",
    )
    caplog.clear()
    second = create_app(settings)  # a restart, or another instance of the same deployment
    assert not any("made now" in r.getMessage() for r in caplog.records)
    async with (
        LifespanManager(second) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://accounts.test"
        ) as client,
    ):
        kept = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}
        )
        refused = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert (kept.status_code, refused.status_code) == (200, 401)  # the public default is no key


def test_a_default_deployment_refuses_to_start_without_its_schema(tmp_path: Path) -> None:
    with pytest.raises(StorageNotMigrated):
        with_development_secret(development_settings(tmp_path))


async def test_instances_starting_at_once_agree_on_one_secret(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        made = [f"candidate {n}" for n in range(8)]
        found = await asyncio.gather(*(shared_secret(engine, "jwt-secret", lambda m=m: m) for m in made))
    finally:
        await engine.dispose()
    assert len({value for value, _ in found}) == 1 and sum(inserted for _, inserted in found) == 1
