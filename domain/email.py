"""The email address value object: one normal form, so lookups are exact and indexable."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import InvalidEmail

MAX_LENGTH = 254
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class Email:
    value: str

    @classmethod
    def parse(cls, raw: str) -> Email:
        """Validate and normalise: trimmed, lower-cased, the domain in IDNA (punycode) form."""
        text = raw.strip()
        if any(ch in text for ch in "\r\n\x00") or text.count("@") != 1:
            raise InvalidEmail()
        local, domain = text.rsplit("@", 1)
        if not local or len(local) > 64 or not _LOCAL_PART.match(local):
            raise InvalidEmail()
        if local.startswith(".") or local.endswith(".") or ".." in local:
            raise InvalidEmail()
        try:
            ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise InvalidEmail() from None
        labels = ascii_domain.split(".")
        if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
            raise InvalidEmail()
        # Addresses are unique without regard to case, as every mail provider people use treats them.
        value = f"{local.lower()}@{ascii_domain}"
        if len(value) > MAX_LENGTH:
            raise InvalidEmail()
        return cls(value)

    def __str__(self) -> str:
        return self.value
