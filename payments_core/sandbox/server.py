"""Serve an emulator's ASGI app for real on a loopback port, with uvicorn in a background thread.

Loopback only (:func:`.loopback.check_listen_host`): an emulator has no
authentication on its page and controls, and must never listen on a reachable
interface. Each connection's asyncio transport is handed to the app (under
:data:`.faults.TRANSPORT_STATE_KEY`) so a ``drop`` fault can close the socket.
:func:`serve_bank` also points the emulated bank's links (receipt, payment page) at
the served URL while it runs.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Protocol

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from .faults import TRANSPORT_STATE_KEY
from .loopback import check_listen_host

STARTUP_TIMEOUT: Final = 10.0


class Linked(Protocol):
    """An emulated bank whose links hang from ``public_base_url``."""

    public_base_url: str


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing each connection's transport to ``drop`` faults."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.app_state = {**self.app_state, TRANSPORT_STATE_KEY: transport}


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, made so that asyncio turns Nagle off on every connection.

    IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto
    says TCP, and without it every keep-alive request waits ~40 ms (Nagle against
    delayed ACKs).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@contextmanager
def serve(app: ASGIApp, host: str, port: int = 0, *, name: str) -> Iterator[str]:
    """Run ``app`` on ``host:port`` (0: any free port) until the block ends; yields the base URL.

    ``name`` is the gateway's, for the server thread's name (``bog-sandbox-server``).
    """
    check_listen_host(host)
    sock = listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    url = (
        f"http://[{host}]:{bound_port}"
        if sock.family == socket.AF_INET6
        else f"http://{host}:{bound_port}"
    )
    config = uvicorn.Config(
        app,
        http=_DroppableH11Protocol,
        ws="none",
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"{name}-sandbox-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()


@contextmanager
def serve_bank(app: ASGIApp, bank: Linked, host: str, port: int = 0, *, name: str) -> Iterator[str]:
    """:func:`serve`, with ``bank``'s links pointing at the served URL until the block ends."""
    with serve(app, host, port, name=name) as url:
        previous = bank.public_base_url
        bank.public_base_url = url
        try:
            yield url
        finally:
            bank.public_base_url = previous
