"""/api/v1/auth: the codes of the emails, typed in where the link cannot be followed."""

from __future__ import annotations

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request

from application.address.confirm_email_change_by_code import ConfirmEmailChangeByCode, EmailChangeCode
from application.address.verify_email_by_code import VerifyEmailByCode
from application.password.reset_password_by_code import CodeReset, ResetPasswordByCode
from application.shared.code_entry import CodeEntry
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (INVALID_CODE, JSON_BODY, LIMITED, MISMATCH, SIGNED_IN, TAKEN, UNAVAILABLE, WEAK,
                                      answers)
from entrypoints.http.auth import RESET_DONE, verified_message, email_confirmed
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.schemas import CodeIn, MessageOut, ResetCodeIn, UserMessageOut
from entrypoints.http.security import current_user

router = APIRouter(prefix="/api/v1/auth", tags=["codes"])
# A wrong code counts against the client's share of guesses (429 past it).
CODE_ENTRY = (JSON_BODY, INVALID_CODE, LIMITED, UNAVAILABLE)


@router.post("/verify-code", response_model=MessageOut, responses=answers(CODE_ENTRY))
@inject
async def verify_code(body: CodeIn, request: Request,
                      use_case: VerifyEmailByCode = Depends(ProvideInLoop[Container.verify_email_by_code])) -> MessageOut:
    """As the verification link. A wrong code and an address with none get the same 400 invalid_code."""
    entry = CodeEntry(body.email, body.code, client_key(request), session_origin(request))
    return verified_message(request, await use_case.execute(entry))


@router.post("/password-reset-confirm-code", response_model=MessageOut, responses=answers(CODE_ENTRY, MISMATCH, WEAK))
@inject
async def reset_by_code(body: ResetCodeIn, request: Request,
                        use_case: ResetPasswordByCode = Depends(ProvideInLoop[Container.reset_password_by_code])) -> MessageOut:
    """As the reset link: once, every session ends, the policy applies."""
    await use_case.execute(CodeReset(body.email, body.code, body.new_password, body.confirm_new_password,
                                     client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(RESET_DONE))


@router.post("/confirm-email-code", response_model=UserMessageOut, responses=answers(CODE_ENTRY, SIGNED_IN, TAKEN))
@inject
async def confirm_email_by_code(
    body: CodeIn, request: Request, user: UserView = Depends(current_user),
    use_case: ConfirmEmailChangeByCode = Depends(ProvideInLoop[Container.confirm_email_change_by_code]),
) -> UserMessageOut:
    """`email` is the new address, where the code was sent; the account is the bearer's."""
    changed = await use_case.execute(EmailChangeCode(user.id, body.email, body.code, client_key(request),
                                                       session_origin(request)))
    return email_confirmed(request, changed)
