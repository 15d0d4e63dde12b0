"""An account with an authenticator app, on the fakes, and codes computed as the app computes them."""

from __future__ import annotations

from datetime import datetime

import pyotp
import pytest

from application.factors.confirm_totp import TotpConfirmation
from application.sessions.login import Credentials
from application.shared.authenticate import Caller
from domain.factors import SecondFactorRequired
from domain.views import SessionTokens
from tests.world import CLIENT, World

ADA = "ada@example.com"
PASSWORD = "correct horse"


def code_at(secret: str, when: datetime, steps: int = 0) -> str:
    """The app's code at `when`, `steps` periods later (or earlier)."""
    return pyotp.TOTP(secret).at(when, counter_offset=steps)


async def caller_of(world: World, tokens: SessionTokens) -> Caller:
    return await world.authenticate().execute(tokens.access_token)


async def signed_in(world: World) -> SessionTokens:
    tokens = await world.login().execute(Credentials(ADA, PASSWORD, CLIENT))
    assert isinstance(tokens, SessionTokens)
    return tokens


async def enrol(world: World) -> tuple[str, list[str], SessionTokens]:
    """Ada turns an app on: its secret, her recovery codes, and the session that enrolled it."""
    session = await signed_in(world)
    caller = await caller_of(world, session)
    enrolment = await world.start_totp_enrolment().execute(caller.user.id)
    codes = await world.confirm_totp().execute(
        TotpConfirmation(caller, code_at(enrolment.secret, world.clock.now()))
    )
    return enrolment.secret, codes, session


async def password_step(world: World) -> SecondFactorRequired:
    pending = await world.login().execute(Credentials(ADA, PASSWORD, CLIENT))
    assert isinstance(pending, SecondFactorRequired)
    return pending


@pytest.fixture
async def world() -> World:
    world = World()
    await world.sign_up(ADA, PASSWORD)
    user = await world.account(ADA)
    user.is_verified = True
    await world.save(user)
    return world
