"""The UserRepository port's contract, held by the fake and by the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest

from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.errors import UserAlreadyExists
from domain.suppressions import Suppression, SuppressionSource
from domain.user import Role, User, UserFilter, UserPosition
from tests.ports.conftest import NOW


def new_user(address: str = "ada@example.com", **fields: Any) -> User:
    return User(
        email=Email.parse(address),
        password_hash="hash",
        created_at=fields.pop("created_at", NOW),
        first_name=fields.pop("first_name", "Ada"),
        **fields,
    )


async def add(uow: Any, *users: User) -> None:
    async with uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def test_a_user_round_trips_with_aware_utc_times(uow: Any) -> None:
    user = new_user()
    await add(uow, user)
    async with uow:
        found = await uow.users.get_by_email(Email.parse("ADA@example.com"))
        by_id = await uow.users.get(user.id)
        held = await uow.users.get_for_change(user.id)
    assert found is not None and found.id == user.id and found.first_name == "Ada"
    assert found.created_at == NOW and found.created_at.tzinfo is not None
    assert asdict(by_id) == asdict(found) == asdict(held) == asdict(user)  # User compares by identity


async def test_an_unknown_account_is_none_by_every_look_up(uow: Any) -> None:
    await add(uow, new_user())
    async with uow:
        assert await uow.users.get(uuid.uuid4()) is None
        assert await uow.users.get_for_change(uuid.uuid4()) is None
        assert await uow.users.get_with_suppression(uuid.uuid4()) is None
        assert await uow.users.get_by_email(Email.parse("grace@example.com")) is None
        # The stored address is the normal form: a look-up by another spelling of it is not normalised again.
        assert await uow.users.get_by_email(Email("ADA@example.com")) is None


async def test_leaving_without_commit_rolls_back(uow: Any) -> None:
    async with uow:
        await uow.users.add(new_user())
    async with uow:
        assert await uow.users.count() == 0


async def test_a_duplicate_address_is_refused(uow: Any) -> None:
    await add(uow, new_user())
    with pytest.raises(UserAlreadyExists):
        async with uow:
            await uow.users.add(new_user())
            await uow.commit()
    async with uow:
        assert await uow.users.count() == 1


async def test_saving_an_account_onto_anothers_address_is_refused(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    await add(uow, ada, grace)
    with pytest.raises(UserAlreadyExists):
        async with uow:
            moved = await uow.users.get_for_change(grace.id)
            moved.change_email(ada.email)
            await uow.users.save(moved)
            await uow.commit()
    async with uow:
        assert (await uow.users.get(grace.id)).email == grace.email  # type: ignore[union-attr]


async def test_add_unless_taken_writes_nothing_for_a_taken_address(uow: Any) -> None:
    first, second = new_user(), new_user("ADA@example.com", first_name="Other")
    async with uow:
        assert await uow.users.add_unless_taken(first)
        assert not await uow.users.add_unless_taken(second)
        await uow.commit()
    async with uow:
        assert await uow.users.count() == 1 and await uow.users.get(second.id) is None
        assert (await uow.users.get_by_email(first.email)).first_name == "Ada"  # type: ignore[union-attr]


async def test_save_updates_and_list_pages(uow: Any) -> None:
    users = [new_user(f"u{n}@example.com") for n in range(3)]
    await add(uow, *users)
    async with uow:
        user = await uow.users.get_for_change(users[0].id)
        assert user is not None and user.verify_email(user.email)
        await uow.users.save(user)
        await uow.commit()
    async with uow:
        assert (await uow.users.get(users[0].id)).is_verified  # type: ignore[union-attr]
        assert len(await uow.users.list(offset=1, limit=5)) == 2 and await uow.users.count() == 3


async def test_a_returned_account_is_a_copy_until_saved(uow: Any) -> None:
    user = new_user()
    await add(uow, user)
    async with uow:
        found = await uow.users.get(user.id)
        found.update_profile(first_name="Grace")
        assert (await uow.users.get(user.id)).first_name == "Ada"  # type: ignore[union-attr]


async def test_list_is_in_creation_order_then_id(uow: Any) -> None:
    same_time = sorted((new_user(f"s{n}@example.com", created_at=NOW) for n in range(3)), key=lambda u: u.id)
    older = new_user("old@example.com", created_at=NOW - timedelta(days=1))
    await add(uow, *reversed(same_time), older)
    async with uow:
        listed = await uow.users.list(offset=0, limit=10)
        page = await uow.users.list(offset=2, limit=1)
    assert [u.id for u in listed] == [older.id, *(u.id for u in same_time)]
    assert [u.id for u in page] == [same_time[1].id]


async def test_the_suppression_list_comes_with_the_account(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    await add(uow, ada, grace)
    async with uow:
        await uow.suppressions.add(Suppression(ada.email.value, SuppressionSource.HARD, "bounced", NOW))
        await uow.commit()
    async with uow:
        found, suppressed = await uow.users.get_with_suppression(ada.id)
        other, other_suppressed = await uow.users.get_with_suppression(grace.id)
    assert found.id == ada.id and suppressed
    assert other.id == grace.id and not other_suppressed


async def test_search_filters_by_prefix_role_verification_and_state_along_a_cursor(uow: Any) -> None:
    at = [NOW + timedelta(seconds=n) for n in range(6)]
    admin = new_user("boss@example.com", created_at=at[0], role=Role.ADMIN, is_verified=True, first_name="Bo")
    named = new_user("x1@example.com", created_at=at[1], first_name="Adalyn")
    by_last = new_user("x2@example.com", created_at=at[2], first_name="Zed", last_name="ADAMS")
    by_username = new_user("x3@example.com", created_at=at[3], first_name="Q", username="adam_99")
    off = new_user("ada@example.com", created_at=at[4], disabled_at=NOW, is_verified=True)
    literal = new_user("a%b@example.com", created_at=at[5], first_name="P")
    await add(uow, admin, named, by_last, by_username, off, literal)

    async def ids(filter: UserFilter, after: UserPosition | None = None, limit: int = 10) -> list[uuid.UUID]:
        async with uow:
            return [u.id for u in await uow.users.search(filter, after, limit)]

    assert await ids(UserFilter(prefix="ADA")) == [named.id, by_last.id, by_username.id, off.id]
    assert await ids(UserFilter(prefix="adam_")) == [by_username.id]  # "_" is itself, not any character
    assert await ids(UserFilter(prefix="a%")) == [literal.id]  # and "%" is itself
    assert await ids(UserFilter(role=Role.ADMIN)) == [admin.id]
    assert await ids(UserFilter(verified=True)) == [admin.id, off.id]
    assert await ids(UserFilter(verified=False, disabled=False)) == [
        named.id,
        by_last.id,
        by_username.id,
        literal.id,
    ]
    assert await ids(UserFilter(disabled=True)) == [off.id]
    assert await ids(UserFilter(), limit=2) == [admin.id, named.id]
    assert await ids(UserFilter(prefix="ad"), UserPosition(by_last.created_at, by_last.id)) == [
        by_username.id,
        off.id,
    ]


async def test_the_active_administrators_are_the_verified_enabled_ones(uow: Any) -> None:
    admins = [new_user(f"a{n}@example.com", role=Role.ADMIN, is_verified=True) for n in range(2)]
    unverified = new_user("u@example.com", role=Role.ADMIN)
    disabled = new_user("d@example.com", role=Role.ADMIN, is_verified=True, disabled_at=NOW)
    await add(uow, *admins, unverified, disabled, new_user("plain@example.com", is_verified=True))
    async with uow:
        assert list(await uow.users.lock_active_admins()) == sorted(a.id for a in admins)


async def test_a_deleted_account_takes_its_sessions_codes_and_email_requests_with_it(uow: Any) -> None:
    ada, grace = new_user(), new_user("grace@example.com")
    await add(uow, ada, grace)
    code = OneTimeCode(
        user_id=ada.id,
        purpose=TokenPurpose.LOGIN,
        email=ada.email,
        digest="d" * 64,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
    )
    by_id = EmailRequest(EmailRequestKind.CHANGE_EMAIL, Email.parse("new@example.com"), NOW, user_id=ada.id)
    by_address = EmailRequest(EmailRequestKind.SIGN_UP, ada.email, NOW + timedelta(seconds=1))
    others = EmailRequest(EmailRequestKind.SIGN_UP, grace.email, NOW + timedelta(seconds=2), user_id=grace.id)
    async with uow:
        await uow.refresh_tokens.add("a" * 64, ada.id, uuid.uuid4(), NOW, NOW + timedelta(days=1))
        await uow.refresh_tokens.add("g" * 64, grace.id, uuid.uuid4(), NOW, NOW + timedelta(days=1))
        await uow.codes.replace(code)
        for request in (by_id, by_address, others):
            await uow.email_requests.add(request)
        await uow.commit()
    async with uow:
        await uow.users.delete(await uow.users.get(ada.id))
        await uow.commit()
    async with uow:
        assert await uow.users.get(ada.id) is None and await uow.users.count() == 1
        assert await uow.refresh_tokens.get("a" * 64) is None
        assert await uow.refresh_tokens.get("g" * 64) is not None
        assert await uow.codes.hold(ada.email, TokenPurpose.LOGIN, NOW) is None
        assert [r.id for r in await uow.email_requests.claim(10)] == [others.id]
