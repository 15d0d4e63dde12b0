"""Schemathesis over the OpenAPI document: generated valid and invalid requests to every endpoint.

No answer may be a 500, and every answer must match the schema the service publishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from adapters.sqlalchemy.migrate import upgrade
from application.admin.create_admin import NewAdmin
from entrypoints.container import build_container, close_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.database import truncate
from tests.live_server import serving_in_thread
from tests.settings import service_settings

ADMIN, ADMIN_PASSWORD = "root@example.com", "admin password 1"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def live_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The service served by uvicorn on its own thread, with an administrator's bearer token."""
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres_url")
        asyncio.run(truncate(database_url))
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'accounts.db'}"
        upgrade(database_url)
    settings_ = service_settings(database_url, 25, MAIL_BACKEND="memory")
    with serving_in_thread(create_app(settings_)) as base_url:
        asyncio.run(_create_admin(settings_))
        login = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": ADMIN, "password": ADMIN_PASSWORD})
        yield base_url, {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _create_admin(settings_: Settings) -> None:
    container = build_container(settings_)
    try:
        await container.create_admin().execute(NewAdmin(ADMIN, ADMIN_PASSWORD))
    finally:
        await close_container(container)


def with_lone_surrogates(_context: object, body: object) -> st.SearchStrategy:
    """The body as drawn, or a copy with half a UTF-16 pair in one of its text fields: JSON can carry it
    ("\\udfff"), and no UTF-8 encoder takes it, so the service must refuse it as input, not fail on it."""
    variants = [body]
    if isinstance(body, dict):
        variants += [{**body, key: value + "\udfff"} for key, value in body.items() if isinstance(value, str)]
        variants += [
            {**body, key: [*value, "\ud800"]} for key, value in body.items() if isinstance(value, list)
        ]
    return st.sampled_from(variants)


# schemathesis's own pytest plugin does not work with pytest 9, so each operation runs as a Hypothesis test
# here.
@pytest.mark.parametrize("mode", list(GenerationMode))
def test_no_request_gets_a_500_or_an_answer_outside_the_schema(
    live_api: tuple[str, dict[str, str]], mode: GenerationMode
) -> None:
    base_url, admin = live_api
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.hook("flatmap_body")(with_lone_surrogates)
    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):

        @given(case=operation.as_strategy(mode, headers=admin))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            # The service's email rule is stricter than a JSON schema can say, so schema-valid input may
            # still be refused with 422; everything else schemathesis checks by default applies.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Unsatisfiable:
            pass  # nothing to make invalid: the operation takes no input
        except Exception as failure:
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
