"""The six-digit codes beside the links: each flow by code, guesses, and the code and link dying together."""

import asyncio
from datetime import timedelta

import pytest

from application.address.change_email import EmailChange
from application.address.confirm_email_change_by_code import EmailChangeCode
from application.password.confirm_reset import ResetConfirmation
from application.password.reset_password_by_code import CodeReset
from application.sessions.login import Credentials
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from domain.codes import TokenPurpose
from domain.errors import InvalidCode, InvalidCredentials, InvalidToken, NotAuthenticated
from tests.world import CLIENT, World

ADA = "ada@example.com"


@pytest.fixture
async def world() -> World:
    world = World()
    await world.sign_up(ADA)
    return world


def entry(code: str, email: str = ADA) -> CodeEntry:
    return CodeEntry(email, code, CLIENT)


async def reset_code(world: World) -> str:
    await world.request_reset().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    return world.last_code()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_the_verification_code_verifies_once(world: World) -> None:
    code = world.last_code()
    assert await world.verify_email_by_code().execute(entry(code)) is True
    assert (await world.account(ADA)).is_verified
    with pytest.raises(InvalidCode):
        await world.verify_email_by_code().execute(entry(code))


async def test_a_wrong_code_and_an_unknown_address_get_one_answer(world: World) -> None:
    with pytest.raises(InvalidCode) as wrong_code:
        await world.verify_email_by_code().execute(entry(wrong(world.last_code())))
    with pytest.raises(InvalidCode) as unknown:
        await world.verify_email_by_code().execute(entry(world.last_code(), "nobody@example.com"))
    assert (wrong_code.value.message, wrong_code.value.resolution) == (
        unknown.value.message,
        unknown.value.resolution,
    )


async def test_after_five_wrong_codes_even_the_right_one_is_refused(world: World) -> None:
    code = world.last_code()
    for _ in range(5):
        with pytest.raises(InvalidCode):
            await world.verify_email_by_code().execute(entry(wrong(code)))
    with pytest.raises(InvalidCode):
        await world.verify_email_by_code().execute(entry(code))
    await world.resend_verification().execute(
        LinkRequest(ADA, CLIENT)
    )  # a new email: a new code, five new tries
    await world.answer_email_requests()
    assert await world.verify_email_by_code().execute(entry(world.last_code())) is True


async def test_a_newer_email_retires_the_older_code(world: World) -> None:
    older = await reset_code(world)
    newer = await reset_code(world)
    with pytest.raises(InvalidCode):
        await world.reset_password_by_code().execute(
            CodeReset(ADA, older, "battery staple", "battery staple")
        )
    await world.reset_password_by_code().execute(CodeReset(ADA, newer, "battery staple", "battery staple"))


async def test_a_reset_by_code_ends_every_session_kills_the_link_and_tells_the_owner(world: World) -> None:
    session = await world.login().execute(Credentials(ADA, "correct horse"))
    code = await reset_code(world)
    link = world.tokens.last(TokenPurpose.RESET_PASSWORD)

    await world.reset_password_by_code().execute(
        CodeReset(ADA, code, "battery staple", "battery staple", CLIENT)
    )

    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(session.refresh_token)
    with pytest.raises(InvalidToken):
        await world.confirm_reset().execute(ResetConfirmation(link, "other staple", "other staple"))
    with pytest.raises(InvalidCredentials):
        await world.login().execute(Credentials(ADA, "correct horse"))
    assert world.uow.outbox_messages[-1].content.subject == "password_changed"


async def test_a_reset_by_link_kills_the_code(world: World) -> None:
    code = await reset_code(world)
    await world.confirm_reset().execute(
        ResetConfirmation(world.tokens.last(TokenPurpose.RESET_PASSWORD), "battery staple", "battery staple")
    )
    with pytest.raises(InvalidCode):
        await world.reset_password_by_code().execute(CodeReset(ADA, code, "other staple", "other staple"))


async def test_verifying_by_link_kills_the_code(world: World) -> None:
    code = world.last_code()
    await world.verify_email().execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL))
    with pytest.raises(InvalidCode):
        await world.verify_email_by_code().execute(entry(code))


async def test_an_email_change_by_code_is_the_asking_accounts_only(world: World) -> None:
    ada = await world.account(ADA)
    await world.change_email().execute(EmailChange(ada.id, "new@example.com", "correct horse"))
    await world.answer_email_requests()
    code = world.last_code("new@example.com")
    link = world.tokens.last(TokenPurpose.CHANGE_EMAIL)
    other = await world.sign_up("eve@example.com")
    with pytest.raises(InvalidCode):
        await world.confirm_email_change_by_code().execute(EmailChangeCode(other.id, "new@example.com", code))

    changed = await world.confirm_email_change_by_code().execute(
        EmailChangeCode(ada.id, "new@example.com", code)
    )
    assert changed.email == "new@example.com" and changed.is_verified
    with pytest.raises(InvalidToken):  # the link died with the code
        await world.confirm_email_change().execute(link)


async def test_signing_in_by_code_works_once_and_proves_the_address(world: World) -> None:
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.request_login_code().execute(LinkRequest("nobody@example.com", CLIENT))
    before = len(world.uow.outbox_messages)
    await world.answer_email_requests()
    assert len(world.uow.outbox_messages) == before + 1  # the unknown address got nothing
    code = world.last_code()

    session = await world.login_by_code().execute(entry(code))
    assert session.user.email == ADA and session.user.is_verified
    with pytest.raises(InvalidCode):
        await world.login_by_code().execute(entry(code))


async def test_the_login_link_signs_in_once_and_takes_its_code_along(world: World) -> None:
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    code, link = world.last_code(), world.tokens.last(TokenPurpose.LOGIN)

    assert (await world.login_by_link().execute(link)).user.email == ADA
    with pytest.raises(InvalidToken):
        await world.login_by_link().execute(link)
    with pytest.raises(InvalidCode):
        await world.login_by_code().execute(entry(code))


async def test_changing_the_password_tells_the_owner(world: World) -> None:
    from application.password.change_password import PasswordChange

    ada = await world.account(ADA)
    await world.change_password().execute(PasswordChange(ada.id, "correct horse", "battery staple", CLIENT))
    [notice] = [m for m in world.uow.outbox_messages if m.content.subject == "password_changed"]
    assert notice.recipient == ADA and notice.expires_at is None  # no live token in it


async def test_only_one_of_twenty_concurrent_uses_of_the_right_code_succeeds(world: World) -> None:
    code = world.last_code()

    async def use() -> str:
        try:
            await world.verify_email_by_code().execute(entry(code))
            return "verified"
        except InvalidCode:
            return "refused"

    assert sorted(await asyncio.gather(*(use() for _ in range(20)))).count("verified") == 1


async def test_an_account_someone_else_signed_up_first_is_theirs_no_more_once_its_owner_signs_in_by_code() -> (  # noqa: E501
    None
):
    world = World()
    await world.sign_up(ADA, "squatters password")  # not Ada: whoever typed her address first
    squatter = await world.login().execute(Credentials(ADA, "squatters password", CLIENT))
    world.clock.advance(timedelta(seconds=1))

    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    ada = await world.login_by_code().execute(entry(world.last_code()))

    assert ada.user.is_verified
    with pytest.raises(InvalidCredentials):
        await world.login().execute(Credentials(ADA, "squatters password", CLIENT))
    with pytest.raises(NotAuthenticated):
        await world.refresh_session().execute(squatter.refresh_token)
    with pytest.raises(NotAuthenticated):
        await world.authenticate().execute(squatter.access_token)
    assert (await world.authenticate().execute(ada.access_token)).user.email == ADA


async def test_signing_in_by_code_again_ends_no_session_of_a_verified_account(world: World) -> None:
    await world.verify_email().execute(world.tokens.last(TokenPurpose.VERIFY_EMAIL))
    earlier = await world.login().execute(Credentials(ADA, "correct horse", CLIENT))
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    await world.login_by_code().execute(entry(world.last_code()))
    assert (await world.refresh_session().execute(earlier.refresh_token)).user.email == ADA
    await world.login().execute(Credentials(ADA, "correct horse", CLIENT))


async def test_five_wrong_codes_kill_the_login_link_too(world: World) -> None:
    await world.request_login_code().execute(LinkRequest(ADA, CLIENT))
    await world.answer_email_requests()
    code, link = world.last_code(), world.tokens.last(TokenPurpose.LOGIN)
    for _ in range(5):
        with pytest.raises(InvalidCode):
            await world.login_by_code().execute(entry(wrong(code)))
    with pytest.raises(InvalidCode):
        await world.login_by_code().execute(entry(code))
    with pytest.raises(InvalidToken):
        await world.login_by_link().execute(link)
