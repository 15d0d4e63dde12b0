"""What other services need to trust our access tokens: the public keys (RFC 7517) and, for a revocation
they must know of at once, introspection (RFC 7662)."""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from adapters.crypto.signing_keys import KeyRing
from application.sessions.introspect import Introspect
from domain.errors import NotAuthenticated
from entrypoints.container import Container
from entrypoints.http.answers import TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE, answers
from entrypoints.http.injection import ProvideInLoop
from entrypoints.settings import Settings

keys = APIRouter(tags=["keys"])
introspection = APIRouter(prefix="/api/v1/auth", tags=["keys"])


JWKS_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The key set (RFC 7517)",
        "content": {
            "application/json": {
                "example": {
                    "keys": [
                        {
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                            "kid": "2026-12-01-a1b2",
                            "alg": "EdDSA",
                            "use": "sig",
                        }
                    ]
                }
            }
        },
    }
}
TOKEN_FIELD = {"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]}
INTROSPECTION_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": TOKEN_FIELD,
                "example": {"token": "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9..."},
            },
            "application/x-www-form-urlencoded": {"schema": TOKEN_FIELD},
        },
    }
}
INTROSPECTION_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Whether the token is active, and its claims when it is (RFC 7662)",
        "content": {
            "application/json": {
                "examples": {
                    "active": {
                        "value": {
                            "active": True,
                            "sub": "5f8d2bfb-269a-4de1-8800-a8527b422f7e",
                            "role": "user",
                            "email_verified": True,
                            "token_type": "Bearer",
                            "exp": 1796640000,
                            "iat": 1796639100,
                            "amr": ["mfa", "otp", "pwd"],
                            "auth_time": 1796639100,
                        }
                    },
                    "inactive": {"value": {"active": False}},
                }
            }
        },
    }
}


@keys.get("/.well-known/jwks.json", responses={**JWKS_ANSWER, **answers(UNAVAILABLE)})
@inject
async def jwks(
    key_ring: KeyRing = Depends(ProvideInLoop[Container.key_ring]),
    settings: Settings = Depends(ProvideInLoop[Container.settings]),
) -> JSONResponse:
    """Every published public key; an HS256 deployment signs with a shared secret and publishes none."""
    published = await key_ring.published() if settings.JWT_ALGORITHM in ("EdDSA", "ES256", "RS256") else []
    return JSONResponse(
        {"keys": published}, headers={"Cache-Control": f"public, max-age={settings.JWKS_CACHE_SECONDS}"}
    )


@introspection.post(
    "/introspect",
    openapi_extra=INTROSPECTION_REQUEST,
    responses={**INTROSPECTION_ANSWER, **answers(TOO_LARGE, UNAUTHENTICATED, UNAVAILABLE)},
)
@inject
async def introspect(
    request: Request,
    use_case: Introspect = Depends(ProvideInLoop[Container.introspect]),
    settings: Settings = Depends(ProvideInLoop[Container.settings]),
) -> JSONResponse:
    """{token} as JSON, or token=... as a form (RFC 7662); Authorization: Bearer <INTROSPECTION_SECRET>."""
    assert settings.INTROSPECTION_SECRET is not None  # mounted only with one
    offered = request.headers.get("authorization", "").encode("latin-1")
    if not hmac.compare_digest(
        offered, f"Bearer {settings.INTROSPECTION_SECRET.get_secret_value()}".encode()
    ):
        raise NotAuthenticated(
            "Introspection needs the introspection secret.",
            "Send 'Authorization: Bearer <INTROSPECTION_SECRET>'.",
        )
    status = await use_case.execute(await _token(request))
    if not status.active or status.claims is None:
        return JSONResponse({"active": False}, headers={"Cache-Control": "no-store"})
    claims = status.claims
    return JSONResponse(
        {
            "active": True,
            "sub": str(claims.user_id),
            "role": status.role,
            "email_verified": status.email_verified,
            "token_type": "Bearer",
            "exp": int(claims.expires_at.timestamp()),
            "iat": int(claims.issued_at.timestamp()),
            # How the sign-in was proved, and when: what a resource server needs for its own step-up.
            **(
                {"amr": claims.proof.words(), "auth_time": int(claims.proof.auth_time.timestamp())}
                if claims.proof is not None
                else {}
            ),
        },
        headers={"Cache-Control": "no-store"},
    )


async def _token(request: Request) -> str:
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            value = json.loads(body).get("token", "")
        except (ValueError, AttributeError):
            value = ""
    else:
        value = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
    return value if isinstance(value, str) else ""
