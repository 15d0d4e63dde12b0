"""The PendingSignIns port's contract: held by the fake and the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.factors import Amr, PendingSignIn, Proof
from tests.ports.conftest import NOW
from tests.ports.test_factors import new_user


async def _pending(uow: Any, token_hash: str = "h" * 64) -> PendingSignIn:
    user = new_user()
    pending = PendingSignIn(token_hash, user.id, Proof.of(NOW, Amr.PASSWORD), NOW + timedelta(minutes=5))
    async with uow:
        await uow.users.add(user)
        await uow.pending_sign_ins.add(pending)
        await uow.commit()
    return pending


async def test_a_pending_sign_in_is_held_while_it_lives(uow: Any) -> None:
    pending = await _pending(uow)
    async with uow:
        assert await uow.pending_sign_ins.hold(pending.token_hash, NOW) == pending
        assert await uow.pending_sign_ins.hold(pending.token_hash, NOW + timedelta(minutes=5)) is None
        assert await uow.pending_sign_ins.hold("x" * 64, NOW) is None


async def test_failures_are_counted_and_removal_ends_it(uow: Any) -> None:
    pending = await _pending(uow)
    async with uow:
        assert await uow.pending_sign_ins.record_failure(pending.token_hash) == 1
        assert await uow.pending_sign_ins.record_failure(pending.token_hash) == 2
        await uow.commit()
    async with uow:
        held = await uow.pending_sign_ins.hold(pending.token_hash, NOW)
        assert held is not None and held.failures == 2
        await uow.pending_sign_ins.remove(pending.token_hash)
        await uow.commit()
    async with uow:
        assert await uow.pending_sign_ins.hold(pending.token_hash, NOW) is None
        assert await uow.pending_sign_ins.record_failure(pending.token_hash) == 0


async def test_prune_deletes_the_expired_only(uow: Any) -> None:
    pending = await _pending(uow)
    async with uow:
        assert await uow.pending_sign_ins.prune(NOW) == 0
        assert await uow.pending_sign_ins.prune(pending.expires_at + timedelta(seconds=1)) == 1
        await uow.commit()
    async with uow:
        assert await uow.pending_sign_ins.hold(pending.token_hash, NOW) is None
