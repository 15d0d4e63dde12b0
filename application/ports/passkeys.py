"""Passkeys: where the credentials and the ceremonies' challenges are kept, and the WebAuthn ceremony itself
(py_webauthn, in adapters/crypto/webauthn.py), spoken in plain and domain types."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from domain.factors import Passkey
from domain.passkeys import CredentialClaims, NewCredential, VerifiedAssertion, WebauthnChallenge


class PasskeyRepository(Protocol):
    """An account's passkeys, and every passkey by its credential id."""

    async def add(self, passkey: Passkey) -> bool:
        """Stores it; False, storing nothing, when its credential id is registered already."""
        ...

    async def of_account(self, user_id: uuid.UUID) -> Sequence[Passkey]:
        """Oldest first."""
        ...

    async def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        """The account's passkey with this id; None for another account's."""
        ...

    async def by_credential_id(self, credential_id: bytes) -> Passkey | None: ...

    async def rename(self, user_id: uuid.UUID, passkey_id: uuid.UUID, name: str) -> Passkey | None: ...

    async def remove(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        """Deletes the account's passkey with this id; what was deleted."""
        ...

    async def record_use(
        self, passkey_id: uuid.UUID, *, seen_count: int, sign_count: int, backed_up: bool, when: datetime
    ) -> bool:
        """Moves the stored counter from `seen_count` to `sign_count`, atomically: False when another use
        moved it first (or the passkey is gone)."""
        ...


class WebauthnChallenges(Protocol):
    """Challenges handed out with ceremony options, each taken once."""

    async def add(self, challenge: WebauthnChallenge) -> None: ...

    async def take(self, challenge: str) -> WebauthnChallenge | None:
        """Deletes and returns it, in one statement: of two takers, one gets it."""
        ...

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        """Deletes up to `limit` that expired before `before`; how many went."""
        ...


class PasskeyCeremony(Protocol):
    """WebAuthn's options and verifications for this service's relying party (its id, name and origins).
    Every malformed or unverifiable response raises InvalidPasskey."""

    def new_challenge(self) -> str: ...

    def registration_options(
        self,
        *,
        challenge: str,
        user_handle: bytes,
        user_name: str,
        display_name: str,
        exclude: Sequence[bytes],
    ) -> dict[str, Any]:
        """PublicKeyCredentialCreationOptionsJSON."""
        ...

    def authentication_options(self, *, challenge: str) -> dict[str, Any]:
        """PublicKeyCredentialRequestOptionsJSON, with no allowCredentials (discoverable credentials)."""
        ...

    def claims(self, credential: Mapping[str, Any]) -> CredentialClaims:
        """The credential id and challenge a response names, read without verifying anything."""
        ...

    def verify_registration(self, credential: Mapping[str, Any], *, challenge: str) -> NewCredential: ...

    def verify_assertion(
        self, credential: Mapping[str, Any], *, challenge: str, public_key: bytes
    ) -> VerifiedAssertion:
        """Signature, challenge, origin, RP id and user presence; not the counter, which the caller judges
        (Passkey.accepts_counter) once the signature is known good."""
        ...
