"""The release as a user installs it: the wheels, built from their sdists, in a fresh virtual environment,
run from a folder where the checkout cannot be imported, in French and German.

An installed wheel once lost every file the code opens beside its modules but did not list (the catalogs),
and answered a French account in English with lang="en": only a run of what was installed shows that.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx

from adapters.i18n.catalogs import Catalogs
from entrypoints.version import __version__
from tests.live_server import free_port, wait_until_serving
from tests.settings import METRICS_TOKEN, OPERATOR

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = Catalogs()  # the checkout's catalogs: what the installed service must say


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def sources(into: Path) -> Path:
    """The checkout's files that git knows of (committed or not yet added), as a fresh clone has them.

    Not the checkout itself: setuptools puts in an sdist every file its *.egg-info/SOURCES.txt lists, so a
    file a past build (or the editable install) listed would hide that the package data now leaves it out.
    """
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # not one deleted but not yet committed
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    return into


def build(source: Path, dist: Path) -> subprocess.Popen[str]:
    """`python -m build` makes the sdist, then the wheel from the unpacked sdist: a file the sdist lacks is
    missing from the wheel too, so the wheel's run checks both."""
    return subprocess.Popen(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        cwd=dist.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> None:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, f"{process.args} exited {process.returncode}:\n{output}"


def only(folder: Path, pattern: str) -> Path:
    [path] = folder.glob(pattern)
    return path


def test_the_installed_wheels_serve_in_french_and_german_outside_the_checkout(tmp_path: Path) -> None:
    dist, venv, here, clone = (tmp_path / name for name in ("dist", "venv", "elsewhere", "clone"))
    for folder in (dist, here, clone):
        folder.mkdir()
    sources(clone)
    # The three slow steps run side by side: the dependencies go in while the two packages build. The dev
    # environment's pip installs into the new one (--python), which so needs no pip of its own, and compiles
    # no .pyc up front (most of an install's time): each module is compiled once, when first imported.
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile"]
    steps = [
        subprocess.Popen(
            [*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock")],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        build(clone, dist),
        build(clone / "client", dist),
    ]
    for step in steps:
        finished(step)
    service_wheel = only(dist, f"bookly_accounts-{__version__}-py3-none-any.whl")
    client_wheel = only(dist, f"bookly_accounts_client-{__version__}-py3-none-any.whl")
    run(*pip, "--no-deps", service_wheel, client_wheel, cwd=tmp_path)

    # Nothing of the test run's environment: no PYTHONPATH to the checkout, no setting of the developer's.
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{here / 'accounts.db'}",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(here / "mail"),
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    imported = json.loads(
        run(
            python,
            "-c",
            "import json, importlib.metadata as m, adapters.i18n.catalogs, "
            "entrypoints.cli, bookly_accounts_client as c; "
            "print(json.dumps([adapters.i18n.catalogs.__file__, "
            "entrypoints.cli.__file__, c.__file__, c.__version__, m.version('bookly-accounts'), "
            "m.version('bookly-accounts-client')]))",
            cwd=here,
            env=env,
        )
    )
    assert all(Path(path).is_relative_to(venv) for path in imported[:3]), imported
    assert imported[3:] == [__version__] * 3

    assert (
        run(venv / "bin" / "accounts", "--version", cwd=here, env=env).strip()
        == f"accounts (Bookly Accounts) {__version__}"
    )
    run(venv / "bin" / "accounts", "migrate", cwd=here, env=env)
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [venv / "bin" / "accounts", "serve", "--port", str(port)],
            cwd=here,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, seconds=60)
        assert httpx.get(f"{base}/openapi.json").json()["info"]["version"] == __version__
        assert httpx.get(f"{base}/health/live", headers=OPERATOR).json()["version"] == __version__

        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={"email": "ada@example.com", "locale": "fr", "password": "correct horse battery"},
        )
        assert signup.status_code == 201 and signup.json()["user"]["locale"] == "fr"
        sent = wait_for_file(here / "mail", "*.eml", seconds=30, log=tmp_path / "serve.log")
        message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
        subject = "Confirm your email address for %(product)s"
        french = CATALOGS.translations("fr").gettext(subject) % {"product": "Bookly Accounts"}
        assert french != subject % {"product": "Bookly Accounts"}  # the catalog translates it
        assert message["Subject"] == french and message["Content-Language"] == "fr"

        page = httpx.get(
            f"{base}/api/v1/auth/forgot-password", headers={"Accept": "text/html", "Accept-Language": "de"}
        )
        german = CATALOGS.translations("de").gettext("Forgot your password?")
        assert german != "Forgot your password?"  # the catalog translates it
        assert page.status_code == 200 and '<html lang="de">' in page.text and german in page.text
        assert page.headers["content-language"] == "de"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # The license travels with each package, and the bundled list's with it.
    with tarfile.open(only(dist, f"bookly_accounts-{__version__}.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "NOTICE", "adapters/crypto/data/common-passwords.LICENSE"} <= names
    licenses = f"bookly_accounts-{__version__}.dist-info/licenses/"
    assert {licenses + "LICENSE", licenses + "NOTICE"} <= set(zipfile.ZipFile(service_wheel).namelist())
    assert (
        f"bookly_accounts_client-{__version__}.dist-info/licenses/LICENSE"
        in zipfile.ZipFile(client_wheel).namelist()
    )


def wait_for_file(folder: Path, pattern: str, seconds: float, log: Path) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {pattern} in {folder} within {seconds} s; the server said:\n{log.read_text()}")
