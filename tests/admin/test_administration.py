import pytest

from application.admin.create_admin import NewAdmin
from application.admin.list_users import UserQuery
from application.signup.register_user import Signup
from domain.errors import AccountNotVerified, InsufficientPermissions, UserAlreadyExists
from domain.user import Role
from tests.world import World


async def test_create_admin_makes_a_verified_administrator() -> None:
    world = World()
    admin = await world.create_admin().execute(NewAdmin("Root@Example.com", "correct horse"))
    assert (admin.email, admin.role, admin.is_verified) == ("root@example.com", "admin", True)
    with pytest.raises(UserAlreadyExists):
        await world.create_admin().execute(NewAdmin("root@example.com", "correct horse"))


async def test_send_mail_queues_one_message_per_distinct_recipient() -> None:
    world = World()
    queued = await world.send_mail().execute(["a@example.com", "B@example.com", "a@example.com"])
    assert queued.recipients == 2
    assert sorted(m.recipient for m in world.uow.outbox_messages) == ["a@example.com", "b@example.com"]


async def test_send_mail_floods_no_inbox() -> None:
    world = World()
    outcomes = [
        await world.send_mail().execute(["victim@example.com", f"other{n}@example.com"]) for n in range(8)
    ]
    to_victim = [m for m in world.uow.outbox_messages if m.recipient == "victim@example.com"]
    assert len(to_victim) == world.per_address.limit
    assert [o.skipped for o in outcomes] == [0] * world.per_address.limit + [1] * (
        8 - world.per_address.limit
    )


async def test_users_are_listed_a_page_at_a_time() -> None:
    world = World()
    for n in range(3):
        await world.register_user().execute(Signup(f"u{n}@example.com", "correct horse"))
    page = await world.list_users().execute(UserQuery(offset=1, limit=1))
    assert (page.total, len(page.items)) == (3, 1)


async def test_an_unverified_account_is_refused_before_its_role_is_looked_at() -> None:
    world = World()
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    user = await world.account("ada@example.com")
    user.role = Role.ADMIN
    with pytest.raises(AccountNotVerified):
        user.require_role(frozenset({Role.ADMIN}))
    user.is_verified, user.role = True, Role.USER
    with pytest.raises(InsufficientPermissions):
        user.require_role(frozenset({Role.ADMIN}))
