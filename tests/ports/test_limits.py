"""The RateLimitCounters port's contract, and the throttle over it (the use cases' only way to the counters),
held by the fake and by the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.errors import RateLimited
from domain.limits import Rule, Spent
from tests.fakes import LOGIN_FAILURES, PER_ADDRESS, FakeClock
from tests.ports.conftest import NOW

WINDOW = NOW.replace(minute=0, second=0, microsecond=0)


async def test_a_counter_counts_per_key_and_window_and_takes_one_back(uow: Any) -> None:
    async with uow:
        assert [await uow.rate_limits.hit("k", WINDOW) for _ in range(3)] == [1, 2, 3]
        assert await uow.rate_limits.hit("k", WINDOW, -1) == 2
        assert await uow.rate_limits.hit("k", WINDOW + timedelta(minutes=1)) == 1
        assert await uow.rate_limits.hit("other", WINDOW) == 1
        assert await uow.rate_limits.hit("k", WINDOW, 5) == 7
        await uow.commit()
    async with uow:
        assert await uow.rate_limits.hit("k", WINDOW) == 8
    async with uow:  # the last block was not committed
        assert await uow.rate_limits.hit("k", WINDOW) == 8


async def test_taking_one_back_lowers_the_windows_count_and_leaves_the_others(uow: Any) -> None:
    async with uow:
        await uow.rate_limits.hit("k", WINDOW, 3)
        await uow.rate_limits.hit("other", WINDOW)
        await uow.rate_limits.take_back("k", WINDOW)
        await uow.rate_limits.take_back("k", WINDOW)
        await uow.commit()
    async with uow:
        assert await uow.rate_limits.hit("k", WINDOW) == 2
        assert await uow.rate_limits.hit("other", WINDOW) == 2
        assert await uow.rate_limits.hit("k", WINDOW + timedelta(minutes=1)) == 1


async def test_prune_deletes_the_oldest_windows_up_to_the_limit(uow: Any) -> None:
    async with uow:
        for n in (2, 0, 1):
            await uow.rate_limits.hit("k", WINDOW + timedelta(minutes=n))
        await uow.commit()
    async with uow:
        assert await uow.rate_limits.prune(WINDOW + timedelta(minutes=2), limit=1) == 1
        assert await uow.rate_limits.hit("k", WINDOW) == 1  # the oldest went
        assert await uow.rate_limits.hit("k", WINDOW + timedelta(minutes=1)) == 2
        assert await uow.rate_limits.prune(WINDOW + timedelta(minutes=2)) == 2
        assert await uow.rate_limits.hit("k", WINDOW + timedelta(minutes=2)) == 2  # not before: kept


async def test_several_windows_are_counted_at_once_each_in_its_place(uow: Any) -> None:
    later = WINDOW + timedelta(minutes=1)
    async with uow:
        await uow.rate_limits.hit("b", later, 4)
        assert await uow.rate_limits.hit_each([("a", WINDOW), ("b", later), ("c", later)]) == [1, 5, 1]
        assert await uow.rate_limits.hit_each([("c", later), ("a", WINDOW)]) == [2, 2]
        await uow.commit()
    async with uow:
        assert await uow.rate_limits.hit("b", later, 0) == 5
        assert await uow.rate_limits.hit("b", WINDOW, 0) == 0


async def test_the_throttle_spends_several_rules_at_once_refusing_past_either(uow: Any) -> None:
    asks = (Rule.LOGIN_PER_CLIENT, ("10.0.0.1",)), (Rule.PASSWORD_GUESSES, ("ada@example.com", "10.0.0.1"))
    async with uow:
        for _ in range(LOGIN_FAILURES.limit):
            per_client, guess = await uow.throttle.spend_each(*asks)
        assert guess == Spent("login-guesses:ada@example.com:10.0.0.1", LOGIN_FAILURES.window_start(NOW))
        assert per_client.key == "login:10.0.0.1"
        with pytest.raises(RateLimited):
            await uow.throttle.spend_each(*asks)
        await uow.throttle.spend_each(asks[0], (Rule.PASSWORD_GUESSES, ("grace@example.com", "10.0.0.1")))


async def test_the_throttle_refuses_past_the_limit_until_the_window_turns(uow: Any, clock: FakeClock) -> None:
    async with uow:
        for _ in range(PER_ADDRESS.limit):
            spent = await uow.throttle.spend(Rule.EMAILS_PER_ADDRESS, "ada@example.com")
        assert spent == Spent("emails:ada@example.com", PER_ADDRESS.window_start(NOW))
        with pytest.raises(RateLimited):
            await uow.throttle.spend(Rule.EMAILS_PER_ADDRESS, "ada@example.com")
        assert not await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, "ada@example.com")
        assert await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, "grace@example.com")
        await uow.commit()
    clock.advance(PER_ADDRESS.window)
    async with uow:
        assert await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, "ada@example.com")


async def test_spend_within_counts_past_the_limit_and_a_refund_gives_one_back(uow: Any) -> None:
    async with uow:
        spent = [
            await uow.throttle.spend_within(Rule.CODE_FAILURES, "ada@example.com", "10.0.0.1")
            for _ in range(LOGIN_FAILURES.limit)
        ]
        assert None not in spent and spent[0].key == "code-failures:ada@example.com:10.0.0.1"
        assert await uow.throttle.spend_within(Rule.CODE_FAILURES, "ada@example.com", "10.0.0.1") is None
        await uow.throttle.refund(spent[0])
        # Counted past the limit all the same: one refund leaves it past still.
        assert await uow.throttle.spend_within(Rule.CODE_FAILURES, "ada@example.com", "10.0.0.1") is None
        await uow.throttle.refund(spent[0])
        await uow.throttle.refund(spent[0])
        assert await uow.throttle.spend_within(Rule.CODE_FAILURES, "ada@example.com", "10.0.0.1") == spent[0]
        await uow.commit()
    async with uow:
        assert await uow.rate_limits.hit(spent[0].key, spent[0].window_start, 0) == LOGIN_FAILURES.limit
