"""Subscriptions to account events (/api/v1/webhooks), for administrators."""

from __future__ import annotations

import uuid
from typing import Literal

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from application.webhooks.add_webhook import AddWebhook
from application.webhooks.list_webhooks import ListWebhooks
from application.webhooks.remove_webhook import RemoveWebhook
from application.webhooks.send_test_event import TestWebhook
from domain.webhooks import WebhookView
from entrypoints.container import Container
from entrypoints.http.answers import ADMIN, BAD_WEBHOOK, INVALID, JSON_BODY, NOT_FOUND, UNAVAILABLE, answers
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import require_admin
from entrypoints.http.shared import FromView, Strict, example, fields_of

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[Depends(require_admin)])
ONE_WEBHOOK = (INVALID, ADMIN, NOT_FOUND, UNAVAILABLE)


class WebhookIn(Strict):
    model_config = example(
        url="https://books.example.com/hooks/accounts", events=["user.created", "user.verified"]
    )

    url: str = Field(max_length=2000, examples=["https://books.example.com/hooks/accounts"])
    events: list[str] = Field(min_length=1, max_length=20, examples=[["user.created", "user.verified"]])


class WebhookOut(FromView):
    __annotations__ = fields_of(WebhookView)


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="whsec_...: verify the webhook-signature header with it; shown only now")


class WebhookListOut(BaseModel):
    items: list[WebhookOut]


class TestOut(BaseModel):
    delivered: bool
    outcome: Literal["delivered", "refused", "no_answer", "rejected"] = Field(
        description="refused: not sent, the address is not allowed; no_answer: the receiver did not answer; "
        "rejected: it answered a status other than 2xx"
    )
    status: int | None
    detail: str


@router.get("", response_model=WebhookListOut, responses=answers(ADMIN, UNAVAILABLE))
@inject
async def list_webhooks(
    use_case: ListWebhooks = Depends(ProvideInLoop[Container.list_webhooks]),
) -> WebhookListOut:
    """Every subscription, its events and whether it was disabled (a 410 from its receiver disables it)."""
    return WebhookListOut(items=[WebhookOut.of(view) for view in await use_case.execute()])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NewWebhookOut,
    responses=answers(JSON_BODY, ADMIN, BAD_WEBHOOK, UNAVAILABLE),
)
@inject
async def add_webhook(
    body: WebhookIn, response: Response, use_case: AddWebhook = Depends(ProvideInLoop[Container.add_webhook])
) -> NewWebhookOut:
    """Subscribes an https URL on the public internet to event types; the answer holds the signing secret,
    this once. A loopback or private address is refused (422) unless WEBHOOK_ALLOW_PRIVATE=true (never in
    production)."""
    added = await use_case.execute(body.url, body.events)
    response.headers["Cache-Control"] = "no-store"  # the answer holds the secret
    return NewWebhookOut(**WebhookOut.of(added.webhook).model_dump(), secret=added.secret)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(ONE_WEBHOOK))
@inject
async def remove_webhook(
    webhook_id: uuid.UUID, use_case: RemoveWebhook = Depends(ProvideInLoop[Container.remove_webhook])
) -> Response:
    """The subscription and its deliveries still waiting are gone."""
    await use_case.execute(webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{webhook_id}/test", response_model=TestOut, responses=answers(ONE_WEBHOOK))
@inject
async def test_webhook(
    webhook_id: uuid.UUID, use_case: TestWebhook = Depends(ProvideInLoop[Container.test_webhook])
) -> TestOut:
    """Sends a signed `webhook.test` event now, and says what the receiver answered."""
    outcome = await use_case.execute(webhook_id)
    return TestOut(
        delivered=outcome.delivered, outcome=outcome.outcome, status=outcome.status, detail=outcome.detail
    )
