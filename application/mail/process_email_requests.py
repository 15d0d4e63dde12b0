from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from application.ports.clock import Clock
from application.ports.tracing import Tracing
from application.ports.unit_of_work import (
    HasCodes,
    HasEmailRequests,
    HasOutbox,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType
from domain.user import User


class _Work(
    Transaction, HasUsers, HasOutbox, HasThrottle, HasEmailRequests, HasCodes, HasSecurityEvents, Protocol
): ...


class ProcessEmailRequests:
    """Answers a batch of recorded email requests: queues the email when the account calls for one.

    An address gets at most its share of emails in a window; past that, requests are answered with
    silence, as for an unknown address, so the limit reveals nothing either.
    """

    def __init__(
        self, *, uow: _Work, emails: AccountEmails, clock: Clock, tracing: Tracing, batch_size: int = 50
    ) -> None:
        self._uow = uow
        self._tracing = tracing
        self._emails = emails
        self._clock = clock
        self._batch_size = batch_size

    async def execute(self, then: Callable[[HasOutbox], Awaitable[None]] | None = None) -> int:
        """How many requests were answered; 0 when none waited.

        `then`, when requests were answered, runs in their transaction before it commits (the worker claims
        the emails just queued, to send them without a transaction of their own)."""
        async with self._uow as uow:
            # Marked answered as they are taken, in this transaction: a fault before the commit leaves them
            # waiting.
            requests = await uow.email_requests.take(self._batch_size, self._clock.now())
            if not requests:
                return 0  # nothing to commit: the unit of work ends the read
            for request in requests:
                with self._tracing.within(request.trace_context, "answer email request"):
                    await self._answer(uow, request, await uow.users.get_by_email(request.email))
            if then is not None:
                await then(uow)
            await uow.commit()
        return len(requests)

    async def _answer(self, uow: _Work, request: EmailRequest, holder: User | None) -> None:
        """`holder`: the account the address belongs to, if any."""
        if request.kind is EmailRequestKind.SIGN_UP and holder is not None and holder.id == request.user_id:
            await self._emails.send_verification(uow, holder)  # a new account's first email: never held back
        elif request.kind is EmailRequestKind.CHANGE_EMAIL:
            asking = await uow.users.get(request.user_id) if request.user_id else None
            if (
                asking is not None
                and (holder is None or holder.id == asking.id)
                and await self._allowed(uow, request)
            ):
                await self._emails.send_email_change(uow, asking, request.email)
        elif holder is not None and _calls_for_email(request, holder) and await self._allowed(uow, request):
            await self._send(uow, request, holder)

    async def _allowed(self, uow: _Work, request: EmailRequest) -> bool:
        return await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, str(request.email))

    async def _send(self, uow: _Work, request: EmailRequest, user: User) -> None:
        if request.kind is EmailRequestKind.RESET_PASSWORD:
            user.start_password_reset()  # the links sent before this one stop working
            await uow.users.save(user)
            await self._emails.send_password_reset(uow, user)
            await uow.security_events.add(
                SecurityEvent.at(
                    request.origin, SecurityEventType.RESET_REQUESTED, user.id, self._clock.now()
                )
            )
        elif request.kind is EmailRequestKind.VERIFY_EMAIL:
            await self._emails.send_verification(uow, user)
        elif request.kind is EmailRequestKind.LOGIN_CODE:
            await self._emails.send_login_code(uow, user)
        else:  # a sign-up with the address of an account: a note to its owner instead
            await self._emails.send_existing_account(uow, user)


def _calls_for_email(request: EmailRequest, user: User) -> bool:
    # A verification email for an address verified already would only be noise.
    return request.kind is not EmailRequestKind.VERIFY_EMAIL or not user.is_verified
