from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import SecretSealer
from application.ports.factors import Authenticator
from application.ports.unit_of_work import HasFactors, HasUsers, Transaction
from domain.errors import AccountNotVerified, NotAuthenticated, TotpAlreadyEnabled
from domain.factors import TotpEnrolment, TotpFactor, totp_sealing_context


class _Work(Transaction, HasUsers, HasFactors, Protocol): ...


class StartTotpEnrolment:
    """A new authenticator-app secret for the account, pending until a code of it confirms it; a second
    start replaces the pending one. The secret is shown this once and kept sealed."""

    def __init__(
        self, *, uow: _Work, authenticator: Authenticator, sealer: SecretSealer, clock: Clock, issuer: str
    ) -> None:
        self._uow = uow
        self._authenticator = authenticator
        self._sealer = sealer
        self._clock = clock
        self._issuer = issuer

    async def execute(self, user_id: uuid.UUID) -> TotpEnrolment:
        secret = self._authenticator.new_secret()
        sealed = self._sealer.seal(totp_sealing_context(user_id), secret)
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise NotAuthenticated()
            if not user.is_verified:
                # As for a passkey: a factor on an address never proved would stop its owner, once they
                # prove it, at a factor whoever signed up with it holds.
                raise AccountNotVerified()
            current = await uow.factors.get_totp(user_id)
            if current is not None and current.confirmed:
                raise TotpAlreadyEnabled()
            await uow.factors.put_totp(TotpFactor(user_id, sealed, self._clock.now()))
            await uow.commit()
        return self._authenticator.enrolment(secret, str(user.email), self._issuer)
