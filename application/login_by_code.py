from __future__ import annotations

from application.code_sign_in import sign_in_with_code
from application.codes_in_use import CodeEntry
from application.one_time_codes import CodeBook
from application.ports import Clock, TokenPurpose, UnitOfWork
from application.session_issuer import SessionIssuer
from application.views import SessionTokens
from domain.errors import InvalidCode


class LoginByCode:
    """Signs in with the code of a login email, once: for people who forgot or never set a password.
    The code came to the address, so the address is proven."""

    def __init__(self, *, uow: UnitOfWork, codes: CodeBook, sessions: SessionIssuer, clock: Clock) -> None:
        self._uow = uow
        self._codes = codes
        self._sessions = sessions
        self._clock = clock

    async def execute(self, entry: CodeEntry) -> SessionTokens:
        code = await self._codes.check(self._uow, entry.email, entry.code, TokenPurpose.LOGIN, entry.client)
        return await sign_in_with_code(self._uow, self._sessions, code.user_id, code.id, self._clock, InvalidCode)
