"""Read-modify-write on an account is serialised, on PostgreSQL (row locks) and SQLite (BEGIN IMMEDIATE)."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from application.password.confirm_reset import ResetConfirmation
from application.sessions.login import Credentials
from application.shared.record_email_request import LinkRequest
from application.signup.register_user import Signup
from domain.email import Email
from domain.errors import InvalidToken, NotAuthenticated
from domain.factors import SecondFactorRequired, TotpFactor
from entrypoints.container import build_container, close_container
from tests.settings import service_settings


@pytest.fixture
async def container(database_url: str):  # type: ignore[no-untyped-def]
    container = build_container(service_settings(database_url, 25, LOGIN_FAILURES_PER_ACCOUNT=3))
    yield container
    await close_container(container)


async def test_a_locked_account_waits_for_the_holder_and_then_sees_its_change(container) -> None:  # type: ignore[no-untyped-def]
    user = await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    holder, waiter = container.uow(), container.uow()
    async with holder:
        held = await holder.users.get_for_change(user.id)

        async def verify_meanwhile() -> bool:
            async with waiter:
                current = await waiter.users.get_for_change(user.id)
                return current.is_verified

        waiting = asyncio.create_task(verify_meanwhile())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "a second read-for-update went through while the row was held"
        held.verify_email(held.email)
        await holder.users.save(held)
        await holder.commit()
    assert await waiting is True


async def test_a_sign_in_that_waited_for_an_app_being_confirmed_is_asked_for_it(container) -> None:  # type: ignore[no-untyped-def]
    # The gate reads the factors in a statement after the one that held the account: one statement that did
    # both would read them in the snapshot it took before it waited (PostgreSQL), and miss the app.
    user = await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    holder = container.uow()
    async with holder:
        held = await holder.users.get_for_change(user.id)
        held.verify_email(held.email)
        await holder.users.save(held)
        await holder.factors.put_totp(TotpFactor(user.id, "sealed", datetime.now(UTC)))
        assert await holder.factors.confirm_totp(user.id, datetime.now(UTC), 1)
        signing_in = asyncio.create_task(
            container.login().execute(Credentials("ada@example.com", "correct horse"))
        )
        await asyncio.sleep(1)
        assert not signing_in.done(), "a sign-in went through while the account was held"
        await holder.commit()
    assert isinstance(await signing_in, SecondFactorRequired)


async def test_mark_verified_holds_the_account_as_a_read_for_change_does(container) -> None:  # type: ignore[no-untyped-def]
    user = await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    holder, waiter = container.uow(), container.uow()
    async with holder:
        assert await holder.users.mark_verified(user.id, Email.parse("ada@example.com")) is not None

        async def read_meanwhile() -> bool:
            async with waiter:
                return (await waiter.users.get_for_change(user.id)).is_verified

        waiting = asyncio.create_task(read_meanwhile())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "a read-for-update went through while the verification held the row"
        await holder.commit()
    assert await waiting is True


async def test_one_reset_link_used_five_times_at_once_works_exactly_once(container) -> None:  # type: ignore[no-untyped-def]
    await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    token = await reset_link_token(container)

    async def use(password: str) -> str:
        try:
            await container.confirm_reset().execute(ResetConfirmation(token, password, password))
            return password
        except InvalidToken:
            return "refused"

    outcomes = await asyncio.gather(*(use(f"new password {n}") for n in range(5)))
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1
    session = await container.login().execute(Credentials("ada@example.com", winners[0]))
    assert session.user.email == "ada@example.com"


async def test_a_refresh_waits_for_a_reset_holding_the_account_and_then_is_refused(container) -> None:  # type: ignore[no-untyped-def]
    user = await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    session = await container.login().execute(Credentials("ada@example.com", "correct horse"))
    reset = container.uow()
    async with reset:  # what ConfirmReset does: lock the account, then revoke every token
        await reset.users.get_for_change(user.id)
        refreshing = asyncio.create_task(container.refresh_session().execute(session.refresh_token))
        await asyncio.sleep(0.3)
        assert not refreshing.done(), "a refresh went ahead while a reset held the account"
        await reset.refresh_tokens.revoke_all_for_user(user.id, container.clock().now())
        await reset.commit()
    with pytest.raises(NotAuthenticated):
        await refreshing


async def test_no_session_refreshed_during_a_reset_outlives_it(container) -> None:  # type: ignore[no-untyped-def]
    await container.register_user().execute(Signup("ada@example.com", "password 0 of ada"))

    async def refresh(refresh_token: str) -> str | None:
        try:
            return (await container.refresh_session().execute(refresh_token)).refresh_token
        except NotAuthenticated:
            return None

    rotated, survivors = [], []
    for n in range(4):  # the race is the scheduler's to decide: a few rounds, so some refreshes land first
        sessions = [
            await container.login().execute(Credentials("ada@example.com", f"password {n} of ada"))
            for _ in range(6)
        ]
        token = await reset_link_token(container)
        new_password = f"password {n + 1} of ada"
        *refreshed, _ = await asyncio.gather(
            *(refresh(s.refresh_token) for s in sessions),
            container.confirm_reset().execute(ResetConfirmation(token, new_password, new_password)),
        )
        rotated += filter(None, refreshed)
        survivors += [t for t in refreshed if t and await refresh(t)]
    assert rotated, "no refresh went through during a reset: the race was not run"
    assert survivors == []


async def reset_link_token(container) -> str:  # type: ignore[no-untyped-def]
    await container.request_reset().execute(LinkRequest("ada@example.com", "192.0.2.1"))
    await container.process_email_requests().execute()
    return await link_token_in_outbox(container, "/password-reset-confirm/")


async def link_token_in_outbox(container, path: str) -> str:  # type: ignore[no-untyped-def]
    """The newest link to `path` among the waiting emails (the claim is not committed, so they stay
    waiting)."""
    async with container.uow() as uow:
        messages = await uow.outbox.claim(50, container.clock().now(), timedelta(minutes=1), "test")
    *_, body = [m.content.text_body for m in messages if path in m.content.text_body]
    return body.split(path)[1].split()[0]


async def test_concurrent_guesses_cannot_pass_the_failed_login_limit(container) -> None:  # type: ignore[no-untyped-def]
    await container.register_user().execute(Signup("ada@example.com", "correct horse"))

    async def guess() -> str:
        try:
            await container.login().execute(
                Credentials("ada@example.com", "wrong horse", client="203.0.113.9")
            )
        except Exception as refusal:
            return type(refusal).__name__
        return "logged in"

    outcomes = await asyncio.gather(*(guess() for _ in range(20)))
    assert outcomes.count("InvalidCredentials") == 3 and outcomes.count("RateLimited") == 17


@pytest.mark.parametrize("ending", ["logout-all elsewhere", "ending the session", "logout"])
async def test_ending_a_session_waits_for_a_refresh_in_flight_and_ends_its_successor(  # type: ignore[no-untyped-def]
    container, ending: str
) -> None:
    # Found by a retest of issue 23: on PostgreSQL a refresh committing its successor while logout-all,
    # DELETE /sessions/{id} or a logout ran left that successor live, and the session with it.
    from application.shared.authenticate import Caller
    from application.shared.session_issuer import hash_refresh_token

    user = await container.register_user().execute(Signup("ada@example.com", "correct horse"))
    owner = await container.login().execute(Credentials("ada@example.com", "correct horse"))
    thief = await container.login().execute(Credentials("ada@example.com", "correct horse"))
    async with container.uow() as uow:
        owners = await uow.refresh_tokens.get(hash_refresh_token(owner.refresh_token))
        thiefs = await uow.refresh_tokens.get(hash_refresh_token(thief.refresh_token))
    clock, successor = container.clock(), hash_refresh_token("the refresh in flight's next token")
    refresh = container.uow()
    async with refresh:  # a refresh of the thief's token, as RefreshSession does it, not yet committed
        now = clock.now()
        await refresh.refresh_tokens.spend(hash_refresh_token(thief.refresh_token), now)
        await refresh.refresh_tokens.add(
            successor, user.id, thiefs.family_id, now, thiefs.expires_at, thiefs.session_expires_at
        )

        async def end() -> None:
            if ending == "logout-all elsewhere":
                caller = Caller(user, owners.family_id)  # RegisterUser answers the account's view
                await container.log_out_everywhere_else().execute(caller)
            elif ending == "ending the session":
                await container.end_session().execute(user.id, thiefs.family_id)
            else:
                await container.logout().execute(thief.refresh_token)

        ending_task = asyncio.create_task(end())
        await asyncio.sleep(0.3)
        assert not ending_task.done(), "the session ended while a refresh held the account"
        await refresh.commit()
    await ending_task
    async with container.uow() as uow:
        next_token = await uow.refresh_tokens.get(successor)
    assert next_token is not None and next_token.revoked_at is not None
