from datetime import timedelta

import pytest

from application.password.confirm_reset import ResetConfirmation
from application.sessions.login import Credentials
from application.shared.record_email_request import LinkRequest
from domain.codes import TokenPurpose
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    PasswordsMismatch,
    RateLimited,
    TokenExpired,
)
from tests.world import CLIENT, World


@pytest.fixture
async def world() -> World:
    world = World()
    await world.sign_up("ada@example.com")
    return world


def reset(token: str, password: str = "battery staple", again: str | None = None) -> ResetConfirmation:
    return ResetConfirmation(token, password, password if again is None else again)


async def reset_token(world: World) -> str:
    await world.request_reset().execute(LinkRequest("ada@example.com", CLIENT))
    await world.answer_email_requests()
    return world.tokens.last(TokenPurpose.RESET_PASSWORD)


async def test_an_unknown_address_queues_nothing_and_says_nothing(world: World) -> None:
    before = len(world.uow.outbox_messages)
    assert await world.request_reset().execute(LinkRequest("nobody@example.com", CLIENT)) is None
    assert await world.answer_email_requests() == 1
    assert len(world.uow.outbox_messages) == before


async def test_past_its_limit_a_client_is_refused_and_nothing_is_recorded(world: World) -> None:
    for _ in range(world.per_client.limit):
        await world.request_reset().execute(LinkRequest("nobody@example.com", CLIENT))
    for _ in range(2):
        with pytest.raises(RateLimited):
            await world.request_reset().execute(LinkRequest("nobody@example.com", CLIENT))
    assert await world.answer_email_requests() == world.per_client.limit
    await world.request_reset().execute(
        LinkRequest("nobody@example.com", "198.51.100.1")
    )  # another client goes on
    world.clock.advance(timedelta(minutes=1))
    await world.request_reset().execute(LinkRequest("nobody@example.com", CLIENT))


async def test_a_newer_reset_link_retires_the_older_one(world: World) -> None:
    older = await reset_token(world)
    newer = await reset_token(world)
    with pytest.raises(InvalidToken):
        await world.confirm_reset().execute(reset(older))
    await world.confirm_reset().execute(reset(newer))


async def test_reset_sets_the_new_password_and_ends_every_session(world: World) -> None:
    old = await world.login().execute(Credentials("ada@example.com", "correct horse"))
    token = await reset_token(world)
    world.clock.advance(timedelta(seconds=1))

    await world.confirm_reset().execute(reset(token))

    with pytest.raises(InvalidCredentials):
        await world.login().execute(Credentials("ada@example.com", "correct horse"))
    await world.login().execute(Credentials("ada@example.com", "battery staple"))
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(old.refresh_token)
    with pytest.raises(NotAuthenticated):
        await world.authenticate().execute(old.access_token)


async def test_a_reset_link_works_once(world: World) -> None:
    token = await reset_token(world)
    await world.confirm_reset().execute(reset(token))
    with pytest.raises(InvalidToken):
        await world.confirm_reset().execute(reset(token, "another staple"))


async def test_mismatched_passwords_are_refused(world: World) -> None:
    with pytest.raises(PasswordsMismatch):
        await world.confirm_reset().execute(
            reset(await reset_token(world), "battery staple", "battery stapler")
        )


async def test_an_expired_reset_link_is_refused(world: World) -> None:
    token = await reset_token(world)
    world.clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(TokenExpired):
        await world.confirm_reset().execute(reset(token))


async def test_a_verification_token_is_not_a_reset_token(world: World) -> None:
    with pytest.raises(InvalidToken):
        await world.confirm_reset().execute(reset(world.tokens.last(TokenPurpose.VERIFY_EMAIL)))
