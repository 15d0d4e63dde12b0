"""One schema: the migrations build exactly what tables.py describes, on PostgreSQL and SQLite, and each
revision goes up, down and up again (pytest-alembic's built-in tests, run through its fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from pytest_alembic.plugin.fixtures import alembic_runner  # noqa: F401  (the fixture the tests below take)
from pytest_alembic.runner import MigrationContext
from pytest_alembic.tests import (  # noqa: F401  (collected here as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.migrate import alembic_config as service_alembic_config
from tests.database import own_database

# SQLite cannot reflect the lower(...) indexes of the user search; PostgreSQL compares them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


@pytest.fixture(params=["postgresql", "sqlite"])
def alembic_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AsyncEngine]:
    if request.param == "postgresql":
        url = asyncio.run(own_database(request.getfixturevalue("postgres_url"), "migrations"))
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
