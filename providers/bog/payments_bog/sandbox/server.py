"""Serve the emulator for real on a loopback port, in a background thread."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .faults import TRANSPORT_STATE_KEY

if TYPE_CHECKING:
    from .emulator import BogSandbox

STARTUP_TIMEOUT = 10.0


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing each connection's transport to ``drop`` faults."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.app_state = {**self.app_state, TRANSPORT_STATE_KEY: transport}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, made so that asyncio turns Nagle off on every connection.

    IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto
    says TCP, and without it every keep-alive request waits ~40 ms (Nagle against
    delayed ACKs).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@contextmanager
def serve(sandbox: BogSandbox, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``sandbox`` on ``host:port`` (0 = any free port); yields the base URL."""
    if not is_loopback(host):
        raise ValueError(f"the sandbox serves on loopback only, not on {host!r}")
    sock = listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    url = (
        f"http://[{host}]:{bound_port}"
        if sock.family == socket.AF_INET6
        else f"http://{host}:{bound_port}"
    )
    config = uvicorn.Config(
        sandbox.app,
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
        target=server.run, kwargs={"sockets": [sock]}, name="bog-sandbox-server", daemon=True
    )
    previous_url = sandbox.public_base_url
    sandbox.public_base_url = url
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
        sandbox.public_base_url = previous_url
