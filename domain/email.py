"""The email address value object: one normal form, so lookups are exact and indexable.

The syntax and the domain's IDNA 2008 (UTS 46) form come from email-validator, a pure library with no I/O:
the one dependency of the domain beside the standard library, since Python's own "idna" codec is IDNA 2003
(it turns faß.de into fass.de, someone else's domain).
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidEmail

MAX_LENGTH = 254


@dataclass(frozen=True, slots=True)
class Email:
    value: str

    @classmethod
    def parse(cls, raw: str) -> Email:
        """Validate and normalise: trimmed, lower-cased, the domain in IDNA (punycode) form."""
        text = raw.strip()
        # An RFC 2047 encoded-word is valid in a local part, and a mail program decodes it, into other
        # recipients as like as not: "=?utf-8?q?a=2C_ceo=40victim=2Eexample?=@attacker.example".
        if "=?" in text:
            raise InvalidEmail("That is not a valid email address. It contains an encoded word ('=?').")
        try:
            found = validate_email(text, check_deliverability=False, allow_smtputf8=False, strict=True)
        except EmailNotValidError as error:
            raise InvalidEmail("That is not a valid email address. {reason}", reason=error) from None
        except (UnicodeError, ValueError):
            raise InvalidEmail() from None
        if found.ascii_email is None:  # only an address that needs SMTPUTF8 has none, and those are refused
            raise InvalidEmail()
        # Addresses are unique without regard to case, as every mail provider people use treats them.
        value = found.ascii_email.lower()
        if len(value) > MAX_LENGTH:
            raise InvalidEmail()
        return cls(value)

    def __str__(self) -> str:
        return self.value
