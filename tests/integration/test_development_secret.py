"""With ENVIRONMENT unset and no JWT_SECRET, no public secret signs anything: one is generated and kept."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.generated_secrets import shared_secret
from tests.live_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
OLD_PUBLIC_DEFAULT = "development-only-secret-do-not-deploy-0123456789"


def development_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_", "JWT_", "ENVIRONMENT"))}
    return {**env, "PYTHONPATH": str(ROOT), "MAIL_BACKEND": "memory", "PASSWORD_HASH_MEMORY_KIB": "1024",
            "PASSWORD_HASH_TIME_COST": "1"}


def serve_once(folder: Path, action) -> str:  # type: ignore[no-untyped-def]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)], cwd=folder,
                              env=development_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        action(f"http://127.0.0.1:{port}")
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    return output


def test_a_default_deployment_signs_with_a_secret_of_its_own_kept_across_starts(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "entrypoints.cli", "migrate"], cwd=tmp_path, env=development_env(),
                   check=True, capture_output=True)
    session: dict[str, str] = {}

    def sign_up_and_log_in(base: str) -> None:
        httpx.post(f"{base}/api/v1/auth/signup", json={"email": "ada@example.com", "password": "correct horse"})
        session.update(httpx.post(f"{base}/api/v1/auth/login",
                                  json={"email": "ada@example.com", "password": "correct horse"}).json())

    first = serve_once(tmp_path, sign_up_and_log_in)
    [line] = [line for line in first.splitlines() if "JWT_SECRET is not set" in line]
    assert "generated" in line and "made now" in line

    forged = jwt.encode({"sub": str(uuid.uuid4()), "type": "access", "iat": datetime.now(UTC).timestamp(),
                         "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())},
                        OLD_PUBLIC_DEFAULT, algorithm="HS256")
    answers: dict[str, int] = {}

    def use_tokens(base: str) -> None:
        me = f"{base}/api/v1/auth/me"
        answers["kept"] = httpx.get(me, headers={"Authorization": f"Bearer {session['access_token']}"}).status_code
        answers["forged"] = httpx.get(me, headers={"Authorization": f"Bearer {forged}"}).status_code

    second = serve_once(tmp_path, use_tokens)
    assert answers == {"kept": 200, "forged": 401}  # the same secret after a restart; the public one is no key
    assert "made now" not in second


def test_a_default_deployment_refuses_to_start_without_its_schema(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(free_port())],
                            cwd=tmp_path, env=development_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "run `accounts migrate` first" in result.stderr


async def test_instances_starting_at_once_agree_on_one_secret(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        made = [f"candidate {n}" for n in range(8)]
        found = await asyncio.gather(*(shared_secret(engine, "jwt-secret", lambda m=m: m) for m in made))
    finally:
        await engine.dispose()
    assert len({value for value, _ in found}) == 1 and sum(inserted for _, inserted in found) == 1
