"""The list of common passwords the policy refuses.

The list is Django's (django/contrib/auth/common-passwords.txt.gz, BSD licence, see
data/common-passwords.LICENSE), itself from Royce Williams' list of passwords seen in breaches, cut to
those of 8 characters or more, since shorter ones fail the length rule first.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

LIST = Path(__file__).with_name("data") / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())
