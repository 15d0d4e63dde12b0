"""Authenticator-app codes on a fake clock: the step arithmetic, one step of drift, each step once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.factors.confirm_totp import TotpConfirmation
from application.sessions.complete_second_factor import SecondFactorAnswer
from domain.errors import NotAuthenticated, TotpAlreadyEnabled, TotpNotStarted, WrongSecondFactor
from domain.factors import Amr, Method, steps_around, time_step
from domain.views import SessionTokens
from tests.factors.conftest import caller_of, code_at, enrol, password_step, signed_in
from tests.world import CLIENT, World


def test_the_step_is_unix_time_over_thirty_seconds() -> None:
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert time_step(start) == int(start.timestamp()) // 30
    assert time_step(start + timedelta(seconds=29)) == time_step(start)
    assert time_step(start + timedelta(seconds=30)) == time_step(start) + 1
    assert steps_around(start) == (time_step(start) - 1, time_step(start), time_step(start) + 1)


@pytest.mark.parametrize("steps", [-1, 0, 1])
async def test_a_code_one_step_either_side_is_accepted(world: World, steps: int) -> None:
    secret, _, _ = await enrol(world)
    world.clock.advance(timedelta(minutes=1))
    pending = await password_step(world)
    tokens = await world.complete_second_factor().execute(
        SecondFactorAnswer(
            pending.mfa_token, totp_code=code_at(secret, world.clock.now(), steps), client=CLIENT
        )
    )
    assert (await caller_of(world, tokens)).proof.amr == {Amr.PASSWORD, Amr.OTP, Amr.MFA}  # type: ignore[union-attr]


@pytest.mark.parametrize("steps", [-2, 2])
async def test_a_code_two_steps_away_is_refused(world: World, steps: int) -> None:
    secret, _, _ = await enrol(world)
    world.clock.advance(timedelta(minutes=1))
    pending = await password_step(world)
    with pytest.raises(WrongSecondFactor):
        await world.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, world.clock.now(), steps))
        )


async def test_a_code_is_accepted_once_and_no_earlier_step_after_it(world: World) -> None:
    secret, _, _ = await enrol(world)
    world.clock.advance(timedelta(minutes=1))
    now = world.clock.now()
    first, second = await password_step(world), await password_step(world)
    await world.complete_second_factor().execute(
        SecondFactorAnswer(first.mfa_token, totp_code=code_at(secret, now, 1))
    )
    for steps in (1, 0, -1):  # the same code, and the steps before it
        with pytest.raises(WrongSecondFactor):
            await world.complete_second_factor().execute(
                SecondFactorAnswer(second.mfa_token, totp_code=code_at(secret, now, steps))
            )


async def test_the_confirming_code_cannot_sign_in(world: World) -> None:
    secret, _, _ = await enrol(world)
    pending = await password_step(world)
    with pytest.raises(WrongSecondFactor):
        await world.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, world.clock.now()))
        )


async def test_confirmation_ends_the_other_sessions_and_does_not_promote_this_one(world: World) -> None:
    other = await signed_in(world)
    _, codes, session = await enrol(world)
    caller = await caller_of(world, session)
    assert caller.proof is not None and caller.proof.amr == {Amr.PASSWORD}
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(other.refresh_token)
    assert isinstance(await world.refresh_session().execute(session.refresh_token), SessionTokens)
    summary = await world.show_factors().execute(caller.user.id)
    assert summary.totp and summary.recovery_codes_left == 10 == len(codes)
    assert summary.methods == [Method.TOTP, Method.RECOVERY_CODE]
    assert [m.content.subject for m in world.uow.outbox_messages][-1] == "totp_enabled"


async def test_an_enrolment_is_nothing_until_confirmed_and_a_new_one_replaces_it(world: World) -> None:
    caller = await caller_of(world, await signed_in(world))
    first = await world.start_totp_enrolment().execute(caller.user.id)
    second = await world.start_totp_enrolment().execute(caller.user.id)
    assert first.secret != second.secret and "issuer=" in second.otpauth_uri and "<svg" in second.qr_svg
    assert not (await world.show_factors().execute(caller.user.id)).enabled
    with pytest.raises(WrongSecondFactor):
        await world.confirm_totp().execute(TotpConfirmation(caller, code_at(first.secret, world.clock.now())))
    await world.confirm_totp().execute(TotpConfirmation(caller, code_at(second.secret, world.clock.now())))
    with pytest.raises(TotpAlreadyEnabled):
        await world.start_totp_enrolment().execute(caller.user.id)
    with pytest.raises(TotpAlreadyEnabled):
        await world.confirm_totp().execute(TotpConfirmation(caller, "123456"))


async def test_confirming_without_an_enrolment(world: World) -> None:
    caller = await caller_of(world, await signed_in(world))
    with pytest.raises(TotpNotStarted):
        await world.confirm_totp().execute(TotpConfirmation(caller, "123456"))


async def test_the_secret_is_kept_sealed(world: World) -> None:
    secret, _, _ = await enrol(world)
    stored = next(iter(world.uow.store.totp_factors.values()))
    assert secret not in stored.sealed_secret


async def test_turning_the_first_factor_on_tells_webhooks_and_the_trail(world: World) -> None:
    await enrol(world)
    events = [e.type for e in world.uow.store.events.values()]
    assert events.count("user.mfa_enabled") == 1
    trail = [e.type.value for e in world.uow.store.security_events]
    assert {"totp_enabled", "recovery_codes_issued"} <= set(trail)
