"""The framework's limits, for bench/load.py and bench/compare.py: the least an endpoint can do, one
primary-key SELECT, and the least a writing endpoint can do, one upsert committed.

They are no part of the service: `python -m bench.probe serve` runs `accounts serve` with these endpoints
mounted through the app factory, in the same process, server and pool as the real ones.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import select

from adapters.crypto import passwords
from adapters.sqlalchemy.rate_limits import SqlAlchemyRateLimitCounters
from adapters.sqlalchemy.storage_errors import connect
from adapters.sqlalchemy.tables import users
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

router = APIRouter(include_in_schema=False)

# bench/hash_pool.py's other priorities for the hash threads; at the top, as `serve --workers N` spawns
# processes that import this module again.
passwords.HASH_THREAD_NICENESS = int(os.environ.get("BENCH_HASH_NICENESS", passwords.HASH_THREAD_NICENESS))
if os.environ.get("BENCH_HASH_IMPLEMENTATION") == "pynacl":
    # Issue 25's trial of libsodium's argon2id (bench/RESULTS.md): the adapter's argon2-cffi hasher swapped
    # for one that hashes and checks through PyNaCl (`pip install pynacl==1.6.2`; not a dependency).
    import nacl.exceptions
    import nacl.pwhash.argon2id
    from argon2 import PasswordHasher
    from argon2.exceptions import VerifyMismatchError

    class _SodiumArgon2(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            secret = password.encode() if isinstance(password, str) else password
            memlimit = self.memory_cost * 1024
            return nacl.pwhash.argon2id.str(secret, opslimit=self.time_cost, memlimit=memlimit).decode()

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            stored = hash.encode() if isinstance(hash, str) else hash
            secret = password.encode() if isinstance(password, str) else password
            try:
                nacl.pwhash.argon2id.verify(stored, secret)
            except nacl.exceptions.InvalidkeyError:
                raise VerifyMismatchError from None
            return True

    passwords.Argon2 = _SodiumArgon2


@router.get("/bench/pk/{user_id}")
async def primary_key_select(user_id: uuid.UUID, request: Request) -> dict:
    # As the service's one-read units of work do (GET /me): the statement alone, no BEGIN and ROLLBACK.
    async with request.app.state.container.one_read_engine().connect() as connection:
        found = (await connection.execute(select(users.c.id).where(users.c.id == user_id))).first()
    return {"found": found is not None}


@router.post("/bench/write/{key}")
async def one_upsert_committed(key: str, request: Request) -> dict:
    connection = await connect(request.app.state.container.engine())
    try:  # the service's own counter upsert, alone in its transaction
        await SqlAlchemyRateLimitCounters(connection).hit(f"bench:{key}", datetime.now(UTC))
        await connection.commit()
    finally:
        await connection.close()
    return {"written": True}


def create_probe_app(settings: Settings) -> FastAPI:
    return create_app(settings, extra_routers=[router])


if __name__ == "__main__":
    from entrypoints.cli import main

    sys.exit(main(sys.argv[1:], app_factory=create_probe_app))
