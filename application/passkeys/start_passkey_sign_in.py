from __future__ import annotations

from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.passkeys import PasskeyCeremony
from application.ports.unit_of_work import HasThrottle, HasWebauthnChallenges, Transaction
from domain.limits import Rule
from domain.passkeys import ChallengePurpose, WebauthnChallenge


class _Work(Transaction, HasThrottle, HasWebauthnChallenges, Protocol): ...


class StartPasskeySignIn:
    """Request options for signing in with a passkey: no allowCredentials (the authenticator offers the
    account's discoverable credentials, so no address is asked and none can be probed), a challenge stored
    for five minutes; counted per client, as every stored challenge is a row."""

    def __init__(self, *, uow: _Work, ceremony: PasskeyCeremony, clock: Clock) -> None:
        self._uow = uow
        self._ceremony = ceremony
        self._clock = clock

    async def execute(self, client: str) -> dict[str, Any]:
        challenge = self._ceremony.new_challenge()
        async with self._uow as uow:
            await uow.throttle.spend(Rule.PASSKEY_CHALLENGES_PER_CLIENT, client)
            await uow.webauthn_challenges.add(
                WebauthnChallenge.issue(challenge, ChallengePurpose.AUTHENTICATION, self._clock.now())
            )
            await uow.commit()
        return self._ceremony.authentication_options(challenge=challenge)
