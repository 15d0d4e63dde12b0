from datetime import timedelta

import pytest

from application.authenticate import Authenticate
from application.confirm_reset import ConfirmReset
from application.ports import TokenPurpose
from application.refresh_session import RefreshSession
from application.register_user import RegisterUser, Signup
from application.request_reset import RequestReset
from domain.errors import (
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    PasswordsMismatch,
    TokenExpired,
)
from tests.fakes import World


@pytest.fixture
async def world() -> World:
    world = World()
    await RegisterUser(world.uow, world.hasher, world.emails, world.clock).execute(
        Signup("ada@example.com", "correct horse"))
    return world


def confirm(world: World) -> ConfirmReset:
    return ConfirmReset(world.uow, world.tokens, world.hasher, world.clock, world.lifetimes)


async def reset_token(world: World) -> str:
    await RequestReset(world.uow, world.clock).execute("ada@example.com")
    await world.answer_email_requests()
    return world.tokens.last(TokenPurpose.RESET_PASSWORD)


async def test_an_unknown_address_queues_nothing_and_says_nothing(world: World) -> None:
    before = len(world.uow.outbox_messages)
    assert await RequestReset(world.uow, world.clock).execute("nobody@example.com") is None
    assert await world.answer_email_requests() == 1
    assert len(world.uow.outbox_messages) == before


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
