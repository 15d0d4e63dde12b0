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
    loggers = [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    enabled = [logger for logger in loggers if not logger.disabled]
    yield
    for logger in enabled:
        logger.disabled = False


def test_every_import_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_the_contracts_see_a_forbidden_import(tmp_path: Path) -> None:
    # The domain does import email_validator (a pure parser); a contract forbidding it must say so.
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["domain"]\ninclude_external_packages = true\n\n'
        '[[tool.importlinter.contracts]]\nname = "probe"\ntype = "forbidden"\n'
        'source_modules = ["domain"]\nforbidden_modules = ["email_validator"]\n'
    )
    assert lint_imports(config_filename=str(config), no_cache=True) == 1


def test_the_application_is_arranged_by_feature() -> None:
    # Issue 24: a use case lives in its feature's package, what several use in application/shared/, and
    # every port in a short module of application/ports/.
    assert [path.name for path in (ROOT / "application").glob("*.py")] == ["__init__.py"]
    long_ports = {
        path.name: n
        for path in (ROOT / "application" / "ports").glob("*.py")
        if (n := len(path.read_text().splitlines())) > 150
    }
    assert not long_ports


def test_no_module_imports_itself_through_others() -> None:
    # A cycle, even one hidden behind TYPE_CHECKING, ties modules that the layers say are apart.
    import grimp

    graph = grimp.build_graph("domain", "application", "adapters", "entrypoints", cache_dir=None)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    assert cycles == []
