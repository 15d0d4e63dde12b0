"""The step-up rule on its own: recent enough, and with the second factor where the account has one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from application.shared.authenticate import Caller
from application.shared.config import TokenLifetimes
from application.shared.fresh_sign_in import FreshSignIn
from domain.email import Email
from domain.errors import ReauthenticationRequired
from domain.factors import Amr, Proof, TotpFactor
from domain.user import User
from domain.views import UserView
from tests.fakes import FakeClock, FakeUnitOfWork, Store

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def setup(with_totp: bool) -> tuple[FreshSignIn, FakeClock, User]:
    user = User(email=Email.parse("ada@example.com"), password_hash="hash", created_at=NOW)
    store = Store()
    store.users[user.id] = user
    if with_totp:
        store.totp_factors[user.id] = TotpFactor(user.id, "sealed", NOW, confirmed_at=NOW)
    clock = FakeClock(NOW)
    fresh = FreshSignIn(uow=FakeUnitOfWork(store), clock=clock, lifetimes=TokenLifetimes())
    return fresh, clock, user


def caller(user: User, proof: Proof | None) -> Caller:
    return Caller(UserView.of(user), uuid.uuid4(), proof)


async def test_a_recent_sign_in_passes_and_an_old_one_does_not() -> None:
    fresh, clock, user = setup(with_totp=False)
    proof = Proof.of(NOW, Amr.PASSWORD)
    assert await fresh.require(caller(user, proof))
    clock.advance(timedelta(minutes=15, seconds=1))
    with pytest.raises(ReauthenticationRequired):
        await fresh.require(caller(user, proof))


async def test_a_token_with_no_proof_is_never_fresh() -> None:
    fresh, _, user = setup(with_totp=False)
    with pytest.raises(ReauthenticationRequired):
        await fresh.require(caller(user, None))


async def test_an_account_with_a_factor_needs_it_in_the_sign_in() -> None:
    fresh, _, user = setup(with_totp=True)
    with pytest.raises(ReauthenticationRequired) as refused:
        await fresh.require(caller(user, Proof.of(NOW, Amr.PASSWORD)))
    assert "second factor" in refused.value.message
    assert await fresh.require(caller(user, Proof.of(NOW, Amr.PASSWORD, Amr.OTP, Amr.MFA)))
