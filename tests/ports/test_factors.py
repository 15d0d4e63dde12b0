"""The FactorRepository port's contract: held by the fake and the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.email import Email
from domain.factors import FactorListing, FactorSummary, Method, Passkey, TotpFactor
from domain.user import User
from tests.ports.conftest import NOW


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


async def test_an_account_with_no_factor_has_an_empty_summary(uow: Any) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow:
        summary = await uow.factors.summary(user.id)
    assert summary == FactorSummary() and not summary.enabled and summary.methods == []


async def _enrolled(uow: Any, *, confirmed: bool = True) -> User:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.factors.put_totp(TotpFactor(user.id, "sealed", NOW))
        if confirmed:
            assert await uow.factors.confirm_totp(user.id, NOW, 100)
        await uow.commit()
    return user


async def test_a_pending_app_is_no_factor_and_a_new_enrolment_replaces_it(uow: Any) -> None:
    user = await _enrolled(uow, confirmed=False)
    async with uow:
        await uow.factors.put_totp(TotpFactor(user.id, "sealed again", NOW + timedelta(seconds=5)))
        await uow.commit()
    async with uow:
        summary = await uow.factors.summary(user.id)
        factor = await uow.factors.get_totp(user.id)
        listed = await uow.factors.listing(user.id)
    assert not summary.enabled and listed == []
    assert factor == TotpFactor(user.id, "sealed again", NOW + timedelta(seconds=5))


async def test_a_confirmed_app_is_not_replaced_nor_confirmed_twice(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        await uow.factors.put_totp(TotpFactor(user.id, "an attacker's", NOW))
        assert not await uow.factors.confirm_totp(user.id, NOW, 200)
        await uow.commit()
    async with uow:
        factor = await uow.factors.get_totp(user.id)
        summary = await uow.factors.summary(user.id)
        listed = await uow.factors.listing(user.id)
    assert factor is not None and factor.sealed_secret == "sealed" and factor.last_step == 100
    assert summary.totp and summary.methods == [Method.TOTP]
    assert listed == [FactorListing(Method.TOTP, "", NOW)]


async def test_each_step_is_spent_once_and_never_an_earlier_one(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        assert not await uow.factors.use_totp_step(user.id, 100)  # the confirming code's step
        assert await uow.factors.use_totp_step(user.id, 101)
        assert not await uow.factors.use_totp_step(user.id, 101)
        assert not await uow.factors.use_totp_step(user.id, 99)
        await uow.commit()
    async with uow:
        factor = await uow.factors.get_totp(user.id)
    assert factor is not None and factor.last_step == 101


async def test_a_pending_app_spends_no_step(uow: Any) -> None:
    user = await _enrolled(uow, confirmed=False)
    async with uow:
        assert not await uow.factors.use_totp_step(user.id, 5)


async def test_recovery_codes_are_replaced_and_each_used_once(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        await uow.factors.replace_recovery_codes(user.id, ["a" * 64, "b" * 64], NOW)
        await uow.factors.replace_recovery_codes(user.id, ["c" * 64, "d" * 64], NOW)
        await uow.commit()
    async with uow:
        assert not await uow.factors.use_recovery_code(user.id, "a" * 64, NOW)
        assert await uow.factors.use_recovery_code(user.id, "c" * 64, NOW)
        assert not await uow.factors.use_recovery_code(user.id, "c" * 64, NOW)
        await uow.commit()
    async with uow:
        summary = await uow.factors.summary(user.id)
    assert summary.recovery_codes_left == 1
    assert summary.methods == [Method.TOTP, Method.RECOVERY_CODE]


async def test_removing_the_app_or_everything(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        await uow.factors.replace_recovery_codes(user.id, ["a" * 64], NOW)
        assert await uow.factors.remove_totp(user.id)
        assert not await uow.factors.remove_totp(user.id)
        await uow.commit()
    async with uow:
        assert (await uow.factors.summary(user.id)) == FactorSummary(recovery_codes_left=1)
        await uow.factors.remove_all(user.id)
        await uow.commit()
    async with uow:
        assert (await uow.factors.summary(user.id)) == FactorSummary()


async def test_deleting_the_account_deletes_its_factors(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        await uow.factors.replace_recovery_codes(user.id, ["a" * 64], NOW)
        found = await uow.users.get(user.id)
        await uow.users.delete(found)
        await uow.commit()
    async with uow:
        assert await uow.factors.get_totp(user.id) is None
        assert (await uow.factors.summary(user.id)) == FactorSummary()


async def _add_passkey(uow: Any, user_id: Any, name: str, created_at: Any) -> None:
    assert await uow.passkeys.add(Passkey(user_id, name.encode(), b"cose", 0, name, created_at))


async def test_the_listing_has_the_app_and_the_passkeys_and_remove_all_takes_them(uow: Any) -> None:
    user = await _enrolled(uow)
    async with uow:
        await _add_passkey(uow, user.id, "phone", NOW + timedelta(days=1))
        await _add_passkey(uow, user.id, "laptop", NOW - timedelta(days=1))
        await uow.commit()
    async with uow:
        listed = await uow.factors.listing(user.id)
        summary = await uow.factors.summary(user.id)
    assert [(f.type, f.name) for f in listed] == [
        (Method.PASSKEY, "laptop"),
        (Method.TOTP, ""),
        (Method.PASSKEY, "phone"),
    ]
    assert summary.passkeys == 2
    async with uow:
        await uow.factors.remove_all(user.id)
        await uow.commit()
    async with uow:
        assert await uow.factors.listing(user.id) == []
