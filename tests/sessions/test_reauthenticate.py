"""Reauthentication on the fakes: a fresh proof for the same session, the amr rule, failures in the trail
and counted as wrong passwords."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.sessions.login import Credentials
from application.sessions.reauthenticate import Reauthentication
from application.signup.register_user import Signup
from domain.errors import (
    InvalidPasskey,
    MethodUnavailable,
    NotAuthenticated,
    RateLimited,
    WrongPassword,
    WrongSecondFactor,
)
from domain.factors import Amr, Proof
from domain.trail import SecurityEventType
from domain.views import SessionTokens
from tests.factors.conftest import ADA, PASSWORD, caller_of, code_at, enrol
from tests.world import World

THEN = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
async def world() -> World:
    world = World()
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    return world


@pytest.mark.parametrize(
    "session, method, verified, expected",
    [
        ({Amr.PASSWORD}, Amr.PASSWORD, False, {Amr.PASSWORD}),
        ({Amr.OTP}, Amr.PASSWORD, False, {Amr.OTP, Amr.PASSWORD}),  # mfa comes from a thing held
        ({Amr.PASSWORD}, Amr.OTP, False, {Amr.PASSWORD, Amr.OTP, Amr.MFA}),
        ({Amr.RECOVERY}, Amr.HARDWARE_KEY, False, {Amr.RECOVERY, Amr.HARDWARE_KEY, Amr.MFA}),
        ({Amr.OTP}, Amr.HARDWARE_KEY, False, {Amr.OTP, Amr.HARDWARE_KEY, Amr.MFA}),
        ({Amr.HARDWARE_KEY}, Amr.HARDWARE_KEY, False, {Amr.HARDWARE_KEY}),  # one passkey twice is one factor
        (set(), Amr.HARDWARE_KEY, True, {Amr.HARDWARE_KEY, Amr.MFA}),
        (set(), Amr.HARDWARE_KEY, False, {Amr.HARDWARE_KEY}),
        # A session's mfa is not carried over by the password: whoever holds the session and learns the
        # password must still show the second factor.
        ({Amr.PASSWORD, Amr.OTP, Amr.MFA}, Amr.PASSWORD, False, {Amr.PASSWORD, Amr.OTP}),
        ({Amr.PASSWORD, Amr.OTP, Amr.MFA}, Amr.OTP, False, {Amr.PASSWORD, Amr.OTP, Amr.MFA}),
    ],
)
def test_the_renewed_proof_holds_mfa_once_it_holds_a_thing_known_and_a_thing_held(
    session: set[Amr], method: Amr, verified: bool, expected: set[Amr]
) -> None:
    now = THEN + timedelta(hours=1)
    renewed = Proof(frozenset(session), THEN).renewed(method, now, user_verified=verified)
    assert renewed == Proof(frozenset(expected), now)


async def signed_in(world: World) -> tuple[str, str]:
    session = await world.login().execute(Credentials("ada@example.com", "correct horse"))
    return session.access_token, session.refresh_token


async def test_a_password_gives_a_fresh_token_for_the_same_session(world: World) -> None:
    access, refresh = await signed_in(world)
    world.clock.advance(timedelta(hours=1))
    caller = await world.authenticate().execute(access)
    done = await world.reauthenticate().execute(Reauthentication(caller, password="correct horse"))
    fresh = await world.authenticate().execute(done.access_token)
    assert fresh.session_id == caller.session_id
    assert fresh.proof == Proof.of(world.clock.now(), Amr.PASSWORD)
    assert done.expires_in == world.lifetimes.access
    # The session's refresh token is the same, and its next access token carries the new proof.
    next_pair = await world.refresh_session().execute(refresh)
    assert (await world.authenticate().execute(next_pair.access_token)).proof == fresh.proof
    trail = [e for e in world.uow.store.security_events if e.type is SecurityEventType.REAUTHENTICATED]
    assert [e.detail for e in trail] == ["password"]


async def test_a_wrong_password_is_in_the_trail_and_counts_as_a_guess(world: World) -> None:
    access, _ = await signed_in(world)
    caller = await world.authenticate().execute(access)
    for _ in range(world.login_failures.limit):
        with pytest.raises(WrongPassword):
            await world.reauthenticate().execute(Reauthentication(caller, password="wrong horse"))
    with pytest.raises(RateLimited):
        await world.reauthenticate().execute(Reauthentication(caller, password="correct horse"))
    failed = [
        e for e in world.uow.store.security_events if e.type is SecurityEventType.REAUTHENTICATION_FAILED
    ]
    assert len(failed) == world.login_failures.limit and {e.detail for e in failed} == {"wrong_password"}


async def test_a_session_ended_meanwhile_gets_no_token(world: World) -> None:
    access, refresh = await signed_in(world)
    caller = await world.authenticate().execute(access)
    await world.logout().execute(refresh)
    with pytest.raises(NotAuthenticated):
        await world.reauthenticate().execute(Reauthentication(caller, password="correct horse"))


@pytest.mark.parametrize(
    "given, refused",
    [
        ({"totp_code": "123456"}, MethodUnavailable),  # an account with no authenticator app
        ({"passkey": {"id": "x"}}, InvalidPasskey),  # no assertion at all
        ({}, MethodUnavailable),
        ({"password": "correct horse", "totp_code": "123456"}, MethodUnavailable),
    ],
)
async def test_one_method_is_needed_and_each_is_checked(
    world: World, given: dict, refused: type[Exception]
) -> None:
    access, _ = await signed_in(world)
    caller = await world.authenticate().execute(access)
    with pytest.raises(refused):
        await world.reauthenticate().execute(Reauthentication(caller, **given))


async def test_a_code_of_the_app_gives_mfa_and_is_spent() -> None:
    world = World()
    await world.sign_up(ADA, PASSWORD)
    user = await world.account(ADA)
    user.is_verified = True
    await world.save(user)
    secret, _, session = await enrol(world)
    world.clock.advance(timedelta(minutes=1))  # past the step the confirmation spent
    caller = await caller_of(world, session)
    assert caller.proof is not None and not caller.proof.multi_factor  # the enrolling token is not promoted
    code = code_at(secret, world.clock.now())
    done = await world.reauthenticate().execute(Reauthentication(caller, totp_code=code))
    fresh = await caller_of(world, SessionTokens(done.access_token, session.refresh_token, session.user))
    assert fresh.proof is not None and fresh.proof.amr == {Amr.PASSWORD, Amr.OTP, Amr.MFA}
    with pytest.raises(WrongSecondFactor):  # the same code again
        await world.reauthenticate().execute(Reauthentication(caller, totp_code=code))
