"""`accounts serve`: one process, or several that each bind the port with SO_REUSEPORT.

With one shared listening socket (uvicorn's --workers), whichever process wakes first takes the
connections of a burst, and one core can end up doing most of the work. With SO_REUSEPORT each process
has a socket of its own and the kernel spreads new connections over them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from entrypoints.http.app import create_app
from entrypoints.http.guarded_protocol import RequestBounds, guarded
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings

logger = logging.getLogger("accounts")
AppFactory = Callable[[Settings], FastAPI]


class CannotListen(Exception):
    """The address to listen on is taken, or not this machine's: a port problem, not the database's."""


def serve(
    settings: Settings, host: str, port: int, processes: int, app_factory: AppFactory | None = None
) -> int:
    app_factory = app_factory or create_app
    if settings.metrics_listener is not None and settings.metrics_listener[1] == port:
        print(
            f"accounts: METRICS_LISTEN names port {port}, the API's: give the operators' listener a port of "
            "its own",
            file=sys.stderr,
        )
        return 2
    if processes <= 1:
        try:
            sockets = _sockets(settings, host, port, reuse_port=False)
        except CannotListen as error:
            print(f"accounts: {error}", file=sys.stderr)
            return 1
        _serve_one(settings, sockets, app_factory)
        return 0
    metrics_dir = None
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Spawned children import prometheus_client afresh and, seeing this, count into shared files.
        metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="accounts-metrics-")
    try:
        return _serve_many(settings, host, port, processes, app_factory)
    finally:
        if metrics_dir:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _serve_many(settings: Settings, host: str, port: int, processes: int, app_factory: AppFactory) -> int:
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(
            target=_child, args=(_for_child(settings, n), host, port, app_factory), name=f"api-{n}"
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes the requests in flight, the worker its message

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    # A child that stopped because it was told to (uvicorn re-raises SIGTERM once it has shut down
    # gracefully) ended well; any other ending is a failure of the service.
    ended_well = {0, -signal.SIGTERM} if stopping else {0}
    return 0 if all(child.exitcode in ended_well for child in children) else 1


def _for_child(settings: Settings, n: int) -> Settings:
    # SQLite takes one outbox worker; PostgreSQL's SKIP LOCKED lets every process run one.
    if n > 0 and settings.DATABASE_URL.startswith("sqlite"):
        return settings.model_copy(update={"OUTBOX_WORKER_ENABLED": False})
    return settings


def _child(settings: Settings, host: str, port: int, app_factory: AppFactory) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the children stop
    configure_logging(json_lines=settings.LOG_FORMAT == "json")
    try:
        sockets = _sockets(settings, host, port, reuse_port=True)
    except CannotListen as error:
        print(f"accounts: {error}", file=sys.stderr)
        sys.exit(1)
    _serve_one(settings, sockets, app_factory)


def _sockets(settings: Settings, host: str, port: int, reuse_port: bool) -> list[socket.socket]:
    """The public socket, and the operators' listener (METRICS_LISTEN) when there is one."""
    sockets = [_listen(host, port, reuse_port)]
    if settings.metrics_listener is not None:
        sockets.append(_listen(*settings.metrics_listener, reuse_port))
    return sockets


def _serve_one(settings: Settings, sockets: list[socket.socket], app_factory: AppFactory) -> None:
    bounds = RequestBounds(
        max_header_bytes=settings.MAX_REQUEST_HEADER_BYTES,
        header_seconds=settings.REQUEST_HEADER_TIMEOUT_SECONDS,
        body_seconds=settings.REQUEST_BODY_TIMEOUT_SECONDS,
        body_chunk_seconds=settings.REQUEST_BODY_CHUNK_TIMEOUT_SECONDS,
    )
    # log_config=None: uvicorn's lines go through the handler the CLI configured (format, masking, ids).
    server = uvicorn.Server(
        uvicorn.Config(
            app_factory(settings),
            log_config=None,
            loop=settings.SERVER_LOOP,
            http=guarded(settings.SERVER_HTTP, bounds),
            h11_max_incomplete_event_size=settings.MAX_REQUEST_HEADER_BYTES,
            # The app takes the client from X-Forwarded-For itself (ForwardedFor).
            proxy_headers=False,
            # Typed int, awaited with asyncio.wait_for, which takes the float.
            timeout_graceful_shutdown=settings.SHUTDOWN_TIMEOUT_SECONDS,  # type: ignore[arg-type]
        )
    )
    public, *operators = (_address(sock) for sock in sockets)
    logger.info(
        "listening on http://%s%s", public, f" (operators: http://{operators[0]})" if operators else ""
    )
    server.run(sockets=sockets)
    if not server.started:
        sys.exit(1)


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise CannotListen(
            f"cannot listen on {host}:{port}: {error.strerror or error}; choose another --port "
            "(or METRICS_LISTEN), or stop what listens there"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
