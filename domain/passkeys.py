"""Passkey ceremonies (WebAuthn): the challenges handed out, what a verified response tells, and the names
an authenticator is known by. The credential itself is domain/factors.py's Passkey."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.factors import Passkey

CHALLENGE_LIFETIME = timedelta(minutes=5)
DEFAULT_NAME = "Passkey"


class ChallengePurpose(str, enum.Enum):
    REGISTRATION = "registration"
    AUTHENTICATION = "authentication"


@dataclass(frozen=True, slots=True)
class WebauthnChallenge:
    """A challenge handed out with a ceremony's options: taken once, within its few minutes."""

    challenge: str  # base64url without padding, as the client data carries it
    purpose: ChallengePurpose
    user_id: uuid.UUID | None  # the account a registration is for; none for a sign-in
    expires_at: datetime

    @classmethod
    def issue(
        cls, challenge: str, purpose: ChallengePurpose, now: datetime, user_id: uuid.UUID | None = None
    ) -> WebauthnChallenge:
        return cls(challenge, purpose, user_id, now + CHALLENGE_LIFETIME)

    def serves(self, purpose: ChallengePurpose, now: datetime, user_id: uuid.UUID | None = None) -> bool:
        """Whether a response to it may be accepted now, for this purpose (and this account's
        registration)."""
        return self.purpose is purpose and now < self.expires_at and self.user_id == user_id


@dataclass(frozen=True, slots=True)
class CredentialClaims:
    """What a response says before anything in it is verified: which credential, and which challenge."""

    credential_id: bytes
    challenge: str
    user_handle: bytes | None = None  # an assertion's: the account the authenticator holds it for


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A registration response, verified."""

    credential_id: bytes
    public_key: bytes  # COSE
    sign_count: int
    aaguid: str
    backed_up: bool
    user_verified: bool
    transports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    """An authentication response whose signature, challenge, origin and RP id were verified; its counter is
    still to be judged (Passkey.accepts_counter)."""

    sign_count: int
    backed_up: bool
    user_verified: bool


@dataclass(frozen=True, slots=True)
class PasskeyView:
    """A passkey as its owner sees it: no key, no credential id."""

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool

    @classmethod
    def of(cls, passkey: Passkey) -> PasskeyView:
        return cls(passkey.id, passkey.name, passkey.created_at, passkey.last_used_at, passkey.backed_up)


# The authenticators most people register, by AAGUID, after the community list
# passkeydeveloper/passkey-authenticator-aaguids: a passkey is named after its maker until its owner renames
# it. The zero AAGUID (security keys without attestation, older Apple devices) names no one maker.
AUTHENTICATOR_NAMES = {
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
    "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain (Managed)",
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
    "b5397666-4885-aa6b-cebf-e52262a439a2": "Chromium Browser",
    "771b48fd-d3d4-4f74-9232-fc157ab0507a": "Edge on Mac",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "d3452668-01fd-4c12-926c-83a4204853aa": "Microsoft Password Manager",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
    "531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
    "b84e4048-15dc-4dd0-8640-f4f60813c8af": "NordPass",
    "0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6": "Keeper",
    "f3809540-7f14-49c1-a8b3-8f813b225541": "Enpass",
    "b78a0a55-6ef8-d246-a042-ba0f6d55050c": "LastPass",
    "50726f74-6f6e-5061-7373-50726f746f6e": "Proton Pass",
    "53414d53-554e-4700-0000-000000000000": "Samsung Pass",
    "fdb141b2-5d84-443e-8a35-4698c205a502": "KeePassXC",
    "eaecdef2-1c31-5634-8639-f1cbd9c00a08": "KeePassDX",
}


def name_for(aaguid: str) -> str:
    """The name a new passkey gets when its owner gives none."""
    return AUTHENTICATOR_NAMES.get(aaguid.lower(), DEFAULT_NAME)
