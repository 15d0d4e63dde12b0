"""The docs keep up with the code: every setting named with its default, no dead link, a short README."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest
from pydantic import SecretStr

from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
# The pages a reader moves between; CHANGELOG.md is history and keeps the links of its day.
LINKED = [
    ROOT / name
    for name in ("README.md", "DEPLOYMENT.md", "SECURITY.md", "client/README.md", "bench/RESULTS.md")
]
README_LIMIT = 10_000  # characters: what it is, the two commands, one curl flow, where to go next (issue 24)


def rendered(default: object) -> str:
    """A default as configuration.md writes it: unset, true/false, a number, empty, or the value quoted."""
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if isinstance(default, Enum):
        default = default.value
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    if isinstance(default, int | float):
        return str(default)
    if default in ("", [], ()):
        return "empty"
    if isinstance(default, str | Path):
        return f"`{default}`"
    raise AssertionError(f"no rule writes a default of type {type(default).__name__}: add one to rendered()")


def prose(text: str) -> str:
    """The text outside fenced code blocks, where a table, a heading or a link means what it says."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def documented_settings() -> dict[str, str]:
    """configuration.md's table rows: the setting in backticks in the first cell, its default next."""
    rows: dict[str, str] = {}
    for line in prose((ROOT / "docs" / "configuration.md").read_text()).splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[0] == "setting" or all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue  # a header or its rule
        name = re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        assert name, f"a settings row names one setting in backticks in its first cell: {line!r}"
        assert name[1] not in rows, f"{name[1]} has two rows"
        assert len(cells) >= 3, f"a settings row is | setting | default | meaning |: {line!r}"
        rows[name[1]] = cells[1]
    return rows


def test_the_configuration_names_every_setting_and_no_other() -> None:
    documented = set(documented_settings())
    fields = set(Settings.model_fields)
    gaps = {"without a row": sorted(fields - documented), "not in Settings": sorted(documented - fields)}
    assert gaps == {"without a row": [], "not in Settings": []}


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_configuration_gives_each_default_as_the_code_has_it(name: str) -> None:
    # The cell is the default as rendered() writes it, optionally followed by words in parentheses:
    # "1209600 (14 days)", "unset (the core count)".
    cell = documented_settings().get(name)
    if cell is None:
        pytest.skip(f"{name} has no row (the test above names it)")
    default = rendered(Settings.model_fields[name].get_default(call_default_factory=True))
    assert cell == default or (cell.startswith(default + " (") and cell.endswith(")")), (
        f"{name}: docs/configuration.md says {cell!r}; the code's default is written {default!r}"
    )


def test_the_readme_stays_short() -> None:
    length = len((ROOT / "README.md").read_text())
    assert length <= README_LIMIT, f"README.md is {length} characters: move reference material into docs/"


def slugs(markdown: str) -> set[str]:
    """The anchors GitHub gives headings: lower case, punctuation dropped, spaces to hyphens, -1 for twins."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", prose(markdown), flags=re.MULTILINE):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays, its target goes
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def links(markdown: str) -> list[str]:
    text = re.sub(r"`[^`\n]*`", "", prose(markdown))  # code spans show text, not links
    inline = re.findall(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
    by_reference = re.findall(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", text, flags=re.MULTILINE)
    return inline + by_reference


@pytest.mark.parametrize("page", [*LINKED, *DOCS], ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    broken = []
    for target in links(page.read_text()):
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            continue  # https:, mailto: and the like are not checked here
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in slugs(file.read_text()):
            broken.append(f"{target}: no heading with that anchor in {file.relative_to(ROOT)}")
    assert broken == []


def test_the_docs_exist() -> None:
    names = {page.name for page in DOCS}
    assert {"configuration.md", "api.md", "operations.md", "architecture.md"} <= names
