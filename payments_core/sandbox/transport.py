"""httpx transports that reach an emulator in process, failing like a network would.

A ``drop`` fault surfaces as :class:`httpx.RemoteProtocolError` and an answer slower
than the client's read timeout as :class:`httpx.ReadTimeout`, as over a socket. The
sync transport runs the ASGI app on an event loop of its own, in a daemon thread.

The lenders (:class:`LentAsyncTransport`, :class:`LentSyncTransport`) go the other
way: an emulator sends callbacks through a caller's transport with a short-lived
client, which must not close the transport it borrowed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, Final

import httpx

from .faults import ConnectionDropped

if TYPE_CHECKING:
    from starlette.types import ASGIApp

CLIENT_ADDRESS: Final = ("127.0.0.1", 50123)
"""The peer address the app sees on an in-process request."""


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: dict[str, Any] = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


class SandboxTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to an emulator's app, failing like a network would."""

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            async with asyncio.timeout(_read_timeout(request)):
                return await self._asgi.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout("The sandbox did not answer in time", request=request) from exc


class SyncSandboxTransport(httpx.BaseTransport):
    """A sync transport to an emulator; :meth:`close` (``httpx.Client`` calls it) stops it.

    ``name`` is the gateway's, for the loop thread's name (``bog-sandbox-sync-transport``).
    """

    def __init__(self, app: ASGIApp, *, name: str) -> None:
        self._inner = SandboxTransport(app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"{name}-sandbox-sync-transport", daemon=True
        )
        self._thread.start()
        self._closed = False
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox transport is closed")
        clone = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.read(),
            extensions=request.extensions,
        )
        future = asyncio.run_coroutine_threadsafe(self._send(clone), self._loop)
        status, headers, body = future.result()
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        return response.status_code, response.headers.raw, body

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        asyncio.run_coroutine_threadsafe(_cancel_pending(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


async def _cancel_pending() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LentAsyncTransport(httpx.AsyncBaseTransport):
    """Lends a caller's async transport to a short-lived client without closing it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)


class LentSyncTransport(httpx.BaseTransport):
    """Lends a caller's sync transport to a short-lived client without closing it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)
