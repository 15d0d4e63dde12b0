"""Events and their webhook deliveries, on the in-memory fakes: what is recorded with each change, who gets
it, and what each answer of a receiver leads to."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest

from adapters.webhook_http import PublicWebhookTargets, _public
from application.password.confirm_reset import ResetConfirmation
from application.shared.config import DeliveryPolicy
from application.shared.record_email_request import LinkRequest
from application.signup.register_user import Signup
from application.webhooks.add_webhook import AddWebhook
from application.webhooks.deliver_webhooks import ClaimWebhookDeliveries, SendToReceiver
from application.webhooks.distribute_events import DistributeEvents
from domain.codes import TokenPurpose
from domain.errors import InvalidWebhook
from domain.webhooks import ReceiverAnswer, WebhookDelivery, WebhookUnreachable
from tests.world import CLIENT, World

POLICY = DeliveryPolicy(max_attempts=3, first_retry=timedelta(seconds=10))


class PlainSealer:
    def seal(self, context: str, secret: str) -> str:
        return f"{context}|{secret}"

    def open(self, context: str, sealed: str) -> str:
        assert sealed.startswith(context + "|")
        return sealed.removeprefix(context + "|")


class AnyTarget:
    async def check(self, url: str) -> None:
        return None


class ScriptedReceiver:
    """Answers each post with the next of `answers` (a status, or None for no answer at all)."""

    def __init__(self, *answers: int | None) -> None:
        self.answers = list(answers)
        self.posts: list[tuple[str, str, WebhookDelivery]] = []

    async def send(self, url: str, secret: str, delivery: WebhookDelivery) -> ReceiverAnswer:
        self.posts.append((url, secret, delivery))
        status = self.answers.pop(0) if self.answers else 200
        if status is None:
            raise WebhookUnreachable("no answer within 2 s")
        return ReceiverAnswer(status, "x" * 10)


async def subscribe(world: World, events: list[str], url: str = "https://hooks.example.com/a") -> str:
    added = await AddWebhook(
        uow=world.uow, targets=AnyTarget(), sealer=PlainSealer(), clock=world.clock
    ).execute(url, events)
    return added.secret


async def deliver_round(world: World, receiver: ScriptedReceiver) -> int:
    await DistributeEvents(uow=world.uow).execute()
    sent = 0
    for batch in await ClaimWebhookDeliveries(uow=world.uow, clock=world.clock, policy=POLICY).execute():
        sent += await SendToReceiver(
            uow=world.uow,
            sender=receiver,
            sealer=PlainSealer(),
            clock=world.clock,
            policy=POLICY,
            jitter=random.Random(7),
        ).execute(batch)
    return sent


def rows(world: World) -> list[dict]:
    return list(world.uow.store.webhook_deliveries.values())


async def test_each_change_records_its_event_in_its_own_transaction() -> None:
    world = World()
    await world.sign_up("ada@example.com")
    await world.verify_email().execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL))
    await world.request_reset().execute(LinkRequest("ada@example.com", CLIENT))
    await world.answer_email_requests()
    await world.confirm_reset().execute(
        ResetConfirmation(world.tokens.last(TokenPurpose.RESET_PASSWORD), "battery staple", "battery staple")
    )
    types = [
        json.loads(e.body)["type"]
        for e in sorted(world.uow.store.events.values(), key=lambda e: e.occurred_at)
    ]
    assert types[:2] == ["user.created", "user.verified"]
    assert sorted(types[2:]) == ["user.password_changed", "user.sessions_revoked"]


async def test_a_failed_commit_records_no_event() -> None:
    world = World(fail_commit=True)
    with pytest.raises(ConnectionError):
        await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    assert world.uow.store.events == {}


async def test_a_taken_address_records_no_creation() -> None:
    world = World(reveal_existing_accounts=False)
    await world.sign_up("ada@example.com")
    await world.register_user().execute(Signup("ada@example.com", "another horse"))
    assert len(world.uow.store.events) == 1


async def test_an_event_goes_to_the_subscriptions_that_want_it_and_only_once() -> None:
    world = World()
    await subscribe(world, ["user.created"], "https://a.example.com/")
    await subscribe(world, ["user.verified"], "https://b.example.com/")
    receiver = ScriptedReceiver()
    await world.sign_up("ada@example.com")
    assert await deliver_round(world, receiver) == 1
    assert await deliver_round(world, receiver) == 0
    [(url, secret, delivery)] = receiver.posts
    assert (
        url == "https://a.example.com/"
        and secret.startswith("whsec_")
        and delivery.event_type == "user.created"
    )


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_any_2xx_is_delivered(status: int) -> None:
    world = World()
    await subscribe(world, ["user.created"])
    await world.sign_up("ada@example.com")
    await deliver_round(world, ScriptedReceiver(status))
    [row] = rows(world)
    assert (row["status"].value, row["answer"].status) == ("sent", status)


@pytest.mark.parametrize("status", [429, 500, 503, None])
async def test_429_5xx_and_silence_are_retried_then_dead_with_the_last_answer(status: int | None) -> None:
    world = World()
    await subscribe(world, ["user.created"])
    await world.sign_up("ada@example.com")
    receiver = ScriptedReceiver(status, status, status)
    await deliver_round(world, receiver)
    [row] = rows(world)
    assert row["status"].value == "pending" and row["due"] > world.clock.now()
    for _ in range(2):
        world.clock.advance(timedelta(minutes=5))
        await deliver_round(world, receiver)
    [row] = rows(world)
    assert (row["status"].value, row["delivery"].attempts) == ("dead", 3)
    assert (row["answer"].status if row["answer"] else None) == status
    assert len({post[2].event_id for post in receiver.posts}) == 1  # one webhook-id for every attempt


@pytest.mark.parametrize("status", [301, 302, 400, 404])
async def test_a_redirect_or_another_4xx_is_a_failure_not_retried(status: int) -> None:
    world = World()
    await subscribe(world, ["user.created"])
    await world.sign_up("ada@example.com")
    await deliver_round(world, ScriptedReceiver(status))
    [row] = rows(world)
    assert (row["status"].value, row["error"]) == ("dead", f"the receiver answered {status}")


async def test_410_gone_disables_the_subscription() -> None:
    world = World()
    await subscribe(world, ["user.created"])
    await world.sign_up("ada@example.com")
    await world.sign_up("bo@example.com")
    receiver = ScriptedReceiver(410)
    await deliver_round(world, receiver)
    [subscription] = world.uow.store.webhooks.values()
    assert subscription.disabled_at is not None and "410" in (subscription.disabled_reason or "")
    assert len(receiver.posts) == 1 and {row["status"].value for row in rows(world)} == {"dead"}
    await world.sign_up("cy@example.com")
    await deliver_round(world, receiver)
    assert len(rows(world)) == 2  # a disabled subscription gets no new deliveries


async def test_a_silent_receiver_costs_its_other_deliveries_no_attempt() -> None:
    world = World()
    await subscribe(world, ["user.created"])
    for name in ("ada", "bo", "cy"):
        await world.sign_up(f"{name}@example.com")
    await deliver_round(world, ScriptedReceiver(None))
    assert sorted(row["delivery"].attempts for row in rows(world)) == [0, 0, 1]


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://[::1]/",
        "https://user:pw@example.com/",
        "https://exa mple.com/",
        "ftp://example.com/",
        "https://10.1.2.3/",
        "https://169.254.169.254/latest",
    ],
)
async def test_a_webhook_may_not_point_inward(url: str) -> None:
    with pytest.raises(InvalidWebhook):
        await PublicWebhookTargets().check(url)


def test_private_and_mapped_addresses_are_not_public() -> None:
    for address in (
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1%eth0",
        "::ffff:127.0.0.1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ):
        assert not _public(address), address
    assert _public("93.184.215.14") and _public("2606:4700::1111")


async def test_the_tests_setting_allows_a_receiver_on_loopback() -> None:
    await PublicWebhookTargets(allow_private=True).check("http://127.0.0.1:9000/hooks")


async def test_only_known_event_types_are_subscribed_to() -> None:
    world = World()
    with pytest.raises(InvalidWebhook):
        await subscribe(world, ["user.created", "user.exploded"])
    with pytest.raises(InvalidWebhook):
        await subscribe(world, [" "])


async def test_a_new_subscription_hears_of_what_happens_from_then_on_not_of_events_still_waiting() -> None:
    world = World()
    await world.register_user().execute(Signup("early@example.com", "correct horse", client=CLIENT))
    world.clock.advance(timedelta(seconds=1))
    await subscribe(world, ["user.created"])
    world.clock.advance(timedelta(seconds=1))
    await world.register_user().execute(Signup("late@example.com", "correct horse", client=CLIENT))
    receiver = ScriptedReceiver()
    await deliver_round(world, receiver)
    assert [json.loads(d.body)["data"]["user"]["email"] for _, _, d in receiver.posts] == ["late@example.com"]


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/", "https://127.0.0.1/x", "https://[::1]/", "https://10.1.2.3/"]
)
async def test_a_refused_address_names_the_setting_that_allows_it(url: str) -> None:
    with pytest.raises(InvalidWebhook) as refused:
        await PublicWebhookTargets().check(url)
    assert "WEBHOOK_ALLOW_PRIVATE=true" in refused.value.message and "production" in refused.value.message


class RefusingTargets:
    async def check(self, url: str) -> None:
        raise InvalidWebhook(why="its host is private")

    async def pin(self, url: str) -> None:  # the sender resolves and judges once, through pin
        raise InvalidWebhook(why="its host is private")


@pytest.mark.parametrize(
    "answer, outcome, delivered",
    [
        (204, "delivered", True),
        (500, "rejected", False),
        (None, "no_answer", False),
        ("refused", "refused", False),
    ],
)
async def test_the_test_event_says_whether_it_was_refused_unanswered_or_rejected(
    answer: int | str | None, outcome: str, delivered: bool
) -> None:
    from adapters.webhook_http import HttpxWebhookSender
    from application.webhooks.send_test_event import TestWebhook

    world = World()
    await subscribe(world, ["user.created"])
    [subscription_id] = world.uow.store.webhooks
    if answer == "refused":  # the real sender, which checks the address again before it sends
        sender: object = HttpxWebhookSender(targets=RefusingTargets(), timeout_seconds=1)  # type: ignore[arg-type]
    else:
        sender = ScriptedReceiver(answer)  # type: ignore[arg-type]
    tested = await TestWebhook(
        uow=world.uow,
        sender=sender,
        sealer=PlainSealer(),  # type: ignore[arg-type]
        clock=world.clock,
    ).execute(subscription_id)
    assert (tested.outcome, tested.delivered) == (outcome, delivered)
    if answer == "refused":
        assert tested.detail.endswith("its host is private.") and tested.status is None
        await sender.close()  # type: ignore[attr-defined]
    elif answer is None:
        assert tested.status is None and "no answer" in tested.detail
