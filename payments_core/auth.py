"""OAuth2 client-credentials as an ``httpx.Auth``, shared by any provider that needs it.

The token is cached until ``refresh_margin`` seconds before it expires (half-way
through its life when it lives less than twice the margin). However
many callers arrive on a cold cache at once (threads on a sync client, tasks on
an async one), exactly one token request goes out:

* a short lock checks the cache and elects one *leader* for the refresh;
* the lock is released before the leader yields its token request, so no lock
  is ever held across a ``yield`` (doing so deadlocks or leaks the lock when
  httpx closes the flow early);
* *followers* wait on an event of that refresh round and re-check the cache;
  the leader always sets the event, also when it fails, and followers of a
  failed round (an error answer, or no answer at all) raise the leader's error
  instead of stampeding the token server; followers of a successful round use
  the token it fetched.
* async followers on the leader's event loop resume in turn, not all at once:
  the leader wakes the first, and each follower wakes the next as it resumes,
  so they reach the connection pool one per loop iteration (a thousand tasks
  released together would each open a connection of their own instead of
  reusing the ones that answered meanwhile). Nothing is held across a
  ``yield``: a follower passes the turn on before it sends anything. After a
  failed round every follower is woken at once, to raise the error.

With a shared cache (:meth:`OAuth2ClientCredentials.share`, the journal's token
table) the single flight spans processes and hosts: the one leader of each
process asks the shared cache first, and of all processes on a cold cache only
the one holding the cache's lease fetches; the rest poll until its token is
written. Should the shared cache fail, the process fetches for itself for a
while: a token is no money, so availability wins.

A 401 on an API call drops the token that failed, fetches one fresh token and
retries the call once; a second 401 goes back to the caller (the driver turns
it into :class:`~payments_core.errors.AuthenticationError`), never a loop.
Expiry runs on ``time.monotonic()``, so wall-clock jumps do not matter.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import logging
import re
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol
from urllib.parse import quote, urlencode

import httpx
from pydantic import SecretStr

from payments_core import wire
from payments_core.errors import (
    AuthenticationError,
    ConfigurationError,
    ErrorCode,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from payments_core.provider import AUTH_REQUEST_EXTENSION, parse_retry_after

if TYPE_CHECKING:
    # Only the async paths use asyncio, and they run on its loop, where it is imported:
    # a sync process does not pay for importing it (the functions import it themselves).
    import asyncio

__all__ = [
    "LifetimeReader",
    "OAuth2ClientCredentials",
    "SharedTokenCache",
    "TokenGrant",
    "seconds_lifetime",
]

_TOKEN: Final = re.compile(r"[\x21-\x7e]+")
"""What an access token may hold to travel in an ``Authorization`` header."""

logger = logging.getLogger("payments_core.auth")

LifetimeReader = Callable[[Any], float]
"""Turns the token response's ``expires_in`` value into a lifetime in seconds."""

DEFAULT_LIFETIME = 300.0
"""Lifetime assumed when the token server does not say (conservative)."""


def seconds_lifetime(value: Any) -> float:
    """RFC 6749 reading: ``expires_in`` is the lifetime in seconds."""
    if value is None:
        return DEFAULT_LIFETIME
    if isinstance(value, bool):
        raise ValueError("expires_in is not a number")
    return float(value)


_SHARED_POLL: Final = 0.05
"""Seconds between looks at the shared cache while another process fetches."""
_SHARED_PAUSE: Final = 30.0
"""Seconds a process fetches its own tokens after the shared cache failed."""


@dataclass(frozen=True)
class TokenGrant:
    """A shared cache's answer: a token to use, the lease to fetch one, or neither (wait)."""

    token: str | None = None
    seconds_left: float = 0.0
    """How long ``token`` may still be used before it is due for refresh."""
    generation: int | None = None
    """Set when this caller holds the lease: store the new token under this number."""

    def __repr__(self) -> str:
        shown = "'***'" if self.token else None
        return f"TokenGrant(token={shown}, generation={self.generation})"


class SharedTokenCache(Protocol):
    """A token cache shared by processes (the journal's ``tokens`` table).

    ``scope`` identifies one set of credentials (a digest, never the secret).
    ``acquire`` returns the stored token while it is not due for refresh;
    otherwise the lease to fetch one (at most one holder per ``lease`` seconds);
    otherwise nothing, meaning another process is fetching. ``store`` writes
    the token only while ``generation`` is still the newest lease.
    """

    def acquire(self, scope: str, lease: float) -> TokenGrant: ...
    def store(self, scope: str, generation: int, token: str, usable_for: float) -> None: ...
    def give_up(self, scope: str, generation: int) -> None: ...
    def drop(self, scope: str, token: str) -> None: ...
    async def aacquire(self, scope: str, lease: float) -> TokenGrant: ...
    async def astore(self, scope: str, generation: int, token: str, usable_for: float) -> None: ...
    async def agive_up(self, scope: str, generation: int) -> None: ...
    async def adrop(self, scope: str, token: str) -> None: ...


@dataclass
class _Token:
    value: str
    refresh_at: float  # on the monotonic clock


@dataclass
class _Round:
    """One refresh in flight: followers wait on its events."""

    done: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    waiters: deque[asyncio.Future[None]] | None = None
    """Async followers on ``loop``, in arrival order, each woken by the one before."""
    error: PaymentError | None = None
    token: str | None = None


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer tokens from an OAuth2 client-credentials grant, cached and shared.

    One instance serves both sync and async clients. Credentials never appear
    in a repr. Gateways differ in how they want them:

    * ``credentials_in="header"`` (default): ``Authorization: Basic`` (RFC 6749 §2.3.1);
    * ``credentials_in="body"``: ``client_id`` and ``client_secret`` form fields;
    * ``extra_headers``: sent on the token request and on every API request
      (an ``apikey`` header, say). Declare their names in the provider's
      ``sensitive_headers`` when they carry credentials; the common API-key
      header names are redacted anyway.

    Single-flight and one refresh on a 401 work the same in every mode.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | SecretStr,
        *,
        scope: str | None = None,
        refresh_margin: float = 60.0,
        wait_timeout: float = 60.0,
        lifetime_reader: LifetimeReader = seconds_lifetime,
        provider: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        credentials_in: Literal["header", "body"] = "header",
        extra_headers: Mapping[str, str | SecretStr] | None = None,
    ) -> None:
        if credentials_in not in ("header", "body"):
            raise ConfigurationError(
                f"credentials_in must be 'header' or 'body', not {credentials_in!r}",
                provider=provider,
            )
        self.token_url = token_url
        self.credentials_in = credentials_in
        self._extra_headers = {
            name: value if isinstance(value, SecretStr) else SecretStr(value)
            for name, value in (extra_headers or {}).items()
        }
        self.client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        self.scope = scope
        self.refresh_margin = refresh_margin
        self.wait_timeout = wait_timeout
        self._lifetime_reader = lifetime_reader
        self._provider = provider
        self._clock = clock
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._round: _Round | None = None
        self._shared: SharedTokenCache | None = None
        self._shared_paused_until = 0.0
        self.shared_scope = hashlib.sha256(
            "\0".join((token_url, client_id, scope or "", credentials_in)).encode()
        ).hexdigest()
        """Which row of a shared cache these credentials use (no secret in it)."""
        self.token_requests = 0
        """How many token requests this instance has sent (for tests and metrics)."""
        self._prepared: tuple[tuple[object, ...], httpx.URL, httpx.Headers, bytes] | None = None

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"
        )

    def share(self, cache: SharedTokenCache | None) -> None:
        """Share tokens with other processes through ``cache`` (None: this process only)."""
        self._shared = cache
        self._shared_paused_until = 0.0

    # -- cache ----------------------------------------------------------------------

    def _cached(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.value
        return None

    def invalidate(self, failed_token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``failed_token``, when given)."""
        with self._lock:
            if failed_token is None or (self._token and self._token.value == failed_token):
                self._token = None

    def _elect(self, *, asynchronous: bool) -> tuple[str | None, _Round, bool]:
        """Under the lock: return a cached token, or the round to lead or follow."""
        with self._lock:
            cached = self._cached()
            if cached is not None:
                return cached, _Round(), False
            if self._round is not None:
                return None, self._round, False
            round_ = _Round()
            if asynchronous:
                import asyncio

                round_.loop = asyncio.get_running_loop()
                round_.waiters = deque()
            self._round = round_
            return None, round_, True

    def _finish(self, round_: _Round) -> None:
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
        round_.done.set()
        if round_.waiters is not None:
            if round_.error is not None:
                while round_.waiters:  # nothing to send: all raise the error now
                    _wake(round_.waiters.popleft())
            else:
                _wake_next(round_.waiters)

    def _follower_result(self, round_: _Round) -> str | None:
        if round_.error is not None:
            raise copy.copy(round_.error)
        return round_.token  # just issued: usable even if shorter-lived than the margin

    # -- the token request and its answer ----------------------------------------------

    def _add_extra_headers(self, request: httpx.Request) -> None:
        for name, value in self._extra_headers.items():
            request.headers[name] = value.get_secret_value()

    def _token_request(self, api_request: httpx.Request) -> httpx.Request:
        url, headers, body = self._prepared_token_request()
        request = httpx.Request("POST", url, content=body, headers=headers)
        request.extensions[AUTH_REQUEST_EXTENSION] = True
        self._add_extra_headers(request)
        if "timeout" in api_request.extensions:
            request.extensions["timeout"] = api_request.extensions["timeout"]
        return request

    def _prepared_token_request(self) -> tuple[httpx.URL, httpx.Headers, bytes]:
        """The token request's URL, headers and form body, built once per set of credentials.

        The same bytes and headers, in the same order, as ``httpx.Request(data=form)``
        makes; rebuilt whenever the URL, the credentials or the scope change.
        """
        key = (self.token_url, self.client_id, self._secret, self.scope, self.credentials_in)
        prepared = self._prepared
        if prepared is not None and prepared[0] == key:
            return prepared[1], prepared[2], prepared[3]
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        secret = self._secret.get_secret_value()
        if self.credentials_in == "header":
            credentials = f"{quote(self.client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = secret
        body = urlencode(list(form.items()), doseq=True).encode("utf-8")
        headers["Content-Length"] = str(len(body))
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        url, built = httpx.URL(self.token_url), httpx.Headers(headers)
        self._prepared = (key, url, built, body)
        return url, built, body

    def _error(self, cls: type[PaymentError], message: str, **kwargs: Any) -> PaymentError:
        return cls(message, provider=self._provider, **kwargs)

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        """Read the token response: the token and how long it is usable, or a typed error."""
        status = response.status_code
        logger.debug(
            "token %s%s -> %d", response.request.url.host, response.request.url.path, status
        )
        try:
            body = wire.loads(response.content) if response.content else {}
        except (ValueError, UnicodeDecodeError):
            body = None
        details: dict[str, Any] = {"http_status": status}
        if isinstance(body, dict):
            details["provider_code"] = _str_or_none(body.get("error"))
            details["provider_message"] = _str_or_none(body.get("error_description"))
        if status in (400, 401, 403):
            raise self._error(
                AuthenticationError,
                "the token endpoint refused the client credentials",
                **details,
            )
        if status == 429:
            raise self._error(
                RateLimitedError,
                "the token endpoint is rate limiting",
                retry_after=parse_retry_after(response.headers.get("retry-after")),
                **details,
            )
        if status >= 500:
            raise self._error(
                ProviderUnavailableError, f"the token endpoint failed with HTTP {status}", **details
            )
        if status != 200 or not isinstance(body, dict):
            raise self._error(
                ProviderResponseError, f"unexpected token response (HTTP {status})", **details
            )
        access_token = body.get("access_token")
        token_type = body.get("token_type", "Bearer")
        if not isinstance(access_token, str) or not access_token:
            raise self._error(ProviderResponseError, "token response has no access_token")
        if not _TOKEN.fullmatch(access_token):
            # It goes into a header: CR/LF could inject headers, non-ASCII cannot be sent.
            raise self._error(
                ProviderResponseError,
                "token response holds an access_token that cannot be sent in a header "
                "(control, space or non-ASCII characters)",
            )
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise self._error(ProviderResponseError, "token response is not a bearer token")
        try:
            lifetime = self._lifetime_reader(body.get("expires_in"))
        except (TypeError, ValueError, ArithmeticError):
            raise self._error(
                ProviderResponseError, "token response has an unreadable expires_in"
            ) from None
        # A token living less than twice the margin is refreshed half-way instead.
        margin = min(self.refresh_margin, max(lifetime, 0.0) / 2)
        return access_token, lifetime - margin

    def _keep(self, token: str, usable_for: float) -> str:
        with self._lock:
            self._token = _Token(token, self._clock() + usable_for)
        return token

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

    def _granted(self, grant: TokenGrant, waited_until: float) -> tuple[str | None, int | None]:
        if grant.token is not None:
            return self._keep(grant.token, grant.seconds_left), None
        if grant.generation is not None:
            return None, grant.generation
        if self._clock() >= waited_until:
            raise self._error(
                ProviderUnavailableError,
                "timed out waiting for another process's token request",
                code=ErrorCode.TIMEOUT,
            )
        return None, None

    def _shared_token(self) -> tuple[str | None, int | None]:
        """(a token another process fetched, None) or (None, the lease's generation)."""
        shared, until = self._sharing, self._clock() + self.wait_timeout
        while shared is not None:
            try:
                grant = shared.acquire(self.shared_scope, self.wait_timeout)
            except Exception as exc:
                self._shared_failed("reading", exc)
                break
            token, generation = self._granted(grant, until)
            if token is not None or generation is not None:
                return token, generation
            time.sleep(_SHARED_POLL)
        return None, None

    async def _ashared_token(self) -> tuple[str | None, int | None]:
        import asyncio

        shared, until = self._sharing, self._clock() + self.wait_timeout
        while shared is not None:
            try:
                grant = await shared.aacquire(self.shared_scope, self.wait_timeout)
            except Exception as exc:
                self._shared_failed("reading", exc)
                break
            token, generation = self._granted(grant, until)
            if token is not None or generation is not None:
                return token, generation
            await asyncio.sleep(_SHARED_POLL)
        return None, None

    def _share_result(self, generation: int | None, token: str | None, usable_for: float) -> None:
        shared = self._sharing
        if shared is None or generation is None:
            return
        try:
            if token is None:
                shared.give_up(self.shared_scope, generation)
            else:
                shared.store(self.shared_scope, generation, token, usable_for)
        except Exception as exc:
            self._shared_failed("writing", exc)

    async def _ashare_result(
        self, generation: int | None, token: str | None, usable_for: float
    ) -> None:
        shared = self._sharing
        if shared is None or generation is None:
            return
        try:
            if token is None:
                await shared.agive_up(self.shared_scope, generation)
            else:
                await shared.astore(self.shared_scope, generation, token, usable_for)
        except Exception as exc:
            self._shared_failed("writing", exc)

    def _drop_shared(self, token: str) -> None:
        shared = self._sharing
        if shared is not None:
            try:
                shared.drop(self.shared_scope, token)
            except Exception as exc:
                self._shared_failed("dropping a refused token", exc)

    async def _adrop_shared(self, token: str) -> None:
        shared = self._sharing
        if shared is not None:
            try:
                await shared.adrop(self.shared_scope, token)
            except Exception as exc:
                self._shared_failed("dropping a refused token", exc)

    # -- flows -------------------------------------------------------------------------

    def _sync_token(
        self, api_request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, str]:
        while True:
            cached, round_, leader = self._elect(asynchronous=False)
            if cached is not None:
                return cached
            if leader:
                generation: int | None = None
                try:
                    shared, generation = self._shared_token()
                    if shared is not None:
                        round_.token = shared
                        return shared
                    self.token_requests += 1
                    response = yield self._token_request(api_request)
                    response.read()  # this flow replaces httpx's, which would read it
                    fetched, usable_for = self._read(response)
                    round_.token = self._keep(fetched, usable_for)
                    self._share_result(generation, fetched, usable_for)
                    generation = None
                    return round_.token
                except PaymentError as exc:
                    round_.error = exc
                    raise
                finally:
                    self._share_result(generation, None, 0.0)  # the fetch failed: end the lease
                    self._finish(round_)
            if not round_.done.wait(self.wait_timeout):
                raise self._error(
                    ProviderUnavailableError,
                    "timed out waiting for another caller's token request",
                    code=ErrorCode.TIMEOUT,
                )
            token = self._follower_result(round_)
            if token is not None:
                return token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = yield from self._sync_token(request)
        self._add_extra_headers(request)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.invalidate(token)
            self._drop_shared(token)
            token = yield from self._sync_token(request)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    async def _async_wait(self, round_: _Round) -> None:
        import asyncio

        try:
            if round_.done.is_set():
                return
            waiters = round_.waiters
            if waiters is not None and round_.loop is asyncio.get_running_loop():
                turn: asyncio.Future[None] = round_.loop.create_future()
                waiters.append(turn)
                try:
                    async with asyncio.timeout(self.wait_timeout):
                        await turn
                finally:
                    if turn in waiters:
                        waiters.remove(turn)  # left before its turn: nothing to pass on
                    elif round_.error is None:
                        _wake_next(waiters)  # its turn came: the next one goes
            elif not await asyncio.to_thread(round_.done.wait, self.wait_timeout):
                raise TimeoutError
        except TimeoutError:
            raise self._error(
                ProviderUnavailableError,
                "timed out waiting for another caller's token request",
                code=ErrorCode.TIMEOUT,
            ) from None

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        for attempt in range(2):
            token: str | None = None
            while token is None:
                cached, round_, leader = self._elect(asynchronous=True)
                if cached is not None:
                    token = cached
                elif leader:
                    generation: int | None = None
                    try:
                        token, generation = await self._ashared_token()
                        if token is None:
                            self.token_requests += 1
                            response = yield self._token_request(request)
                            await response.aread()
                            fetched, usable_for = self._read(response)
                            token = self._keep(fetched, usable_for)
                            await self._ashare_result(generation, token, usable_for)
                            generation = None
                        round_.token = token
                    except PaymentError as exc:
                        round_.error = exc
                        raise
                    finally:
                        await self._ashare_result(generation, None, 0.0)
                        self._finish(round_)
                else:
                    await self._async_wait(round_)
                    token = self._follower_result(round_)
            self._add_extra_headers(request)
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if response.status_code != 401 or attempt == 1:
                return
            self.invalidate(token)
            await self._adrop_shared(token)


def _wake(turn: asyncio.Future[None]) -> bool:
    if turn.done():  # its task was cancelled meanwhile
        return False
    turn.set_result(None)
    return True


def _wake_next(waiters: deque[asyncio.Future[None]]) -> None:
    """Wake the first follower still waiting (its task resumes at the next loop turn)."""
    while waiters and not _wake(waiters.popleft()):
        pass


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
