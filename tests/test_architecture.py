"""The dependency rule, as import-linter contracts in pyproject.toml: domain <- application <- adapters <-
entrypoints, no framework or driver in the core, and the HTTP layer and the command line apart."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _loggers_left_enabled() -> Iterator[None]:
    # import-linter configures logging by dictConfig, which disables the loggers that exist already: the
    # service's "accounts" among them would say nothing for the rest of the session, to caplog either.
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    enabled = [logger for logger in loggers if not logger.disabled]
    yield
    for logger in enabled:
        logger.disabled = False


def test_every_import_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_the_contracts_see_a_forbidden_import(tmp_path: Path) -> None:
    # The domain does import email_validator (a pure parser); a contract forbidding it must say so.
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["domain"]\ninclude_external_packages = true\n\n'
                      '[[tool.importlinter.contracts]]\nname = "probe"\ntype = "forbidden"\n'
                      'source_modules = ["domain"]\nforbidden_modules = ["email_validator"]\n')
    assert lint_imports(config_filename=str(config), no_cache=True) == 1
