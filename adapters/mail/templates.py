"""Renders emails from Jinja templates, in the reader's language: a deployment's own folder first, then the
ones shipped here; the words through gettext catalogs (adapters/i18n/catalogs.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from babel.units import format_unit
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from adapters.i18n.catalogs import Catalogs
from domain.mail import EmailContent

SHIPPED = Path(__file__).parent / "templates"
DEFAULT_PRODUCT = "Bookly Accounts"
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(span: timedelta, locale: str = "en") -> str:
    """In the largest unit that states it exactly: 1 hour, 90 minutes, 2 days."""
    return _duration(int(span.total_seconds()), locale)


@lru_cache(maxsize=256)
def _duration(seconds: int, locale: str) -> str:
    # A deployment's emails state a handful of lifetimes in a handful of languages: Babel formatting the same
    # few again, twice in each email (text and HTML), was some 40% of rendering a verification email.
    unit, size = next((unit, size) for unit, size in _UNITS if seconds % size == 0)
    return format_unit(seconds // size, f"duration-{unit}", length="long", locale=locale)


def moment(when: datetime, locale: str = "en") -> str:
    """A time in UTC, as the reader's language writes one."""
    return format_datetime(when, "long", tzinfo=None, locale=locale).replace("+0000", "UTC")


class JinjaEmailRenderer:
    def __init__(
        self,
        *,
        templates_dir: Path | None = None,
        product: str = DEFAULT_PRODUCT,
        catalogs: Catalogs | None = None,
    ) -> None:
        self._product = product
        self._catalogs = catalogs or Catalogs([templates_dir])
        folders = [templates_dir, SHIPPED] if templates_dir is not None else [SHIPPED]
        self._loader: BaseLoader = ChoiceLoader([FileSystemLoader(folder) for folder in folders])
        self._environments: dict[str, Environment] = {}

    def render(self, template: str, values: Mapping[str, Any], locale: str | None = None) -> EmailContent:
        language = self._catalogs.negotiate(locale)
        env = self._environment(language)
        values = {"product": self._product, "lang": language, **values}
        subject = env.get_template(f"{template}.subject.txt").render(values)
        return EmailContent(
            # One line: a line break in a header value would be refused when the email is built.
            subject=" ".join(subject.split()),
            text_body=env.get_template(f"{template}.txt").render(values),
            html_body=env.get_template(f"{template}.html").render(values),
            language=language,
        )

    def _environment(self, language: str) -> Environment:
        if language not in self._environments:
            env = Environment(
                loader=self._loader,
                extensions=["jinja2.ext.i18n"],
                # Escape values in HTML only: in the text part "&amp;" would be shown as it is.
                autoescape=select_autoescape(enabled_extensions=("html",), default=False),
                # A misspelt value fails the render instead of sending an email with a hole in it.
                undefined=StrictUndefined,
                # Templates do not change while the service runs: no stat() of each file at every render.
                auto_reload=False,
            )
            env.install_gettext_translations(self._catalogs.translations(language), newstyle=True)  # type: ignore[attr-defined]
            env.filters["duration"] = partial(duration, locale=language)
            env.filters["moment"] = partial(moment, locale=language)
            self._environments[language] = env
        return self._environments[language]
