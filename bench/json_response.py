"""What the response class costs: FastAPI's response_model path against the classic JSONResponse, in one run.

    .venv/bin/python bench/json_response.py [--calls 20000]

With a response model and the default response class, FastAPI serialises the model to JSON bytes in
pydantic-core (Rust); with a response class of its own (JSONResponse, or orjson's) it first makes a dict
of plain Python values (jsonable_encoder) and then encodes that. The service declares a response model on
every endpoint and keeps the default class. Both apps here answer the login's body (SessionOut), called
straight through ASGI, so no server or network dilutes the difference; rounds alternate.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from entrypoints.http.shared import SessionOut, UserOut

BODY = SessionOut(
    access_token="a" * 200,
    refresh_token="r" * 43,
    token_type="bearer",
    user=UserOut(
        id=uuid.uuid4(),
        email="ada@example.com",
        username=None,
        first_name="Ada",
        last_name="Lovelace",
        role="user",
        is_verified=True,
        created_at=datetime.now(UTC),
    ),
)


def app(response_class: type[JSONResponse] | None) -> FastAPI:
    application = FastAPI()
    extra = {"response_class": response_class} if response_class else {}

    @application.get("/session", response_model=SessionOut, **extra)
    async def session() -> SessionOut:
        return BODY

    return application


async def call(application: FastAPI, times: int) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/session",
        "raw_path": b"/session",
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    started = time.perf_counter()
    for _ in range(times):
        await application(scope, receive, send)
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    model_path, classic = app(None), app(JSONResponse)
    totals = {"model": 0.0, "classic": 0.0}
    for n in range(args.rounds):
        for name, application in (("model", model_path), ("classic", classic))[:: 1 if n % 2 else -1]:
            totals[name] += await call(application, args.calls // args.rounds)
    print(
        f"responses/s, response_model serialised by pydantic-core over JSONResponse: "
        f"{totals['classic'] / totals['model']:.2f}x "
        f"({args.calls / totals['classic']:.0f} -> {args.calls / totals['model']:.0f} per second, one core)"
    )


if __name__ == "__main__":
    asyncio.run(main())
