"""The error answers each operation declares in the OpenAPI document: one `Answer` per kind of error, with
its status, its error_code and an example body, composed per route with `answers(...)`.

A route lists the kinds it can really give; kinds that share a status (400 invalid_token and 400
malformed_request) are merged into one response whose examples name every error_code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from domain import errors
from entrypoints.http.errors import ErrorBody

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 1},
    }
}


# An answer, or a group of answers and groups (JSON_BODY within CODE_ENTRY), nested to any depth.
Answers: TypeAlias = "Answer | Iterable[Answers]"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    code: str
    description: str  # when this error is given
    message: str
    resolution: str
    headers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, status: int, error: errors.DomainError, description: str, headers: dict[str, Any] | None = None
    ) -> Answer:
        """From the domain's error itself, so the example carries the words the service sends."""
        return cls(status, error.code, description, error.message, error.resolution, headers or {})


def answers(*kinds: Answers) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: every kind given (or groups of kinds), one response per status."""
    by_status: dict[int, list[Answer]] = {}
    for kind in _flat(kinds):
        same = by_status.setdefault(kind.status, [])
        if kind not in same:
            same.append(kind)
    documented: dict[int | str, dict[str, Any]] = {}
    for status, same in sorted(by_status.items()):
        codes = list(dict.fromkeys(kind.code for kind in same))
        headers = {name: spec for kind in same for name, spec in kind.headers.items()}
        examples: dict[str, dict[str, Any]] = {}
        for kind in same:
            examples.setdefault(
                kind.code,
                {
                    "summary": kind.description,
                    "value": {
                        "message": kind.message,
                        "error_code": kind.code,
                        "resolution": kind.resolution,
                    },
                },
            )
        documented[status] = {
            "model": ErrorBody,
            "description": "; ".join(dict.fromkeys(kind.description for kind in same))
            + " (error_code: "
            + ", ".join(f"`{code}`" for code in codes)
            + ")",
            "content": {"application/json": {"examples": examples}},
            **({"headers": headers} if headers else {}),
        }
    return documented


def html_too(documented: dict[int | str, dict[str, Any]], *statuses: int) -> dict[int | str, dict[str, Any]]:
    """For the emailed links' GET, which answers a browser a page with these statuses."""
    for status in statuses:
        documented.setdefault(status, {}).setdefault("content", {})["text/html"] = {}
    return documented


def _flat(kinds: Iterable[Answers]) -> list[Answer]:
    flat: list[Answer] = []
    for kind in kinds:
        flat.extend([kind] if isinstance(kind, Answer) else _flat(kind))
    return flat


# Any request.
UNAVAILABLE = Answer(
    503,
    "service_unavailable",
    "The database cannot be reached",
    "The service cannot reach its database right now.",
    "Try again in a little while.",
    RETRY_AFTER,
)
# A request with a body, query or path parameters.
INVALID = Answer(
    422,
    "validation_error",
    "A field is missing or wrong; the message names it",
    "email: is required",
    "Correct the fields named in the message and send the request again.",
)
MALFORMED = Answer(
    400,
    "malformed_request",
    "The body is not JSON",
    "The body is not valid JSON.",
    "Send the body as UTF-8 JSON.",
)
TOO_LARGE = Answer(
    413,
    "request_too_large",
    "The body is over MAX_BODY_BYTES",
    "The request body is larger than 65536 bytes.",
    "Send a smaller request.",
)
JSON_BODY = (MALFORMED, TOO_LARGE, INVALID)

LIMITED = Answer.of(
    429, errors.RateLimited(30), "Too many requests from this client or for this account", RETRY_AFTER
)

# Who is calling.
UNAUTHENTICATED = Answer.of(
    401, errors.NotAuthenticated(), "No access token, or one that is invalid, expired or ended"
)
DISABLED = Answer.of(403, errors.AccountDisabled(), "The account is disabled")
NOT_VERIFIED = Answer.of(403, errors.AccountNotVerified(), "The account has not verified its address")
NOT_ADMIN = Answer.of(403, errors.InsufficientPermissions(), "The caller is not an administrator")
NOT_ENROLLED = Answer.of(
    403,
    errors.MfaEnrollmentRequired(),
    "The account's role (MFA_REQUIRED_ROLES) needs a second factor it lacks",
)
WITHOUT_FACTOR = Answer.of(
    401,
    errors.SecondFactorReauthenticationRequired(),
    "The account's role (MFA_REQUIRED_ROLES) needs the second factor in the sign-in",
)
ENROLLING = (UNAUTHENTICATED, DISABLED)  # enrolling_caller
SIGNED_IN = (*ENROLLING, WITHOUT_FACTOR, NOT_ENROLLED)  # current_caller
VERIFIED = (*SIGNED_IN, NOT_VERIFIED)  # require_verified
ADMIN = (*VERIFIED, NOT_ADMIN)  # require_admin
NOT_FRESH = Answer.of(
    401,
    errors.ReauthenticationRequired(),
    "The sign-in is older than REAUTH_MAX_AGE_SECONDS, or lacks the account's second factor",
)
# NOT_FRESH before the role's rule, whose error_code it shares: its example is the one a client meets.
FRESH = (*ENROLLING, NOT_FRESH, *SIGNED_IN)  # fresh_caller
FRESH_ENROLLING = (*ENROLLING, NOT_FRESH)  # fresh_enrolling_caller
FRESH_VERIFIED = (*ENROLLING, NOT_FRESH, *VERIFIED)  # require_fresh_verified

# What a use case refuses.
BAD_CREDENTIALS = Answer.of(401, errors.InvalidCredentials(), "The address or the password is wrong")
TAKEN = Answer.of(409, errors.UserAlreadyExists(), "The address has an account already")
LAST_ADMIN = Answer.of(409, errors.LastAdmin(), "It would leave no verified, enabled administrator")
WEAK = Answer.of(422, errors.WeakPassword(), "The password fails the policy")
NOT_AN_ADDRESS = Answer.of(422, errors.InvalidEmail(), "The address is not a valid email address")
BAD_CURSOR = Answer.of(422, errors.InvalidCursor(), "The cursor is not one this service gave")
BAD_WEBHOOK = Answer.of(
    422,
    errors.InvalidWebhook(why="the URL must start with https://"),
    "The URL or the event types are refused",
)
INVALID_TOKEN = Answer.of(400, errors.InvalidToken(), "The token is not one this service signed for this")
EXPIRED = Answer.of(400, errors.TokenExpired(), "The token has expired")
INVALID_CODE = Answer.of(400, errors.InvalidCode(), "The code is wrong, spent or expired")
MISMATCH = Answer.of(400, errors.PasswordsMismatch(), "The two new passwords differ")
WRONG_PASSWORD = Answer.of(400, errors.WrongPassword(), "The current password is wrong")
NOT_FOUND = Answer.of(404, errors.NotFound(), "Nothing has this id")
WRONG_SECOND_FACTOR = Answer.of(400, errors.WrongSecondFactor(), "The code is wrong or was used already")
SIGN_IN_ENDED = Answer.of(
    400, errors.SecondFactorSignInEnded(), "The mfa_token is unknown, expired, completed or ended"
)
NO_PASSKEY_YET = Answer.of(400, errors.MethodNotAvailable(), "A passkey was sent: not accepted here yet")
TOTP_ON = Answer.of(409, errors.TotpAlreadyEnabled(), "An authenticator app is already turned on")
TOTP_NOT_STARTED = Answer.of(409, errors.TotpNotStarted(), "No enrolment is waiting to be confirmed")
NO_FACTOR = Answer.of(409, errors.NoSecondFactor(), "The account has no second factor")
METHOD_UNAVAILABLE = Answer.of(
    400, errors.MethodUnavailable(), "The account cannot confirm it is the caller this way"
)
