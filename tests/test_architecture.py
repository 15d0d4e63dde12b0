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


def _takers_of_a_unit_of_work() -> Iterator[tuple[str, str, object]]:
    """Every function and method of application/ (ports aside) with a parameter named like `uow`, and the
    type its hints give it."""
    import importlib
    import inspect
    import typing

    for path in sorted((ROOT / "application").rglob("*.py")):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if ".ports" in module_name:
            continue
        module = importlib.import_module(module_name)
        functions = [
            f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == module_name
        ]
        for cls in (c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module_name):
            functions += [f for f in vars(cls).values() if inspect.isfunction(f)]
        for function in functions:
            for name, hint in typing.get_type_hints(function).items():
                if name == "uow" or name.endswith("_uow"):
                    for kind in typing.get_args(hint) or (hint,):
                        if kind is not type(None):
                            yield f"{module_name}.{function.__qualname__}", name, kind


def _members(protocol: type) -> set[str]:
    """What a Protocol asks for: its own and its pieces' attributes and methods."""
    return {
        name
        for piece in protocol.__mro__
        if getattr(piece, "_is_protocol", False)
        for name in vars(piece)
        if not name.startswith("_") or name in {"__aenter__", "__aexit__"}
    }


async def test_each_use_case_asks_only_for_the_repositories_it_uses() -> None:
    # Issue 24: a use case declares the pieces of the unit of work it uses, not all of them; the container
    # (untyped providers) and the fakes pass the full one, which must have every piece asked for.
    import inspect
    import re

    from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
    from application.ports.unit_of_work import UnitOfWork
    from tests.fakes import FakeUnitOfWork

    takers = list(_takers_of_a_unit_of_work())
    assert len(takers) > 50
    assert not [where for where, _, kind in takers if kind is UnitOfWork]
    async with FakeUnitOfWork() as fake:
        faked = {name for name in _members(UnitOfWork) if hasattr(fake, name)}
    adapter_source = inspect.getsource(SqlAlchemyUnitOfWork)
    adapted = set(re.findall(r"self\.(\w+) = ", adapter_source)) | set(vars(SqlAlchemyUnitOfWork))
    assert _members(UnitOfWork) <= faked and _members(UnitOfWork) <= adapted
    for where, name, kind in takers:
        assert isinstance(kind, type) and getattr(kind, "_is_protocol", False), (where, name)
        assert _members(kind) <= _members(UnitOfWork), (where, name)
