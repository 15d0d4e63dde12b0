"""/api/v1/auth: sign up, verify, log in, sessions, password reset."""

from __future__ import annotations

from typing import Annotated, Any

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from adapters.i18n.catalogs import Catalogs
from application.account.delete_own_account import DeleteOwnAccount, OwnDeletion
from application.account.show_me import ShowMe
from application.account.update_profile import ProfileUpdate, UpdateProfile
from application.address.change_email import ChangeEmail, EmailChange
from application.address.check_email_change_link import CheckEmailChangeLink
from application.address.check_verification_link import CheckVerificationLink
from application.address.confirm_email_change import ConfirmEmailChange
from application.address.resend_verification import ResendVerification
from application.address.verify_email import VerifyEmail
from application.admin.send_mail import SendMail
from application.password.change_password import ChangePassword, PasswordChange
from application.password.confirm_reset import ConfirmReset, ResetConfirmation
from application.password.request_reset import RequestReset
from application.sessions.login import Credentials, Login
from application.sessions.logout import Logout
from application.sessions.refresh_session import RefreshSession
from application.shared.record_email_request import LinkRequest
from application.signup.register_user import RegisterUser, Signup
from domain.errors import NotAuthenticated
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (ADMIN, BAD_CREDENTIALS, DISABLED, EXPIRED, INVALID, INVALID_CODE, INVALID_TOKEN,
                                      JSON_BODY, LAST_ADMIN, LIMITED, MISMATCH, NOT_AN_ADDRESS, SIGNED_IN, TAKEN,
                                      UNAUTHENTICATED, UNAVAILABLE, VERIFIED, WEAK, WRONG_PASSWORD, answers, html_too)
from entrypoints.http.browser import LINK_ON_ITS_WAY, email_change_page, verification_page
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.pages import Pages, prefers_json
from entrypoints.http.schemas import (ChangeEmailIn, ChangePasswordIn, DeleteMeIn, EmailIn, MeOut, LoginIn, MessageOut, ProfileIn,
                                      RefreshIn, ResetConfirmIn, SendMailIn, SendMailOut, SessionOut, SignupIn,
                                      SignupOut, TokenIn, UserMessageOut, UserOut)
from entrypoints.http.security import bearer, current_user, require_admin, require_verified

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

# No length bound here: a token of any length that is not ours gets 400 invalid_token, like any other.
Token = Annotated[str, Path(description="The signed token from the emailed link")]
# The same words whether or not the address has an account: the answer must not tell.
RESET_ON_ITS_WAY = N_("If an account with that address exists, a reset link is on its way. Check your inbox.")
RESET_DONE = N_("Your password has been reset. Log in with the new one.")


async def no_store(response: Response) -> None:
    """An answer with tokens in it is kept by no cache (RFC 6749 section 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=SignupOut,
             responses=answers(JSON_BODY, WEAK, NOT_AN_ADDRESS, TAKEN, LIMITED, UNAVAILABLE))
@inject
async def signup(body: SignupIn, request: Request, use_case: RegisterUser = Depends(ProvideInLoop[Container.register_user]),
                 catalogs: Catalogs = Depends(ProvideInLoop[Container.catalogs])) -> SignupOut:
    """Creates an unverified account and emails a verification link and code, in `locale` (or the request's
    language). With SIGNUP_REVEALS_EXISTING_ACCOUNTS=false a taken address also gets 201, and its owner an
    email, instead of 409."""
    locale = body.locale or catalogs.for_request(request.headers.get("accept-language"))
    user = await use_case.execute(Signup(**body.model_dump(exclude={"locale"}), locale=locale,
                                         client=client_key(request), origin=session_origin(request)))
    _ = translator(request)
    return SignupOut(message=_("Account created. Check your email to verify your address."), user=UserOut.of(user))


@router.get("/verify/{token}", response_model=MessageOut,
            responses=html_too(answers(INVALID, INVALID_TOKEN, EXPIRED, UNAVAILABLE), 200, 400))
@router.head("/verify/{token}", include_in_schema=False)
@inject
async def verify(token: Token, request: Request, use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email]),
                 check: CheckVerificationLink = Depends(ProvideInLoop[Container.check_verification_link]),
                 pages: Pages = Depends(ProvideInLoop[Container.pages])) -> Any:
    """The emailed link. Opening it changes nothing: it answers a page whose button verifies (mail scanners
    open every link). Only an API client that asks for JSON by name (Bookly's clients) verifies with a GET."""
    if request.method == "GET" and prefers_json(request):
        return verified_message(request, await use_case.execute(token, session_origin(request)))
    return await verification_page(request, token, check, pages)


@router.post("/verify", response_model=MessageOut, responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, UNAVAILABLE))
@inject
async def verify_token(body: TokenIn, request: Request,
                       use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email])) -> MessageOut:
    """Verifies the address with the token of the emailed link, for a front end that shows its own page."""
    return verified_message(request, await use_case.execute(body.token, session_origin(request)))


def verified_message(request: Request, changed: bool) -> MessageOut:
    _ = translator(request)
    return MessageOut(message=_("Your email address is verified.") if changed
                      else _("Your email address was already verified."))


@router.post("/resend-verification", status_code=status.HTTP_202_ACCEPTED, response_model=MessageOut,
             responses=answers(JSON_BODY, NOT_AN_ADDRESS, LIMITED, UNAVAILABLE))
@inject
async def resend_verification(
    body: EmailIn, request: Request,
    use_case: ResendVerification = Depends(ProvideInLoop[Container.resend_verification]),
) -> MessageOut:
    """A new verification email, if the address has an unverified account; the answer is the same either way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(LINK_ON_ITS_WAY))


@router.post("/login", response_model=SessionOut, dependencies=[Depends(no_store)],
             responses=answers(JSON_BODY, BAD_CREDENTIALS, DISABLED, LIMITED, UNAVAILABLE))
@inject
async def login(body: LoginIn, request: Request, use_case: Login = Depends(ProvideInLoop[Container.login])) -> SessionOut:
    """An access token (ACCESS_TOKEN_TTL_SECONDS) and a refresh token for a new session. A wrong address and a
    wrong password get the same 401; failures per account and per client are limited (429)."""
    return SessionOut.of(await use_case.execute(Credentials(body.email, body.password, client_key(request),
                                                                  session_origin(request))))


@router.post("/refresh", response_model=SessionOut, dependencies=[Depends(no_store)],
             responses=answers(JSON_BODY, UNAUTHENTICATED, DISABLED, UNAVAILABLE))
@inject
async def refresh(body: RefreshIn, request: Request,
                  use_case: RefreshSession = Depends(ProvideInLoop[Container.refresh_session])) -> SessionOut:
    """A new pair for the session; the refresh token sent is spent. Sent again within
    REFRESH_REUSE_GRACE_SECONDS (two tabs) it gets the same new refresh token; later, it ends the whole
    session."""
    return SessionOut.of(await use_case.execute(body.refresh_token, session_origin(request)))


@router.post("/logout", response_model=MessageOut, responses=answers(JSON_BODY, UNAVAILABLE))
@inject
async def logout(body: RefreshIn, request: Request,
                 use_case: Logout = Depends(ProvideInLoop[Container.logout])) -> MessageOut:
    """Ends the refresh token's session; an unknown or spent token is answered the same."""
    await use_case.execute(body.refresh_token)
    _ = translator(request)
    return MessageOut(message=_("Logged out."))


@router.get("/me", response_model=MeOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def me(credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
             use_case: ShowMe = Depends(ProvideInLoop[Container.show_me])) -> dict[str, Any]:
    """The account, and `email_deliverable`: false while its address bounces (the suppression list), null
    until the address is verified (whoever signs up with an address learns nothing of it from here)."""
    if credentials is None:
        raise NotAuthenticated()
    shown = await use_case.execute(credentials.credentials)
    # Validated once, as the answer (MeOut), not also built as a model first: GET /me is the hottest read.
    return {**{name: getattr(shown.user, name) for name in UserOut.model_fields},
            "email_deliverable": shown.email_deliverable}


@router.patch("/me", response_model=UserOut, responses=answers(JSON_BODY, SIGNED_IN, UNAVAILABLE))
@inject
async def update_me(body: ProfileIn, user: UserView = Depends(current_user),
                    use_case: UpdateProfile = Depends(ProvideInLoop[Container.update_profile])) -> UserOut:
    """Only the fields sent change; the address and the password have flows of their own."""
    return UserOut.of(await use_case.execute(ProfileUpdate(user.id, body.model_dump(exclude_unset=True))))


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT,
               responses=answers(JSON_BODY, SIGNED_IN, WRONG_PASSWORD, INVALID_CODE, LAST_ADMIN, LIMITED, UNAVAILABLE))
@inject
async def delete_me(body: DeleteMeIn, request: Request, user: UserView = Depends(current_user),
                    use_case: DeleteOwnAccount = Depends(ProvideInLoop[Container.delete_own_account])) -> Response:
    """Every session and token ends, pending emails are cancelled, the account's data is erased and a last
    email says so; the address can sign up again. 400 `invalid_password` / `invalid_code`."""
    await use_case.execute(OwnDeletion(user.id, body.password, body.code, client_key(request),
                                       session_origin(request)))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset-request", response_model=MessageOut,
             responses=answers(JSON_BODY, NOT_AN_ADDRESS, LIMITED, UNAVAILABLE))
@inject
async def password_reset_request(
    body: EmailIn, request: Request, use_case: RequestReset = Depends(ProvideInLoop[Container.request_reset]),
) -> MessageOut:
    """A reset link and code by email, if the address has an account; the answer is the same either way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(RESET_ON_ITS_WAY))


@router.post("/password-reset-confirm/{token}", response_model=MessageOut,
             responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, MISMATCH, WEAK, UNAVAILABLE))
@inject
async def password_reset_confirm(
    token: Token, body: ResetConfirmIn, request: Request,
    use_case: ConfirmReset = Depends(ProvideInLoop[Container.confirm_reset]),
) -> MessageOut:
    """Sets the new password with the emailed link's token, once; every session of the account ends."""
    await use_case.execute(ResetConfirmation(token, body.new_password, body.confirm_new_password,
                                               session_origin(request)))
    return MessageOut(message=translator(request)(RESET_DONE))


@router.post("/send_mail", status_code=status.HTTP_202_ACCEPTED, response_model=SendMailOut,
             responses=answers(JSON_BODY, ADMIN, UNAVAILABLE))
@inject
async def send_mail(body: SendMailIn, request: Request, _admin: UserView = Depends(require_admin),
                    use_case: SendMail = Depends(ProvideInLoop[Container.send_mail]),
                    catalogs: Catalogs = Depends(ProvideInLoop[Container.catalogs])) -> SendMailOut:
    """Bookly's administrators' message, one email per recipient; an address past its hourly share
    (EMAILS_PER_ADDRESS_PER_HOUR) is skipped and counted."""
    # The recipients may have no account to say their language: the message is in the administrator's.
    queued = await use_case.execute(body.addresses, catalogs.for_request(request.headers.get("accept-language")))
    _ = translator(request)
    message = _("Queued one message per recipient.")
    if queued.skipped:
        message += " " + _("Addresses that had their hourly share of email already, and got none: {count}.").format(
            count=queued.skipped)
    return SendMailOut(message=message, recipients=queued.recipients, skipped=queued.skipped)


@router.post("/change-password", response_model=SessionOut, dependencies=[Depends(no_store)],
             responses=answers(JSON_BODY, VERIFIED, WRONG_PASSWORD, WEAK, LIMITED, UNAVAILABLE))
@inject
async def change_password(body: ChangePasswordIn, request: Request, user: UserView = Depends(require_verified),
                          use_case: ChangePassword = Depends(ProvideInLoop[Container.change_password])) -> SessionOut:
    """Every other session ends; the answer carries new tokens for this one."""
    change = PasswordChange(user.id, body.current_password, body.new_password, client_key(request),
                            session_origin(request))
    return SessionOut.of(await use_case.execute(change))


@router.post("/change-email", status_code=status.HTTP_202_ACCEPTED, response_model=MessageOut,
             responses=answers(JSON_BODY, VERIFIED, WRONG_PASSWORD, NOT_AN_ADDRESS, TAKEN, LIMITED, UNAVAILABLE))
@inject
async def change_email(body: ChangeEmailIn, request: Request, user: UserView = Depends(require_verified),
                       use_case: ChangeEmail = Depends(ProvideInLoop[Container.change_email])) -> MessageOut:
    """Sends a confirmation link and code to the new address; the account keeps its address until one is used."""
    await use_case.execute(EmailChange(user.id, body.new_email, body.password, client_key(request)))
    _ = translator(request)
    return MessageOut(message=_("Check the new address for a confirmation link or code; until it is used, the "
                                "account keeps its current address."))


@router.get("/confirm-email/{token}", response_model=UserMessageOut,
            responses=html_too(answers(INVALID, INVALID_TOKEN, EXPIRED, TAKEN, UNAVAILABLE), 200, 400))
@router.head("/confirm-email/{token}", include_in_schema=False)
@inject
async def confirm_email(
    token: Token, request: Request,
    use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
    check: CheckEmailChangeLink = Depends(ProvideInLoop[Container.check_email_change_link]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> Any:
    """The emailed link. As the verification link: a page with a button, unless an API client asks for JSON."""
    if request.method == "GET" and prefers_json(request):
        return email_confirmed(request, await use_case.execute(token, session_origin(request)))
    return await email_change_page(request, token, check, pages)


@router.post("/confirm-email", response_model=UserMessageOut,
             responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, TAKEN, UNAVAILABLE))
@inject
async def confirm_email_token(
    body: TokenIn, request: Request,
    use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
) -> UserMessageOut:
    """Confirms the new address with the token of the emailed link, for a front end's own page."""
    return email_confirmed(request, await use_case.execute(body.token, session_origin(request)))


def email_confirmed(request: Request, user: UserView) -> UserMessageOut:
    _ = translator(request)
    return UserMessageOut(message=_("Your new email address is confirmed."), user=UserOut.of(user))
