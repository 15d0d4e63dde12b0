from datetime import timedelta

import pytest

from application.authenticate import Authenticate
from application.confirm_reset import ConfirmReset
from application.ports import TokenPurpose
from application.refresh_session import RefreshSession
from application.register_user import RegisterUser, Signup
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    PasswordsMismatch,
    RateLimited,
    TokenExpired,
)
from tests.fakes import CLIENT, World


@pytest.fixture
async def world() -> World:
    world = World()
    await RegisterUser(world.uow, world.hasher, world.emails, world.clock, world.per_client).execute(
        Signup("ada@example.com", "correct horse"))
    return world


def confirm(world: World) -> ConfirmReset:
    return ConfirmReset(world.uow, world.tokens, world.hasher, world.clock, world.lifetimes)


async def reset_token(world: World) -> str:
    await world.request_reset().execute("ada@example.com", CLIENT)
    await world.answer_email_requests()
    return world.tokens.last(TokenPurpose.RESET_PASSWORD)


async def test_an_unknown_address_queues_nothing_and_says_nothing(world: World) -> None:
    before = len(world.uow.outbox_messages)
    assert await world.request_reset().execute("nobody@example.com", CLIENT) is None
    assert await world.answer_email_requests() == 1
    assert len(world.uow.outbox_messages) == before


async def test_past_its_limit_a_client_is_refused_and_nothing_is_recorded(world: World) -> None:
    for _ in range(world.per_client.limit):
        await world.request_reset().execute("nobody@example.com", CLIENT)
    for _ in range(2):
        with pytest.raises(RateLimited):
            await world.request_reset().execute("nobody@example.com", CLIENT)
    assert await world.answer_email_requests() == world.per_client.limit
    await world.request_reset().execute("nobody@example.com", "198.51.100.1")  # another client is not held up
    world.clock.advance(timedelta(minutes=1))
    await world.request_reset().execute("nobody@example.com", CLIENT)


async def test_a_newer_reset_link_retires_the_older_one(world: World) -> None:
    older = await reset_token(world)
    newer = await reset_token(world)
    with pytest.raises(InvalidToken):
        await confirm(world).execute(older, "battery staple", "battery staple")
    await confirm(world).execute(newer, "battery staple", "battery staple")


async def test_reset_sets_the_new_password_and_ends_every_session(world: World) -> None:
    old = await world.login().execute("ada@example.com", "correct horse")
    token = await reset_token(world)
    world.clock.advance(timedelta(seconds=1))

    await confirm(world).execute(token, "battery staple", "battery staple")

    with pytest.raises(InvalidCredentials):
        await world.login().execute("ada@example.com", "correct horse")
    await world.login().execute("ada@example.com", "battery staple")
    with pytest.raises(NotAuthenticated):
        await RefreshSession(world.uow, world.sessions, world.clock).execute(old.refresh_token)
    with pytest.raises(NotAuthenticated):
        await Authenticate(world.uow, world.access_tokens).execute(old.access_token)


async def test_a_reset_link_works_once(world: World) -> None:
    token = await reset_token(world)
    await confirm(world).execute(token, "battery staple", "battery staple")
    with pytest.raises(InvalidToken):
        await confirm(world).execute(token, "another staple", "another staple")


async def test_mismatched_passwords_are_refused(world: World) -> None:
    with pytest.raises(PasswordsMismatch):
        await confirm(world).execute(await reset_token(world), "battery staple", "battery stapler")


async def test_an_expired_reset_link_is_refused(world: World) -> None:
    token = await reset_token(world)
    world.clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(TokenExpired):
        await confirm(world).execute(token, "battery staple", "battery staple")


async def test_a_verification_token_is_not_a_reset_token(world: World) -> None:
    with pytest.raises(InvalidToken):
        await confirm(world).execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL), "battery staple",
                                     "battery staple")
