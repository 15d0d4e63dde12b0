"""The one rule: no use case issues tokens to an account with a second factor unless the factor was proved.
Each token-issuing use case is tried against it; a refresh continues a session that passed it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from application.password.change_password import PasswordChange
from application.password.confirm_reset import ResetConfirmation
from application.password.reset_password_by_code import CodeReset
from application.sessions.complete_second_factor import SecondFactorAnswer
from application.sessions.login import Credentials
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from domain.codes import TokenPurpose
from domain.errors import MethodNotAvailable, RateLimited, SecondFactorSignInEnded, WrongSecondFactor
from domain.factors import Amr, Method, SecondFactorRequired
from domain.trail import SecurityEventType
from domain.views import SessionTokens
from tests.factors.conftest import ADA, PASSWORD, caller_of, code_at, enrol, password_step
from tests.passkeys.test_passkeys import ORIGIN
from tests.passkeys.test_passkeys import register as register_passkey
from tests.passkeys.test_passkeys import sign_in as passkey_sign_in
from tests.webauthn_authenticator import SoftAuthenticator
from tests.world import CLIENT, World

SignIn = Callable[[World], Awaitable[object]]


async def by_password(world: World) -> object:
    return await world.login().execute(Credentials(ADA, PASSWORD, CLIENT))


async def by_code(world: World) -> object:
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    return await world.login_by_code().execute(CodeEntry(ADA, world.last_code(), CLIENT))


async def by_link(world: World) -> object:
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    return await world.login_by_link().execute(world.tokens.last(TokenPurpose.LOGIN))


async def by_changing_the_password(world: World) -> object:
    # The session that enrolled the app proved the password only: its renewed session is gated too.
    _, _, session = world.enrolled
    caller = await caller_of(world, session)
    return await world.change_password().execute(
        PasswordChange(caller.user.id, PASSWORD, "battery staple", CLIENT, proof=caller.proof)
    )


async def by_passkey_without_user_verification(world: World) -> object:
    # One factor: the authenticator did not verify its user (with it, a passkey is two, and passes).
    key = SoftAuthenticator(user_verification=False)
    await register_passkey(world, (await world.account(ADA)).id, key)
    return await passkey_sign_in(world, key)


EVERY_SIGN_IN: list[SignIn] = [
    by_password,
    by_code,
    by_link,
    by_changing_the_password,
    by_passkey_without_user_verification,
]


@pytest.fixture
async def enrolled(world: World) -> World:
    world.enrolled = await enrol(world)  # type: ignore[attr-defined]
    return world


def sessions(world: World) -> int:
    return len(world.uow.store.refresh_tokens)


@pytest.mark.parametrize("sign_in", EVERY_SIGN_IN, ids=lambda f: f.__name__)
async def test_no_tokens_without_the_factor(enrolled: World, sign_in: SignIn) -> None:
    before = sessions(enrolled)
    answer = await sign_in(enrolled)
    assert isinstance(answer, SecondFactorRequired)
    assert answer.methods == [Method.TOTP, Method.RECOVERY_CODE] and len(answer.mfa_token) >= 40
    assert sessions(enrolled) == before  # no refresh token stored, so none to hand out
    # and the sign-in completes with the factor, its first factor kept in the proof
    secret, _, _ = enrolled.enrolled  # type: ignore[attr-defined]
    enrolled.clock.advance(timedelta(seconds=30))
    tokens = await enrolled.complete_second_factor().execute(
        SecondFactorAnswer(answer.mfa_token, totp_code=code_at(secret, enrolled.clock.now()), client=CLIENT)
    )
    proof = (await caller_of(enrolled, tokens)).proof
    assert proof is not None and {Amr.OTP, Amr.MFA} <= proof.amr


@pytest.mark.parametrize("sign_in", EVERY_SIGN_IN[:3], ids=lambda f: f.__name__)
async def test_without_a_factor_every_sign_in_gets_tokens(world: World, sign_in: SignIn) -> None:
    assert isinstance(await sign_in(world), SessionTokens)


async def test_a_refresh_continues_its_session_ungated(enrolled: World) -> None:
    _, _, session = enrolled.enrolled  # type: ignore[attr-defined]
    assert isinstance(await enrolled.refresh_session().execute(session.refresh_token), SessionTokens)


async def test_a_reset_by_link_or_code_signs_nobody_in(enrolled: World) -> None:
    before = sessions(enrolled)
    await enrolled.request_reset().execute(LinkRequest(ADA, CLIENT))
    await enrolled.answer_email_requests()
    link = enrolled.tokens.last(TokenPurpose.RESET_PASSWORD)
    assert (
        await enrolled.confirm_reset().execute(ResetConfirmation(link, "new staple 1", "new staple 1"))
        is None
    )
    await enrolled.request_reset().execute(LinkRequest(ADA, CLIENT))
    await enrolled.answer_email_requests()
    code = enrolled.last_code()
    assert (
        await enrolled.reset_password_by_code().execute(CodeReset(ADA, code, "new staple 2", "new staple 2"))
        is None
    )
    assert sessions(enrolled) <= before
    answer = await enrolled.login().execute(Credentials(ADA, "new staple 2", CLIENT))
    assert isinstance(answer, SecondFactorRequired)


async def test_a_recovery_code_works_once_and_tells_the_owner(enrolled: World) -> None:
    _, codes, _ = enrolled.enrolled  # type: ignore[attr-defined]
    first, second = await password_step(enrolled), await password_step(enrolled)
    tokens = await enrolled.complete_second_factor().execute(
        SecondFactorAnswer(first.mfa_token, recovery_code=codes[0].lower().replace("-", " "))
    )
    assert (await caller_of(enrolled, tokens)).proof.amr == {Amr.PASSWORD, Amr.RECOVERY, Amr.MFA}  # type: ignore[union-attr]
    assert enrolled.uow.outbox_messages[-1].content.subject == "recovery_code_used"
    with pytest.raises(WrongSecondFactor):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(second.mfa_token, recovery_code=codes[0])
        )
    summary = await enrolled.show_factors().execute(tokens.user.id)
    assert summary.recovery_codes_left == 9


async def test_an_mfa_token_works_once(enrolled: World) -> None:
    secret, _, _ = enrolled.enrolled  # type: ignore[attr-defined]
    pending = await password_step(enrolled)
    enrolled.clock.advance(timedelta(seconds=30))
    await enrolled.complete_second_factor().execute(
        SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, enrolled.clock.now()))
    )
    enrolled.clock.advance(timedelta(seconds=30))
    with pytest.raises(SecondFactorSignInEnded):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, enrolled.clock.now()))
        )


async def test_an_mfa_token_expires(enrolled: World) -> None:
    _, codes, _ = enrolled.enrolled  # type: ignore[attr-defined]
    pending = await password_step(enrolled)
    enrolled.clock.advance(timedelta(minutes=5))
    with pytest.raises(SecondFactorSignInEnded):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, recovery_code=codes[0])
        )


async def test_five_wrong_answers_end_the_mfa_token(enrolled: World) -> None:
    _, codes, _ = enrolled.enrolled  # type: ignore[attr-defined]
    pending = await password_step(enrolled)
    for _ in range(5):
        with pytest.raises(WrongSecondFactor):
            await enrolled.complete_second_factor().execute(
                SecondFactorAnswer(pending.mfa_token, totp_code="000000", client=CLIENT)
            )
    with pytest.raises(SecondFactorSignInEnded):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, recovery_code=codes[0])
        )
    assert sum(e.type.value == "second_factor_failed" for e in enrolled.uow.store.security_events) == 5


async def test_wrong_codes_count_in_the_accounts_failure_limit(enrolled: World) -> None:
    # LOGIN_FAILURES in tests/fakes.py: ten per window, shared with wrong passwords.
    pendings = [await password_step(enrolled), await password_step(enrolled)]
    for pending in pendings:
        for _ in range(5):
            with pytest.raises(WrongSecondFactor):
                await enrolled.complete_second_factor().execute(
                    SecondFactorAnswer(pending.mfa_token, totp_code="000000", client=CLIENT)
                )
    with pytest.raises(RateLimited):  # the right password too, now
        await enrolled.login().execute(Credentials(ADA, PASSWORD, CLIENT))


async def test_housekeeping_prunes_expired_pending_sign_ins(enrolled: World) -> None:
    await password_step(enrolled)
    assert len(enrolled.uow.store.pending_sign_ins) == 1
    await enrolled.housekeeping().execute()
    assert len(enrolled.uow.store.pending_sign_ins) == 1
    enrolled.clock.advance(timedelta(minutes=6))
    await enrolled.housekeeping().execute()
    assert enrolled.uow.store.pending_sign_ins == {}


async def test_the_trail_tells_a_first_factor_from_a_sign_in(enrolled: World) -> None:
    secret, _, _ = enrolled.enrolled  # type: ignore[attr-defined]
    pending = await password_step(enrolled)
    assert enrolled.uow.store.security_events[-1].detail == "second_factor_required"
    enrolled.clock.advance(timedelta(seconds=30))
    tokens = await enrolled.complete_second_factor().execute(
        SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, enrolled.clock.now()))
    )
    assert enrolled.uow.store.security_events[-1].detail == "second_factor"
    details = await enrolled.describe_account().execute(tokens.user.id)
    assert details.last_sign_in == enrolled.clock.now() and details.factors == ("totp", "recovery_code")


async def test_a_password_reset_ends_the_sign_ins_the_old_password_began(enrolled: World) -> None:
    secret, _, _ = enrolled.enrolled  # type: ignore[attr-defined]
    pending = await password_step(enrolled)
    enrolled.clock.advance(timedelta(seconds=1))
    await enrolled.request_reset().execute(LinkRequest(ADA, CLIENT))
    await enrolled.answer_email_requests()
    code = enrolled.last_code()
    await enrolled.reset_password_by_code().execute(CodeReset(ADA, code, "new staple 3", "new staple 3"))
    enrolled.clock.advance(timedelta(seconds=30))
    with pytest.raises(SecondFactorSignInEnded):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, totp_code=code_at(secret, enrolled.clock.now()))
        )


async def test_the_passkey_of_the_first_step_is_refused_as_second_before_it_is_checked(
    enrolled: World,
) -> None:
    key = SoftAuthenticator(user_verification=False)
    await register_passkey(enrolled, (await enrolled.account(ADA)).id, key)
    pending = await passkey_sign_in(enrolled, key)
    assert isinstance(pending, SecondFactorRequired) and Method.PASSKEY not in pending.methods
    uses = [e for e in enrolled.uow.store.security_events if e.type is SecurityEventType.PASSKEY_USED]
    options = await enrolled.start_passkey_sign_in().execute(CLIENT)
    again = key.assertion(options, origin=ORIGIN)
    with pytest.raises(MethodNotAvailable):
        await enrolled.complete_second_factor().execute(
            SecondFactorAnswer(pending.mfa_token, passkey=again, client=CLIENT)
        )
    # Refused before the answer was looked at: no use recorded, and its challenge not spent.
    after = [e for e in enrolled.uow.store.security_events if e.type is SecurityEventType.PASSKEY_USED]
    assert after == uses and options["challenge"] in enrolled.uow.store.webauthn_challenges
