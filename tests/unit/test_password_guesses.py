"""Every endpoint that checks a password counts its failures with login's, per account and client."""

import pytest

from application.register_user import RegisterUser, Signup
from domain.errors import InvalidCredentials, RateLimited, WrongPassword
from tests.fakes import CLIENT, World


@pytest.fixture
async def world() -> World:
    world = World()
    await RegisterUser(world.uow, world.hasher, world.emails, world.clock, world.per_client).execute(
        Signup("ada@example.com", "correct horse"))
    return world


async def ada(world: World):  # type: ignore[no-untyped-def]
    [user] = world.uow.store.users.values()
    return user


async def test_change_password_guesses_share_the_login_failure_limit(world: World) -> None:
    half = world.login_failures.limit // 2
    for _ in range(half):
        with pytest.raises(WrongPassword):
            await world.change_password().execute(await ada(world), "wrong horse", "new secret words", CLIENT)
    for _ in range(world.login_failures.limit - half):
        with pytest.raises(InvalidCredentials):
            await world.login().execute("ada@example.com", "wrong horse", CLIENT)
    with pytest.raises(RateLimited):
        await world.change_password().execute(await ada(world), "correct horse", "new secret words", CLIENT)
    with pytest.raises(RateLimited):
        await world.login().execute("ada@example.com", "correct horse", CLIENT)


async def test_a_stolen_token_gets_no_more_guesses_than_login_gives(world: World) -> None:
    verifications = world.hasher.verifications
    outcomes = []
    for _ in range(world.login_failures.limit * 4):
        try:
            await world.change_password().execute(await ada(world), "wrong horse", "new secret words", CLIENT)
        except (WrongPassword, RateLimited) as refusal:
            outcomes.append(type(refusal).__name__)
    assert outcomes.count("WrongPassword") == world.login_failures.limit
    assert world.hasher.verifications - verifications == world.login_failures.limit  # no hash past the limit


async def test_the_right_current_password_is_no_guess(world: World) -> None:
    for n in range(world.login_failures.limit + 2):
        await world.change_password().execute(await ada(world), f"password {n}" if n else "correct horse",
                                              f"password {n + 1}", CLIENT)
