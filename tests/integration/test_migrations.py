"""One schema: the migrations build exactly what tables.py describes, on PostgreSQL and SQLite, and each
revision goes up, down and up again (pytest-alembic's built-in tests, run through its fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.migrate import alembic_config as service_alembic_config
from pytest_alembic.plugin.fixtures import alembic_runner  # noqa: F401  (the fixture the tests below take)
from pytest_alembic.runner import MigrationContext
from tests.database import empty_schema
from pytest_alembic.tests import (  # noqa: F401  (collected here as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)


def _own_database(url: str) -> str:
    """A database of its own beside the suite's: these tests take the schema down to nothing."""
    parsed = make_url(url)
    name = f"{parsed.database}_migrations"

    async def create() -> None:
        admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                found = await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
                if not found:
                    await connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()

    asyncio.run(create())
    own = parsed.set(database=name).render_as_string(hide_password=False)

    asyncio.run(empty_schema(own))
    return own


@pytest.fixture(params=["postgresql", "sqlite"])
def alembic_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AsyncEngine]:
    if request.param == "postgresql":
        url = _own_database(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    # No pool: pytest-alembic runs each step in an event loop of its own, and a pooled connection would
    # outlive the loop it was opened in.
    engine = create_async_engine(url, poolclass=NullPool)
    yield engine
    asyncio.run(engine.dispose())


@pytest.fixture
def alembic_config(alembic_engine: AsyncEngine) -> Config:
    return service_alembic_config(alembic_engine.url.render_as_string(hide_password=False))


def test_each_revision_goes_up_down_and_up_again(alembic_runner: MigrationContext) -> None:  # noqa: F811
    """The stairway: a downgrade that breaks shows at its own revision, not at the end of the line."""
    # The history lists "base" first and "heads" last, around the revisions themselves.
    for revision in alembic_runner.history.revisions[1:-1]:
        alembic_runner.migrate_up_to(revision)
        alembic_runner.migrate_down_one()
        alembic_runner.migrate_up_one()
        assert alembic_runner.current == revision
