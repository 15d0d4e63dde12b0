"""The OneTimeCodes and CodeFailures ports' contracts, held by the fake and by the SQL adapters on PostgreSQL
and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email
from domain.user import User
from tests.ports.conftest import NOW

MINUTES_15 = timedelta(minutes=15)


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


def new_code(
    user: User,
    purpose: TokenPurpose = TokenPurpose.LOGIN,
    email: Email | None = None,
    digest: str = "d" * 64,
    expires_at: Any = NOW + MINUTES_15,
) -> OneTimeCode:
    return OneTimeCode(
        user_id=user.id,
        purpose=purpose,
        email=email or user.email,
        digest=digest,
        created_at=NOW,
        expires_at=expires_at,
    )


async def test_a_code_is_held_judged_used_and_kept_until_replaced(uow: Any) -> None:
    user = new_user()
    code = OneTimeCode(
        user_id=user.id,
        purpose=TokenPurpose.LOGIN,
        email=user.email,
        digest="d" * 64,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
    )
    async with uow:
        await uow.users.add(user)
        await uow.codes.replace(code)
        await uow.commit()
    async with uow:
        await uow.codes.count_wrong(code.id, wrong=True)
        await uow.codes.count_wrong(code.id, wrong=False)
        await uow.codes.count_wrong(uuid.UUID(int=0), wrong=True)  # no code: nothing, at the same cost
        await uow.commit()
    async with uow:
        held = await uow.codes.hold(user.email, TokenPurpose.LOGIN, NOW)
        assert held is not None and held.attempts == 1 and held.used_at is None
        assert await uow.codes.spend(code.id, NOW, max_attempts=5)
        assert not await uow.codes.spend(code.id, NOW, max_attempts=5)  # once
        await uow.commit()
    async with uow:
        used = await uow.codes.hold(user.email, TokenPurpose.LOGIN, NOW)
        assert used is not None and used.used_at == NOW  # kept, so a late right use is told from a guess
        newer = OneTimeCode(
            user_id=user.id,
            purpose=TokenPurpose.LOGIN,
            email=user.email,
            digest="e" * 64,
            created_at=NOW,
            expires_at=NOW + timedelta(minutes=15),
        )
        await uow.codes.replace(newer)
        await uow.commit()
    async with uow:
        live = await uow.codes.hold(user.email, TokenPurpose.LOGIN, NOW)
        assert live is not None and live.used_at is None and live.attempts == 0
        await uow.codes.retire(user.id, NOW)
        assert not await uow.codes.spend(newer.id, NOW, max_attempts=5)
        retired = await uow.codes.hold(user.email, TokenPurpose.LOGIN, NOW)
        assert retired is not None and retired.used_at == NOW


async def test_runs_of_wrong_codes_count_clear_and_are_pruned_only_without_an_account(uow: Any) -> None:
    known, unknown = Email.parse("ada@example.com"), Email.parse("nobody@example.com")
    async with uow:
        await uow.users.add(new_user())
        for email in (known, unknown):
            assert [await uow.code_failures.count(email, NOW) for _ in range(3)] == [1, 2, 3]
        assert await uow.code_failures.count(known, NOW, -1) == 2
        await uow.commit()
    async with uow:
        assert await uow.code_failures.prune(NOW + timedelta(days=3)) == 1  # the address with no account
        assert await uow.code_failures.count(known, NOW) == 3  # an account's run stays, however old
        await uow.code_failures.clear(known)
        assert await uow.code_failures.count(known, NOW) == 1
        assert await uow.code_failures.count(unknown, NOW) == 1


async def test_a_code_is_one_per_account_and_purpose_and_one_per_address_and_purpose(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    login = new_code(ada)
    reset = new_code(ada, TokenPurpose.RESET_PASSWORD, digest="r" * 64)
    moving = new_code(ada, email=Email.parse("new@example.com"), digest="m" * 64)  # replaces `login`
    async with uow:
        await uow.users.add(ada)
        await uow.users.add(grace)
        for code in (login, reset, moving):
            await uow.codes.replace(code)
        await uow.commit()
    async with uow:
        assert await uow.codes.hold(ada.email, TokenPurpose.LOGIN, NOW) is None
        assert (
            await uow.codes.hold(Email.parse("new@example.com"), TokenPurpose.LOGIN, NOW)
        ).digest == "m" * 64
        assert (await uow.codes.hold(ada.email, TokenPurpose.RESET_PASSWORD, NOW)).digest == "r" * 64
        # The address passes to another account: its code for the address retires the first account's.
        taken = new_code(grace, email=Email.parse("new@example.com"), digest="g" * 64)
        await uow.codes.replace(taken)
        await uow.commit()
    async with uow:
        held = await uow.codes.hold(Email.parse("new@example.com"), TokenPurpose.LOGIN, NOW)
        assert held is not None and (held.id, held.user_id, held.digest) == (taken.id, grace.id, "g" * 64)
        assert await uow.codes.hold(Email.parse("new@example.com"), TokenPurpose.LOGIN, NOW, ada.id) is None
        assert (
            await uow.codes.hold(Email.parse("new@example.com"), TokenPurpose.LOGIN, NOW, grace.id)
        ).id == taken.id
        assert not await uow.codes.spend(moving.id, NOW, max_attempts=5)  # gone


async def test_a_code_is_spent_only_while_alive_and_under_its_tries(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    tried, short = new_code(ada), new_code(grace, expires_at=NOW + timedelta(minutes=1))
    async with uow:
        await uow.users.add(ada)
        await uow.users.add(grace)
        await uow.codes.replace(tried)
        await uow.codes.replace(short)
        for _ in range(3):
            await uow.codes.count_wrong(tried.id, wrong=True)
        await uow.commit()
    async with uow:
        assert (await uow.codes.hold(ada.email, TokenPurpose.LOGIN, NOW)).attempts == 3
        assert not await uow.codes.spend(tried.id, NOW, max_attempts=3)
        assert await uow.codes.hold(grace.email, TokenPurpose.LOGIN, NOW + timedelta(minutes=1)) is None
        assert not await uow.codes.spend(short.id, NOW + timedelta(minutes=1), max_attempts=5)
        assert await uow.codes.spend(tried.id, NOW, max_attempts=4)
        assert await uow.codes.spend(short.id, NOW, max_attempts=5)


async def test_retire_marks_the_named_purposes_or_all_and_leaves_other_accounts(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    login, reset, other = new_code(ada), new_code(ada, TokenPurpose.RESET_PASSWORD), new_code(grace)
    async with uow:
        await uow.users.add(ada)
        await uow.users.add(grace)
        for code in (login, reset, other):
            await uow.codes.replace(code)
        await uow.codes.retire(ada.id, NOW, TokenPurpose.RESET_PASSWORD)
        assert (await uow.codes.hold(ada.email, TokenPurpose.LOGIN, NOW)).used_at is None
        assert (await uow.codes.hold(ada.email, TokenPurpose.RESET_PASSWORD, NOW)).used_at == NOW
        await uow.codes.retire(ada.id, NOW + timedelta(minutes=1))
        assert (await uow.codes.hold(ada.email, TokenPurpose.LOGIN, NOW)).used_at == NOW + timedelta(
            minutes=1
        )
        # an already used code keeps the time of its use
        assert (await uow.codes.hold(ada.email, TokenPurpose.RESET_PASSWORD, NOW)).used_at == NOW
        assert (await uow.codes.hold(grace.email, TokenPurpose.LOGIN, NOW)).used_at is None


async def test_a_run_is_pruned_oldest_first_up_to_the_limit(uow: Any) -> None:
    addresses = [Email.parse(f"n{n}@example.com") for n in range(3)]
    async with uow:
        for n, email in enumerate(addresses):
            await uow.code_failures.count(email, NOW + timedelta(minutes=n))
        await uow.commit()
    async with uow:
        assert await uow.code_failures.prune(NOW + timedelta(minutes=2), limit=1) == 1
        assert await uow.code_failures.count(addresses[0], NOW) == 1  # a new run
        assert await uow.code_failures.count(addresses[1], NOW + timedelta(minutes=5)) == 2
        assert await uow.code_failures.prune(NOW + timedelta(minutes=3)) == 2  # n0's new run and n2's
        assert await uow.code_failures.count(addresses[2], NOW) == 1
        assert await uow.code_failures.count(addresses[1], NOW) == 3  # n1 failed since
