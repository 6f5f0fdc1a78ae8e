"""Serve an ASGI app for real on 127.0.0.1, with uvicorn in a background thread.

Only ``127.0.0.1`` is accepted as the host: the emulator has no authentication on
its page and controls, and must never listen on a reachable interface.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from .faults import TRANSPORT_STATE_KEY

LOOPBACK: Final = "127.0.0.1"
STARTUP_TIMEOUT: Final = 10.0


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing each connection's transport to ``drop`` faults."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.app_state = {**self.app_state, TRANSPORT_STATE_KEY: transport}


def check_host(host: str) -> None:
    if host != LOOPBACK:
        raise ValueError(f"the sandbox serves on {LOOPBACK} only, not on {host!r}")


@contextmanager
def serve(app: ASGIApp, host: str = LOOPBACK, port: int = 0) -> Iterator[str]:
    """Run ``app`` on ``127.0.0.1:port`` (0: any free port); yields the base URL."""
    check_host(host)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
    # TCP, and without it every keep-alive request waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    url = f"http://{host}:{sock.getsockname()[1]}"
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
        target=server.run, kwargs={"sockets": [sock]}, name="tbc-sandbox-server", daemon=True
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
