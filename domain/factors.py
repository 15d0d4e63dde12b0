"""Second factors and how a person proved who they are: authenticator apps (TOTP), recovery codes,
passkeys (WebAuthn), and the proof a session carries (RFC 8176 `amr` values and `auth_time`)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime


class Amr(str, enum.Enum):
    """How a person proved who they are (RFC 8176 names)."""

    PASSWORD = "pwd"
    OTP = "otp"  # a code: from an authenticator app, or emailed (sign-in code or link)
    HARDWARE_KEY = "hwk"  # a passkey
    RECOVERY = "kba"  # a recovery code: something the person kept, as knowledge-based answers are
    MFA = "mfa"  # two factors, or a passkey verified with user verification


class Method(str, enum.Enum):
    """A confirmed second factor an account can be asked for."""

    TOTP = "totp"
    PASSKEY = "passkey"
    RECOVERY_CODE = "recovery_code"


@dataclass(frozen=True, slots=True)
class Proof:
    """What a sign-in proved and when: carried by a session's tokens, kept across its refreshes."""

    amr: frozenset[Amr]
    auth_time: datetime

    @classmethod
    def of(cls, when: datetime, *methods: Amr) -> Proof:
        return cls(frozenset(methods), when)

    @property
    def multi_factor(self) -> bool:
        return Amr.MFA in self.amr

    def with_second(self, method: Amr, when: datetime) -> Proof:
        """This proof completed by a second factor just now: both methods, and `mfa`."""
        return Proof(self.amr | {method, Amr.MFA}, when)

    def words(self) -> list[str]:
        """The `amr` claim: its values in a stable order."""
        return sorted(a.value for a in self.amr)

    @classmethod
    def from_words(cls, words: str | list[str] | tuple[str, ...], when: datetime) -> Proof:
        """A stored or claimed proof; values this service does not know are dropped."""
        items = words.split() if isinstance(words, str) else words
        known = {a.value: a for a in Amr}
        return cls(frozenset(known[w] for w in items if w in known), when)


@dataclass(frozen=True, slots=True)
class FactorSummary:
    """What GET /mfa answers: no secret, only what there is."""

    totp: bool = False
    passkeys: int = 0
    recovery_codes_left: int = 0

    @property
    def methods(self) -> list[Method]:
        """The second factors a sign-in can be completed with, in the order they are offered."""
        found = []
        if self.totp:
            found.append(Method.TOTP)
        if self.passkeys:
            found.append(Method.PASSKEY)
        if self.recovery_codes_left and (self.totp or self.passkeys):
            found.append(Method.RECOVERY_CODE)
        return found

    @property
    def enabled(self) -> bool:
        """A confirmed factor: every sign-in of the account needs it."""
        return self.totp or self.passkeys > 0


@dataclass(slots=True)
class TotpFactor:
    """An account's authenticator app: a sealed secret, pending until a code confirms it."""

    user_id: uuid.UUID
    sealed_secret: str
    created_at: datetime
    confirmed_at: datetime | None = None
    # The last time step (unix time // 30) a code was accepted for: never again, nor one before it.
    last_step: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class Passkey:
    """A WebAuthn credential of an account: discoverable, usable alone or as a second factor."""

    user_id: uuid.UUID
    credential_id: bytes
    public_key: bytes  # COSE
    sign_count: int
    name: str
    created_at: datetime
    aaguid: str = ""
    backed_up: bool = False
    transports: tuple[str, ...] = ()
    last_used_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def accepts_counter(self, reported: int) -> bool:
        """The signature counter rule: an authenticator that always reports 0 (synced passkeys do) is always
        accepted; once either side is non-zero, the count must move past the stored one, or a copy of the key
        is signing too."""
        return (reported == 0 and self.sign_count == 0) or reported > self.sign_count


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """A sign-in that proved its first factor and waits for the second (the `mfa_token`'s record)."""

    token_hash: str
    user_id: uuid.UUID
    proof: Proof  # the first factor's
    expires_at: datetime
    failures: int = 0


@dataclass(frozen=True, slots=True)
class SecondFactorRequired:
    """What a sign-in of an account with a factor answers instead of tokens."""

    mfa_token: str
    methods: list[Method]
