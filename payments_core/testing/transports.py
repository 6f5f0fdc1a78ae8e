"""The transport the conformance kit puts between a provider and its API.

:class:`WatchingTransport` wraps the transport a provider package supplies and
records every attempt that leaves the facade, so scenarios can assert on what was
sent (nothing, for a refused operation; the same idempotency key on every
attempt; a money-moving request exactly once). It collects the credentials it
sees on the wire, which the secrets scenario then looks for in logs and reprs.

It can also misbehave on purpose, the way networks and gateways do:

* fail the first attempt of every request that carries an idempotency key;
* answer everything with a canned response;
* aim a :class:`Fault` at the provider's own API requests (never at the token
  requests of its auth flow): answer them itself, lose the answer after the API
  acted on the request, or rewrite the answer the API gave.

Which requests are the provider's own is learnt from the driver: it announces
each API request to the ``payments_http_request`` hook just before sending it
(:class:`ApiRequests` listens), while an auth flow's requests go unannounced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import httpx

from payments_core.hookspecs import hookimpl
from payments_core.provider import changes_state
from payments_core.redact import SENSITIVE_HEADERS, HttpExchange

__all__ = ["ApiRequests", "Attempt", "Fault", "FaultKind", "WatchingTransport", "Wire"]

INJECTED_BODY = b'{"message": "injected by the payments_core conformance kit"}'

_BEARER_HEADERS = frozenset({"authorization", "proxy-authorization"})
"""Headers whose value is ``<scheme> <credential>``: the credential is the secret."""
_NOT_CREDENTIALS = frozenset({"set-cookie"})
"""Sensitive, but a response header: nothing the provider sends."""


@dataclass(frozen=True)
class Attempt:
    """One request as it reached the transport (a retry is a new attempt)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes
    status: int | None = None
    """The status the provider got back; ``None`` when the kit lost the answer."""
    answer: bytes = b""
    """The body the provider got back (after any rewrite by the kit)."""
    injected: bool = False
    """True when the kit answered, rewrote or lost the answer itself."""
    api: bool = False
    """True for the provider's own API requests (announced by the driver), false for
    the requests of its auth flow (a token request)."""
    changes_state: bool = False
    """True when the request may change something at the gateway (not GET, HEAD or a
    request the provider marked read-only)."""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


@dataclass
class Wire:
    """Everything a :class:`WatchingTransport` saw, shared by its sync and async sides."""

    attempts: list[Attempt] = field(default_factory=list)
    credentials: set[str] = field(default_factory=set)
    """Credentials sent in sensitive headers and access tokens received: secrets by definition."""

    def mark(self) -> int:
        """A position to compare with later (``len(attempts)`` now)."""
        return len(self.attempts)

    def since(self, mark: int) -> list[Attempt]:
        return self.attempts[mark:]

    def writes_since(self, mark: int) -> list[Attempt]:
        """The provider's own state-changing requests since ``mark`` (retries included)."""
        return [a for a in self.attempts[mark:] if a.api and a.changes_state]


class ApiRequests:
    """A hook plugin that remembers the API request the driver is about to send.

    An auth flow's token request goes out inside the same ``client.send`` but is
    never announced, so a request matching the last announcement is the API's own.
    """

    def __init__(self) -> None:
        self.announced: tuple[str, str, str] | None = None

    @hookimpl
    def payments_http_request(self, request: HttpExchange) -> None:
        self.announced = (request.method, request.host, request.path)

    def matches(self, request: httpx.Request) -> bool:
        return self.announced == (request.method, request.url.host, request.url.path)


FaultKind = Literal["answer", "lose_answer", "rewrite"]


@dataclass
class Fault:
    """What the kit does to the provider's API requests while the fault is armed.

    * ``answer``: the kit answers ``status`` itself; the API never sees the request.
    * ``lose_answer``: the API gets the request and acts on it, then the answer is
      lost (a read timeout), as when a connection drops at the worst moment.
    * ``rewrite``: the API acts and answers; ``rewrite(body)`` replaces the body of
      its answer (``None`` from ``rewrite``: leave this answer alone).

    ``writes`` aims the fault at requests that may change state (the default) or,
    when false, at reads. ``times`` bounds how often it fires (``None``: always).
    """

    kind: FaultKind
    writes: bool = True
    times: int | None = None
    status: int = 503
    rewrite: Callable[[bytes], bytes | None] | None = None
    fired: int = 0
    """How many requests the fault changed so far."""

    def aims_at(self, request: httpx.Request) -> bool:
        spent = self.times is not None and self.fired >= self.times
        return not spent and changes_state(request) == self.writes


Answer = Callable[[httpx.Request], httpx.Response]


class WatchingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records every attempt; can fail keyed first attempts, answer everything, or fault.

    ``fail_first_keyed``: the first attempt of each request carrying
    ``idempotency_header`` gets a 503 without reaching the API, so the driver
    must retry it. ``answer`` (settable at any time) short-circuits every request.
    ``fault`` (settable at any time) applies to the API requests ``api`` recognises.
    ``secret_headers``: lower-case names of the headers whose values are secrets.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        wire: Wire,
        *,
        idempotency_header: str,
        fail_first_keyed: bool = False,
        api: ApiRequests | None = None,
        secret_headers: frozenset[str] = frozenset(),
    ) -> None:
        self.inner = inner
        self.wire = wire
        self.idempotency_header = idempotency_header
        self.fail_first_keyed = fail_first_keyed
        self.api = api
        self.secret_headers = (SENSITIVE_HEADERS | secret_headers) - _NOT_CREDENTIALS
        self.answer: Answer | None = None
        self.fault: Fault | None = None
        self._failed_once: set[tuple[str, str, str]] = set()

    # -- the decisions, shared ----------------------------------------------------------

    def _aimed(self, request: httpx.Request) -> Fault | None:
        fault = self.fault
        if fault is None or self.api is None or not self.api.matches(request):
            return None
        return fault if fault.aims_at(request) else None

    def _short_circuit(self, request: httpx.Request, fault: Fault | None) -> httpx.Response | None:
        if self.answer is not None:
            return self.answer(request)
        if fault is not None and fault.kind == "answer":
            fault.fired += 1
            return _json_response(fault.status, INJECTED_BODY)
        key = request.headers.get(self.idempotency_header)
        if not self.fail_first_keyed or key is None:
            return None
        first = (request.method, str(request.url), key)
        if first in self._failed_once:
            return None
        self._failed_once.add(first)
        return _json_response(503, INJECTED_BODY)

    def _after(
        self, request: httpx.Request, response: httpx.Response, fault: Fault | None
    ) -> httpx.Response:
        """The API answered: collect its tokens, then apply a fault aimed at the answer."""
        self._collect_token(response)
        if fault is None or fault.kind == "answer":
            self._record(request, response, injected=False)
            return response
        if fault.kind == "lose_answer":
            fault.fired += 1
            self._record(request, None, injected=True)
            raise httpx.ReadTimeout(
                "the answer was lost (a fault injected by the payments_core conformance kit)",
                request=request,
            )
        assert fault.rewrite is not None
        body = fault.rewrite(response.content)
        if body is None:
            self._record(request, response, injected=False)
            return response
        fault.fired += 1
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        rewritten = httpx.Response(response.status_code, headers=headers, content=body)
        self._record(request, rewritten, injected=True)
        return rewritten

    def _record(
        self, request: httpx.Request, response: httpx.Response | None, *, injected: bool
    ) -> None:
        headers = tuple(request.headers.multi_items())
        for name, value in headers:
            lowered = name.lower()
            if lowered in _BEARER_HEADERS:
                value = value.split(" ", 1)[-1]
            if lowered in self.secret_headers and value.strip():
                self.wire.credentials.add(value.strip())
        self.wire.attempts.append(
            Attempt(
                method=request.method,
                url=str(request.url),
                headers=headers,
                content=request.content,
                status=None if response is None else response.status_code,
                answer=b"" if response is None else response.content,
                injected=injected,
                api=self.api is not None and self.api.matches(request),
                changes_state=changes_state(request),
            )
        )

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
        fault = self._aimed(request)
        early = self._short_circuit(request, fault)
        if early is not None:
            self._record(request, early, injected=True)
            return early
        if not isinstance(self.inner, httpx.BaseTransport):
            raise TypeError("the target's transport() is not a sync httpx transport")
        response = self.inner.handle_request(request)
        response.read()
        return self._after(request, response, fault)

    def close(self) -> None:
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    # -- async ------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fault = self._aimed(request)
        early = self._short_circuit(request, fault)
        if early is not None:
            self._record(request, early, injected=True)
            return early
        if not isinstance(self.inner, httpx.AsyncBaseTransport):
            raise TypeError("the target's async transport is not an async httpx transport")
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self._after(request, response, fault)

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()


def _json_response(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})
