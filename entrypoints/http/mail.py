"""Email (/api/v1/mail): bounce reports from mail providers, the suppression list for administrators, and
the administrators' own message to a list of addresses (at /api/v1/auth/send_mail, Bookly's path)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.bounce_signatures import StandardWebhooksVerifier, UnsignedReport
from adapters.i18n.catalogs import Catalogs
from application.admin.send_mail import MAX_RECIPIENTS, SendMail
from application.mail.lift_suppression import LiftSuppression
from application.mail.list_suppressions import ListSuppressions
from application.mail.record_bounce import BounceReport, RecordBounce
from domain.errors import NotAuthenticated
from domain.suppressions import Suppression, SuppressionSource
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (
    ADMIN,
    INVALID,
    JSON_BODY,
    NOT_FOUND,
    UNAUTHENTICATED,
    UNAVAILABLE,
    answers,
)
from entrypoints.http.errors import translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import require_admin
from entrypoints.http.shared import AUTH, EmailField, Strict, example

bounces = APIRouter(prefix="/api/v1/mail", tags=["mail"])
suppressions = APIRouter(prefix="/api/v1/mail", tags=["mail"], dependencies=[Depends(require_admin)])
sending = APIRouter(prefix=AUTH, tags=["mail"])


class SendMailIn(Strict):
    model_config = example(addresses=["ada@example.com", "bo@example.com"])

    addresses: Annotated[list[EmailField], Field(min_length=1, max_length=MAX_RECIPIENTS)]


class SendMailOut(BaseModel):
    message: str
    recipients: int
    skipped: int


class BounceIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "gone@example.com", "type": "hard", "reason": "550 5.1.1 user unknown"}]
        }
    )

    email: EmailField
    type: Literal["hard", "complaint"]
    reason: str = Field("", max_length=500)


class SuppressionOut(BaseModel):
    email: str
    source: str
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, suppression: Suppression) -> SuppressionOut:
        return cls(
            email=suppression.email,
            source=suppression.source.value,
            reason=suppression.reason,
            created_at=suppression.created_at,
        )


class SuppressionListOut(BaseModel):
    items: list[SuppressionOut]


@bounces.post(
    "/bounces",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(JSON_BODY, UNAUTHENTICATED, UNAVAILABLE),
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": BounceIn.model_json_schema()}},
            "required": True,
        }
    },
)
@inject
async def report_bounce(
    request: Request,
    verifier: StandardWebhooksVerifier = Depends(ProvideInLoop[Container.bounce_verifier]),
    use_case: RecordBounce = Depends(ProvideInLoop[Container.record_bounce]),
) -> Response:
    """A provider's hard bounce or complaint, signed with BOUNCE_WEBHOOK_SECRET (Standard Webhooks headers);
    401 unsigned, stale or dated over a minute ahead. The address gets no more email. A copy of a report
    already received (the same webhook-id) answers 204 and does nothing."""
    body = await request.body()
    try:
        signed = verifier.verify(body, request.headers)
    except UnsignedReport:
        raise NotAuthenticated(
            "The report is not signed with the bounce secret.",
            "Sign it as Standard Webhooks says, with BOUNCE_WEBHOOK_SECRET.",
        ) from None
    try:
        report = BounceIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_input=False)) from None
    await use_case.execute(
        BounceReport(
            report.email,
            SuppressionSource(report.type),
            signed.report_id,
            signed.replayable_until,
            report.reason,
        )
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@suppressions.get("/suppressions", response_model=SuppressionListOut, responses=answers(ADMIN, UNAVAILABLE))
@inject
async def list_suppressions(
    use_case: ListSuppressions = Depends(ProvideInLoop[Container.list_suppressions]),
) -> SuppressionListOut:
    """The addresses no email goes to any more (a hard bounce or a complaint), newest first, with why."""
    return SuppressionListOut(items=[SuppressionOut.of(s) for s in await use_case.execute()])


@suppressions.delete(
    "/suppressions/{email}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(INVALID, ADMIN, NOT_FOUND, UNAVAILABLE),
)
@inject
async def lift_suppression(
    email: Annotated[str, Path(max_length=320)],
    use_case: LiftSuppression = Depends(ProvideInLoop[Container.lift_suppression]),
) -> Response:
    """Email goes to the address again."""
    await use_case.execute(email)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@sending.post(
    "/send_mail",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendMailOut,
    responses=answers(JSON_BODY, ADMIN, UNAVAILABLE),
)
@inject
async def send_mail(
    body: SendMailIn,
    request: Request,
    _admin: UserView = Depends(require_admin),
    use_case: SendMail = Depends(ProvideInLoop[Container.send_mail]),
    catalogs: Catalogs = Depends(ProvideInLoop[Container.catalogs]),
) -> SendMailOut:
    """Bookly's administrators' message, one email per recipient; an address past its hourly share
    (EMAILS_PER_ADDRESS_PER_HOUR) is skipped and counted."""
    # The recipients may have no account to say their language: the message is in the administrator's.
    queued = await use_case.execute(
        body.addresses, catalogs.for_request(request.headers.get("accept-language"))
    )
    _ = translator(request)
    message = _("Queued one message per recipient.")
    if queued.skipped:
        message += " " + _(
            "Addresses that had their hourly share of email already, and got none: {count}."
        ).format(count=queued.skipped)
    return SendMailOut(message=message, recipients=queued.recipients, skipped=queued.skipped)
