"""Signing in with what a login email carried, its code or its link: once, and the address is proven."""

from __future__ import annotations

import uuid

from application.ports import Clock, UnitOfWork
from application.session_issuer import SessionIssuer
from application.views import SessionTokens
from domain.errors import InvalidCode, InvalidToken
from domain.user import User


async def sign_in_with_code(uow: UnitOfWork, sessions: SessionIssuer, user_id: uuid.UUID, code_id: uuid.UUID, clock: Clock,
                  refusal: type[InvalidCode] | type[InvalidToken]) -> SessionTokens:
    async with uow:
        user: User | None = await uow.users.get_for_change(user_id)
        if user is None or not await uow.codes.spend(code_id, clock.now()):
            raise refusal()
        if user.verify_email(user.email):
            await uow.users.save(user)
        session = await sessions.open(uow, user)
        await uow.commit()
    return await sessions.hand_out(session)
