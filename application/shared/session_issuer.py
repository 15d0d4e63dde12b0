"""Issuing a session: a stored, rotating refresh token, and a short-lived access token; or, for an account
with a second factor and a sign-in that did not prove one, no session but a pending sign-in (the gate).

In two steps: the refresh token is stored in the caller's unit of work, and the access token is signed once
that has committed, so that nothing is signed for a session that was not stored, and no signing key is read
while the transaction holds the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import HasFactors, HasPendingSignIns, HasRefreshTokens
from application.shared.config import TokenLifetimes
from domain.factors import PendingSignIn, Proof, SecondFactorRequired
from domain.sessions import RefreshTokenRecord
from domain.trail import SessionOrigin
from domain.user import User
from domain.views import SessionTokens, UserView


class _Work(HasRefreshTokens, HasFactors, HasPendingSignIns, Protocol): ...


# The trail's word for a first factor proved and a second one still asked for: no session yet.
AWAITING_SECOND_FACTOR = "second_factor_required"


def hash_token(token: str) -> str:
    # Only the hash is stored: a leaked table does not hand out sessions (nor mfa_tokens).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


hash_refresh_token = hash_token


def new_successor_salt() -> str:
    return secrets.token_urlsafe(32)


def successor_token(token: str, salt: str) -> str:
    """The one token that follows `token` in its session, made again whenever the same two are given.

    So a race of the owner's own within the reuse grace gets the successor already issued, and no second
    branch of the session, without its plaintext being kept anywhere: it takes the spent token, which only
    its holders have (the database has its hash), and the salt, which only the database has (kept with the
    spent token, random, written when it was spent). A copy of the token alone, or the table alone, makes
    nothing; from a key of 256 random bits, HMAC-SHA256 gives a token as unguessable as a random one.
    """
    digest = hmac.new(token.encode("utf-8", "surrogatepass"), salt.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class OpenedSession:
    user: User
    refresh_token: str
    session_id: uuid.UUID
    proof: Proof | None = None
    # Set instead of a session when the account's second factor is still to be proved.
    pending: SecondFactorRequired | None = None


class SessionIssuer:
    def __init__(self, *, access_tokens: AccessTokenService, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._access_tokens = access_tokens
        self._clock = clock
        self._lifetimes = lifetimes

    async def open(
        self,
        uow: _Work,
        user: User,
        proof: Proof | None,
        origin: SessionOrigin = SessionOrigin(),
        continuing: RefreshTokenRecord | None = None,
        refresh_token: str | None = None,
    ) -> OpenedSession:
        """Stores a new refresh token in `uow` (the caller commits, then calls `hand_out`): `refresh_token`,
        or a random one.

        A new session ends `lifetimes.session` from now and carries `proof`, how its sign-in was proved; a
        rotation (`continuing` the token it replaces) keeps its session's id, start, end, origin and proof.

        The one rule no sign-in can skip: a new session of an account with a confirmed second factor needs a
        proof with `mfa`; without one, a pending sign-in is stored instead and `hand_out` answers
        SecondFactorRequired. A rotation continues a session that passed this rule and is not asked again.
        """
        now = self._clock.now()
        if continuing is None and (proof is None or not proof.multi_factor):
            needed = (await uow.factors.summary(user.id)).still_needed(proof)
            if needed:
                mfa_token = secrets.token_urlsafe(32)
                await uow.pending_sign_ins.add(
                    PendingSignIn(
                        hash_token(mfa_token),
                        user.id,
                        proof or Proof.of(now),
                        now + self._lifetimes.mfa_token,
                    )
                )
                return OpenedSession(
                    user, "", uuid.uuid4(), proof, pending=SecondFactorRequired(mfa_token, needed)
                )
        refresh_token = refresh_token or secrets.token_urlsafe(32)
        if continuing is None:
            family, started, ends = uuid.uuid4(), now, now + self._lifetimes.session
        else:
            family, origin, proof = continuing.family_id, continuing.origin, continuing.proof
            started = continuing.started_at or now
            ends = continuing.session_expires_at or now + self._lifetimes.session
        await uow.refresh_tokens.add(
            hash_refresh_token(refresh_token),
            user.id,
            family,
            now,
            min(now + self._lifetimes.refresh, ends),
            ends,
            started_at=started,
            origin=origin,
            proof=proof,
        )
        return OpenedSession(user, refresh_token, family, proof)

    async def hand_out(self, opened: OpenedSession) -> SessionTokens | SecondFactorRequired:
        """Both tokens of a session whose refresh token is committed, or the second factor it waits for."""
        if opened.pending is not None:
            return opened.pending
        return await self.hand_out_session(opened)

    async def hand_out_session(self, opened: OpenedSession) -> SessionTokens:
        """Both tokens of a session the gate cannot have stopped: a rotation, or a proof with `mfa`."""
        assert opened.pending is None, "this session waits for a second factor: hand_out answers that"
        access_token = await self._access_tokens.issue(
            opened.user,
            self._clock.now(),
            self._lifetimes.access,
            session_id=opened.session_id,
            proof=opened.proof,
        )
        return SessionTokens(
            access_token=access_token, refresh_token=opened.refresh_token, user=UserView.of(opened.user)
        )
