"""The PasskeyRepository and WebauthnChallenges ports' contract: held by the fakes and the SQL adapters on
PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.email import Email
from domain.factors import Passkey
from domain.passkeys import ChallengePurpose, WebauthnChallenge
from domain.user import User
from tests.ports.conftest import NOW


async def new_user(uow: Any, address: str = "ada@example.com") -> User:
    user = User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def passkey(user: User, credential_id: bytes = b"\x01" * 16, **values: Any) -> Passkey:
    return Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=b"\xa5\x01\x02" + b"\x00" * 70,
        sign_count=0,
        name="Phone",
        created_at=NOW,
        aaguid="bada5566-a7aa-401f-bd96-45619a55120d",
        backed_up=True,
        transports=("internal", "hybrid"),
        **values,
    )


async def test_a_passkey_is_kept_as_it_was_given_and_found_by_its_credential(uow: Any) -> None:
    ada = await new_user(uow)
    key = passkey(ada)
    async with uow:
        assert await uow.passkeys.add(key)
        await uow.commit()
    async with uow:
        assert await uow.passkeys.get(ada.id, key.id) == key
        assert await uow.passkeys.by_credential_id(key.credential_id) == key
        assert await uow.passkeys.by_credential_id(b"\x02" * 16) is None
        assert await uow.passkeys.of_account(ada.id) == [key]
        assert (await uow.factors.summary(ada.id)).passkeys == 1


async def test_a_credential_id_is_registered_once_across_accounts(uow: Any) -> None:
    ada, bob = await new_user(uow), await new_user(uow, "bob@example.com")
    async with uow:
        assert await uow.passkeys.add(passkey(ada))
        assert not await uow.passkeys.add(passkey(bob))
        assert await uow.passkeys.add(passkey(bob, b"\x02" * 16))  # the transaction goes on
        await uow.commit()
    async with uow:
        assert len(await uow.passkeys.of_account(bob.id)) == 1


async def test_another_accounts_passkey_is_neither_found_renamed_nor_removed(uow: Any) -> None:
    ada, bob = await new_user(uow), await new_user(uow, "bob@example.com")
    key = passkey(ada)
    async with uow:
        await uow.passkeys.add(key)
        assert await uow.passkeys.get(bob.id, key.id) is None
        assert await uow.passkeys.rename(bob.id, key.id, "Mine") is None
        assert await uow.passkeys.remove(bob.id, key.id) is None
        renamed = await uow.passkeys.rename(ada.id, key.id, "Laptop")
        assert renamed is not None and renamed.name == "Laptop"
        await uow.commit()
    async with uow:
        removed = await uow.passkeys.remove(ada.id, key.id)
        assert removed is not None and removed.name == "Laptop"
        await uow.commit()
    async with uow:
        assert await uow.passkeys.of_account(ada.id) == []


async def test_a_use_moves_the_counter_only_from_the_count_it_was_judged_on(uow: Any) -> None:
    ada = await new_user(uow)
    key = passkey(ada)
    later = NOW + timedelta(minutes=1)
    async with uow:
        await uow.passkeys.add(key)
        assert await uow.passkeys.record_use(key.id, seen_count=0, sign_count=7, backed_up=False, when=later)
        assert not await uow.passkeys.record_use(
            key.id, seen_count=0, sign_count=8, backed_up=False, when=later
        )
        assert not await uow.passkeys.record_use(
            uuid.uuid4(), seen_count=0, sign_count=1, backed_up=False, when=later
        )
        await uow.commit()
    async with uow:
        used = await uow.passkeys.get(ada.id, key.id)
    assert used is not None and (used.sign_count, used.backed_up, used.last_used_at) == (7, False, later)


async def test_an_always_zero_counter_records_its_use(uow: Any) -> None:
    ada = await new_user(uow)
    key = passkey(ada)
    async with uow:
        await uow.passkeys.add(key)
        assert await uow.passkeys.record_use(key.id, seen_count=0, sign_count=0, backed_up=True, when=NOW)
        await uow.commit()


async def test_a_challenge_is_taken_once(uow: Any) -> None:
    ada = await new_user(uow)
    mine = WebauthnChallenge.issue("c" * 86, ChallengePurpose.REGISTRATION, NOW, ada.id)
    async with uow:
        await uow.webauthn_challenges.add(mine)
        await uow.commit()
    async with uow:
        assert await uow.webauthn_challenges.take(mine.challenge) == mine
        assert await uow.webauthn_challenges.take(mine.challenge) is None
        assert await uow.webauthn_challenges.take("unknown") is None
        await uow.commit()


async def test_expired_challenges_are_pruned_oldest_first_and_live_ones_kept(uow: Any) -> None:
    async with uow:
        for minutes in (0, 1, 10):
            await uow.webauthn_challenges.add(
                WebauthnChallenge.issue(
                    f"c{minutes}", ChallengePurpose.AUTHENTICATION, NOW + timedelta(minutes=minutes)
                )
            )
        await uow.commit()
    async with uow:
        assert await uow.webauthn_challenges.prune(NOW + timedelta(minutes=7), limit=1) == 1
        assert await uow.webauthn_challenges.prune(NOW + timedelta(minutes=7)) == 1
        await uow.commit()
    async with uow:
        assert await uow.webauthn_challenges.take("c0") is None
        assert await uow.webauthn_challenges.take("c1") is None
        assert (await uow.webauthn_challenges.take("c10")) is not None


async def test_deleting_an_account_deletes_its_passkeys_and_challenges(uow: Any) -> None:
    ada, bob = await new_user(uow), await new_user(uow, "bob@example.com")
    async with uow:
        await uow.passkeys.add(passkey(ada))
        await uow.passkeys.add(passkey(bob, b"\x02" * 16))
        await uow.webauthn_challenges.add(
            WebauthnChallenge.issue("ada", ChallengePurpose.REGISTRATION, NOW, ada.id)
        )
        await uow.webauthn_challenges.add(
            WebauthnChallenge.issue("anyone", ChallengePurpose.AUTHENTICATION, NOW)
        )
        await uow.commit()
    async with uow:
        await uow.users.delete(ada)
        await uow.commit()
    async with uow:
        assert await uow.passkeys.of_account(ada.id) == []
        assert len(await uow.passkeys.of_account(bob.id)) == 1
        assert await uow.webauthn_challenges.take("ada") is None
        assert await uow.webauthn_challenges.take("anyone") is not None
