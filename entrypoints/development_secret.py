"""In development with no JWT_SECRET: a secret generated on the first start, never one written in public.

It is kept in the database, where every later start and every instance of the deployment finds it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.generated_secrets import shared_secret
from entrypoints.settings import Settings, SettingsError

logger = logging.getLogger("accounts")
NAME = "jwt-secret"


def with_development_secret(settings: Settings) -> Settings:
    """The settings with a JWT_SECRET: theirs, or the deployment's generated one (development only)."""
    if settings.JWT_SECRET is not None:
        return settings
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        secret, where = secrets.token_urlsafe(48), "in this process only (the database is in memory)"
    else:
        # Its own thread and event loop: this runs before the service's loop, or inside a caller's.
        with ThreadPoolExecutor(1) as thread:
            secret, made = thread.submit(asyncio.run, _shared(settings.DATABASE_URL)).result()
        where = f"{'made now and ' if made else ''}kept in the database ({url.render_as_string()})"
    logger.warning("JWT_SECRET is not set: tokens and links are signed with a secret generated for this "
                   "development deployment, %s; set JWT_SECRET (and ENVIRONMENT=production) to deploy", where)
    return settings.model_copy(update={"JWT_SECRET": SecretStr(secret)})


async def _shared(database_url: str) -> tuple[str, bool]:
    engine = create_engine(database_url, pool_size=1)
    try:
        return await shared_secret(engine, NAME, lambda: secrets.token_urlsafe(48))
    except DBAPIError as error:
        if "generated_secrets" in str(error):
            raise SettingsError("the database has no schema yet: run `accounts migrate` first") from None
        raise
    finally:
        await engine.dispose()
