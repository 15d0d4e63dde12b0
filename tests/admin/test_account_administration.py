"""Administrators disable, promote and delete accounts; the last administrator stays."""

from datetime import timedelta

import pytest

from application.account.delete_own_account import OwnDeletion
from application.admin.administer_account import AccountChange
from application.admin.create_admin import NewAdmin
from application.admin.find_users import UserSearch
from application.sessions.login import Credentials
from domain.errors import AccountDisabled, InvalidCursor, LastAdmin, NotAuthenticated, WrongPassword
from domain.user import Role, UserFilter
from tests.world import World


def event_types(world: World) -> list[str]:
    return [event.type for event in world.uow.store.events.values()]  # in the order they were written


async def test_a_disabled_account_loses_its_sessions_and_cannot_log_in_until_enabled() -> None:
    world = World()
    ada = await world.sign_up("ada@example.com")
    session = await world.login().execute(Credentials("ada@example.com", "correct horse"))

    changed = await world.administer_account().execute(AccountChange(ada.id, disabled=True))
    assert changed.disabled is True
    for attempt in (
        world.authenticate().execute(session.access_token),
        world.refresh_session().execute(session.refresh_token),
        world.login().execute(Credentials("ada@example.com", "correct horse")),
    ):
        with pytest.raises(AccountDisabled):
            await attempt
    assert event_types(world)[-1] == "user.disabled"

    await world.administer_account().execute(AccountChange(ada.id, disabled=False))
    await world.login().execute(Credentials("ada@example.com", "correct horse"))
    with pytest.raises(NotAuthenticated):  # its old session stays ended
        await world.refresh_session().execute(session.refresh_token)


async def test_the_last_active_admin_is_kept_however_it_would_go() -> None:
    world = World()
    root = await world.create_admin().execute(NewAdmin("root@example.com", "correct horse"))
    for change in (
        AccountChange(root.id, role=Role.USER),
        AccountChange(root.id, disabled=True),
        AccountChange(root.id, is_verified=False),
    ):
        with pytest.raises(LastAdmin):
            await world.administer_account().execute(change)
    with pytest.raises(LastAdmin):
        await world.delete_account().execute(root.id)

    second = await world.create_admin().execute(NewAdmin("second@example.com", "correct horse"))
    assert (await world.administer_account().execute(AccountChange(root.id, role=Role.USER))).role == "user"
    with pytest.raises(LastAdmin):
        await world.administer_account().execute(AccountChange(second.id, disabled=True))


async def test_search_pages_by_cursor_and_filters() -> None:
    world = World()
    for n in range(7):
        await world.sign_up(f"reader{n}@example.com")
        world.clock.advance(timedelta(seconds=1))
    await world.create_admin().execute(NewAdmin("root@example.com", "correct horse"))
    seen, cursor = [], None
    while True:
        page = await world.find_users().execute(UserSearch(UserFilter(role=Role.USER), 3, cursor))
        seen += [u.email for u in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == [f"reader{n}@example.com" for n in range(7)]
    only = await world.find_users().execute(UserSearch(UserFilter(prefix="READER3"), 10))
    assert [u.email for u in only.items] == ["reader3@example.com"] and only.next_cursor is None
    with pytest.raises(InvalidCursor):
        await world.find_users().execute(UserSearch(UserFilter(), 3, "bm90IGEgY3Vyc29y"))


async def test_the_owner_deletes_the_account_with_the_password_and_its_emails_waiting_go_too() -> None:
    world = World()
    ada = await world.sign_up("ada@example.com")  # its verification email still waits in the outbox
    with pytest.raises(WrongPassword):
        await world.delete_own_account().execute(OwnDeletion(ada.id, password="wrong horse"))
    await world.delete_own_account().execute(OwnDeletion(ada.id, password="correct horse"))

    assert await world.user_count() == 0
    by_subject = {row["message"].content.subject: row for row in world.uow.store.outbox.values()}
    assert by_subject["verify_email"]["status"] == "cancelled"
    assert by_subject["verify_email"]["message"].content.text_body == ""
    assert by_subject["account_deleted"]["status"] == "pending"
    assert event_types(world)[-1] == "user.deleted"
    await world.sign_up("ada@example.com")  # the address is free again


async def test_the_trail_is_pruned_past_its_retention_a_batch_at_a_time() -> None:
    world = World()
    await world.sign_up("ada@example.com")
    for _ in range(3):
        await world.login().execute(Credentials("ada@example.com", "correct horse"))
    world.clock.advance(timedelta(days=366))
    await world.login().execute(Credentials("ada@example.com", "correct horse"))
    housekeeping = world.housekeeping()
    housekeeping.TRAIL_BATCH = 2
    await housekeeping.execute()
    assert len(world.uow.store.security_events) == 3  # two of the four old ones went
    await housekeeping.execute()
    assert [e.type.value for e in world.uow.store.security_events] == ["login_succeeded"]


async def test_a_wrong_code_is_in_the_accounts_trail_and_an_unknown_address_in_nobodys() -> None:
    from application.shared.code_entry import CodeEntry
    from domain.errors import InvalidCode

    world = World()
    ada = await world.sign_up("ada@example.com")
    for address in ("ada@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCode):
            await world.verify_email_by_code().execute(CodeEntry(address, "000000"))
    failures = [e for e in world.uow.store.security_events if e.type.value == "code_failed"]
    assert [(e.user_id, e.detail) for e in failures] == [(ada.id, "verify-email")]


async def test_an_account_is_found_by_id_or_address_and_described_with_its_last_sign_in() -> None:
    from application.admin.describe_account import DescribeAccount, LocateAccount
    from domain.errors import InvalidEmail
    from domain.trail import SecurityEvent, SecurityEventType

    world = World()
    ada = await world.sign_up("ada@example.com")
    locate = LocateAccount(uow=world.uow)
    assert (await locate.execute("Ada@Example.com")) == (await locate.execute(str(ada.id))) == ada
    assert await locate.execute("bo@example.com") is None
    with pytest.raises(InvalidEmail):
        await locate.execute("neither an id nor an address")

    describe = DescribeAccount(uow=world.uow, clock=world.clock)
    never = await describe.execute(ada.id)
    assert (never.sessions, never.factors, never.email_deliverable, never.last_sign_in) == (0, (), True, None)
    await world.login().execute(Credentials("ada@example.com", "correct horse"))
    signed_in_at = world.clock.now()
    # More entries since than one page of the trail holds: the last sign-in is still found.
    async with world.uow as uow:
        for _ in range(450):
            world.clock.advance(timedelta(seconds=1))
            await uow.security_events.add(
                SecurityEvent(SecurityEventType.SESSION_ENDED, ada.id, world.clock.now())
            )
        await uow.commit()
    described = await describe.execute(ada.id)
    assert described.sessions == 1 and described.last_sign_in == signed_in_at
