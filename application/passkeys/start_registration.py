from __future__ import annotations

import uuid
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.passkeys import PasskeyCeremony
from application.ports.unit_of_work import HasPasskeys, HasUsers, HasWebauthnChallenges, Transaction
from domain.errors import AccountNotVerified, NotAuthenticated
from domain.passkeys import ChallengePurpose, WebauthnChallenge


class _Work(Transaction, HasUsers, HasPasskeys, HasWebauthnChallenges, Protocol): ...


class StartPasskeyRegistration:
    """The creation options for a new passkey of the account: its challenge stored for five minutes, its
    passkeys excluded so an authenticator does not register twice."""

    def __init__(self, *, uow: _Work, ceremony: PasskeyCeremony, clock: Clock) -> None:
        self._uow = uow
        self._ceremony = ceremony
        self._clock = clock

    async def execute(self, user_id: uuid.UUID) -> dict[str, Any]:
        challenge = self._ceremony.new_challenge()
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotAuthenticated()
            if not user.is_verified:
                # Whoever signed up first with someone else's address must not leave a passkey behind for
                # when its owner proves the address (an account pre-hijack): only a proven owner adds one.
                raise AccountNotVerified()
            existing = await uow.passkeys.of_account(user_id)
            await uow.webauthn_challenges.add(
                WebauthnChallenge.issue(challenge, ChallengePurpose.REGISTRATION, self._clock.now(), user_id)
            )
            await uow.commit()
        name = str(user.email)
        return self._ceremony.registration_options(
            challenge=challenge,
            # The account's id, never its address: an authenticator may show or sync the handle.
            user_handle=user.id.bytes,
            user_name=name,
            display_name=" ".join(filter(None, (user.first_name, user.last_name))) or name,
            exclude=[p.credential_id for p in existing],
        )
