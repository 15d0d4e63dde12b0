"""Signing in with what a login email carried, its code or its link: once, and the address is proven."""

from __future__ import annotations

import secrets
import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.code_book import CodeBook
from application.shared.record_event import record_event
from application.shared.session_issuer import AWAITING_SECOND_FACTOR, SessionIssuer
from domain.email import Email
from domain.events import EventType
from domain.factors import Amr, Proof, SecondFactorRequired
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    HasFactors,
    HasPendingSignIns,
    Protocol,
): ...


async def sign_in_with_code(
    *,
    uow: _Work,
    codes: CodeBook,
    sessions: SessionIssuer,
    hasher: PasswordHasher,
    clock: Clock,
    code_id: uuid.UUID,
    user_id: uuid.UUID,
    sent_to: Email | None = None,
    origin: SessionOrigin = SessionOrigin(),
) -> SessionTokens | SecondFactorRequired:
    async with uow:
        unproven = (user := await uow.users.get(user_id)) is not None and not user.is_verified
    # Hashed before the transaction, only when it will be needed: see User.prove_address_by_sign_in.
    unguessable_hash = await hasher.hash(secrets.token_urlsafe(32)) if unproven else None
    async with uow:
        if user is not None:  # a login link proves the address as its code does: the run of wrong codes ends
            await uow.code_failures.clear(user.email)  # before the account and code rows, as CodeBook.check
        user = await codes.redeem(uow, code_id, user_id, sent_to)
        user.require_enabled()  # refused before anything is written: the code stays as it was
        now = clock.now()
        if unguessable_hash is not None and user.prove_address_by_sign_in(unguessable_hash, now):
            await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            await record_event(uow, EventType.USER_VERIFIED, user, now, origin=origin)
            await record_event(uow, EventType.USER_SESSIONS_REVOKED, user, now, origin=origin)
        await uow.users.save(user)
        session = await sessions.open(uow, user, Proof.of(now, Amr.OTP), origin)
        await uow.security_events.add(
            SecurityEvent.at(
                origin,
                SecurityEventType.SIGNED_IN_BY_CODE,
                user.id,
                now,
                detail=AWAITING_SECOND_FACTOR if session.pending else "",
            )
        )
        await uow.commit()
    return await sessions.hand_out(session)
