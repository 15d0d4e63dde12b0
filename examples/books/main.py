"""A tiny Bookly books API that trusts Bookly Accounts' access tokens: any verified account lists and adds
books, an administrator who signed in with a second factor in the last ten minutes removes them. In memory;
configured by the environment:

    ACCOUNTS_URL        the accounts service, http://localhost:8000 by default (what `./dev serve` is)
    ACCOUNTS_JWKS_URL   its key set, ACCOUNTS_URL/.well-known/jwks.json by default
    ACCOUNTS_ISSUER     the tokens' iss, ACCOUNTS_URL by default (the service's JWT_ISSUER, else its public
                        URL)
    ACCOUNTS_AUDIENCE   the tokens' aud, bookly by default (the service's JWT_AUDIENCE)

    uvicorn --factory examples.books.main:create_app --port 8001
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bookly_accounts_client import AccessClaims, RoleChecker, TokenVerifier, current_claims, install

any_verified = RoleChecker(["admin", "user"])
# Removing is for an administrator whose sign-in used a second factor (403 mfa_required) and is recent
# (401 reauthentication_required: POST /api/v1/auth/reauthenticate at the accounts service lifts it).
admin_with_mfa = RoleChecker(["admin"], require_mfa=True, max_auth_age=600)


class NewBook(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=200)


class Book(NewBook):
    id: uuid.UUID
    added_by: str


def verifier_from(env: Mapping[str, str], **options: Any) -> TokenVerifier:
    """`options`: TokenVerifier's own (a test's clock, say)."""
    accounts = env.get("ACCOUNTS_URL", "http://localhost:8000").rstrip("/")
    return TokenVerifier(
        env.get("ACCOUNTS_JWKS_URL", f"{accounts}/.well-known/jwks.json"),
        issuer=env.get("ACCOUNTS_ISSUER", accounts),
        audience=env.get("ACCOUNTS_AUDIENCE", "bookly"),
        **options,
    )


def create_app(verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or verifier_from(os.environ)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await verifier.aclose()

    app = FastAPI(title="Bookly books", lifespan=lifespan)
    install(app, verifier)
    shelf: dict[uuid.UUID, Book] = {}

    @app.get("/api/v1/books")
    async def list_books(_: AccessClaims = Depends(any_verified)) -> list[Book]:
        return list(shelf.values())

    @app.post("/api/v1/books", status_code=201)
    async def add_book(new: NewBook, claims: AccessClaims = Depends(any_verified)) -> Book:
        book = Book(id=uuid.uuid4(), added_by=claims.sub, **new.model_dump())
        shelf[book.id] = book
        return book

    @app.delete("/api/v1/books/{book_id}", status_code=204, response_class=Response)
    async def remove_book(book_id: uuid.UUID, _: AccessClaims = Depends(admin_with_mfa)) -> Response:
        if shelf.pop(book_id, None) is None:
            return JSONResponse(
                {
                    "message": "There is no book with this id.",
                    "error_code": "book_not_found",
                    "resolution": "List the books to find its id.",
                },
                status_code=404,
            )
        return Response(status_code=204)

    @app.get("/api/v1/whoami")
    async def whoami(claims: AccessClaims = Depends(current_claims)) -> dict[str, object]:
        return {"sub": claims.sub, "role": claims.role, "email_verified": claims.email_verified}

    return app
