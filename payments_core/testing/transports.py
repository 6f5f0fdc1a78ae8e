"""The transport the conformance kit puts between a provider and its API.

:class:`WatchingTransport` wraps the transport a provider package supplies and
records every attempt that leaves the facade, so scenarios can assert on what was
sent (nothing, for a refused operation; the same idempotency key on every
attempt). It can also misbehave on purpose: fail the first attempt of every
request that carries an idempotency key, or answer everything with a canned
response. It collects the credentials it sees on the wire, which the secrets
scenario then looks for in logs and reprs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["Attempt", "WatchingTransport", "Wire"]

INJECTED_BODY = b'{"message": "injected by the payments_core conformance kit"}'


@dataclass(frozen=True)
class Attempt:
    """One request as it reached the transport (a retry is a new attempt)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes
    status: int | None = None
    injected: bool = False
    """True when the kit answered itself and the request never reached the API."""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass
class Wire:
    """Everything a :class:`WatchingTransport` saw, shared by its sync and async sides."""

    attempts: list[Attempt] = field(default_factory=list)
    credentials: set[str] = field(default_factory=set)
    """Authorization credentials sent and access tokens received: secrets by definition."""

    def mark(self) -> int:
        """A position to compare with later (``len(attempts)`` now)."""
        return len(self.attempts)

    def since(self, mark: int) -> list[Attempt]:
        return self.attempts[mark:]


Answer = Callable[[httpx.Request], httpx.Response]


class WatchingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records every attempt; optionally fails keyed first attempts or answers everything.

    ``fail_first_keyed``: the first attempt of each request carrying
    ``idempotency_header`` gets a 503 without reaching the API, so the driver
    must retry it. ``answer`` (settable at any time) short-circuits every request.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        wire: Wire,
        *,
        idempotency_header: str,
        fail_first_keyed: bool = False,
    ) -> None:
        self.inner = inner
        self.wire = wire
        self.idempotency_header = idempotency_header
        self.fail_first_keyed = fail_first_keyed
        self.answer: Answer | None = None
        self._failed_once: set[tuple[str, str, str]] = set()

    # -- the decisions, shared ----------------------------------------------------------

    def _short_circuit(self, request: httpx.Request) -> httpx.Response | None:
        if self.answer is not None:
            return self.answer(request)
        key = request.headers.get(self.idempotency_header)
        if not self.fail_first_keyed or key is None:
            return None
        first = (request.method, str(request.url), key)
        if first in self._failed_once:
            return None
        self._failed_once.add(first)
        return httpx.Response(
            503, content=INJECTED_BODY, headers={"Content-Type": "application/json"}
        )

    def _record(self, request: httpx.Request, response: httpx.Response, injected: bool) -> None:
        headers = tuple(request.headers.multi_items())
        for name, value in headers:
            if name.lower() in ("authorization", "proxy-authorization"):
                credential = value.split(" ", 1)[-1].strip()
                if credential:
                    self.wire.credentials.add(credential)
        self.wire.attempts.append(
            Attempt(
                method=request.method,
                url=str(request.url),
                headers=headers,
                content=request.content,
                status=response.status_code,
                injected=injected,
            )
        )
        if not injected:
            self._collect_token(response)

    def _collect_token(self, response: httpx.Response) -> None:
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(data, dict):
            for key in ("access_token", "refresh_token", "id_token"):
                value = data.get(key)
                if isinstance(value, str) and value:
                    self.wire.credentials.add(value)

    # -- sync -------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self._short_circuit(request)
        injected = response is not None
        if response is None:
            if not isinstance(self.inner, httpx.BaseTransport):
                raise TypeError("the target's transport() is not a sync httpx transport")
            response = self.inner.handle_request(request)
            response.read()
        self._record(request, response, injected)
        return response

    def close(self) -> None:
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    # -- async ------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = self._short_circuit(request)
        injected = response is not None
        if response is None:
            if not isinstance(self.inner, httpx.AsyncBaseTransport):
                raise TypeError("the target's async transport is not an async httpx transport")
            response = await self.inner.handle_async_request(request)
            await response.aread()
        self._record(request, response, injected)
        return response

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()
