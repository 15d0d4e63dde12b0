from datetime import timedelta

import pytest

from application.address.change_email import EmailChange
from application.password.confirm_reset import ResetConfirmation
from application.shared.account_emails import AccountEmails
from application.shared.record_email_request import LinkRequest
from application.signup.register_user import Signup
from domain.codes import TokenPurpose
from domain.errors import (
    InvalidEmail,
    InvalidToken,
    TokenExpired,
    UserAlreadyExists,
    WeakPassword,
)
from tests.fakes import FakeRenderer
from tests.world import CLIENT, LINKS, World


@pytest.fixture
def world() -> World:
    return World()


async def test_signup_creates_an_unverified_user_and_queues_the_verification_link(world: World) -> None:
    user = await world.register_user().execute(
        Signup("  Ada@Example.COM ", "correct horse", first_name="Ada")
    )
    assert await world.answer_email_requests() == 1  # the worker queues the email, from the request made here

    assert (user.email, user.role, user.is_verified) == ("ada@example.com", "user", False)
    [message] = world.uow.outbox_messages
    assert message.recipient == "ada@example.com"
    assert (
        f"https://accounts.example.com/verify/{world.tokens.last(TokenPurpose.VERIFY_EMAIL)}"
        in message.content.text_body
    )


async def test_a_second_signup_with_the_same_address_in_other_case_is_refused(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    with pytest.raises(UserAlreadyExists):
        await world.register_user().execute(Signup("ADA@example.com", "another horse"))
    await world.answer_email_requests()
    assert len(world.uow.outbox_messages) == 1


@pytest.mark.parametrize("password", ["short", "x" * 129, "Password123"])
async def test_weak_passwords_are_refused_with_the_rule_that_failed(world: World, password: str) -> None:
    with pytest.raises(WeakPassword):
        await world.register_user().execute(Signup("ada@example.com", password))
    assert await world.user_count() == 0


async def test_an_invalid_address_is_refused(world: World) -> None:
    with pytest.raises(InvalidEmail):
        await world.register_user().execute(Signup("not-an-address", "correct horse"))


async def test_a_failed_commit_stores_neither_the_user_nor_the_email() -> None:
    world = World(fail_commit=True)
    with pytest.raises(ConnectionError):
        await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    assert await world.user_count() == 0 and world.uow.outbox_messages == []


async def test_following_the_link_verifies_once_and_then_changes_nothing(world: World) -> None:
    user = await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    token = world.tokens.last(TokenPurpose.VERIFY_EMAIL)

    assert await world.verify_email().execute(token) is True
    assert await world.verify_email().execute(token) is False
    assert (await world.account(user.email)).is_verified


async def test_an_expired_verification_link_is_refused(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    world.clock.advance(timedelta(hours=24, seconds=1))
    with pytest.raises(TokenExpired):
        await world.verify_email().execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL))


async def test_a_reset_token_does_not_verify(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    reset_token = world.tokens.issue(TokenPurpose.RESET_PASSWORD, {"sub": "x", "fp": "y"})
    with pytest.raises(InvalidToken):
        await world.verify_email().execute(reset_token)


async def test_resend_queues_a_new_link_only_for_an_unverified_account(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    resend = world.resend_verification()

    await resend.execute(LinkRequest("ada@example.com", CLIENT))
    await resend.execute(LinkRequest("nobody@example.com", CLIENT))
    assert await world.answer_email_requests() == 2
    assert len(world.uow.outbox_messages) == 2

    await world.verify_email().execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL))
    await resend.execute(LinkRequest("ada@example.com", CLIENT))
    await world.answer_email_requests()
    assert len(world.uow.outbox_messages) == 2


async def test_an_address_gets_no_more_emails_than_its_limit_and_no_error_past_it(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    for _ in range(8):
        await world.resend_verification().execute(LinkRequest("ada@example.com", CLIENT))
    await world.answer_email_requests()
    assert len(world.uow.outbox_messages) == 1 + world.per_address.limit


async def test_an_enumeration_safe_signup_answers_a_taken_address_like_a_new_one() -> None:
    world = World(reveal_existing_accounts=False)
    first = await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    second = await world.register_user().execute(Signup("ada@example.com", "another horse"))

    assert (second.email, second.is_verified, second.role) == (first.email, False, "user")
    assert await world.user_count() == 1
    await world.answer_email_requests()
    assert [m.content.subject for m in world.uow.outbox_messages] == ["verify_email", "existing_account"]


async def test_an_email_change_link_dies_when_the_password_is_reset(world: World) -> None:
    user = await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    await world.change_email().execute(EmailChange(user.id, "thief@example.com", "correct horse"))
    await world.answer_email_requests()
    pending = world.tokens.last(TokenPurpose.CHANGE_EMAIL)

    await world.request_reset().execute(LinkRequest("ada@example.com", CLIENT))
    await world.answer_email_requests()
    await world.confirm_reset().execute(
        ResetConfirmation(world.tokens.last(TokenPurpose.RESET_PASSWORD), "battery staple", "battery staple")
    )
    with pytest.raises(InvalidToken):
        await world.confirm_email_change().execute(pending)


async def test_an_email_change_sends_no_more_than_the_per_address_limit(world: World) -> None:
    user = await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    await world.answer_email_requests()
    for _ in range(12):
        await world.change_email().execute(EmailChange(user.id, "victim@example.com", "correct horse"))
    await world.answer_email_requests()
    to_victim = [m for m in world.uow.outbox_messages if m.recipient == "victim@example.com"]
    assert len(to_victim) == world.per_address.limit


async def test_an_email_message_id_names_the_sender_domain(world: World) -> None:
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    user = await world.account("ada@example.com")
    emails = AccountEmails(
        tokens=world.tokens,
        renderer=FakeRenderer(),
        links=LINKS,
        clock=world.clock,
        lifetimes=world.lifetimes,
        codes=world.codes,
        sender_domain="bookly.example",
    )

    first, second = (
        emails.custom(str(user.email), "verify_email"),
        emails.custom(str(user.email), "verify_email"),
    )
    assert first.message_id.endswith("@bookly.example>") and first.message_id.startswith("<")
    assert first.message_id != second.message_id
