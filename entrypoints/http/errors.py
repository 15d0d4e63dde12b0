"""Every error leaves as {"message", "error_code", "resolution"}, the Bookly shape its clients parse.

The words are in the language the request's Accept-Language prefers among those on offer (English when
none is); the error_code never changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.crypto.sealed_secrets import SealedUnderAnotherSecret
from application.shared.errors import StorageError, StorageNotMigrated
from domain import errors

logger = logging.getLogger("accounts.http")

STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidEmail: 422,
    errors.WeakPassword: 422,
    errors.UserAlreadyExists: 409,  # Bookly said 403; a conflict is what it is
    errors.InvalidCredentials: 401,
    errors.NotAuthenticated: 401,
    errors.ReauthenticationRequired: 401,
    errors.SecondFactorReauthenticationRequired: 401,
    errors.InvalidToken: 400,
    errors.InvalidCode: 400,
    errors.TokenExpired: 400,
    errors.PasswordsMismatch: 400,
    errors.MfaEnrollmentRequired: 403,
    errors.MethodUnavailable: 400,
    errors.AccountNotVerified: 403,
    errors.InsufficientPermissions: 403,  # Bookly said 401; the caller is known, just not allowed
    errors.WrongPassword: 400,
    errors.InvalidWebhook: 422,
    errors.NotFound: 404,
    errors.AccountDisabled: 403,
    errors.LastAdmin: 409,
    errors.InvalidCursor: 422,
    errors.RateLimited: 429,
    errors.WrongSecondFactor: 400,
    errors.SecondFactorSignInEnded: 400,
    errors.TotpAlreadyEnabled: 409,
    errors.TotpNotStarted: 409,
    errors.NoSecondFactor: 409,
    errors.MethodNotAvailable: 400,
}


def N_(text: str) -> str:
    """Marks words for the catalogs (scripts/extract_messages.py); they are translated where they are used."""
    return text


HTTP_CODES = {
    400: ("malformed_request", N_("Send the body as UTF-8 JSON.")),
    404: ("not_found", N_("Check the URL.")),
    405: ("method_not_allowed", N_("Check the HTTP method.")),
}
# Starlette's own words for these, which the catalogs translate too.
HTTP_MESSAGES = (N_("Bad Request"), N_("Not Found"), N_("Method Not Allowed"))

# Pydantic's words for what is wrong with a field, in ours (which the catalogs translate).
FIELD_PROBLEMS = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a field of this request"),
    "string_type": N_("must be text"),
    "string_too_long": N_("is longer than {max_length} characters"),
    "string_too_short": N_("is shorter than {min_length} characters"),
    "too_long": N_("has more than {max_length} items"),
    "too_short": N_("has fewer than {min_length} items"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "bool_type": N_("must be true or false"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "list_type": N_("must be a list"),
    "uuid_parsing": N_("must be an id such as 5f8d2bfb-269a-4de1-8800-a8527b422f7e"),
}


class ErrorBody(BaseModel):
    """Every error's body; entrypoints/http/answers.py publishes which error_codes each operation gives."""

    message: str
    error_code: str
    resolution: str


def error_response(
    status: int, message: str, code: str, resolution: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    # A message may quote a field's name as the client sent it, lone surrogates and all: never let it
    # fail the UTF-8 encoding of the answer.
    body = {"message": _encodable(message), "error_code": code, "resolution": resolution}
    return JSONResponse(body, status_code=status, headers=headers)


def translator(request: Request) -> Callable[[str], str]:
    """gettext in the request's language."""
    container = getattr(request.app.state, "container", None)
    if container is None:
        return lambda text: text
    catalogs = container.catalogs()
    return catalogs.translations(catalogs.for_request(request.headers.get("accept-language"))).gettext


def localized(error: errors.DomainError, _: Callable[[str], str]) -> str:
    """The error's message in the language `_` translates to, its values filled in after translation."""
    return _(error.message_template).format(**error.values)


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.DomainError)
    status = STATUS.get(type(error), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, errors.RateLimited):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    _ = translator(request)
    return error_response(
        status, localized(error, _), error.code, _(error.resolution_template).format(**error.values), headers
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    _ = translator(request)
    if any(item["type"] == "json_invalid" for item in error.errors()):
        code, resolution = HTTP_CODES[400]
        return error_response(400, _("The body is not valid JSON."), code, _(resolution))
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "body") or "body"
        problems.append(f"{where}: {_field_problem(item, _)}")
    return error_response(
        422,
        "; ".join(problems) or _("The request is not valid."),
        "validation_error",
        _("Correct the fields named in the message and send the request again."),
    )


def _field_problem(item: Mapping[str, Any], _: Callable[[str], str]) -> str:
    if item["type"] == "model_attributes_type" and len(item["loc"]) <= 1:
        return _("expected a JSON object (send it with Content-Type: application/json)")
    if item["type"] == "value_error":  # our own validators' words
        return _(str(item["msg"]).removeprefix("Value error, "))
    known = FIELD_PROBLEMS.get(item["type"])
    if known is None:
        return str(item["msg"])
    return _(known).format(**{name: value for name, value in (item.get("ctx") or {}).items()})


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    _ = translator(request)
    code, resolution = HTTP_CODES.get(error.status_code, ("http_error", N_("Check the request.")))
    return error_response(
        error.status_code, _(str(error.detail)), code, _(resolution), getattr(error, "headers", None)
    )


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, StorageNotMigrated):
        logger.error("the database schema is not up to date (run `accounts migrate`): %s", error)
    else:
        logger.error("database unavailable: %s", error)
    _ = translator(request)
    return error_response(
        503,
        _("The service cannot reach its database right now."),
        "service_unavailable",
        _("Try again in a little while."),
        {"Retry-After": "5"},
    )


async def _sealed_under_another_secret(request: Request, error: Exception) -> JSONResponse:
    # Start-up refuses a JWT_SECRET that opens nothing; this is a row sealed since by an instance with another
    # secret (a rolling rotation): the deployment's fault, said to the operator, not the client's.
    logger.error("%s", error)
    _ = translator(request)
    return error_response(
        503,
        _("Something went wrong on our side."),
        "service_unavailable",
        _("Try again later; if it persists, contact support."),
        {"Retry-After": "5"},
    )


def _encodable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=error)
    _ = translator(request)
    return error_response(
        500,
        _("Something went wrong on our side."),
        "server_error",
        _("Try again later; if it persists, contact support."),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StorageError, _database_unavailable)
    app.add_exception_handler(SealedUnderAnotherSecret, _sealed_under_another_secret)
    app.add_exception_handler(Exception, _unexpected)
