"""Second factors over HTTP (/api/v1/auth/mfa): what the account has, turning an authenticator app on and
off, and recovery codes."""

from __future__ import annotations

from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, Field, JsonValue

from application.factors.confirm_totp import ConfirmTotp, TotpConfirmation
from application.factors.disable_totp import DisableTotp
from application.factors.regenerate_recovery_codes import RegenerateRecoveryCodes
from application.factors.show_factors import ShowFactors
from application.factors.start_totp_enrolment import StartTotpEnrolment
from application.shared.authenticate import Caller
from domain.factors import FactorSummary, TotpEnrolment
from entrypoints.container import Container
from entrypoints.http.answers import (
    ENROLLING,
    FRESH,
    FRESH_ENROLLING,
    JSON_BODY,
    LIMITED,
    NO_FACTOR,
    NOT_FOUND,
    NOT_VERIFIED,
    TOTP_NOT_STARTED,
    TOTP_ON,
    UNAVAILABLE,
    WRONG_SECOND_FACTOR,
    answers,
)
from entrypoints.http.cache_control import no_store
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import enrolling_caller, fresh_caller, fresh_enrolling_caller
from entrypoints.http.shared import AUTH, Strict, example

router = APIRouter(prefix=f"{AUTH}/mfa", tags=["second factors"])

RECOVERY_CODES: list[JsonValue] = [
    "7KQM-XR4T-9HZD-LCPW",
    "N3VB-2JYF-ASKE-8UQG",
    "…eight more…",
]


class FactorsOut(BaseModel):
    model_config = example(totp=True, passkeys=1, recovery_codes_left=9)

    totp: bool
    passkeys: int
    recovery_codes_left: int

    @classmethod
    def of(cls, summary: FactorSummary) -> FactorsOut:
        return cls(
            totp=summary.totp, passkeys=summary.passkeys, recovery_codes_left=summary.recovery_codes_left
        )


class TotpEnrolmentOut(BaseModel):
    model_config = example(
        secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        otpauth_uri="otpauth://totp/Bookly:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Bookly",
        qr_svg='<svg xmlns="http://www.w3.org/2000/svg" ...</svg>',
    )

    secret: str = Field(description="base32, for typing into an app that cannot scan")
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth_uri as a QR code, an SVG document")

    @classmethod
    def of(cls, enrolment: TotpEnrolment) -> TotpEnrolmentOut:
        return cls(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg)


class TotpCodeIn(Strict):
    model_config = example(code="123456")

    code: Annotated[str, Field(max_length=12, examples=["123456"])]


class RecoveryCodesOut(BaseModel):
    model_config = example(recovery_codes=RECOVERY_CODES)

    recovery_codes: list[str] = Field(description="ten codes, each usable once, shown only now")


# Enrolment stays open to an account whose role needs a factor it has not set up yet (MFA_REQUIRED_ROLES).
@router.get("", response_model=FactorsOut, responses=answers(ENROLLING, UNAVAILABLE))
@inject
async def show_factors(
    caller: Caller = Depends(enrolling_caller),
    use_case: ShowFactors = Depends(ProvideInLoop[Container.show_factors]),
) -> FactorsOut:
    """Whether an authenticator app is turned on, how many passkeys, and how many recovery codes are unused;
    never a secret."""
    return FactorsOut.of(await use_case.execute(caller.user.id))


@router.post(
    "/totp",
    status_code=status.HTTP_201_CREATED,
    response_model=TotpEnrolmentOut,
    dependencies=[Depends(no_store)],
    responses=answers(FRESH_ENROLLING, NOT_VERIFIED, TOTP_ON, UNAVAILABLE),
)
@inject
async def start_totp_enrolment(
    caller: Caller = Depends(fresh_enrolling_caller),
    use_case: StartTotpEnrolment = Depends(ProvideInLoop[Container.start_totp_enrolment]),
) -> TotpEnrolmentOut:
    """Starts setting up an authenticator app (SHA-1, 6 digits, 30 s; issuer MAIL_FROM_NAME, account the
    email address): scan `qr_svg` or type `secret`, then confirm with a code. Nothing is on until then; a
    second call replaces the pending secret. 409 totp_already_enabled once one is on."""
    return TotpEnrolmentOut.of(await use_case.execute(caller.user.id))


@router.post(
    "/totp/confirm",
    response_model=RecoveryCodesOut,
    dependencies=[Depends(no_store)],
    responses=answers(
        JSON_BODY, ENROLLING, WRONG_SECOND_FACTOR, TOTP_ON, TOTP_NOT_STARTED, LIMITED, UNAVAILABLE
    ),
)
@inject
async def confirm_totp(
    body: TotpCodeIn,
    request: Request,
    caller: Caller = Depends(enrolling_caller),
    use_case: ConfirmTotp = Depends(ProvideInLoop[Container.confirm_totp]),
) -> RecoveryCodesOut:
    """A code of the app turns it on and answers ten recovery codes, shown this once. Every other session
    of the account ends; this one keeps its sign-in as it was (a sensitive action then asks for the code,
    POST /api/v1/auth/reauthenticate). The owner is emailed."""
    codes = await use_case.execute(
        TotpConfirmation(caller, body.code, session_origin(request), client_key(request))
    )
    return RecoveryCodesOut(recovery_codes=codes)


@router.delete(
    "/totp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(FRESH, NOT_FOUND, UNAVAILABLE),
)
@inject
async def disable_totp(
    request: Request,
    caller: Caller = Depends(fresh_caller),
    use_case: DisableTotp = Depends(ProvideInLoop[Container.disable_totp]),
) -> Response:
    """Turns the authenticator app off; needs a recent sign-in with the second factor. With no factor left,
    the recovery codes stop working too. The owner is emailed."""
    await use_case.execute(caller, session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/recovery-codes",
    response_model=RecoveryCodesOut,
    dependencies=[Depends(no_store)],
    responses=answers(FRESH, NO_FACTOR, UNAVAILABLE),
)
@inject
async def regenerate_recovery_codes(
    request: Request,
    caller: Caller = Depends(fresh_caller),
    use_case: RegenerateRecoveryCodes = Depends(ProvideInLoop[Container.regenerate_recovery_codes]),
) -> RecoveryCodesOut:
    """Ten new recovery codes, shown this once; the earlier ones stop working. The owner is emailed."""
    return RecoveryCodesOut(recovery_codes=await use_case.execute(caller, session_origin(request)))
