"""Every error leaves as {"message", "error_code", "resolution"}, the Bookly shape its clients parse."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.errors import StorageError, StorageNotMigrated
from domain import errors

logger = logging.getLogger("accounts.http")

STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidEmail: 422,
    errors.WeakPassword: 422,
    errors.UserAlreadyExists: 409,  # Bookly said 403; a conflict is what it is
    errors.InvalidCredentials: 401,
    errors.NotAuthenticated: 401,
    errors.InvalidToken: 400,
    errors.TokenExpired: 400,
    errors.PasswordsMismatch: 400,
    errors.AccountNotVerified: 403,
    errors.InsufficientPermissions: 403,  # Bookly said 401; the caller is known, just not allowed
    errors.WrongPassword: 400,
    errors.RateLimited: 429,
}

HTTP_CODES = {400: ("malformed_request", "Send the body as UTF-8 JSON."),
              404: ("not_found", "Check the URL."), 405: ("method_not_allowed", "Check the HTTP method.")}


class ErrorBody(BaseModel):
    message: str
    error_code: str
    resolution: str


# Answers any endpoint can give, published in the OpenAPI document with the error shape.
COMMON_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Malformed request, or an invalid or expired token"},
    413: {"model": ErrorBody, "description": "Request body too large"},
    429: {"model": ErrorBody, "description": "Too many requests; Retry-After says when to try again"},
    422: {"model": ErrorBody, "description": "Validation error"},
    503: {"model": ErrorBody, "description": "The database is unreachable; try again shortly"},
}


def error_response(status: int, message: str, code: str, resolution: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    # A message may quote a field's name as the client sent it, lone surrogates and all: never let it
    # fail the UTF-8 encoding of the answer.
    body = {"message": _encodable(message), "error_code": code, "resolution": resolution}
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.DomainError)
    status = STATUS.get(type(error), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, errors.RateLimited):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return error_response(status, error.message, error.code, error.resolution, headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    if any(item["type"] == "json_invalid" for item in error.errors()):
        code, resolution = HTTP_CODES[400]
        return error_response(400, "The body is not valid JSON.", code, resolution)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "body") or "body"
        message = item["msg"]
        if where == "body" and item["type"] == "model_attributes_type":
            message = "expected a JSON object (send it with Content-Type: application/json)"
        problems.append(f"{where}: {message}")
    return error_response(422, "; ".join(problems) or "The request is not valid.", "validation_error",
                          "Correct the fields named in the message and send the request again.")


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code, resolution = HTTP_CODES.get(error.status_code, ("http_error", "Check the request."))
    return error_response(error.status_code, str(error.detail), code, resolution, getattr(error, "headers", None))


async def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, StorageNotMigrated):
        logger.error("the database schema is not up to date (run `accounts migrate`): %s", error)
    else:
        logger.error("database unavailable: %s", error)
    return error_response(503, "The service cannot reach its database right now.", "service_unavailable",
                          "Try again in a little while.", {"Retry-After": "5"})


def _encodable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error", exc_info=error)
    return error_response(500, "Something went wrong on our side.", "server_error",
                          "Try again later; if it persists, contact support.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StorageError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
