from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher, TokenService
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.sessions._code_sign_in import sign_in_with_code
from application.shared.code_book import CodeBook
from application.shared.config import TokenLifetimes
from application.shared.session_issuer import SessionIssuer
from domain.codes import TokenPurpose
from domain.errors import InvalidCode, InvalidToken
from domain.factors import SecondFactorRequired
from domain.trail import SessionOrigin
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    HasFactors,
    HasPendingSignIns,
    Protocol,
): ...


class LoginByLink:
    """Signs in with the link of a login email (a front end's page passes its token on), once: the link
    names its code, and the one used up is used up for both."""

    def __init__(
        self,
        *,
        uow: _Work,
        tokens: TokenService,
        codes: CodeBook,
        sessions: SessionIssuer,
        hasher: PasswordHasher,
        clock: Clock,
        lifetimes: TokenLifetimes,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._codes = codes
        self._sessions = sessions
        self._hasher = hasher
        self._clock = clock
        self._lifetimes = lifetimes

    async def execute(
        self, token: str, origin: SessionOrigin = SessionOrigin()
    ) -> SessionTokens | SecondFactorRequired:
        claims = self._tokens.load(TokenPurpose.LOGIN, token, self._lifetimes.login_code)
        try:
            user_id, code_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["code"])
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None
        try:
            return await sign_in_with_code(
                uow=self._uow,
                codes=self._codes,
                sessions=self._sessions,
                hasher=self._hasher,
                clock=self._clock,
                code_id=code_id,
                user_id=user_id,
                origin=origin,
            )
        except InvalidCode:
            raise InvalidToken() from None  # a link is refused as links are
