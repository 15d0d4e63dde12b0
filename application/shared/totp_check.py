"""Checking an authenticator-app code of an account's confirmed app, each time step accepted once."""

from __future__ import annotations

import uuid

from application.ports.clock import Clock
from application.ports.crypto import SecretSealer
from application.ports.factors import Authenticator
from application.ports.unit_of_work import HasFactors
from domain.factors import TOTP_DIGITS, TotpFactor, steps_around, totp_sealing_context


def clean_code(code: str) -> str | None:
    """The six digits typed, without the spaces apps show in the middle; None for anything else."""
    digits = code.replace(" ", "")
    return digits if len(digits) == TOTP_DIGITS and digits.isascii() and digits.isdigit() else None


class TotpCheck:
    def __init__(self, *, authenticator: Authenticator, sealer: SecretSealer, clock: Clock) -> None:
        self._authenticator = authenticator
        self._sealer = sealer
        self._clock = clock

    def matching_step(self, factor: TotpFactor, code: str) -> int | None:
        """The step within one of now whose code `code` is and which is not spent yet; None if none."""
        digits = clean_code(code)
        if digits is None:
            return None
        secret = self._sealer.open(totp_sealing_context(factor.user_id), factor.sealed_secret)
        for step in steps_around(self._clock.now()):
            if factor.accepts(step) and self._authenticator.matches(secret, digits, step):
                return step
        return None

    async def verify(self, uow: HasFactors, user_id: uuid.UUID, code: str) -> bool:
        """Whether `code` is a right, unspent code of the account's confirmed app; spends its step when so,
        atomically (of two concurrent uses of one code, one is true)."""
        factor = await uow.factors.get_totp(user_id)
        return factor is not None and factor.confirmed and await self.spend(uow, factor, code)

    async def spend(self, uow: HasFactors, factor: TotpFactor, code: str) -> bool:
        """`verify` for a confirmed app already read."""
        step = self.matching_step(factor, code)
        return step is not None and await uow.factors.use_totp_step(factor.user_id, step)
