"""The RefreshTokenRepository port's contract (sessions and their rotation), and the bearer's live-session
check the UserRepository makes from it: held by the fake and the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.email import Email
from domain.factors import Amr, Proof
from domain.sessions import SpendOutcome
from domain.suppressions import Suppression, SuppressionSource
from domain.trail import SessionOrigin
from domain.user import User
from tests.ports.conftest import NOW

DAY = timedelta(days=1)


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


async def test_a_refresh_token_is_used_once_and_revoked_by_family(uow: Any) -> None:
    user, family = new_user(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.commit()
    async with uow:
        spent = await uow.refresh_tokens.spend("a" * 64, NOW)
        assert (
            spent.outcome is SpendOutcome.SPENT and spent.user is not None and spent.user.email == user.email
        )
        await uow.refresh_tokens.add("b" * 64, user.id, family, NOW, NOW + timedelta(days=1))  # its successor
        assert (await uow.refresh_tokens.spend("a" * 64, NOW)).outcome is SpendOutcome.REUSED
        await uow.refresh_tokens.revoke_family(user.id, family, NOW)
        await uow.commit()
    async with uow:
        record = await uow.refresh_tokens.get("b" * 64)
        revoked = await uow.refresh_tokens.spend("b" * 64, NOW)
        assert (await uow.refresh_tokens.spend("c" * 64, NOW)).outcome is SpendOutcome.UNKNOWN
        assert (
            await uow.refresh_tokens.spend("b" * 64, NOW + timedelta(days=2))
        ).outcome is SpendOutcome.REVOKED
    assert record is not None and record.revoked_at == NOW
    assert revoked.outcome is SpendOutcome.REVOKED and revoked.token == record


async def test_a_spend_within_the_grace_is_raced_with_the_first_spends_salt(uow: Any) -> None:
    user, family = new_user(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.commit()
    async with uow:
        assert (
            await uow.refresh_tokens.spend("a" * 64, NOW, timedelta(seconds=10), "salt-1")
        ).outcome is SpendOutcome.SPENT
        await uow.commit()
    async with uow:
        raced = await uow.refresh_tokens.spend(
            "a" * 64, NOW + timedelta(seconds=5), timedelta(seconds=10), "salt-2"
        )
        late = await uow.refresh_tokens.spend(
            "a" * 64, NOW + timedelta(seconds=10), timedelta(seconds=10), "salt-3"
        )
    assert (
        raced.outcome is SpendOutcome.RACED
        and raced.token is not None
        and raced.token.successor_salt == "salt-1"
    )
    assert late.outcome is SpendOutcome.REUSED


async def test_a_family_with_a_later_live_token_has_forked_and_its_spend_is_a_reuse(uow: Any) -> None:
    user, family = new_user(), uuid.uuid4()
    async with uow:  # two branches, as a grace reuse made them before a token had one successor only
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.refresh_tokens.add(
            "b" * 64, user.id, family, NOW + timedelta(seconds=3), NOW + timedelta(days=1)
        )
        await uow.commit()
    async with uow:
        assert (
            await uow.refresh_tokens.spend("b" * 64, NOW + timedelta(minutes=1))
        ).outcome is SpendOutcome.SPENT
        await uow.refresh_tokens.add(
            "c" * 64, user.id, family, NOW + timedelta(minutes=1), NOW + timedelta(days=1)
        )
        await uow.commit()
    async with uow:  # the older branch's next use finds the newer one's token: the whole family is a copy's
        assert (
            await uow.refresh_tokens.spend("a" * 64, NOW + timedelta(minutes=2))
        ).outcome is SpendOutcome.REUSED


async def test_a_bearers_account_comes_with_whether_its_session_is_live(uow: Any) -> None:
    user, family, other = new_user(), uuid.uuid4(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.refresh_tokens.spend("a" * 64, NOW + timedelta(minutes=1))
        await uow.refresh_tokens.add(
            "b" * 64, user.id, family, NOW + timedelta(minutes=1), NOW + timedelta(days=1)
        )
        await uow.refresh_tokens.add("c" * 64, user.id, other, NOW, NOW + timedelta(hours=1))
        await uow.suppressions.add(Suppression(user.email.value, SuppressionSource.HARD, "bounced", NOW))
        await uow.commit()
    async with uow:
        live = await uow.users.get_for_bearer(
            user.id, family, NOW + timedelta(minutes=2), with_suppression=True
        )
        plain = await uow.users.get_for_bearer(user.id, family, NOW + timedelta(minutes=2))
        expired = await uow.users.get_for_bearer(user.id, other, NOW + timedelta(hours=1))
        unknown = await uow.users.get_for_bearer(user.id, uuid.uuid4(), NOW)
        nobody = await uow.users.get_for_bearer(uuid.uuid4(), family, NOW)
        await uow.refresh_tokens.revoke_family(user.id, family, NOW + timedelta(minutes=3))
        ended = await uow.users.get_for_bearer(user.id, family, NOW + timedelta(minutes=3))
    assert live is not None and live.user.id == user.id and live.session_live and live.suppressed
    assert plain is not None and plain.session_live and not plain.suppressed  # not asked for
    assert [found.session_live for found in (expired, unknown, ended) if found is not None] == [
        False,
        False,
        False,
    ]
    assert nobody is None


async def test_a_token_records_its_session_and_origin_with_defaults(uow: Any) -> None:
    user, family = new_user(), uuid.uuid4()
    origin = SessionOrigin(ip="2001:db8::" + "1" * 60, device="d" * 100)
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + DAY)
        await uow.refresh_tokens.add(
            "b" * 64,
            user.id,
            family,
            NOW + timedelta(hours=1),
            NOW + DAY,
            NOW + 30 * DAY,
            started_at=NOW,
            origin=origin,
        )
        await uow.commit()
    async with uow:
        first = await uow.refresh_tokens.get("a" * 64)
        second = await uow.refresh_tokens.get("b" * 64)
        assert await uow.refresh_tokens.get("c" * 64) is None
    assert (
        first.user_id,
        first.family_id,
        first.issued_at,
        first.started_at,
        first.expires_at,
        first.session_expires_at,
    ) == (user.id, family, NOW, NOW, NOW + DAY, NOW + DAY)
    assert (first.used_at, first.revoked_at, first.successor_salt, first.origin) == (
        None,
        None,
        None,
        SessionOrigin(),
    )
    assert (second.issued_at, second.started_at, second.session_expires_at) == (
        NOW + timedelta(hours=1),
        NOW,
        NOW + 30 * DAY,
    )
    assert second.origin == SessionOrigin(ip=origin.ip[:45], device="d" * 64)  # cut to the columns' widths


async def test_an_expired_token_is_expired_and_one_of_a_deleted_account_unknown(uow: Any) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, uuid.uuid4(), NOW, NOW + timedelta(hours=1))
        await uow.refresh_tokens.add("b" * 64, user.id, uuid.uuid4(), NOW, NOW + DAY)
        await uow.commit()
    async with uow:
        expired = await uow.refresh_tokens.spend("a" * 64, NOW + timedelta(hours=1))
        assert expired.outcome is SpendOutcome.EXPIRED and expired.user.id == user.id
        assert expired.token.used_at is None
        await uow.users.delete(await uow.users.get(user.id))
        assert (await uow.refresh_tokens.spend("b" * 64, NOW)).outcome is SpendOutcome.UNKNOWN


async def test_the_live_sessions_are_each_ones_newest_token_newest_session_first(uow: Any) -> None:
    user, other = new_user(), new_user("grace@example.com")
    older, newer, ended, spent_out = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.users.add(other)
        await uow.refresh_tokens.add("o1" * 32, user.id, older, NOW, NOW + DAY)
        await uow.refresh_tokens.spend("o1" * 32, NOW + timedelta(minutes=5))
        await uow.refresh_tokens.add(
            "o2" * 32, user.id, older, NOW + timedelta(minutes=5), NOW + DAY, started_at=NOW
        )
        await uow.refresh_tokens.add("n1" * 32, user.id, newer, NOW + timedelta(minutes=1), NOW + DAY)
        await uow.refresh_tokens.add("e1" * 32, user.id, ended, NOW, NOW + DAY)
        await uow.refresh_tokens.revoke_family(user.id, ended, NOW)
        await uow.refresh_tokens.add("s1" * 32, user.id, spent_out, NOW, NOW + timedelta(minutes=10))
        await uow.refresh_tokens.add("g1" * 32, other.id, uuid.uuid4(), NOW, NOW + DAY)
        await uow.commit()
    async with uow:
        live = await uow.refresh_tokens.live_sessions(user.id, NOW + timedelta(minutes=6))
        later = await uow.refresh_tokens.live_sessions(user.id, NOW + timedelta(minutes=10))
    assert [t.token_hash for t in live] == ["n1" * 32, "o2" * 32, "s1" * 32]
    assert [t.token_hash for t in later] == ["n1" * 32, "o2" * 32]


async def test_ending_a_session_revokes_all_its_tokens_and_only_a_live_one_ends(uow: Any) -> None:
    user, other, family = new_user(), new_user("grace@example.com"), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.users.add(other)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + DAY)
        await uow.refresh_tokens.spend("a" * 64, NOW)
        await uow.refresh_tokens.add("b" * 64, user.id, family, NOW, NOW + DAY)
        await uow.commit()
    async with uow:
        assert not await uow.refresh_tokens.end_session(other.id, family, NOW)  # not theirs
        assert not await uow.refresh_tokens.end_session(user.id, uuid.uuid4(), NOW)
        assert await uow.refresh_tokens.end_session(user.id, family, NOW + timedelta(minutes=1))
        assert not await uow.refresh_tokens.end_session(user.id, family, NOW + timedelta(minutes=2))
        await uow.commit()
    async with uow:
        for token_hash in ("a" * 64, "b" * 64):
            assert (await uow.refresh_tokens.get(token_hash)).revoked_at == NOW + timedelta(minutes=1)


async def test_revoking_all_of_an_accounts_sessions_can_keep_one(uow: Any) -> None:
    user, other = new_user(), new_user("grace@example.com")
    kept, gone = uuid.uuid4(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.users.add(other)
        await uow.refresh_tokens.add("k" * 64, user.id, kept, NOW, NOW + DAY)
        await uow.refresh_tokens.add("g" * 64, user.id, gone, NOW, NOW + DAY)
        await uow.refresh_tokens.add("o" * 64, other.id, uuid.uuid4(), NOW, NOW + DAY)
        await uow.refresh_tokens.revoke_all_for_user(user.id, NOW, keep_family=kept)
        assert (await uow.refresh_tokens.get("k" * 64)).revoked_at is None
        assert (await uow.refresh_tokens.get("g" * 64)).revoked_at == NOW
        await uow.refresh_tokens.revoke_all_for_user(user.id, NOW + timedelta(minutes=1))
        assert (await uow.refresh_tokens.get("k" * 64)).revoked_at == NOW + timedelta(minutes=1)
        assert (await uow.refresh_tokens.get("g" * 64)).revoked_at == NOW  # the first revocation stands
        assert (await uow.refresh_tokens.get("o" * 64)).revoked_at is None


async def test_prune_deletes_the_oldest_expired_tokens_up_to_the_limit(uow: Any) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        for n in range(4):
            await uow.refresh_tokens.add(str(n) * 64, user.id, uuid.uuid4(), NOW, NOW + n * DAY)
        await uow.refresh_tokens.spend("3" * 64, NOW)
        await uow.commit()
    async with uow:
        assert await uow.refresh_tokens.prune(NOW + 3 * DAY, limit=2) == 2
        assert (
            await uow.refresh_tokens.get("0" * 64) is None and await uow.refresh_tokens.get("1" * 64) is None
        )
        assert await uow.refresh_tokens.prune(NOW + 4 * DAY) == 2  # a spent one too, once expired
        assert await uow.refresh_tokens.prune(NOW + 5 * DAY) == 0


async def test_a_sessions_proof_is_renewed_on_its_live_token_only(uow: Any) -> None:
    user, family, other = new_user(), uuid.uuid4(), uuid.uuid4()
    first = Proof.of(NOW, Amr.PASSWORD)
    renewed = Proof.of(NOW + timedelta(hours=1), Amr.PASSWORD, Amr.OTP, Amr.MFA)
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + DAY, proof=first)
        await uow.refresh_tokens.spend("a" * 64, NOW + timedelta(minutes=1))
        await uow.refresh_tokens.add("b" * 64, user.id, family, NOW, NOW + DAY, proof=first)
        await uow.refresh_tokens.add("c" * 64, user.id, other, NOW, NOW + DAY, proof=first)
        await uow.commit()
    async with uow:
        assert await uow.refresh_tokens.renew_proof(user.id, family, renewed, NOW + timedelta(hours=1))
        await uow.commit()
    async with uow:
        live, spent = await uow.refresh_tokens.get("b" * 64), await uow.refresh_tokens.get("a" * 64)
        untouched = await uow.refresh_tokens.get("c" * 64)
        # Another account's id, or a session ended, renews nothing.
        assert not await uow.refresh_tokens.renew_proof(uuid.uuid4(), family, renewed, NOW)
        await uow.refresh_tokens.revoke_family(user.id, other, NOW)
        assert not await uow.refresh_tokens.renew_proof(user.id, other, renewed, NOW)
        assert not await uow.refresh_tokens.renew_proof(user.id, family, renewed, NOW + 2 * DAY)
    assert live is not None and live.proof == renewed
    assert spent is not None and spent.proof == first
    assert untouched is not None and untouched.proof == first
