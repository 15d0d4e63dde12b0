"""The books example trusts the accounts service through the client package alone: the service runs on
PostgreSQL under uvicorn, and the books API (in process) fetches its key set over HTTP, on the service's
clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.email import Email
from domain.factors import Amr, Proof
from entrypoints import cli
from examples.books.main import create_app, verifier_from
from tests.adapters.test_client_verifier import signed_hs256
from tests.e2e.conftest import Service, running_service, serving_over_http
from tests.settings import service_settings
from tests.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery"
RunAccounts = Callable[..., Awaitable[None]]


@pytest.fixture
async def accounts(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with serving_over_http(pg_url, smtp_server, JWKS_CACHE_SECONDS=1) as accounts:
        yield accounts


@pytest.fixture
async def books(accounts: Service) -> AsyncIterator[httpx.AsyncClient]:
    def now() -> float:
        return accounts.clock.now().timestamp()

    app = create_app(
        verifier_from({"ACCOUNTS_URL": accounts.settings.public_base_url}, clock=now, monotonic=now)
    )
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://books") as client,
    ):
        yield client


@pytest.fixture
def run_accounts(accounts: Service, monkeypatch: pytest.MonkeyPatch) -> RunAccounts:
    """`accounts ...` in process, as an operator runs it against the service's database (in a thread: the
    command runs an event loop of its own)."""
    settings = service_settings(accounts.settings.DATABASE_URL, accounts.smtp.port, JWKS_CACHE_SECONDS=1)
    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    monkeypatch.setattr(cli, "configure_logging", lambda json_lines: None)

    async def run(*args: str) -> None:
        assert await asyncio.to_thread(cli.main, list(args)) == 0

    return run


async def access_token(accounts: Service, email: str) -> str:
    login = await accounts.login(email)
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


async def access_token_with_mfa(accounts: Service, email: str) -> str:
    """An access token of a session whose sign-in used a password and an authenticator code, opened by the
    service's own SessionIssuer in its database, as the second-factor sign-in opens one (no flow of this
    branch signs in with a second factor yet)."""
    assert accounts.container is not None
    sessions, uow = accounts.container.sessions(), accounts.container.uow()
    async with uow:
        user = await uow.users.get_by_email(Email.parse(email))
        assert user is not None
        opened = await sessions.open(
            uow, user, Proof.of(accounts.clock.now(), Amr.PASSWORD, Amr.OTP, Amr.MFA)
        )
        await uow.commit()
    return (await sessions.hand_out(opened)).access_token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_a_verified_account_gets_in_and_only_an_administrator_removes_books(
    accounts: Service, books: httpx.AsyncClient, run_accounts: RunAccounts
) -> None:
    nobody = await books.get("/api/v1/books")
    assert (nobody.status_code, nobody.json()["error_code"]) == (401, "not_authenticated")
    assert nobody.headers["www-authenticate"] == "Bearer"

    assert (await accounts.signup("ada@example.com")).status_code == 201
    unverified = await access_token(accounts, "ada@example.com")
    assert (await books.get("/api/v1/whoami", headers=bearer(unverified))).json()["email_verified"] is False
    refused = await books.get("/api/v1/books", headers=bearer(unverified))
    assert (refused.status_code, refused.json()["error_code"]) == (403, "account_not_verified")
    assert set(refused.json()) == {"message", "error_code", "resolution"}

    assert (await accounts.client.get(await accounts.link_in_email(1))).status_code == 200
    ada = await access_token(accounts, "ada@example.com")
    added = await books.post(
        "/api/v1/books", json={"title": "Dune", "author": "Frank Herbert"}, headers=bearer(ada)
    )
    assert added.status_code == 201
    assert added.json()["added_by"] == jwt.decode(ada, options={"verify_signature": False})["sub"]
    assert [book["title"] for book in (await books.get("/api/v1/books", headers=bearer(ada))).json()] == [
        "Dune"
    ]
    not_admin = await books.delete(f"/api/v1/books/{added.json()['id']}", headers=bearer(ada))
    assert (not_admin.status_code, not_admin.json()["error_code"]) == (403, "insufficient_permissions")

    await run_accounts("create-admin", "--email", "root@example.com", "--password", PASSWORD)
    root = await access_token(accounts, "root@example.com")
    # Removing needs a sign-in with a second factor: a password alone is refused, from the claims.
    without_mfa = await books.delete(f"/api/v1/books/{added.json()['id']}", headers=bearer(root))
    assert (without_mfa.status_code, without_mfa.json()["error_code"]) == (403, "mfa_required")
    assert set(without_mfa.json()) == {"message", "error_code", "resolution"}
    root_mfa = await access_token_with_mfa(accounts, "root@example.com")
    assert set(jwt.decode(root_mfa, options={"verify_signature": False})["amr"]) >= {"mfa"}
    assert (
        await books.delete(f"/api/v1/books/{added.json()['id']}", headers=bearer(root_mfa))
    ).status_code == 204
    assert (await books.get("/api/v1/books", headers=bearer(root))).json() == []
    gone = await books.delete(f"/api/v1/books/{added.json()['id']}", headers=bearer(root_mfa))
    assert (gone.status_code, gone.json()["error_code"]) == (404, "book_not_found")

    # Ten minutes on, the same token (still unexpired) is too old a sign-in for removing.
    accounts.clock.advance(timedelta(seconds=601))
    stale = await books.delete(f"/api/v1/books/{added.json()['id']}", headers=bearer(root_mfa))
    assert (stale.status_code, stale.json()["error_code"]) == (401, "reauthentication_required")
    assert (await books.get("/api/v1/books", headers=bearer(root_mfa))).status_code == 200


async def test_after_a_key_rotation_new_and_old_tokens_verify_without_a_restart(
    accounts: Service, books: httpx.AsyncClient, run_accounts: RunAccounts
) -> None:
    await run_accounts("create-admin", "--email", "root@example.com", "--password", PASSWORD)
    old = await access_token(accounts, "root@example.com")
    assert (await books.get("/api/v1/books", headers=bearer(old))).status_code == 200  # the key set is cached

    await run_accounts("keys", "rotate")
    accounts.clock.advance(timedelta(seconds=5))  # past JWKS_CACHE_SECONDS: the new key signs
    new = await access_token(accounts, "root@example.com")
    for _ in range(50):  # the service itself reads its keys again within half a JWKS_CACHE_SECONDS
        if kid(new) != kid(old):
            break
        await asyncio.sleep(0.1)
        new = await access_token(accounts, "root@example.com")
    assert kid(new) != kid(old)
    assert (await books.get("/api/v1/books", headers=bearer(new))).status_code == 200
    assert (await books.get("/api/v1/books", headers=bearer(old))).status_code == 200

    old_expires = jwt.decode(old, options={"verify_signature": False})["exp"]
    accounts.clock.advance(timedelta(seconds=old_expires + 1 - accounts.clock.now().timestamp()))
    expired = await books.get("/api/v1/books", headers=bearer(old))
    assert (expired.status_code, expired.json()["error_code"]) == (401, "not_authenticated")
    assert (await books.get("/api/v1/books", headers=bearer(new))).status_code == 200


async def test_the_books_api_refuses_forged_tokens(
    accounts: Service,
    books: httpx.AsyncClient,
    pg_url: str,
    smtp_server: SmtpTestServer,
    run_accounts: RunAccounts,
) -> None:
    await run_accounts("create-admin", "--email", "root@example.com", "--password", PASSWORD)
    genuine = await access_token(accounts, "root@example.com")
    claims, ours = jwt.decode(genuine, options={"verify_signature": False}), kid(genuine)
    [published] = (await accounts.client.get("/.well-known/jwks.json")).json()["keys"]
    public_pem = jwt.PyJWK(published).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = {
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt", "kid": ours}),
        "HS256 with the public key": signed_hs256(
            public_pem, {"alg": "HS256", "typ": "at+jwt", "kid": ours}, claims
        ),
        "a foreign kid": jwt.encode(
            claims,
            ed25519.Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"typ": "at+jwt", "kid": "foreign"},
        ),
    }
    # Signed by our own keys (the same database), for another audience or as another issuer.
    for name, settings in (
        (
            "another audience",
            {"JWT_AUDIENCE": "another-service", "JWT_ISSUER": accounts.settings.token_issuer},
        ),
        ("another issuer", {"JWT_ISSUER": "https://evil.example"}),
    ):
        async with running_service(pg_url, smtp_server, **settings) as other:
            forged[name] = await access_token(other, "root@example.com")
            assert kid(forged[name]) == ours

    for name, token in forged.items():
        answer = await books.get("/api/v1/books", headers=bearer(token))
        assert (answer.status_code, answer.json()["error_code"]) == (401, "not_authenticated"), name
    assert (await books.get("/api/v1/books", headers=bearer(genuine))).status_code == 200
