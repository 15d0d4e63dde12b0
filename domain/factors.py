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

    def renewed(self, method: Amr, when: datetime, *, user_verified: bool = False) -> Proof:
        """This session's proof, confirmed again just now by `method` (reauthentication): its methods and this
        one. `mfa` is earned afresh, never carried over: when `method` is something held (an app's code, a
        passkey) and the session's sign-in proved another factor, or `method` is a passkey verified with
        user verification. So whoever holds a session and learns its password gets no `mfa` from the
        password alone: the second factor itself must be shown again."""
        earlier = self.amr - {Amr.MFA}
        amr = earlier | {method}
        if (method in _HELD and earlier - {method}) or (method is Amr.HARDWARE_KEY and user_verified):
            amr |= {Amr.MFA}
        return Proof(amr, when)

    def words(self) -> list[str]:
        """The `amr` claim: its values in a stable order."""
        return sorted(a.value for a in self.amr)

    @classmethod
    def from_words(cls, words: str | list[str] | tuple[str, ...], when: datetime) -> Proof:
        """A stored or claimed proof; values this service does not know are dropped."""
        items = words.split() if isinstance(words, str) else words
        known = {a.value: a for a in Amr}
        return cls(frozenset(known[w] for w in items if w in known), when)


_HELD = frozenset({Amr.OTP, Amr.HARDWARE_KEY})  # something the person has


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

    def still_needed(self, proof: Proof | None) -> list[Method]:
        """The methods a sign-in with `proof` must still complete with before it gets tokens; none when it
        may have them. The rule every sign-in goes through: an account with a confirmed factor needs `mfa`.
        A passkey without user verification is itself the factor of an account with passkeys only; with an
        authenticator app too, the app (or a recovery code) completes it."""
        if not self.enabled or (proof is not None and proof.multi_factor):
            return []
        if proof is not None and Amr.HARDWARE_KEY in proof.amr:
            return [m for m in self.methods if m is not Method.PASSKEY] if self.totp else []
        return self.methods


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

    def accepts(self, step: int) -> bool:
        """Each step once: a code of this step or an earlier one than the last accepted is spent."""
        return self.last_step is None or step > self.last_step


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


# RFC 6238 as every authenticator app reads it: SHA-1, six digits, a new code every 30 seconds.
TOTP_PERIOD_SECONDS = 30
TOTP_DIGITS = 6
RECOVERY_CODE_COUNT = 10
MAX_SECOND_FACTOR_FAILURES = 5  # wrong answers before an mfa_token ends


def time_step(when: datetime) -> int:
    """The TOTP time step `when` falls in (Unix time // 30)."""
    return int(when.timestamp()) // TOTP_PERIOD_SECONDS


def steps_around(when: datetime) -> tuple[int, int, int]:
    """The steps a code is accepted for: the current one and one either side, for clocks that drift."""
    step = time_step(when)
    return step - 1, step, step + 1


def totp_sealing_context(user_id: uuid.UUID) -> str:
    # Bound into the sealed secret: a sealed secret copied to another account's row does not open.
    return f"totp:{user_id}"


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """What an enrolment hands the person once, to put in an authenticator app."""

    secret: str  # base32
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True, slots=True)
class FactorListing:
    """One factor as the account's export lists it: what and when, never a secret."""

    type: Method
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
