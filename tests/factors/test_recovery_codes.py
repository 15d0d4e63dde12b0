"""Recovery codes: ten, at least 50 random bits each (80 here), stored as digests, each used once."""

from __future__ import annotations

import math

import pytest

from application.shared.recovery_codes import ALPHABET, new_recovery_codes, recovery_digest
from domain.errors import NoSecondFactor
from tests.factors.conftest import caller_of, enrol, signed_in
from tests.world import World


def test_ten_codes_of_at_least_fifty_bits() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        typed = code.replace("-", "")
        assert set(typed) <= set(ALPHABET) and len(set(ALPHABET)) == 32
        assert len(typed) * math.log2(len(ALPHABET)) >= 50


def test_codes_are_not_repeated_across_many_draws() -> None:
    drawn = [c for _ in range(200) for c in new_recovery_codes()]
    assert len(set(drawn)) == len(drawn)


def test_the_digest_forgives_case_spaces_and_dashes_and_binds_the_account() -> None:
    import uuid

    ada, bob = uuid.uuid4(), uuid.uuid4()
    assert recovery_digest(ada, "7KQM-XR4T-9HZD-LCPW") == recovery_digest(ada, "7kqm xr4t 9hzd lcpw")
    assert recovery_digest(ada, "7KQM-XR4T-9HZD-LCPW") != recovery_digest(bob, "7KQM-XR4T-9HZD-LCPW")


async def test_only_digests_are_stored(world: World) -> None:
    _, codes, _ = await enrol(world)
    stored = next(iter(world.uow.store.recovery_codes.values()))
    assert not set(codes) & set(stored) and len(stored) == 10


async def test_new_codes_replace_the_old_and_tell_the_owner(world: World) -> None:
    _, old, session = await enrol(world)
    caller = await caller_of(world, session)
    new = await world.regenerate_recovery_codes().execute(caller)
    assert not set(old) & set(new)
    user_id = caller.user.id
    assert set(world.uow.store.recovery_codes[user_id]) == {recovery_digest(user_id, c) for c in new}
    assert world.uow.outbox_messages[-1].content.subject == "recovery_codes_issued"


async def test_no_codes_without_a_factor(world: World) -> None:
    caller = await caller_of(world, await signed_in(world))
    with pytest.raises(NoSecondFactor):
        await world.regenerate_recovery_codes().execute(caller)


async def test_turning_the_app_off_takes_the_codes_along_when_nothing_is_left(world: World) -> None:
    _, _, session = await enrol(world)
    caller = await caller_of(world, session)
    await world.disable_totp().execute(caller)
    summary = await world.show_factors().execute(caller.user.id)
    assert not summary.enabled and summary.recovery_codes_left == 0
    assert world.uow.outbox_messages[-1].content.subject == "totp_disabled"
    assert [e.type for e in world.uow.store.events.values()][-1].endswith("mfa_disabled")


async def test_an_administrators_reset_removes_every_factor_and_is_recorded(world: World) -> None:
    from datetime import UTC, datetime

    from domain.factors import Passkey

    _, _, session = await enrol(world)
    caller = await caller_of(world, session)
    world.uow.store.passkeys[caller.user.id] = Passkey(
        caller.user.id, b"id", b"key", 0, "phone", datetime.now(UTC)
    )
    admin_id = caller.user.id  # any actor: the entry names whoever it was
    await world.reset_factors().execute(caller.user.id, actor_id=admin_id)
    summary = await world.show_factors().execute(caller.user.id)
    assert summary == type(summary)()
    entry = world.uow.store.security_events[-1]
    assert entry.type.value == "mfa_reset" and entry.actor_id == admin_id
    assert world.uow.outbox_messages[-1].content.subject == "mfa_reset"


async def test_deleting_the_account_deletes_its_factors(world: World) -> None:
    _, _, session = await enrol(world)
    caller = await caller_of(world, session)
    await world.delete_account().execute(caller.user.id)
    assert world.uow.store.totp_factors == {} and world.uow.store.recovery_codes == {}
