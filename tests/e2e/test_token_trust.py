"""Other services trust our access tokens: they verify them with the published keys alone, and ask at once
whether one still stands."""

from __future__ import annotations

import jwt
import pytest

from tests.e2e.conftest import Service, running_service
from tests.smtp_server import SmtpTestServer

INTROSPECTION = "introspection-secret-" + "i" * 20


async def test_a_token_verifies_with_the_published_keys_and_pyjwt_alone(service: Service) -> None:
    await service.signup("ada@example.com")
    access = (await service.login("ada@example.com")).json()["access_token"]
    published = await service.client.get("/.well-known/jwks.json")
    assert published.headers["cache-control"] == "public, max-age=300"
    keys = jwt.PyJWKSet.from_dict(published.json())
    kid = jwt.get_unverified_header(access)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    claims = jwt.decode(
        access, key.key, algorithms=["EdDSA"], audience="bookly", issuer=f"http://{service.settings.DOMAIN}"
    )
    assert claims["email_verified"] is False and claims["role"] == "user" and "email" not in claims
    assert all("d" not in k for k in published.json()["keys"])  # public halves only


async def test_an_hs256_deployment_publishes_no_key(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(pg_url, smtp_server, JWT_ALGORITHM="HS256") as service:
        assert (await service.client.get("/.well-known/jwks.json")).json() == {"keys": []}
        await service.signup("bo@example.com")
        assert (await service.login("bo@example.com")).status_code == 200


async def test_introspection_says_inactive_after_a_reset(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(pg_url, smtp_server, INTROSPECTION_SECRET=INTROSPECTION) as service:
        await service.signup("cy@example.com")
        access = (await service.login("cy@example.com")).json()["access_token"]
        ask = {"Authorization": f"Bearer {INTROSPECTION}"}
        active = await service.client.post("/api/v1/auth/introspect", json={"token": access}, headers=ask)
        assert active.json()["active"] is True and active.json()["role"] == "user"
        as_form = await service.client.post("/api/v1/auth/introspect", data={"token": access}, headers=ask)
        assert as_form.json() == active.json()
        assert (
            await service.client.post("/api/v1/auth/introspect", json={"token": access})
        ).status_code == 401

        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "cy@example.com"})
        service.clock.advance(__import__("datetime").timedelta(seconds=1))
        await service.client.post(
            await service.link_in_email(2),
            json={"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"},
        )
        after = await service.client.post("/api/v1/auth/introspect", json={"token": access}, headers=ask)
        assert after.json() == {"active": False}
        for junk in ("", "x" * 5000, access[:-3] + "abc"):
            answer = await service.client.post("/api/v1/auth/introspect", json={"token": junk}, headers=ask)
            assert answer.json() == {"active": False}


async def test_without_its_secret_there_is_no_introspection(service: Service) -> None:
    assert (await service.client.post("/api/v1/auth/introspect", json={"token": "x"})).status_code == 404


@pytest.mark.parametrize(
    "forged",
    [{"alg": "none"}, {"aud": "another-service"}, {"iss": "https://evil.example"}, {"kid": "foreign"}],
)
async def test_the_service_refuses_forged_tokens(service: Service, forged: dict) -> None:
    await service.signup("di@example.com")
    access = (await service.login("di@example.com")).json()["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    header = jwt.get_unverified_header(access)
    from cryptography.hazmat.primitives.asymmetric import ed25519

    claims.update({k: v for k, v in forged.items() if k in ("aud", "iss")})
    header.update({k: v for k, v in forged.items() if k in ("kid",)})
    if forged.get("alg") == "none":
        token = jwt.encode(claims, None, algorithm="none", headers={"typ": "at+jwt"})
    else:
        token = jwt.encode(
            claims,
            ed25519.Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"typ": "at+jwt", "kid": header["kid"]},
        )
    answer = await service.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
