"""Every endpoint that checks a password counts its failures with login's, per account and client."""

import pytest

from application.password.change_password import PasswordChange
from application.sessions.login import Credentials
from application.signup.register_user import Signup
from domain.errors import InvalidCredentials, RateLimited, WeakPassword, WrongPassword
from tests.world import CLIENT, World


@pytest.fixture
async def world() -> World:
    world = World()
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    return world


async def change(world: World, current: str, new: str = "new secret words") -> PasswordChange:
    return PasswordChange((await world.account("ada@example.com")).id, current, new, CLIENT)


async def test_change_password_guesses_share_the_login_failure_limit(world: World) -> None:
    half = world.login_failures.limit // 2
    for _ in range(half):
        with pytest.raises(WrongPassword):
            await world.change_password().execute(await change(world, "wrong horse"))
    for _ in range(world.login_failures.limit - half):
        with pytest.raises(InvalidCredentials):
            await world.login().execute(Credentials("ada@example.com", "wrong horse", CLIENT))
    with pytest.raises(RateLimited):
        await world.change_password().execute(await change(world, "correct horse"))
    with pytest.raises(RateLimited):
        await world.login().execute(Credentials("ada@example.com", "correct horse", CLIENT))


async def test_a_stolen_token_gets_no_more_guesses_than_login_gives(world: World) -> None:
    verifications = world.hasher.verifications
    outcomes = []
    for _ in range(world.login_failures.limit * 3):
        try:
            await world.change_password().execute(await change(world, "wrong horse"))
        except (WrongPassword, RateLimited) as refusal:
            outcomes.append(type(refusal).__name__)
    assert outcomes.count("WrongPassword") == world.login_failures.limit
    assert world.hasher.verifications - verifications == world.login_failures.limit  # no hash past the limit


async def test_the_right_current_password_is_no_guess(world: World) -> None:
    for n in range(world.login_failures.limit + 2):
        await world.change_password().execute(
            await change(world, f"password {n}" if n else "correct horse", f"password {n + 1}")
        )


async def test_a_new_password_refused_by_the_policy_costs_no_guess(world: World) -> None:
    for _ in range(world.login_failures.limit + 2):
        with pytest.raises(WeakPassword):
            await world.change_password().execute(await change(world, "correct horse", "short"))
    await world.login().execute(Credentials("ada@example.com", "correct horse", CLIENT))
