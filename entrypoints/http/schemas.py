"""Request and response bodies of the REST API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from application.send_mail import MAX_RECIPIENTS
from application.views import UserView


def _no_control_characters(value: str | None) -> str | None:
    # A name ends up in emails; a line break in it must never reach a header.
    if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


EmailField = Annotated[str, Field(max_length=320, examples=["ada@example.com"])]
# No length bound here: the request body limit bounds it, and the policy says which rule a password fails.
PasswordField = Annotated[str, Field(examples=["correct horse battery"])]
NameField = Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_no_control_characters)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupIn(Strict):
    email: EmailField
    password: PasswordField
    username: Annotated[str | None, Field(default=None, max_length=64), AfterValidator(_no_control_characters)]
    first_name: NameField
    last_name: NameField


class EmailIn(Strict):
    email: EmailField


class LoginIn(Strict):
    email: EmailField
    password: PasswordField


class RefreshIn(Strict):
    refresh_token: Annotated[str, Field(max_length=512)]


class ResetConfirmIn(Strict):
    new_password: PasswordField
    confirm_new_password: PasswordField


class ChangePasswordIn(Strict):
    current_password: PasswordField
    new_password: PasswordField


class ChangeEmailIn(Strict):
    new_email: EmailField
    password: PasswordField


class SendMailIn(Strict):
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

    @classmethod
    def of(cls, user: UserView) -> UserOut:
        return cls.model_validate(user, from_attributes=True)


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


class UserMessageOut(BaseModel):
    message: str
    user: UserOut


class SendMailOut(BaseModel):
    message: str
    recipients: int


class UserPageOut(BaseModel):
    items: list[UserOut]
    total: int
    offset: int
    limit: int
