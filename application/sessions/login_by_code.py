from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.sessions._code_sign_in import sign_in_with_code
from application.shared.code_book import CodeBook
from application.shared.code_entry import CodeEntry
from application.shared.session_issuer import SessionIssuer
from domain.codes import TokenPurpose
from domain.factors import SecondFactorRequired
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasThrottle,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    HasFactors,
    HasPendingSignIns,
    Protocol,
): ...


class LoginByCode:
    """Signs in with the code of a login email, once: for people who forgot or never set a password.
    The code came to the address, so the address is proven."""

    def __init__(
        self,
        *,
        uow: _Work,
        codes: CodeBook,
        sessions: SessionIssuer,
        hasher: PasswordHasher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._sessions = sessions
        self._hasher = hasher
        self._clock = clock

    async def execute(self, entry: CodeEntry) -> SessionTokens | SecondFactorRequired:
        code = await self._codes.check(
            self._uow, entry.email, entry.code, TokenPurpose.LOGIN, entry.client, origin=entry.origin
        )
        return await sign_in_with_code(
            uow=self._uow,
            codes=self._codes,
            sessions=self._sessions,
            hasher=self._hasher,
            clock=self._clock,
            code_id=code.id,
            user_id=code.user_id,
            sent_to=code.email,
            origin=entry.origin,
        )
