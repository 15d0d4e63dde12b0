"""The pieces of request and response bodies that several features use: the text rules every field follows,
the account as answered (built from the use cases' view), a session, a message, the audit trail.

A body that one feature alone uses lives in that feature's module (entrypoints/http/<feature>.py)."""

from __future__ import annotations

import dataclasses
import typing
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, field_validator

from adapters.i18n.catalogs import locale_tag
from application.account.account_trail import TrailPage
from domain.factors import SecondFactorRequired
from domain.trail import SecurityEvent
from domain.views import SessionTokens, SessionView, UserView
from entrypoints.http.errors import N_

# What a name may not hold: controls and line or paragraph separators (a line break must never reach a
# header), format characters (bidi overrides, isolates and marks, zero-width spaces, tags: text that reorders
# or hides what a reader sees), private-use characters, and the Hangul fillers that show as nothing. The
# zero-width (non-)joiners stay: Persian, Indic scripts and emoji sequences need them.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_ALLOWED_FORMAT = frozenset("\u200c\u200d")
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def _no_control_characters(value: str | None) -> str | None:
    if value is not None and any(_refused_in_names(ch) for ch in value):
        raise ValueError(
            N_(
                "must not contain control, format or invisible characters (line breaks, "
                "text-direction marks, zero-width spaces)"
            )
        )
    return value


def _refused_in_names(ch: str) -> bool:
    if ch in _ALLOWED_FORMAT:
        return False
    return unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BLANK_LETTERS


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):  # a JSON object passed on whole (a WebAuthn response)
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    return False


def plain_text(value: str | None) -> str | None:
    """For text that is not a body's field (a query parameter): no lone surrogate, no control character."""
    if value is not None and _has_lone_surrogate(value):
        raise ValueError(N_("contains an unpaired surrogate (\\ud800-\\udfff), which is not text"))
    return _no_control_characters(value)


EmailField = Annotated[str, Field(max_length=320, examples=["ada@example.com"])]
# No length bound here: the request body limit bounds it, and the policy says which rule a password fails.
PasswordField = Annotated[str, Field(examples=["correct horse battery"])]
NameField = Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_no_control_characters)]
# A name a person gives a thing of theirs (a passkey): no control, format or invisible characters.
LabelField = Annotated[
    str, Field(min_length=1, max_length=100, examples=["Work laptop"]), AfterValidator(_no_control_characters)
]


def example(**body: JsonValue) -> ConfigDict:
    """A whole request body for the OpenAPI document (the fields' own examples do not make one)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


TOKEN = "eyJzdWIiOiI1ZjhkMmJmYi0yNjlhLTRkZTEtODgwMC1hODUyN2I0MjJmN2UifQ.ZrB2xQ.k3Jq9mB8f4wQ"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _valid_text(cls, value: object) -> object:
        # JSON can escape half of a UTF-16 pair ("\udfff"), which no UTF-8 encoder (a hasher, a database
        # driver) accepts: such text is refused here, where every field comes in.
        if _has_lone_surrogate(value):
            raise ValueError(N_("contains an unpaired surrogate (\\ud800-\\udfff), which is not text"))
        return value


def _language(value: str | None) -> str | None:
    try:
        return locale_tag(value) if value is not None else None
    except ValueError:  # in the reader's language, without echoing what was sent
        raise ValueError(
            N_("is not a language this service knows of (a BCP 47 tag such as fr or de-CH)")
        ) from None


LocaleField = Annotated[
    str | None, Field(default=None, max_length=35, examples=["fr", "de-CH"]), AfterValidator(_language)
]
UsernameField = Annotated[
    str | None, Field(default=None, max_length=64), AfterValidator(_no_control_characters)
]


# The prefix Bookly's clients know for everything about signing up and in (signup, address, sessions,
# password, account): a feature's router shows it, the rest of the path tells the route.
AUTH = "/api/v1/auth"

# No length bound here: a token of any length that is not ours gets 400 invalid_token, like any other.
Token = Annotated[str, Path(description="The signed token from the emailed link")]


class TokenIn(Strict):
    model_config = example(token=TOKEN)

    token: str


class CodeIn(Strict):
    model_config = example(email="ada@example.com", code="123456")

    email: EmailField
    code: Annotated[str, Field(max_length=12, examples=["123456"])]


class EmailIn(Strict):
    model_config = example(email="ada@example.com")

    email: EmailField


def fields_of(view: type) -> dict[str, Any]:
    """A view's fields with their types, as the annotations of a response body."""
    hints = typing.get_type_hints(view)
    return {field.name: hints[field.name] for field in dataclasses.fields(view)}


class FromView(BaseModel):
    """A response body that answers a use case's view (a dataclass) as it is. Its fields are the view's,
    read from the dataclass when the class is made (`__annotations__ = fields_of(View)`): a field added to
    the view is in the answer and the OpenAPI document without a second copy here."""

    @classmethod
    def of(cls, view: object) -> typing.Self:
        return cls.model_validate(view, from_attributes=True)


class UserOut(FromView):
    __annotations__ = fields_of(UserView)


class SessionItemOut(FromView):
    __annotations__ = fields_of(SessionView)


class MessageOut(BaseModel):
    message: str


class SessionOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    user: UserOut

    @classmethod
    def of(cls, tokens: SessionTokens) -> SessionOut:
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            token_type=tokens.token_type,
            user=UserOut.of(tokens.user),
        )


class SecondFactorOut(BaseModel):
    """A right first factor for an account with a second one: no tokens yet, but a sign-in to complete
    with POST /api/v1/auth/login/second-factor."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "mfa_required": True,
                "mfa_token": "Zr1yq0dQ8vB3nT6hW2kX9pL4sM7cF5gJ0aE1uR8iY3o",
                "methods": ["totp", "recovery_code"],
            }
        }
    )

    mfa_required: bool = True
    mfa_token: str
    methods: list[str]

    @classmethod
    def of(cls, pending: SecondFactorRequired) -> SecondFactorOut:
        return cls(mfa_token=pending.mfa_token, methods=[m.value for m in pending.methods])


def signed_in(result: SessionTokens | SecondFactorRequired) -> SessionOut | SecondFactorOut:
    """What every sign-in answers: a session, or the second factor it still needs."""
    if isinstance(result, SecondFactorRequired):
        return SecondFactorOut.of(result)
    return SessionOut.of(result)


# The audit trail, as its owner (account) and an administrator (admin) page through it.
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, description="the next_cursor of the page before")]


class SecurityEventOut(BaseModel):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    ip: str
    device: str
    actor_id: uuid.UUID | None  # the administrator who acted
    detail: str

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventOut:
        return cls(
            id=event.id,
            type=event.type.value,
            occurred_at=event.occurred_at,
            ip=event.ip,
            device=event.device,
            actor_id=event.actor_id,
            detail=event.detail,
        )


class TrailOut(BaseModel):
    items: list[SecurityEventOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: TrailPage) -> TrailOut:
        return cls(items=[SecurityEventOut.of(e) for e in page.items], next_cursor=page.next_cursor)
