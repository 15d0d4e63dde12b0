"""Wrong codes counted across codes and purposes: per address and client in login's window, and in a row per
address from every client until a success; a right code beaten to its use is no wrong guess."""

from datetime import timedelta

import pytest

from application.password.reset_password_by_code import CodeReset
from application.sessions.login import Credentials
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from domain.codes import TokenPurpose
from domain.email import Email
from domain.errors import InvalidCode
from tests.world import CLIENT, World

ADA = "ada@example.com"
OWNER = "198.51.100.20"  # the person's own client, elsewhere


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
async def world() -> World:
    world = World()
    await world.sign_up(ADA)
    return world


async def login_code(world: World, email: str = ADA) -> str:
    await world.request_login_code().execute(LinkRequest(email, CLIENT))
    await world.answer_email_requests()
    return world.last_code()


async def sign_in(world: World, code: str, client: str = CLIENT) -> bool:
    try:
        await world.login_by_code().execute(CodeEntry(ADA, code, client))
        return True
    except InvalidCode:
        return False


async def wrong_codes_across_purposes(world: World, count: int, client: str = CLIENT) -> None:
    """`count` wrong codes, spread over the verification, reset and sign-in codes, four at most at each."""
    await world.request_reset().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    reset = world.last_code()
    tries = [
        lambda: world.verify_email_by_code().execute(CodeEntry(ADA, "000000", client)),
        lambda: world.reset_password_by_code().execute(
            CodeReset(ADA, wrong(reset), "battery staple", "battery staple", client)
        ),
    ]
    for n in range(count):
        with pytest.raises(InvalidCode):
            await tries[n % 2]() if n < 8 else await world.login_by_code().execute(
                CodeEntry(ADA, "000000", client)
            )


async def test_past_the_limit_even_a_new_right_code_is_refused_from_that_client_until_the_window_ends(
    world: World,
) -> None:
    await wrong_codes_across_purposes(world, world.login_failures.limit)
    code = await login_code(world)
    assert not await sign_in(world, code)  # refused as a wrong code
    world.clock.advance(world.login_failures.window)
    assert await sign_in(world, await login_code(world))


async def test_the_limit_holds_the_attackers_client_only(world: World) -> None:
    await wrong_codes_across_purposes(world, world.login_failures.limit)
    code = await login_code(world)
    assert await sign_in(world, code, client=OWNER)  # the person's own client: untouched


async def test_the_owners_password_elsewhere_does_not_lift_the_attackers_limit(world: World) -> None:
    await wrong_codes_across_purposes(world, world.login_failures.limit)
    await world.login().execute(Credentials(ADA, "correct horse", OWNER))
    code = await login_code(world)
    assert not await sign_in(world, code)
    world.clock.advance(world.login_failures.window)
    assert await sign_in(world, await login_code(world))


async def test_an_unknown_address_is_counted_as_a_known_one(world: World) -> None:
    for email in (ADA, "nobody@example.com"):
        for _ in range(world.login_failures.limit + 2):
            with pytest.raises(InvalidCode):
                await world.login_by_code().execute(CodeEntry(email, "000000", CLIENT))
    runs = world.uow.store.code_failures
    assert runs[ADA][0] == runs["nobody@example.com"][0] == world.login_failures.limit + 2
    counts = {
        key.split(":")[1]: n
        for (key, _), n in world.uow.store.counters.items()
        if key.startswith("code-failures:")
    }
    assert counts == {
        ADA: world.login_failures.limit + 2,
        "nobody@example.com": world.login_failures.limit + 2,
    }


async def test_a_hundred_wrong_codes_in_a_row_from_many_clients_stop_every_code_until_a_success(
    world: World,
) -> None:
    await login_code(world)
    clients = [f"192.0.2.{n}" for n in range(10)]
    for client in clients:  # each client within its own limit
        for _ in range(world.login_failures.limit):
            assert not await sign_in(world, "000000", client)
    code = await login_code(world)
    assert not await sign_in(world, code, client=OWNER)  # the 101st, from a client never seen: refused
    world.clock.advance(timedelta(days=30))  # no window ends a run
    assert not await sign_in(world, code, client=OWNER)
    code = await login_code(world)
    await world.login().execute(Credentials(ADA, "correct horse", OWNER))  # a success ends the run
    assert await sign_in(world, code, client=OWNER)


async def test_a_login_link_ends_the_run_and_is_not_limited_itself(world: World) -> None:
    for n in range(100):
        assert not await sign_in(world, "000000", f"192.0.2.{n // 10}")
    await login_code(world)
    assert (await world.login_by_link().execute(world.tokens.last(TokenPurpose.LOGIN))).user.email == ADA
    assert world.uow.store.code_failures == {}
    assert await sign_in(world, await login_code(world), client=OWNER)


async def test_a_right_code_counts_as_no_failure_and_ends_the_run(world: World) -> None:
    for _ in range(world.login_failures.limit - 1):
        assert not await sign_in(world, "000000")
    assert await sign_in(world, await login_code(world))
    assert ADA not in world.uow.store.code_failures
    assert await sign_in(world, await login_code(world))  # the right ones took their counts back
    assert not await sign_in(world, "000000")  # the limit-th wrong code
    assert not await sign_in(world, await login_code(world))


async def test_a_right_code_used_already_is_no_wrong_guess(world: World) -> None:
    code = await login_code(world)
    assert await sign_in(world, code)
    for _ in range(world.login_failures.limit * 2):  # as many uses that came too late
        assert not await sign_in(world, code)
    assert world.uow.store.code_failures.get(ADA, (0,))[0] == 0
    assert await sign_in(world, await login_code(world))  # the client is not limited


async def test_a_refused_try_past_the_limit_does_not_wear_out_the_owners_code(world: World) -> None:
    await wrong_codes_across_purposes(world, world.login_failures.limit)
    code = await login_code(world)
    for _ in range(10):
        assert not await sign_in(world, wrong(code))
    stored = next(
        c for c in world.uow.store.codes.values() if c.email == Email(ADA) and c.purpose is TokenPurpose.LOGIN
    )
    assert stored.attempts == 0
    assert await sign_in(world, code, client=OWNER)


async def test_housekeeping_forgets_quiet_runs_of_addresses_with_no_account_only(world: World) -> None:
    for email in (ADA, "nobody@example.com"):
        with pytest.raises(InvalidCode):
            await world.login_by_code().execute(CodeEntry(email, "000000", CLIENT))
    world.clock.advance(timedelta(days=3))
    await world.housekeeping().execute()
    assert set(world.uow.store.code_failures) == {ADA}


async def test_a_reset_link_ends_the_run(world: World) -> None:
    from application.password.confirm_reset import ResetConfirmation

    for n in range(100):
        assert not await sign_in(world, "000000", f"192.0.2.{n // 10}")
    await world.request_reset().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    await world.confirm_reset().execute(
        ResetConfirmation(world.tokens.last(TokenPurpose.RESET_PASSWORD), "battery staple", "battery staple")
    )
    assert world.uow.store.code_failures == {}
