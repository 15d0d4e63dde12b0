"""The FastAPI application factory: nothing is built or opened before create_app is called."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from adapters.crypto.signing_keys import ASYMMETRIC
from application.shared.errors import StorageError
from entrypoints.container import Container, build_container, close_container
from entrypoints.http import (
    account,
    address,
    admin,
    factors,
    health,
    keys,
    mail,
    metrics,
    password,
    security,
    sessions,
    signup,
    webhooks,
)
from entrypoints.http.body_limit import BodySizeLimit
from entrypoints.http.cache_control import NoStoreWhenAuthorized
from entrypoints.http.client_address import ForwardedFor
from entrypoints.http.docs import install_docs
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.log_masking import install_log_masking
from entrypoints.http.metrics_registry import MetricsMiddleware
from entrypoints.http.operator_access import OperatorListener
from entrypoints.http.path_guard import ControlCharactersInPath
from entrypoints.logs import RequestIdMiddleware
from entrypoints.master_secret import open_sealed_secrets
from entrypoints.settings import Settings, load_settings
from entrypoints.telemetry import instrument_app
from entrypoints.version import __version__


async def _first_signing_key(container: Container, settings: Settings) -> None:
    """The first start makes the first key, rather than the first login; a database that is away now is
    tried again when a token is first signed."""
    if settings.JWT_ALGORITHM in ASYMMETRIC:
        try:
            await container.key_ring().signing_key()
        except StorageError as error:
            logging.getLogger("accounts").warning(
                "no signing key yet (the database: %s); trying at the first login", error
            )


def create_app(
    settings: Settings | None = None,
    container: Container | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """`extra_routers` are mounted beside the service's own (bench/probe.py's yardsticks)."""
    settings = settings or load_settings()
    container = container or build_container(settings)
    container.wire(
        modules=[
            signup,
            address,
            sessions,
            password,
            account,
            factors,
            admin,
            mail,
            webhooks,
            keys,
            health,
            metrics,
            security,
        ]
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Before the worker opens a webhook secret or a login signs with a key (`accounts serve` has looked
        # already, to refuse a wrong secret in one line; an app built otherwise looks here).
        await open_sealed_secrets(container, database_may_be_away=True)
        worker = container.outbox_worker()
        if settings.OUTBOX_WORKER_ENABLED:
            worker.start()
        await _first_signing_key(container, settings)
        # What startup built lives as long as the app: kept out of the cyclic collector's sight, a full
        # collection walks only what requests left since, and no request waits behind a walk of the
        # whole heap (53 ms against 0.4 ms, measured in RESULTS.md).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # collectable again once the app is done with it (tests start many apps)
            try:
                await worker.stop()
            finally:
                await close_container(container)

    app = FastAPI(
        title="Bookly Accounts",
        version=__version__,
        lifespan=lifespan,
        description="Sign up, verify the email address, log in, reset a forgotten password.",
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    install_log_masking()
    app.add_middleware(ControlCharactersInPath)
    app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_BODY_BYTES)
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(OperatorListener, access=container.operator_access())
    app.add_middleware(MetricsMiddleware, metrics=container.metrics())
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(NoStoreWhenAuthorized)  # outside the rest: even an answer they give alone is marked
    app.add_middleware(ForwardedFor, trusted=settings.trusted_proxies)  # added last, so it wraps the rest
    # One module per feature (entrypoints/http/<feature>.py): its API, and the pages its emails link to.
    app.include_router(signup.router)
    app.include_router(signup.browser)
    app.include_router(address.router)
    app.include_router(address.browser)
    app.include_router(sessions.router)
    if settings.LOGIN_BY_CODE_ENABLED:
        app.include_router(sessions.by_email)
    app.include_router(password.router)
    app.include_router(password.browser)
    app.include_router(account.router)
    app.include_router(factors.router)
    app.include_router(admin.router)
    app.include_router(mail.sending)
    app.include_router(mail.suppressions)
    if settings.BOUNCE_WEBHOOK_SECRET is not None:
        app.include_router(mail.bounces)
    app.include_router(webhooks.router)
    app.include_router(keys.keys)
    if settings.INTROSPECTION_SECRET is not None:
        app.include_router(keys.introspection)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in extra_routers:
        app.include_router(router)
    if settings.docs_enabled:
        install_docs(app)
    instrument_app(app, container.tracer_provider())
    return app
