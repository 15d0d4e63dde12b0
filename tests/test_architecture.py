"""The dependency rule: domain <- application <- adapters, entrypoints."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"fastapi", "starlette", "sqlalchemy", "asyncpg", "aiosqlite", "aiosmtplib", "itsdangerous",
             "dependency_injector", "pydantic", "pydantic_settings", "jwt", "pwdlib", "argon2", "jinja2",
             "uvicorn", "httpx", "alembic", "adapters", "entrypoints"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", ["domain", "application"])
def test_the_core_imports_no_framework_driver_or_adapter(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"{layer}/ has no modules"
    offenders = {str(f.relative_to(ROOT)): sorted(imported_roots(f) & FORBIDDEN) for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_domain_does_not_import_application() -> None:
    offenders = [str(f) for f in (ROOT / "domain").rglob("*.py") if "application" in imported_roots(f)]
    assert offenders == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from sqlalchemy import select\nimport adapters.tokens\n")
    assert imported_roots(module) & FORBIDDEN == {"sqlalchemy", "adapters"}
