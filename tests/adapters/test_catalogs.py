"""The catalogs: every word translated in every shipped language, the template up to date with the source,
a deployment's catalog winning, and English wherever a catalog says nothing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from adapters.i18n.catalogs import SHIPPED, Catalogs, locale_tag, preferred_languages

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}")


def catalog(language: str) -> Catalog:
    with (SHIPPED / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_the_template_holds_every_word_the_source_shows() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from extract_messages import template_catalog

    with (SHIPPED / "messages.pot").open("rb") as pot:
        committed = {m.id for m in read_po(pot) if m.id}
    assert {m.id for m in template_catalog() if m.id} == committed, "run scripts/extract_messages.py"


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_word_is_translated_with_its_placeholders(language: str) -> None:
    with (SHIPPED / "messages.pot").open("rb") as pot:
        wanted = {m.id for m in read_po(pot) if m.id}
    messages = {m.id: m for m in catalog(language) if m.id}
    assert wanted <= set(messages)
    untranslated = [m.id for m in messages.values() if not m.string or m.fuzzy]
    assert untranslated == []
    for message in messages.values():
        expected = sorted(p for p in PLACEHOLDERS.findall(message.id) if p != "{reason}")
        assert sorted(PLACEHOLDERS.findall(message.string)) == expected, message.id


def test_a_deployment_adds_a_language_and_english_fills_what_it_leaves_out(tmp_path: Path) -> None:
    spanish = Catalog(locale="es")
    spanish.add("Invalid email or password.", "Correo o contraseña no válidos.")
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as po:
        write_po(po, spanish)
    catalogs = Catalogs([tmp_path])
    assert catalogs.for_request("es-MX,es;q=0.9") == "es"
    words = catalogs.translations("es")
    assert words.gettext("Invalid email or password.") == "Correo o contraseña no válidos."
    assert words.gettext("Log in again.") == "Log in again."  # not in the catalog: English, never empty


def test_languages_are_negotiated_from_a_header_and_a_stored_preference() -> None:
    catalogs = Catalogs()
    assert set(catalogs.available) >= {"en", "fr", "de"}
    assert preferred_languages("de;q=0.5, fr-CA, *;q=0.1, en;q=0") == ["fr-CA", "de"]
    assert catalogs.for_request("fr-CA, de;q=0.5") == "fr"
    assert catalogs.for_request("de", stored="fr") == "fr"
    assert catalogs.for_request("x" * 5000) == catalogs.for_request(None) == "en"
    assert locale_tag("de-ch") == "de-CH"
    with pytest.raises(ValueError):
        locale_tag("<script>")


# Issue 22: words a reader stumbled on, each replaced by what a native speaker says.
SLIPS = {"en": "we will send it a link", "de": "Sie haben einen Code?", "fr": "en a besoin"}


@pytest.mark.parametrize("language", sorted(SLIPS))
def test_the_wording_slips_are_gone(language: str) -> None:
    slip = SLIPS[language]
    if language == "en":
        shown = [
            path.read_text()
            for folder in ("adapters/mail/templates", "entrypoints/http/templates")
            for path in (ROOT / folder).glob("*.*")
        ]
    else:
        shown = [m.string for m in catalog(language) if m.id]
    assert not [text for text in shown if slip in text]
