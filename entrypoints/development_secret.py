"""In development with no JWT_SECRET: a secret generated on the first start, never one written in public.

It is kept in the database, where every later start and every instance of the deployment finds it.
"""

from __future__ import annotations

import logging

from pydantic import SecretStr

from adapters.sqlalchemy.generated_secrets import kept_secret
from entrypoints.settings import Settings

logger = logging.getLogger("accounts")


def with_development_secret(settings: Settings) -> Settings:
    """The settings with a JWT_SECRET: theirs, or the deployment's generated one (development only)."""
    if settings.JWT_SECRET is not None:
        return settings
    secret, where = kept_secret(settings.DATABASE_URL, "jwt-secret")
    logger.warning(
        "JWT_SECRET is not set: tokens and links are signed with a secret generated for this "
        "development deployment, %s; set JWT_SECRET (and ENVIRONMENT=production) to deploy",
        where,
    )
    return settings.model_copy(update={"JWT_SECRET": SecretStr(secret)})
