"""Gathers every word the service shows into adapters/i18n/locales/messages.pot, and brings each shipped
catalog (adapters/i18n/locales/<language>/LC_MESSAGES/messages.po) up to date with it, keeping what is
translated. Run it after changing a template or a message, then translate what it adds:

    .venv/bin/python scripts/extract_messages.py

The words come from the email and page templates ({% trans %} and _()), from the HTTP layer's N_() and
_() calls, and from the domain errors (their defaults and the templates they are raised with).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "adapters" / "i18n" / "locales"
TEMPLATES = [ROOT / "adapters" / "mail" / "templates", ROOT / "entrypoints" / "http" / "templates"]
MARKED = [ROOT / "entrypoints" / "http"]
ERRORS_RAISED_IN = [ROOT / "domain", ROOT / "application", ROOT / "adapters"]


def messages() -> Iterator[tuple[str, str]]:
    """(msgid, where) for every word to translate."""
    for folder in TEMPLATES:
        for path in sorted(folder.glob("*.*")):
            with path.open("rb") as source:
                for line, text, _comments, _context in extract(
                    "jinja2.ext:babel_extract", source, options={"extensions": "jinja2.ext.i18n"}
                ):
                    yield text, f"{path.relative_to(ROOT)}:{line}"
    for folder in MARKED:
        for path in sorted(folder.glob("*.py")):
            with path.open("rb") as source:
                for line, text, _comments, _context in extract(
                    "python", source, keywords={"_": None, "N_": None}
                ):
                    if isinstance(text, str) and text:  # _(a_variable) names words marked elsewhere
                        yield text, f"{path.relative_to(ROOT)}:{line}"
    yield from _error_words()


def _error_words() -> Iterator[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    from domain import errors

    names = set()
    for error in _subclasses(errors.DomainError):
        names.add(error.__name__)
        for text in (error.message, error.resolution):
            yield text, f"domain/errors.py:{error.__name__}"
    for folder in ERRORS_RAISED_IN:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                raised = isinstance(node, ast.Call) and getattr(node.func, "id", None) in names
                # super().__init__(resolution="...") in an error's own constructor, too
                passed_up = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "__init__"
                    and path.name == "errors.py"
                )
                if raised or passed_up:
                    words = [
                        *node.args,
                        *(k.value for k in node.keywords if k.arg in ("message", "resolution")),
                    ]
                    for arg in words:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            yield arg.value, f"{path.relative_to(ROOT)}:{node.lineno}"


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def template_catalog() -> Catalog:
    catalog = Catalog(project="bookly-accounts", fuzzy=False)
    for text, where in messages():
        path, _, line = where.rpartition(":")
        catalog.add(text, locations=[(path, int(line) if line.isdigit() else 0)])
    return catalog


def main() -> None:
    template = template_catalog()
    with (LOCALES / "messages.pot").open("wb") as out:
        write_po(out, template, width=110)
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as existing:
            catalog = read_po(existing)
        catalog.update(template, no_fuzzy_matching=True)
        buffer = BytesIO()
        write_po(buffer, catalog, width=110, ignore_obsolete=True)
        po.write_bytes(buffer.getvalue())
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{po.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} to translate")


if __name__ == "__main__":
    main()
