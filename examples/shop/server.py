"""Running the shop with uvicorn on a loopback socket, in the foreground or a thread.

The socket is bound first, so the shop knows its own URL (port 0 picks a free
one) before the app is built: the dummy gateway's hosted-page URL and the
callback URLs point at it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

__all__ = ["bind_loopback", "serve_forever", "serve_in_thread", "url_of"]

STARTUP_TIMEOUT = 10.0


def bind_loopback(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    """A listening-ready TCP socket on a loopback address (``port=0``: any free port)."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the example shop listens on loopback only, not on {host!r}")
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto
    # says TCP; without it each keep-alive request waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


def _server(app: ASGIApp, *, access_log: bool) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        ws="none",
        lifespan="on",
        log_config=None,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def serve_forever(app: ASGIApp, sock: socket.socket) -> None:
    """Serve in the foreground until Ctrl-C, logging each request."""
    server = _server(app, access_log=True)
    # uvicorn's loggers are process-wide: a quiet server started earlier in this
    # process (the BOG emulator's) switched the access log off for everyone.
    logging.getLogger("uvicorn.access").propagate = True
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C once it has stopped
        server.run(sockets=[sock])


@contextmanager
def serve_in_thread(app: ASGIApp, sock: socket.socket) -> Iterator[str]:
    """Serve in a background thread while the block runs; yields the base URL."""
    server = _server(app, access_log=False)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="example-shop", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the shop server did not start")
            time.sleep(0.01)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()
