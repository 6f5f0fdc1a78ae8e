"""Who fetches the token: the election, written once for threads and for tasks.

However many callers arrive on a cold cache at once, exactly one token request
goes out:

* a short lock checks the cache and elects one *leader* for the refresh;
* the lock is released before the leader sends its token request, so no lock
  is ever held across a ``yield`` (doing so deadlocks or leaks the lock when
  httpx closes the flow early);
* *followers* wait for that refresh round (see :mod:`payments_core.auth.rounds`)
  and re-check the cache; the leader always ends the round, also when it fails,
  and followers of a failed round (an error answer, or no answer at all) raise
  the leader's error instead of stampeding the token server.

With a shared cache the leader of each process asks it first; of all processes
on a cold cache only the one holding the cache's lease fetches, the rest poll
until its token is written. Should the shared cache fail, the process fetches
for itself for a while: a token is no money, so availability wins.

:meth:`TokenElection._flow` is a generator that yields what it needs done (a
:data:`ElectionStep`) and receives the result; ``OAuth2ClientCredentials`` drives it
with threading primitives in ``sync_auth_flow`` and with asyncio in
``async_auth_flow``. A caller whose token is cached runs that generator only;
the election's own generators start on a cache miss.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Final

import httpx

from payments_core.auth.grant import SharedTokenCache, TokenGrant
from payments_core.auth.rounds import CachedToken, Round, wake_followers
from payments_core.errors import ErrorCode, PaymentError, ProviderUnavailableError

__all__ = ["CacheCall", "ElectionStep", "FlowClosed", "Pause", "TokenElection"]

logger = logging.getLogger("payments_core.auth")

_SHARED_POLL: Final = 0.05
"""Seconds between looks at the shared cache while another process fetches."""
_SHARED_PAUSE: Final = 30.0
"""Seconds a process fetches its own tokens after the shared cache failed."""


@dataclass(frozen=True, slots=True)
class Pause:
    """An :data:`ElectionStep`: sleep this long (between looks at the shared cache)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class CacheCall:
    """An :data:`ElectionStep`: call the shared cache, ``call`` on a thread, ``acall`` on a loop."""

    call: Callable[..., Any]
    acall: Callable[..., Awaitable[Any]]
    args: tuple[Any, ...]


ElectionStep = httpx.Request | Round | Pause | CacheCall
"""What the flow asks of its driver, and what it gets back: send a request (the
response; a token request's body read), wait for a round's leader (whether it
finished in time), pause (nothing), call the shared cache (what it returned, or
its exception thrown back in)."""


class FlowClosed(BaseException):
    """Thrown into the flow in place of ``GeneratorExit`` when httpx closes the auth flow.

    A generator that delegates with ``yield from`` closes its inner one outright on
    ``GeneratorExit``, and a closed generator may not yield; the leader still has
    to give the shared cache's lease back, which it asks its driver to do.
    """


_Flow = Generator[ElectionStep, Any, None]
_POLL: Final = Pause(_SHARED_POLL)


class TokenElection:
    """The token one set of credentials keeps, and the flow that elects who refreshes it.

    A subclass sets ``wait_timeout``, ``shared_scope`` and ``token_requests``, and
    says how to ask for a token (:meth:`_token_request`), how to read the answer
    (:meth:`_read`) and what else an API request carries (:meth:`_add_extra_headers`).
    """

    wait_timeout: float
    shared_scope: str
    token_requests: int

    def __init__(self, *, provider: str | None, clock: Callable[[], float]) -> None:
        self._provider = provider
        self._clock = clock
        self._lock = threading.Lock()
        self._token: CachedToken | None = None
        self._round: Round | None = None
        self._shared: SharedTokenCache | None = None
        self._shared_paused_until = 0.0

    def _token_request(self, api_request: httpx.Request) -> httpx.Request:
        raise NotImplementedError

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        raise NotImplementedError

    def _add_extra_headers(self, request: httpx.Request) -> None:
        raise NotImplementedError

    def _error(self, cls: type[PaymentError], message: str, **kwargs: Any) -> PaymentError:
        return cls(message, provider=self._provider, **kwargs)

    # -- this process's cache and rounds -------------------------------------------------

    def _forget(self, failed_token: str | None) -> None:
        with self._lock:
            if failed_token is None or (self._token and self._token.value == failed_token):
                self._token = None

    def _keep(self, token: str, usable_for: float) -> str:
        with self._lock:
            self._token = CachedToken(token, self._clock() + usable_for)
        return token

    def _elect(self, *, asynchronous: bool) -> tuple[str | None, Round | None, bool]:
        """Under the lock: (a cached token, None, False), or the round to lead or follow."""
        with self._lock:
            token = self._token
            if token is not None and self._clock() < token.refresh_at:
                return token.value, None, False
            if self._round is not None:
                return None, self._round, False
            round_ = Round()
            if asynchronous:
                import asyncio

                round_.loop = asyncio.get_running_loop()
                round_.waiters = deque()
            self._round = round_
            return None, round_, True

    def _finish(self, round_: Round) -> None:
        if round_.token is None and round_.error is None:
            # The token request never got an answer (network failure, or the flow
            # was closed): followers fail too instead of each trying in turn.
            round_.error = self._error(
                ProviderUnavailableError,
                "the token request did not complete",
                code=ErrorCode.NETWORK_ERROR,
            )
        with self._lock:
            if self._round is round_:
                self._round = None
        round_.end()
        wake_followers(round_)

    # -- the flow ------------------------------------------------------------------------

    def _cached(self) -> str | None:
        """The cached token while it is not due for refresh: :meth:`_elect`'s first answer."""
        with self._lock:
            token = self._token
            if token is not None and self._clock() < token.refresh_at:
                return token.value
        return None

    def _authorize(self, request: httpx.Request, token: str) -> None:
        self._add_extra_headers(request)
        request.headers["Authorization"] = f"Bearer {token}"

    def _flow(
        self, request: httpx.Request, asynchronous: bool, refused: str | None = None
    ) -> _Flow:
        """Authorize ``request`` and send it; on a 401, one fresh token and one retry.

        ``refused``: the request already went out with this (cached) token and was
        answered 401, so the flow starts where the first round's refusal leaves it.
        """
        if refused is not None:
            self._forget(refused)
            yield from self._drop_shared(refused)
        for refreshed in (False, True) if refused is None else (True,):
            token, round_, leader = self._elect(asynchronous=asynchronous)
            if token is None:
                token = yield from self._elected(request, round_, leader, asynchronous)
            self._authorize(request, token)
            response = yield request
            if refreshed or response.status_code != 401:
                return
            self._forget(token)
            yield from self._drop_shared(token)

    def _elected(
        self, request: httpx.Request, round_: Round | None, leader: bool, asynchronous: bool
    ) -> Generator[ElectionStep, Any, str]:
        """A token after a cache miss: lead the round, or follow it until one is there."""
        while True:
            assert round_ is not None
            if leader:
                return (yield from self._lead(request, round_))
            if not (yield round_):
                raise self._error(
                    ProviderUnavailableError,
                    "timed out waiting for another caller's token request",
                    code=ErrorCode.TIMEOUT,
                )
            if round_.error is not None:
                raise copy.copy(round_.error)
            token = round_.token  # just issued: usable even if shorter-lived than the margin
            if token is None:
                token, round_, leader = self._elect(asynchronous=asynchronous)
            if token is not None:
                return token

    def _lead(self, request: httpx.Request, round_: Round) -> Generator[ElectionStep, Any, str]:
        generation: int | None = None
        try:
            token, generation = yield from self._shared_token()
            if token is None:
                self.token_requests += 1
                response = yield self._token_request(request)
                fetched, usable_for = self._read(response)
                # The round has its token before the shared cache is written, so a
                # task cancelled while writing still leaves its followers the token.
                token = round_.token = self._keep(fetched, usable_for)
                yield from self._share_result(generation, token, usable_for)
                generation = None
            round_.token = token
            return token
        except BaseException as exc:
            if isinstance(exc, PaymentError):
                round_.error = exc
            # The fetch failed: end the lease. A generator closed outright cannot ask for
            # that (its driver throws FlowClosed instead); the lease then lapses by itself.
            if generation is not None and not isinstance(exc, GeneratorExit):
                yield from self._share_result(generation, None, 0.0)
            raise
        finally:
            self._finish(round_)

    # -- the shared cache (other processes) ----------------------------------------------

    def _shared_failed(self, what: str, error: Exception) -> None:
        logger.warning(
            "shared token cache: %s failed (%s); this process fetches its own tokens for "
            "the next %gs",
            what,
            type(error).__name__,
            _SHARED_PAUSE,
        )
        self._shared_paused_until = self._clock() + _SHARED_PAUSE

    @property
    def _sharing(self) -> SharedTokenCache | None:
        """The shared cache, unless it failed lately."""
        if self._shared is None or self._clock() < self._shared_paused_until:
            return None
        return self._shared

    def _shared_token(self) -> Generator[ElectionStep, Any, tuple[str | None, int | None]]:
        """(a token another process fetched, None) or (None, the lease's generation)."""
        shared, until = self._sharing, self._clock() + self.wait_timeout
        while shared is not None:
            try:
                grant: TokenGrant = yield CacheCall(
                    shared.acquire, shared.aacquire, (self.shared_scope, self.wait_timeout)
                )
            except Exception as exc:
                self._shared_failed("reading", exc)
                break
            if grant.token is not None:
                return self._keep(grant.token, grant.seconds_left), None
            if grant.generation is not None:
                return None, grant.generation
            if self._clock() >= until:
                raise self._error(
                    ProviderUnavailableError,
                    "timed out waiting for another process's token request",
                    code=ErrorCode.TIMEOUT,
                )
            yield _POLL
        return None, None

    def _share_result(
        self, generation: int | None, token: str | None, usable_for: float
    ) -> Generator[ElectionStep, Any, None]:
        shared = self._sharing
        if shared is None or generation is None:
            return
        try:
            if token is None:
                yield CacheCall(shared.give_up, shared.agive_up, (self.shared_scope, generation))
            else:
                args = (self.shared_scope, generation, token, usable_for)
                yield CacheCall(shared.store, shared.astore, args)
        except Exception as exc:
            self._shared_failed("writing", exc)

    def _drop_shared(self, token: str) -> Generator[ElectionStep, Any, None]:
        shared = self._sharing
        if shared is not None:
            try:
                yield CacheCall(shared.drop, shared.adrop, (self.shared_scope, token))
            except Exception as exc:
                self._shared_failed("dropping a refused token", exc)
