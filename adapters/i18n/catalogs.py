"""The languages the service speaks: gettext catalogs (Babel), the shipped ones and a deployment's own.

A catalog is `locale/<language>/LC_MESSAGES/messages.po` (or `.mo`) beside the shipped templates, or in a
deployment's MAIL_TEMPLATES_DIR or PAGES_TEMPLATES_DIR, where it wins. English is the source language:
whatever a catalog does not translate stays in English, never empty.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from adapters.weighted_header import weighted_values

SHIPPED = Path(__file__).with_name("locales")
SOURCE_LANGUAGE = "en"
_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def locale_tag(text: str) -> str:
    """A BCP 47 tag in its usual form (de-CH, zh-Hant-TW); ValueError if it names no language Babel knows."""
    if not _TAG.match(text):
        raise ValueError(f"{text!r} is not a language tag such as fr or de-CH")
    try:
        parsed = Locale.parse(text, sep="-")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{text!r} names no language this service knows of") from None
    return "-".join(part for part in (parsed.language, parsed.script, parsed.territory) if part)


def preferred_languages(accept_language: str | None) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 and junk left out)."""
    ranked = [
        (-quality, position, tag)
        for position, (tag, quality) in enumerate(weighted_values(accept_language, 1000))
        if tag and tag != "*" and _TAG.match(tag) and quality > 0
    ]
    return [tag for _, _, tag in sorted(ranked)]


class Catalogs:
    def __init__(self, deployment_dirs: Iterable[Path | None] = ()) -> None:
        # The deployment's folders first: a catalog there wins over a shipped one of the same language.
        self._folders = [folder / "locale" for folder in deployment_dirs if folder is not None] + [SHIPPED]
        found = {
            path.parent.parent.name
            for folder in self._folders
            if folder.is_dir()
            for path in folder.glob("*/LC_MESSAGES/messages.[mp]o")
        }
        self.available = tuple(sorted({SOURCE_LANGUAGE, *found}))

    def negotiate(self, *preferences: str | None) -> str:
        """The best language on offer for tags in order of preference (a stored locale, then the tags of
        an Accept-Language header); English when none is on offer."""
        for tag in preferences:
            if not tag:
                continue
            for candidate in (tag, tag.split("-")[0]):
                found = next((name for name in self.available if name.lower() == candidate.lower()), None)
                if found:
                    return found
        return SOURCE_LANGUAGE

    def for_request(self, accept_language: str | None, stored: str | None = None) -> str:
        return self.negotiate(stored, *preferred_languages(accept_language))

    def translations(self, language: str) -> gettext.NullTranslations:
        return _load(tuple(self._folders), language)


@cache
def _load(folders: tuple[Path, ...], language: str) -> gettext.NullTranslations:
    chain: gettext.NullTranslations = gettext.NullTranslations()  # the source language: msgids as they are
    for folder in reversed(folders):  # the shipped catalog first, the deployment's over it
        catalog = _catalog(folder / language / "LC_MESSAGES")
        if catalog is not None:
            catalog.add_fallback(chain)
            chain = catalog
    return chain


def _catalog(folder: Path) -> Translations | None:
    if (folder / "messages.po").is_file():
        with (folder / "messages.po").open("rb") as po:
            compiled = BytesIO()
            write_mo(compiled, read_po(po))  # compiled in memory: no build step, no .mo to keep in step
            compiled.seek(0)
            return Translations(compiled)
    if (folder / "messages.mo").is_file():
        with (folder / "messages.mo").open("rb") as mo:
            return Translations(mo)
    return None
