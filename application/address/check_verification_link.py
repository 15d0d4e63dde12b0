from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.address._link_claims import VerificationLinkClaims
from application.ports.crypto import TokenService
from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.config import TokenLifetimes


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class VerificationLink:
    email: str
    already_verified: bool


class CheckVerificationLink:
    """What a verification link would do, without doing it: for the page a scanner may open as well as a
    person. Raises InvalidToken or TokenExpired when the link does not work."""

    def __init__(self, *, uow: _Work, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> VerificationLink:
        link = VerificationLinkClaims.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            user = link.matches(await uow.users.get(link.user_id))
        return VerificationLink(email=str(link.email), already_verified=user.is_verified)
