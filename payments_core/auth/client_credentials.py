"""``OAuth2ClientCredentials``: the client-credentials grant as an ``httpx.Auth``.

It holds the credentials and the way a gateway wants them, builds the token
request once per set of credentials, and drives the election's flow (see
:mod:`payments_core.auth.election`) twice over: ``sync_auth_flow`` with
threading primitives, ``async_auth_flow`` with asyncio. The two drivers differ
only in how they wait, sleep, read a token answer and call the shared cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from payments_core.auth.election import CacheCall, ElectionStep, FlowClosed, Pause, TokenElection
from payments_core.auth.endpoint import (
    LifetimeReader,
    read_token_answer,
    seconds_lifetime,
    token_request_parts,
)
from payments_core.auth.grant import SharedTokenCache
from payments_core.auth.rounds import Round, await_round
from payments_core.errors import ConfigurationError
from payments_core.provider import AUTH_REQUEST_EXTENSION

__all__ = ["OAuth2ClientCredentials"]


class OAuth2ClientCredentials(TokenElection, httpx.Auth):
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
        super().__init__(provider=provider, clock=clock)
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

    def invalidate(self, failed_token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``failed_token``, when given)."""
        self._forget(failed_token)

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
        """The token request's parts, rebuilt whenever the URL, credentials or scope change."""
        key = (self.token_url, self.client_id, self._secret, self.scope, self.credentials_in)
        prepared = self._prepared
        if prepared is not None and prepared[0] == key:
            return prepared[1], prepared[2], prepared[3]
        url, headers, body = token_request_parts(
            self.token_url,
            self.client_id,
            self._secret.get_secret_value(),
            self.scope,
            self.credentials_in,
        )
        self._prepared = (key, url, headers, body)
        return url, headers, body

    def _read(self, response: httpx.Response) -> tuple[str, float]:
        return read_token_answer(
            response,
            provider=self._provider,
            lifetime_reader=self._lifetime_reader,
            refresh_margin=self.refresh_margin,
        )

    # -- the two drivers of the flow -----------------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        # A cached token (nearly every request) is the election's first round without
        # its generator: the flow takes over only after a refusal, or on a miss.
        refused = self._cached()
        if refused is not None:
            self._authorize(request, refused)
            if (yield request).status_code != 401:
                return
        flow = self._flow(request, asynchronous=False, refused=refused)
        outcome: Any = None
        failure: BaseException | None = None
        while True:
            try:
                step = flow.send(outcome) if failure is None else flow.throw(failure)
            except (StopIteration, FlowClosed):
                return
            failure = None
            try:
                if isinstance(step, httpx.Request):
                    outcome = yield step
                    if step is not request:
                        outcome.read()  # this flow replaces httpx's, which would read it
                else:
                    outcome = self._do(step)
            except GeneratorExit:  # httpx closed the flow: let it end its round
                failure = FlowClosed()
            except BaseException as exc:  # the flow's to handle
                failure = exc

    def _do(self, step: ElectionStep) -> Any:
        if isinstance(step, CacheCall):
            return step.call(*step.args)
        if isinstance(step, Pause):
            time.sleep(step.seconds)
            return None
        assert isinstance(step, Round)
        return step.done.wait(self.wait_timeout)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        refused = self._cached()  # as in sync_auth_flow
        if refused is not None:
            self._authorize(request, refused)
            if (yield request).status_code != 401:
                return
        flow = self._flow(request, asynchronous=True, refused=refused)
        outcome: Any = None
        failure: BaseException | None = None
        while True:
            try:
                step = flow.send(outcome) if failure is None else flow.throw(failure)
            except (StopIteration, FlowClosed):
                return
            failure = None
            try:
                if isinstance(step, httpx.Request):
                    outcome = yield step
                    if step is not request:
                        await outcome.aread()
                else:
                    outcome = await self._ado(step)
            except GeneratorExit:  # httpx closed the flow: let it end its round
                failure = FlowClosed()
            except BaseException as exc:  # the flow's to handle, a cancellation included
                failure = exc

    async def _ado(self, step: ElectionStep) -> Any:
        if isinstance(step, CacheCall):
            return await step.acall(*step.args)
        if isinstance(step, Pause):
            import asyncio  # on its loop: already imported, a dictionary look-up

            await asyncio.sleep(step.seconds)
            return None
        assert isinstance(step, Round)
        return await await_round(step, self.wait_timeout)
