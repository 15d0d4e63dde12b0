"""One version, written once, shown where operators and clients look: the command, the API document, the
liveness check; and the changelog's newest release is older than it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx
import pytest
from packaging.version import Version

import bookly_accounts_client
from entrypoints.cli import main
from entrypoints.http.app import create_app
from entrypoints.version import __version__
from tests.settings import OPERATOR, service_settings

ROOT = Path(__file__).resolve().parents[2]


def test_accounts_version_prints_it_without_reading_any_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET", " ")  # a setting that stops every other command
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"accounts (Bookly Accounts) {__version__}\n"


async def test_the_api_document_and_the_operators_liveness_check_give_it(sqlite_url: str) -> None:
    app = create_app(service_settings(sqlite_url, 25, OUTBOX_WORKER_ENABLED=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/openapi.json")).json()["info"]["version"] == __version__
        assert (await client.get("/health/live", headers=OPERATOR)).json()["version"] == __version__
        assert (await client.get("/health/live")).json() == {"status": "ok"}  # a stranger gets no version


def test_it_is_written_once_for_each_package_and_both_share_it() -> None:
    for pyproject in (ROOT / "pyproject.toml", ROOT / "client" / "pyproject.toml"):
        project = tomllib.loads(pyproject.read_text())
        assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert bookly_accounts_client.__version__ == __version__
    Version(__version__)  # PEP 440, or this raises


def test_the_changelog_has_an_unreleased_section_above_releases_older_than_the_version() -> None:
    headings = re.findall(r"^## \[([^]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    released = [Version(heading) for heading in headings[1:]]
    assert released == sorted(released, reverse=True) and released[0] < Version(__version__)
