from datetime import timedelta

import pytest

from application.sessions.login import Credentials
from application.signup.register_user import Signup
from domain.errors import InvalidCredentials, NotAuthenticated, NotFound, RateLimited
from domain.trail import SessionOrigin
from tests.fakes import FakeHasher
from tests.world import World


@pytest.fixture
async def world() -> World:
    world = World()
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    return world


def ada(password: str = "correct horse", client: str = "") -> Credentials:
    return Credentials("ada@example.com", password, client)


async def test_login_returns_tokens_and_the_user(world: World) -> None:
    session = await world.login().execute(Credentials("ADA@example.com", "correct horse"))
    assert session.user.email == "ada@example.com" and session.token_type == "bearer"
    caller = await world.authenticate().execute(session.access_token)
    assert caller.user.email == "ada@example.com"


@pytest.mark.parametrize(
    "email, password",
    [("ada@example.com", "wrong horse"), ("bob@example.com", "x" * 9), ("not an address", "x" * 9)],
)
async def test_a_wrong_email_or_password_gets_one_answer_and_costs_a_hash(
    world: World, email: str, password: str
) -> None:
    before = world.hasher.verifications
    with pytest.raises(InvalidCredentials):
        await world.login().execute(Credentials(email, password))
    assert world.hasher.verifications == before + 1


async def test_a_hash_of_an_older_scheme_is_upgraded_on_login(world: World) -> None:
    world.hasher = FakeHasher(scheme="fake3")
    user = await world.account("ada@example.com")
    user.password_hash = "fake2$correct horse"
    await world.save(user)
    await world.login().execute(ada())
    assert (await world.account("ada@example.com")).password_hash == "fake3$correct horse"


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(world: World) -> None:
    first = await world.login().execute(ada())
    refresh = world.refresh_session()

    second = await refresh.execute(first.refresh_token)
    assert second.refresh_token != first.refresh_token

    world.clock.advance(timedelta(seconds=11))  # past REFRESH_REUSE_GRACE_SECONDS: no race of the owner's
    with pytest.raises(NotAuthenticated):
        await refresh.execute(first.refresh_token)
    with pytest.raises(NotAuthenticated):  # the thief's reuse also ended the legitimate holder's session
        await refresh.execute(second.refresh_token)


async def test_an_expired_refresh_token_is_refused(world: World) -> None:
    session = await world.login().execute(ada())
    world.clock.advance(timedelta(days=15))
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(session.refresh_token)


async def test_logout_ends_the_refresh_token(world: World) -> None:
    session = await world.login().execute(ada())
    await world.logout().execute(session.refresh_token)
    await world.logout().execute("never issued")
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(session.refresh_token)


async def test_repeated_failures_lock_the_address_for_a_while_whether_or_not_it_exists(world: World) -> None:
    for address in ("ada@example.com", "nobody@example.com"):
        for _ in range(world.login_failures.limit):
            with pytest.raises(InvalidCredentials):
                await world.login().execute(Credentials(address, "wrong horse"))
        with pytest.raises(RateLimited) as locked:
            await world.login().execute(Credentials(address, "correct horse"))
        assert 0 < locked.value.retry_after_seconds <= 15 * 60 + 1
    world.clock.advance(timedelta(minutes=15))
    await world.login().execute(ada())  # the lock lifts with its window


async def test_an_attackers_guesses_do_not_lock_the_person_out_from_their_own_address(world: World) -> None:
    for _ in range(world.login_failures.limit + 5):
        with pytest.raises((InvalidCredentials, RateLimited)):
            await world.login().execute(ada("wrong horse", client="203.0.113.9"))
    session = await world.login().execute(ada(client="198.51.100.7"))
    assert session.user.email == "ada@example.com"


async def test_where_signup_hides_taken_addresses_an_unverified_account_cannot_log_in(world: World) -> None:
    world.reveal_existing_accounts = False
    with pytest.raises(InvalidCredentials):
        await world.login().execute(ada())


async def test_a_session_ends_at_its_absolute_lifetime_however_often_it_is_refreshed(world: World) -> None:
    session = await world.login().execute(ada())
    refresh = world.refresh_session()
    for _ in range(3):  # every nine days, well within the refresh token's fourteen
        world.clock.advance(timedelta(days=9))
        session = await refresh.execute(session.refresh_token)
    world.clock.advance(timedelta(days=4))  # 31 days after the login
    with pytest.raises(NotAuthenticated):
        await refresh.execute(session.refresh_token)


async def test_a_reuse_within_the_grace_gets_the_same_successor_and_no_branch_of_its_own(
    world: World,
) -> None:
    first = await world.login().execute(ada())
    refresh = world.refresh_session()
    one = await refresh.execute(first.refresh_token)
    world.clock.advance(timedelta(seconds=9))
    other = await refresh.execute(first.refresh_token)  # the second tab
    assert other.refresh_token == one.refresh_token  # one token, one branch: the tabs share it
    assert (await world.authenticate().execute(other.access_token)).user.email == "ada@example.com"
    again = await refresh.execute(one.refresh_token)
    world.clock.advance(timedelta(seconds=1))
    assert (await refresh.execute(other.refresh_token)).refresh_token == again.refresh_token
    world.clock.advance(timedelta(seconds=30))  # the grace of both spends is past: a reuse now is a copy's
    with pytest.raises(NotAuthenticated):
        await refresh.execute(one.refresh_token)
    with pytest.raises(NotAuthenticated):
        await refresh.execute(again.refresh_token)
    [entry] = [e for e in world.uow.store.security_events if e.detail == "refresh_token_reused"]
    assert entry.type.value == "session_ended"


@pytest.mark.parametrize("ending", ["logout", "end_session", "everywhere_else", "revoke"])
async def test_an_access_token_ends_with_its_session(world: World, ending: str) -> None:
    session = await world.login().execute(ada())
    caller = await world.authenticate().execute(session.access_token)
    if ending == "logout":
        await world.logout().execute(session.refresh_token)
    elif ending == "end_session":
        await world.end_session().execute(caller.user.id, caller.session_id)
    elif ending == "everywhere_else":
        other = await world.login().execute(ada())
        await world.log_out_everywhere_else().execute(await world.authenticate().execute(other.access_token))
        assert (await world.authenticate().execute(other.access_token)).user.id == caller.user.id
    else:
        await world.revoke_account_sessions().execute(caller.user.id)
    with pytest.raises(NotAuthenticated):
        await world.authenticate().execute(session.access_token)


async def test_an_access_token_naming_no_session_is_refused(world: World) -> None:
    session = await world.login().execute(ada())
    without_sid = session.access_token.rsplit("|", 1)[0] + "|"
    with pytest.raises(NotAuthenticated):
        await world.authenticate().execute(without_sid)


async def test_sessions_list_where_each_login_came_from_and_end_one_at_a_time(world: World) -> None:
    laptop = await world.login().execute(
        Credentials("ada@example.com", "correct horse", "", SessionOrigin("192.0.2.1", "Firefox on Linux"))
    )
    world.clock.advance(timedelta(minutes=1))
    phone = await world.login().execute(
        Credentials("ada@example.com", "correct horse", "", SessionOrigin("192.0.2.2", "Safari on iPhone"))
    )
    caller = await world.authenticate().execute(phone.access_token)

    sessions = await world.list_sessions().execute(caller)
    assert [(s.ip, s.device, s.current) for s in sessions] == [
        ("192.0.2.2", "Safari on iPhone", True),
        ("192.0.2.1", "Firefox on Linux", False),
    ]
    world.clock.advance(timedelta(minutes=1))
    renewed = await world.refresh_session().execute(laptop.refresh_token)
    [_, again] = await world.list_sessions().execute(caller)
    assert again.created_at < again.last_used_at and again.id == sessions[1].id  # a refresh is a use

    await world.end_session().execute(caller.user.id, again.id)
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(renewed.refresh_token)
    with pytest.raises(NotFound):
        await world.end_session().execute(caller.user.id, again.id)
    assert [s.current for s in await world.list_sessions().execute(caller)] == [True]


async def test_another_accounts_session_is_not_found(world: World) -> None:
    await world.register_user().execute(Signup("bob@example.com", "battery staple"))
    bob = await world.login().execute(Credentials("bob@example.com", "battery staple"))
    ada_session = await world.login().execute(ada())
    ada_caller = await world.authenticate().execute(ada_session.access_token)
    bob_caller = await world.authenticate().execute(bob.access_token)
    with pytest.raises(NotFound):
        await world.end_session().execute(ada_caller.user.id, bob_caller.session_id)
    await world.refresh_session().execute(bob.refresh_token)


async def test_logging_out_everywhere_else_keeps_the_callers_session(world: World) -> None:
    others = [await world.login().execute(ada()) for _ in range(3)]
    mine = await world.login().execute(ada())
    await world.log_out_everywhere_else().execute(await world.authenticate().execute(mine.access_token))
    for other in others:
        with pytest.raises(NotAuthenticated):
            await world.refresh_session().execute(other.refresh_token)
    await world.refresh_session().execute(mine.refresh_token)
