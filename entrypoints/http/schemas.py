"""Request and response bodies of the REST API."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from adapters.i18n import locale_tag
from application.find_users import UserSearchPage
from application.send_mail import MAX_RECIPIENTS
from application.views import SessionTokens, UserPage, UserView
from domain.user import Role
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
        raise ValueError(N_("must not contain control, format or invisible characters (line breaks, "
                            "text-direction marks, zero-width spaces)"))
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
        raise ValueError(N_("is not a language this service knows of (a BCP 47 tag such as fr or de-CH)")) from None


LocaleField = Annotated[str | None, Field(default=None, max_length=35, examples=["fr", "de-CH"]),
                        AfterValidator(_language)]
UsernameField = Annotated[str | None, Field(default=None, max_length=64), AfterValidator(_no_control_characters)]


class SignupIn(Strict):
    model_config = example(email="ada@example.com", password="correct horse battery", first_name="Ada",
                           last_name="Lovelace", locale="en")

    email: EmailField
    password: PasswordField
    username: UsernameField
    first_name: NameField
    last_name: NameField
    # BCP 47; without it, the best of the request's Accept-Language among the languages on offer.
    locale: LocaleField


class ProfileIn(Strict):
    """Only the fields sent change; null clears one."""

    model_config = example(first_name="Ada", last_name="King", locale="fr")

    username: UsernameField
    first_name: NameField
    last_name: NameField
    locale: LocaleField


class TokenIn(Strict):
    model_config = example(token=TOKEN)

    token: str


class CodeIn(Strict):
    model_config = example(email="ada@example.com", code="123456")

    email: EmailField
    code: Annotated[str, Field(max_length=12, examples=["123456"])]


class ResetCodeIn(CodeIn):
    model_config = example(email="ada@example.com", code="123456", new_password="a brand new secret",
                           confirm_new_password="a brand new secret")

    new_password: PasswordField
    confirm_new_password: PasswordField


class EmailIn(Strict):
    model_config = example(email="ada@example.com")

    email: EmailField


class LoginIn(Strict):
    model_config = example(email="ada@example.com", password="correct horse battery")

    email: EmailField
    password: PasswordField


class RefreshIn(Strict):
    model_config = example(refresh_token="f7Qd0m1c8ZQd9yFv3r2kXh0pW5sN6tB4uE1aJ8gL2oY")

    # No length bound: a refresh token of any length that is not ours gets 401, like any other.
    refresh_token: str


class ResetConfirmIn(Strict):
    model_config = example(new_password="a brand new secret", confirm_new_password="a brand new secret")

    new_password: PasswordField
    confirm_new_password: PasswordField


class ChangePasswordIn(Strict):
    model_config = example(current_password="correct horse battery", new_password="a brand new secret")

    current_password: PasswordField
    new_password: PasswordField


class DeleteMeIn(Strict):
    """The password, or for an account without one the code of a sign-in email asked for just before."""

    model_config = example(password="correct horse battery")

    password: PasswordField | None = None
    code: Annotated[str | None, Field(default=None, max_length=12, examples=["123456"])]

    @model_validator(mode="after")
    def one_proof(self) -> DeleteMeIn:
        if (self.password is None) == (self.code is None):
            raise ValueError(N_("Give the password, or a sign-in code, and not both."))
        return self


class ChangeEmailIn(Strict):
    model_config = example(new_email="ada@new.example.com", password="correct horse battery")

    new_email: EmailField
    password: PasswordField


class SendMailIn(Strict):
    model_config = example(addresses=["ada@example.com", "bo@example.com"])

    addresses: Annotated[list[EmailField], Field(min_length=1, max_length=MAX_RECIPIENTS)]


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    username: str | None
    first_name: str | None
    last_name: str | None
    role: str
    is_verified: bool
    created_at: datetime
    locale: str | None
    disabled: bool

    @classmethod
    def of(cls, user: UserView) -> UserOut:
        return cls.model_validate(user, from_attributes=True)


class MeOut(UserOut):
    email_deliverable: bool | None = Field(description="false while email to the address bounces; null until "
                                                       "the address is verified")


class MessageOut(BaseModel):
    message: str


class SignupOut(BaseModel):
    message: str
    user: UserOut


class SessionOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    user: UserOut

    @classmethod
    def of(cls, tokens: SessionTokens) -> SessionOut:
        return cls(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                   token_type=tokens.token_type, user=UserOut.of(tokens.user))


class UserMessageOut(BaseModel):
    message: str
    user: UserOut


class SendMailOut(BaseModel):
    message: str
    recipients: int
    skipped: int


class UserPageOut(BaseModel):
    items: list[UserOut]
    total: int | None = Field(description="With offset paging only: the number of accounts")
    offset: int | None = Field(description="With offset paging only")
    limit: int
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last")

    @classmethod
    def of(cls, page: UserPage | UserSearchPage) -> UserPageOut:
        items = [UserOut.of(user) for user in page.items]
        if isinstance(page, UserSearchPage):
            return cls(items=items, total=None, offset=None, limit=page.limit, next_cursor=page.next_cursor)
        return cls(items=items, total=page.total, offset=page.offset, limit=page.limit, next_cursor=page.next_cursor)


class AccountChangeIn(Strict):
    model_config = example(disabled=True)

    role: Role | None = None
    disabled: bool | None = None
    is_verified: bool | None = None
