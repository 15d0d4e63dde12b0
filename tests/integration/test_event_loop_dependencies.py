"""FastAPI runs a plain-function dependency in a worker thread, at every request that needs it: a thread
hop, and a wait for a free thread when the pool is busy. Every dependency of every endpoint is awaited
on the event loop instead (entrypoints/http/injection.py for the container's)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from entrypoints.http.app import create_app
from tests.settings import service_settings


def endpoints(routes: list) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included in another
            yield from endpoints(route.original_router.routes)


def dependants(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from dependants(sub)


def awaited(call: object) -> bool:
    target = call if inspect.isroutine(call) else getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(inspect.unwrap(target)) or inspect.isasyncgenfunction(target)


def test_no_endpoint_resolves_a_dependency_in_a_worker_thread(tmp_path: Path) -> None:
    app = create_app(service_settings(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", smtp_port=25))
    routes = list(endpoints(app.routes))
    threaded = {
        f"{route.path} {sub.call!r}"
        for route in routes
        for sub in dependants(route.dependant)
        if sub.call is not None and not awaited(sub.call)
    }
    assert not threaded
    assert len(routes) > 40  # it saw them all
