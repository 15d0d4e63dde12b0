"""A lean HTTP/1.1 load client: keep-alive connections opened once, requests written as bytes.

httpx spends about a millisecond of CPU a request, which on a two-core machine takes a large share
of what the server under test could use. This client does the least HTTP/1.1 needs: a request line,
a few headers, a body; a status line, headers up to a blank line, and a Content-Length body.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Response:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> object:
        return jsonlib.loads(self.content)


class LeanClient:
    def __init__(self, host: str, port: int, connections: int) -> None:
        self._host, self._port, self._size = host, port, connections
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.LifoQueue()

    async def __aenter__(self) -> LeanClient:
        for _ in range(self._size):
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        while not self._idle.empty():
            self._idle.get_nowait()[1].close()

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self._request("GET", path, b"", None, headers)

    async def post(
        self,
        path: str,
        json: object = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if data is not None:
            return await self._request(
                "POST", path, urlencode(data).encode(), "application/x-www-form-urlencoded", headers
            )
        return await self._request("POST", path, jsonlib.dumps(json).encode(), "application/json", headers)

    async def _request(
        self, method: str, path: str, body: bytes, content_type: str | None, headers: dict[str, str] | None
    ) -> Response:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host}:{self._port}",
            f"Content-Length: {len(body)}",
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        reader, writer = await self._idle.get()
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            writer.write(request)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionResetError):
                # The server closes a connection left idle past its keep-alive timeout; send again on a new
                # one.
                writer.close()
                reader, writer = await asyncio.open_connection(self._host, self._port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            fields = dict(line.split(":", 1) for line in header_lines if ":" in line)
            length = {name.lower(): value for name, value in fields.items()}.get("content-length")
            if length is None:
                raise RuntimeError(f"{method} {path}: a response without Content-Length is not supported")
            content = await reader.readexactly(int(length))
        except BaseException:
            writer.close()
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
            raise
        self._idle.put_nowait((reader, writer))
        return Response(int(status_line.split(" ", 2)[1]), content)
