"""Real components for the tests: PostgreSQL (TEST_DATABASE_URL, else testcontainers), SQLite, SMTP."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.migrate import upgrade
from tests.database import empty_schema, truncate
from tests.smtp_server import smtp_server, smtp_tls_server  # noqa: F401  (fixtures)

# CI sets this: there a missing real component is a failure, never a skip.
REQUIRE_REAL = os.environ.get("REQUIRE_REAL_SERVICES") == "1"


# The system tests, deselected by `./dev test --fast`, by node id prefix. Measured (--durations, on this
# shared 2-core machine): without PostgreSQL and the browser they still took 8 min for 713 tests, because
# each end-to-end test boots the service on a freshly migrated SQLite database (1-2 s of setup) and the
# integration tests start processes, wait out timeouts and kill workers (the wheel, graceful shutdown, the
# fuzzer at 40 s a run, the outbox and webhook workers); the rest (560 tests, fakes and pure code) 11-23 s.
SLOW = ("tests/e2e/", "tests/integration/")
# The PostgreSQL fixtures, and the param by which a fixture chooses PostgreSQL (database_url and the like).
POSTGRES_FIXTURES = {"postgres_url", "pg_url"}
BROWSER_FIXTURES = {"page", "browser"}  # tests/e2e/test_browser.py's playwright fixtures


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test by what it needs, so the test files carry no marks of their own: `postgres` (the
    fixtures, or a fixture parametrised "postgresql"), `browser` (playwright), `slow` (SLOW above)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if used & POSTGRES_FIXTURES or "postgresql" in params.values():
            item.add_marker(pytest.mark.postgres)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


def unavailable(reason: str) -> None:
    if REQUIRE_REAL:
        pytest.fail(f"{reason} (REQUIRE_REAL_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield _fresh_schema(url)
        return
    if not _docker_answers():
        unavailable("no PostgreSQL: set TEST_DATABASE_URL or start a Docker engine for testcontainers")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
        yield _fresh_schema(container.get_connection_url())


def _fresh_schema(url: str) -> str:
    try:
        asyncio.run(empty_schema(url))
    except OSError as error:
        unavailable(f"PostgreSQL at TEST_DATABASE_URL does not answer: {error}")
    upgrade(url)
    return url


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """The PostgreSQL database, emptied: truncated between tests rather than recreated."""
    asyncio.run(truncate(postgres_url))
    return postgres_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on both databases the service supports."""
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
