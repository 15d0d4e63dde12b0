"""The OpenAPI document as a client's author reads it: every operation described, its errors declared with
their error_codes and the Bookly shape, and a request example that its own schema accepts."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from entrypoints.http.app import create_app
from tests.settings import service_settings

METHODS = {"get", "post", "put", "patch", "delete"}
# The operations whose use case spends a throttle rule (domain/limits.py's Rule): signing up, logging
# in, asking for an email, typing a code, proving the current password.
RATE_LIMITED = {
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/resend-verification"),
    ("post", "/api/v1/auth/password-reset-request"),
    ("post", "/api/v1/auth/login-code/request"),
    ("post", "/api/v1/auth/login-code"),
    ("post", "/api/v1/auth/verify-code"),
    ("post", "/api/v1/auth/password-reset-confirm-code"),
    ("post", "/api/v1/auth/confirm-email-code"),
    ("post", "/api/v1/auth/change-password"),
    ("post", "/api/v1/auth/change-email"),
    ("delete", "/api/v1/auth/me"),
    ("post", "/api/v1/auth/passkeys/authentication/options"),
    ("post", "/api/v1/auth/passkeys/authentication"),
    ("post", "/api/v1/auth/reauthenticate"),
}
NO_STORAGE = {("get", "/health/live")}
# RFC 7662: a body that names no token of ours, readable or not, is answered {"active": false}, never 422.
NEVER_INVALID = {("post", "/api/v1/auth/introspect")}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Every optional router mounted: introspection and bounce reports are documented too.
    settings = service_settings(
        "sqlite+aiosqlite:///:memory:",
        25,
        INTROSPECTION_SECRET="i" * 20,
        BOUNCE_WEBHOOK_SECRET="whsec_" + "A" * 40,
    )
    return create_app(settings).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def takes_input(op: dict[str, Any]) -> bool:
    """A body, or a parameter that a request can get wrong (a plain text path segment cannot be)."""
    return "requestBody" in op or any(
        p["in"] != "path" or set(p["schema"]) - {"type", "title"} or p["schema"]["type"] != "string"
        for p in op.get("parameters", [])
    )


def test_the_document_covers_introspection_bounces_and_bookly_paging(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert "/api/v1/auth/introspect" in paths and "/api/v1/mail/bounces" in paths
    paging = {p["name"]: p for p in paths["/api/v1/users"]["get"]["parameters"]}
    assert {"offset", "limit", "cursor", "role", "verified", "disabled"} <= set(paging)
    assert all(p.get("description") for p in paging.values())
    assert "HTTPValidationError" not in document["components"]["schemas"]  # FastAPI's shape, not ours


def test_every_operation_is_described_and_declares_its_errors(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(document):
        answers = op["responses"]
        wanted = {"422"} if takes_input(op) and (method, path) not in NEVER_INVALID else set()
        wanted |= {"401"} if op.get("security") else set()
        wanted |= {"429"} if (method, path) in RATE_LIMITED else set()
        wanted |= {"503"} if (method, path) not in NO_STORAGE else set()
        if not op.get("description"):
            missing.append(f"{method} {path}: no description")
        if lacking := wanted - set(answers):
            missing.append(f"{method} {path}: no {sorted(lacking)}")
        if op.get("security") and "403" in answers:
            assert "account_disabled" in answers["403"]["content"]["application/json"]["examples"], path
    assert missing == []


def test_each_error_answer_has_the_bookly_shape_its_codes_and_retry_after_where_it_applies(
    document: dict[str, Any],
) -> None:
    for method, path, op in operations(document):
        for status, answer in op["responses"].items():
            if not status.startswith(("4", "5")) or path.startswith("/health"):
                continue
            content = answer["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
            examples = content["examples"]
            assert examples and all(e["value"]["error_code"] == code for code, e in examples.items())
            assert all(f"`{code}`" in answer["description"] for code in examples), (method, path, status)
            if status in ("429", "503"):
                assert "Retry-After" in answer["headers"], (method, path, status)
    signup = document["paths"]["/api/v1/auth/signup"]["post"]["responses"]
    assert set(signup["422"]["content"]["application/json"]["examples"]) == {
        "validation_error",
        "weak_password",
    }
    assert "user_exists" in signup["409"]["content"]["application/json"]["examples"]
    admin = document["paths"]["/api/v1/users"]["get"]["responses"]["403"]["content"]["application/json"][
        "examples"
    ]
    assert set(admin) == {
        "account_disabled",
        "account_not_verified",
        "insufficient_permissions",
        "mfa_enrollment_required",
    }


def test_every_request_body_has_an_example_its_schema_accepts(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for method, path, op in operations(document):
        if "requestBody" not in op:
            continue
        content = op["requestBody"]["content"]["application/json"]
        schema = content["schema"]
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        examples = [content["example"]] if "example" in content else schema.get("examples", [])
        assert examples, f"{method} {path}: no example body"
        validator = jsonschema_rs.validator_for({**schema, "components": document["components"]})
        for example in examples:
            assert validator.is_valid(example), (method, path, example)
