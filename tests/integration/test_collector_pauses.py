"""A full collection of Python's cyclic garbage collector holds the event loop while it walks every object
it tracks: every request in flight waits. What the app builds at startup lives as long as the app, so it is
kept out of that walk while the app runs, and handed back to the collector when the app stops (a test run
or an embedding process starts many apps)."""

from __future__ import annotations

import gc
from pathlib import Path

from asgi_lifespan import LifespanManager

from entrypoints.http.app import create_app
from tests.settings import service_settings


async def test_what_startup_built_is_out_of_a_full_collections_walk_until_the_app_stops(
    tmp_path: Path,
) -> None:
    app = create_app(
        service_settings(
            f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", smtp_port=25, OUTBOX_WORKER_ENABLED=False
        )
    )
    async with LifespanManager(app):
        assert gc.get_freeze_count() > 10_000  # the framework, the container, the routes: all set aside
    assert gc.get_freeze_count() == 0
