"""A wall-clock deadline that holds inside one HTTP attempt, whatever the server does.

httpx's timeouts are per phase and per socket operation: a server that sends a
byte every 0.4 s never trips a 1 s read timeout, and can hold a call for
minutes. The drivers therefore bound every attempt by the operation's deadline:

* async: the attempt runs under ``asyncio.timeout``, which works for any transport;
* sync: a blocking call cannot be cancelled from outside, so the socket layer
  itself gives up. :func:`install` wraps the network backend of an
  ``httpx.HTTPTransport`` so that every connect, read and write waits at most
  until the deadline of the call running in this thread (a context variable set
  by :func:`scope`). Outside a scope the wrapper changes nothing.

Transports that do no network I/O (``MockTransport``, ASGI/WSGI in process) need
no bound and are left alone.
"""

from __future__ import annotations

import logging
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx

__all__ = ["install", "remaining", "scope"]

logger = logging.getLogger("payments_core.http")

_DEADLINE: ContextVar[float | None] = ContextVar("payments_core_deadline", default=None)
"""The ``time.monotonic()`` instant at which the current call gives up."""


@contextmanager
def scope(seconds: float) -> Iterator[None]:
    """Bound every socket operation in this context to ``seconds`` from now."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left before the current scope's deadline, ``None`` outside a scope."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


def _bound(timeout: float | None, error: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the operation's deadline has passed")
    return left if timeout is None else min(timeout, left)


def _network_classes() -> tuple[type[Any], type[Any]]:
    """The stream and backend wrappers, defined on first use.

    They subclass httpcore's, and httpcore is imported by httpx only when a client
    builds its first network transport: a process that imports the core without
    making a client (or with a mock transport) does not import it for these.
    """
    global _CLASSES
    if _CLASSES is not None:
        return _CLASSES
    import httpcore

    class _Stream(httpcore.NetworkStream):
        """A network stream whose every operation ends by the call's deadline."""

        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, _bound(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, _bound(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self,
            ssl_context: typing.Any,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            bounded = _bound(timeout, httpcore.ConnectTimeout)
            return _Stream(self._inner.start_tls(ssl_context, server_hostname, bounded))

        def get_extra_info(self, info: str) -> typing.Any:
            return self._inner.get_extra_info(info)

    class _Backend(httpcore.NetworkBackend):
        """Wraps a sync network backend so that its streams honour the deadline."""

        def __init__(self, inner: httpcore.NetworkBackend) -> None:
            self._inner = inner

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: typing.Iterable[typing.Any] | None = None,
        ) -> httpcore.NetworkStream:
            bounded = _bound(timeout, httpcore.ConnectTimeout)
            return _Stream(
                self._inner.connect_tcp(
                    host, port, bounded, local_address=local_address, socket_options=socket_options
                )
            )

        def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: typing.Iterable[typing.Any] | None = None,
        ) -> httpcore.NetworkStream:
            bounded = _bound(timeout, httpcore.ConnectTimeout)
            return _Stream(
                self._inner.connect_unix_socket(path, bounded, socket_options=socket_options)
            )

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    _CLASSES = (_Stream, _Backend)
    return _CLASSES


_CLASSES: tuple[type[Any], type[Any]] | None = None


def __getattr__(name: str) -> Any:
    # ``_Stream`` and ``_Backend`` stay readable on the module, as they were before
    # they moved into _network_classes().
    if name in ("_Stream", "_Backend"):
        stream, backend = _network_classes()
        return stream if name == "_Stream" else backend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def install(client: httpx.Client) -> bool:
    """Make the client's network transports honour :func:`scope` deadlines.

    Returns ``True`` when every transport doing network I/O is now bounded. A
    transport of another kind (a custom one, a proxy library's) is left as it is
    and reported with a debug log line: its deadline is per phase only.
    """
    transports: list[httpx.BaseTransport] = [client._transport]
    transports += [t for t in client._mounts.values() if t is not None]
    bounded = True
    for transport in transports:
        if isinstance(transport, httpx.HTTPTransport):
            _, backend_class = _network_classes()
            pool = getattr(transport, "_pool", None)
            backend = getattr(pool, "_network_backend", None)
            if backend is None:
                bounded = False
            elif not isinstance(backend, backend_class):
                pool._network_backend = backend_class(backend)  # type: ignore[union-attr]
        elif not isinstance(transport, httpx.MockTransport | httpx.WSGITransport):
            bounded = False
    if not bounded:
        logger.debug("a transport of %r cannot be bounded by the deadline", client)
    return bounded
