"""Domain errors: each carries a stable code and the words a user needs.

The words are templates with named values ("Try again in {seconds} seconds."), so that a caller can
translate the template and then fill it in; `message` and `resolution` are the English, filled in.
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    message = "The request could not be completed."
    resolution = "Check the request and try again."

    def __init__(self, message: str | None = None, resolution: str | None = None, **values: Any) -> None:
        self.message_template = message or type(self).message
        self.resolution_template = resolution or type(self).resolution
        self.values = values
        self.message = self.message_template.format(**values)
        self.resolution = self.resolution_template.format(**values)
        super().__init__(self.message)


class InvalidEmail(DomainError):
    code = "validation_error"
    message = "That is not a valid email address."
    resolution = "Give an address of the form name@example.com."


class UserAlreadyExists(DomainError):
    code = "user_exists"
    message = "An account with this email address already exists."
    resolution = "Log in, or reset your password if you forgot it."


class InvalidCredentials(DomainError):
    code = "invalid_email_or_password"
    message = "Invalid email or password."
    resolution = "Check your email and password, or reset your password."


class InvalidToken(DomainError):
    code = "invalid_token"
    message = "This link or token is invalid."
    resolution = "Request a new one."


class InvalidCode(DomainError):
    code = "invalid_code"
    message = "This code is not right, or no longer works."
    resolution = "Check the code in the newest email; after five wrong tries, ask for a new email."


class TokenExpired(DomainError):
    code = "token_expired"
    message = "This link or token has expired."
    resolution = "Request a new one."


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    message = "Authentication is required."
    resolution = "Log in and send the access token as 'Authorization: Bearer <token>'."


class ReauthenticationRequired(DomainError):
    code = "reauthentication_required"
    message = "This needs a recent sign-in."
    resolution = "Confirm it is you with POST /api/v1/auth/reauthenticate, then try again."


class SecondFactorReauthenticationRequired(ReauthenticationRequired):
    message = "This needs a recent sign-in with your second factor."


class MfaEnrollmentRequired(DomainError):
    code = "mfa_enrollment_required"
    message = "Your role requires a second factor, and this account has none yet."
    resolution = (
        "Set one up with POST /api/v1/auth/mfa/totp or POST /api/v1/auth/passkeys/registration/options, "
        "then sign in again."
    )


class MethodUnavailable(DomainError):
    code = "method_not_available"
    message = "This way of confirming it is you is not available."
    resolution = "Confirm it is you with your password or a code of your authenticator app."


class AccountNotVerified(DomainError):
    code = "account_not_verified"
    message = "This account is not verified yet."
    resolution = "Check your email for the verification link, or ask for a new one."


class InsufficientPermissions(DomainError):
    code = "insufficient_permissions"
    message = "You do not have permission to do this."
    resolution = "Ask an administrator for access."


class PasswordsMismatch(DomainError):
    code = "passwords_mismatch"
    message = "The two passwords do not match."
    resolution = "Type the same new password twice."


class WeakPassword(DomainError):
    code = "weak_password"
    message = "The password does not meet the policy."
    resolution = "Choose a password of 8 to 128 characters that is not a common one."


class RateLimited(DomainError):
    code = "rate_limited"
    message = "Too many requests."

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        super().__init__(resolution="Wait {seconds} s, then try again.", seconds=self.retry_after_seconds)


class WrongPassword(DomainError):
    code = "invalid_password"
    message = "The current password is not correct."
    resolution = "Type your current password, or reset it by email if you forgot it."


class InvalidWebhook(DomainError):
    code = "invalid_webhook"
    message = "Events cannot be sent there: {why}."
    resolution = (
        "Give an https URL of a server on the public internet, and event types from the documented list."
    )


class NotFound(DomainError):
    code = "not_found"
    message = "There is nothing with this id."
    resolution = "Check the id against the list."


class AccountDisabled(DomainError):
    code = "account_disabled"
    message = "This account is disabled."
    resolution = "Contact the service's administrators."


class LastAdmin(DomainError):
    code = "last_admin"
    message = "This is the last verified administrator."
    resolution = "Make another verified account an administrator first."


class InvalidCursor(DomainError):
    code = "validation_error"
    message = "The cursor is not one this service gave."
    resolution = "Pass the next_cursor of the previous page, or none for the first page."


class WrongSecondFactor(InvalidCode):
    message = "This code is not right, or was used already."
    resolution = (
        "Type the current code of your authenticator app, or an unused recovery code; after five wrong "
        "tries, sign in again."
    )


class SecondFactorSignInEnded(InvalidToken):
    message = "This sign-in has expired or was already completed."
    resolution = "Sign in again: the mfa_token lasts a few minutes and works once."


class TotpAlreadyEnabled(DomainError):
    code = "totp_already_enabled"
    message = "An authenticator app is already turned on for this account."
    resolution = "Turn it off first (DELETE /api/v1/auth/mfa/totp) to set up another."


class TotpNotStarted(DomainError):
    code = "totp_not_started"
    message = "No authenticator app is waiting to be confirmed."
    resolution = "Start with POST /api/v1/auth/mfa/totp, then send a code it shows."


class NoSecondFactor(DomainError):
    code = "no_second_factor"
    message = "This account has no second factor."
    resolution = "Turn on an authenticator app or add a passkey first."


class MethodNotAvailable(DomainError):
    code = "method_not_available"
    message = "This sign-in cannot be completed this way."
    resolution = "Use one of the methods the sign-in answered in `methods`."


class InvalidPasskey(DomainError):
    code = "invalid_passkey"
    message = "This passkey could not be verified."
    resolution = "Ask for new options and try again with a passkey registered on this account."


class PasskeyAlreadyRegistered(DomainError):
    code = "passkey_exists"
    message = "This passkey is registered already."
    resolution = "Use it to sign in, or register another authenticator."
