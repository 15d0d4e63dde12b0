"""Password rules after NIST SP 800-63B: length bounds and no common passwords, no composition rules."""

from __future__ import annotations

from collections.abc import Collection

from domain.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128


def check_password(password: str, common_passwords: Collection[str] = ()) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            "The password is shorter than {length} characters.",
            "Choose a password of at least {length} characters.",
            length=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            "The password is longer than {length} characters.",
            "Choose a password of at most {length} characters.",
            length=MAX_LENGTH,
        )
    if not password.strip():
        raise WeakPassword(
            "The password is only spaces.", "Choose a password with some other characters too."
        )
    if password.lower() in common_passwords:
        raise WeakPassword(
            "The password is on a list of commonly used passwords.",
            "Choose a password that is less common, such as a few unrelated words.",
        )
