"""Sensitive actions need a fresh sign-in: recent, and with the second factor where the account has one."""

from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasFactors, Transaction
from application.shared.authenticate import Caller
from application.shared.config import TokenLifetimes
from domain.errors import ReauthenticationRequired, SecondFactorReauthenticationRequired


class _Work(Transaction, HasFactors, Protocol): ...


class FreshSignIn:
    """Refuses (401 reauthentication_required) a caller whose access token's `auth_time` is older than
    `lifetimes.reauthentication`, or, for an account with a confirmed second factor, whose `amr` lacks
    `mfa`: a stolen token, or a session left open, does not reach what changes who controls the account."""

    def __init__(self, *, uow: _Work, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._clock = clock
        self._max_age = lifetimes.reauthentication

    async def require(self, caller: Caller) -> Caller:
        proof = caller.proof
        if proof is None or self._clock.now() - proof.auth_time > self._max_age:
            raise ReauthenticationRequired()
        if proof.multi_factor:
            return caller
        async with self._uow as uow:
            summary = await uow.factors.summary(caller.user.id)
        if summary.enabled:
            raise SecondFactorReauthenticationRequired()
        return caller
