"""Signing up, and asking for the verification email again (/api/v1/auth)."""

from __future__ import annotations

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from adapters.i18n.catalogs import Catalogs
from application.address.resend_verification import ResendVerification
from application.shared.record_email_request import LinkRequest
from application.signup.register_user import RegisterUser, Signup
from entrypoints.container import Container
from entrypoints.http.answers import JSON_BODY, LIMITED, NOT_AN_ADDRESS, TAKEN, UNAVAILABLE, WEAK, answers
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.pages import NEW_VERIFICATION_FORM, Pages, ask_for_link
from entrypoints.http.shared import (
    AUTH,
    EmailField,
    EmailIn,
    LocaleField,
    MessageOut,
    NameField,
    PasswordField,
    Strict,
    UsernameField,
    UserOut,
    example,
)

router = APIRouter(prefix=AUTH, tags=["signup"])
browser = APIRouter(prefix=AUTH, include_in_schema=False)  # the pages, outside the OpenAPI document
# The same words whether or not the address has an account: the answer must not tell.
LINK_ON_ITS_WAY = N_("If an account with that address needs it, an email is on its way. Check your inbox.")


class SignupIn(Strict):
    model_config = example(
        email="ada@example.com",
        password="correct horse battery",
        first_name="Ada",
        last_name="Lovelace",
        locale="en",
    )

    email: EmailField
    password: PasswordField
    username: UsernameField
    first_name: NameField
    last_name: NameField
    # BCP 47; without it, the best of the request's Accept-Language among the languages on offer.
    locale: LocaleField


class SignupOut(BaseModel):
    message: str
    user: UserOut


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=SignupOut,
    responses=answers(JSON_BODY, WEAK, NOT_AN_ADDRESS, TAKEN, LIMITED, UNAVAILABLE),
)
@inject
async def signup(
    body: SignupIn,
    request: Request,
    use_case: RegisterUser = Depends(ProvideInLoop[Container.register_user]),
    catalogs: Catalogs = Depends(ProvideInLoop[Container.catalogs]),
) -> SignupOut:
    """Creates an unverified account and emails a verification link and code, in `locale` (or the request's
    language). With SIGNUP_REVEALS_EXISTING_ACCOUNTS=false a taken address also gets 201, and its owner an
    email, instead of 409."""
    locale = body.locale or catalogs.for_request(request.headers.get("accept-language"))
    user = await use_case.execute(
        Signup(
            **body.model_dump(exclude={"locale"}),
            locale=locale,
            client=client_key(request),
            origin=session_origin(request),
        )
    )
    _ = translator(request)
    return SignupOut(
        message=_("Account created. Check your email to verify your address."), user=UserOut.of(user)
    )


@router.post(
    "/resend-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(JSON_BODY, NOT_AN_ADDRESS, LIMITED, UNAVAILABLE),
)
@inject
async def resend_verification(
    body: EmailIn,
    request: Request,
    use_case: ResendVerification = Depends(ProvideInLoop[Container.resend_verification]),
) -> MessageOut:
    """A new verification email, if the address has an unverified account; the answer is the same either
    way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(LINK_ON_ITS_WAY))


@browser.post(NEW_VERIFICATION_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def new_verification_link(
    request: Request,
    use_case: ResendVerification = Depends(ProvideInLoop[Container.resend_verification]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    """The form of a page whose link no longer works (see pages.link_problem)."""
    return await ask_for_link(request, use_case, pages, for_reset=False)
