"""Renders emails from Jinja templates: a deployment's own folder first, then the ones shipped here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel.units import format_unit
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from application.mail import EmailContent

SHIPPED = Path(__file__).parent / "templates"
DEFAULT_PRODUCT = "Bookly Accounts"


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(span: timedelta, locale: str = "en") -> str:
    """In the largest unit that states it exactly: 1 hour, 90 minutes, 2 days."""
    seconds = int(span.total_seconds())
    unit, size = next((unit, size) for unit, size in _UNITS if seconds % size == 0)
    return format_unit(seconds // size, f"duration-{unit}", length="long", locale=locale)


class JinjaEmailRenderer:
    def __init__(self, templates_dir: Path | None = None, product: str = DEFAULT_PRODUCT) -> None:
        self._product = product
        folders = [templates_dir, SHIPPED] if templates_dir is not None else [SHIPPED]
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
            # Escape values in HTML only: in the text part "&amp;" would be shown as it is.
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            # A misspelt value fails the render instead of sending an email with a hole in it.
            undefined=StrictUndefined,
            # Templates do not change while the service runs: no stat() of each file at every render.
            auto_reload=False,
        )
        self._env.filters["duration"] = duration

    def render(self, template: str, values: Mapping[str, Any]) -> EmailContent:
        values = {"product": self._product, **values}
        subject = self._env.get_template(f"{template}.subject.txt").render(values)
        return EmailContent(
            # One line: a line break in a header value would be refused when the email is built.
            subject=" ".join(subject.split()),
            text_body=self._env.get_template(f"{template}.txt").render(values),
            html_body=self._env.get_template(f"{template}.html").render(values),
        )
