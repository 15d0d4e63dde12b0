"""The password hash's build: `./dev` makes argon2-cffi-bindings for AVX2 where the CPU has it (issue 25).
Hashes made by either build verify with the other, and a build the CPU cannot run is found at start."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from adapters.crypto.passwords import Argon2PasswordHasher, HashBuildUnfit, check_the_hash_runs_here
from entrypoints import cli

# Made at the service's parameters by the wheel on PyPI (portable C) and by the AVX2 build of the same
# release; each verifies with the other, whichever is installed here.
MADE_BY = {
    "portable": (
        "$argon2id$v=19$m=19456,t=2,p=1$b7jZEHew+bFx2EokSraEHw$Hdn3vu17tIJXwH+EUx18fseURWtGLhpiqOMPVRoG9rM",
        "correct horse battery staple, portable",
    ),
    "avx2": (
        "$argon2id$v=19$m=19456,t=2,p=1$MGmAw3oK6VVWQdC2jzEA+Q$/206CxjAZ/0OzeXl5nNvlMpLBrWjmvu/BD3pO7R3050",
        "correct horse battery staple, avx2",
    ),
}
DIES_OF_SIGILL = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]


@pytest.mark.parametrize("build", sorted(MADE_BY))
async def test_a_hash_made_by_either_build_verifies_here(build: str) -> None:
    hasher = Argon2PasswordHasher(threads=1)
    try:
        stored, password = MADE_BY[build]
        assert await hasher.verify(stored, password)
        assert not await hasher.verify(stored, password + "!")
        assert not hasher.needs_rehash(stored)
    finally:
        hasher.close()


def test_a_cpu_with_avx2_runs_no_probe() -> None:
    check_the_hash_runs_here(cpu_flags=lambda: {"sse2", "avx2"}, probe=DIES_OF_SIGILL)


def test_elsewhere_than_linux_on_x86_64_no_probe_runs() -> None:
    check_the_hash_runs_here(cpu_flags=lambda: None, probe=DIES_OF_SIGILL)


def test_a_cpu_without_avx2_runs_the_installed_build_once() -> None:
    check_the_hash_runs_here(cpu_flags=lambda: {"sse2"})  # the real probe, on the build installed here


def test_a_build_this_cpu_cannot_run_is_refused_with_its_fix() -> None:
    with pytest.raises(HashBuildUnfit) as refused:
        check_the_hash_runs_here(cpu_flags=lambda: {"sse2"}, probe=DIES_OF_SIGILL)
    assert "SIGILL" in str(refused.value)
    assert "ARGON2_BUILD=portable" in str(refused.value)


def test_another_signal_is_not_taken_for_the_build() -> None:
    killed = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    check_the_hash_runs_here(cpu_flags=lambda: {"sse2"}, probe=killed)


def test_the_probe_imports_argon2_from_the_installation_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A directory anyone can write to: its argon2/ must not run, nor pass for a build that works.
    (tmp_path / "argon2").mkdir()
    (tmp_path / "argon2" / "__init__.py").write_text(
        "import os, signal; os.kill(os.getpid(), signal.SIGILL)\n"
    )
    monkeypatch.chdir(tmp_path)
    check_the_hash_runs_here(cpu_flags=lambda: {"sse2"})


def test_accounts_stops_with_one_line_before_it_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unfit() -> None:
        raise HashBuildUnfit(f"a hash died of {signal.SIGILL.name}")

    monkeypatch.setattr(cli, "check_the_hash_runs_here", unfit)
    monkeypatch.setattr(cli, "configure_logging", lambda json_lines: None)  # the test runner keeps its own
    assert cli.main(["serve", "--port", "1"]) == 1
    assert capsys.readouterr().err == "accounts: a hash died of SIGILL\n"
