"""The `accounts` command as an operator runs it: a real process, the embedded SQLite default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def accounts(*args: str, cwd: Path, env: dict[str, str] | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_", "JWT_"))}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], cwd=cwd, env=environment,
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_migrate_then_create_admin_on_the_default_sqlite_file(tmp_path: Path) -> None:
    migrated = accounts("migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "accounts.db").exists()

    created = accounts("create-admin", "--email", "Root@Example.com", "--password", "admin password 1",
                       cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "created administrator root@example.com" in created.stdout

    again = accounts("create-admin", "--email", "root@example.com", "--password", "admin password 1", cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.parametrize("env, named", [
    ({"MAIL_PORT": "abc"}, "MAIL_PORT"),
    ({"MAIL_SSL_TLS": "true", "MAIL_STARTTLS": "true"}, "MAIL_SSL_TLS"),
    ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND"),
    ({"ENVIRONMENT": "production", "JWT_SECRET": "too-short"}, "JWT_SECRET"),
])
def test_invalid_settings_stop_start_up_with_one_line_naming_the_setting(tmp_path: Path, env: dict[str, str],
                                                                        named: str) -> None:
    result = accounts("serve", cwd=tmp_path, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("accounts: invalid setting") and named in line


def test_a_bookly_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MAIL_PORT=not-a-port\n")
    result = accounts("migrate", cwd=tmp_path)
    assert result.returncode == 2 and "MAIL_PORT" in result.stderr
