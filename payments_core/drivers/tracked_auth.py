"""Whether the API request itself left this machine, whatever ``httpx.Auth`` sends it.

An auth may send requests of its own first (a token request). If one of those
fails, the API request was never sent, and the driver may retry it or report
"nothing was sent" even for a payment. :class:`TrackedAuth` marks the request
with :data:`SENT` the moment the auth hands it to the transport.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Final

import httpx

from payments_core.provider import AUTH_REQUEST_EXTENSION

__all__ = ["NOT_SENT", "SENT", "TrackedAuth"]

SENT: Final = "payments_core.sent"
"""Request extension: the API request itself was handed to the transport."""

NOT_SENT: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)
"""Failures that happen before the request left this machine."""


class TrackedAuth(httpx.Auth):
    """Wraps any ``httpx.Auth`` to learn whether the API request itself was sent.

    Until the auth flow yields the API request, everything it sent was its own
    (a token request): a failure there leaves the API request unsent, whatever
    the auth class is. A 401 answer to the API request means it was refused, not
    carried out, so the mark is taken back while the auth flow refreshes.

    When in doubt the request counts as sent (the safe side for money): an
    outgoing request is the auth's own only when the auth marked it so
    (``AUTH_REQUEST_EXTENSION``, as ``OAuth2ClientCredentials`` does) or when it
    goes elsewhere than the API request (another method, host or path). An auth
    that signs by adding a query parameter or rebuilds the request still counts.
    """

    def __init__(self, inner: httpx.Auth) -> None:
        self.inner = inner
        self.requires_request_body = inner.requires_request_body
        self.requires_response_body = inner.requires_response_body

    def _mark_if_api(self, outgoing: httpx.Request, request: httpx.Request) -> bool:
        """Mark ``request`` sent when ``outgoing`` is the API request; say whether it is."""
        if outgoing is not request and (
            outgoing.extensions.get(AUTH_REQUEST_EXTENSION)
            or outgoing.method != request.method
            or outgoing.url.host != request.url.host
            or outgoing.url.path != request.url.path
        ):
            return False
        request.extensions[SENT] = True
        return True

    def _unmark_if_refused(
        self, api: bool, response: httpx.Response, request: httpx.Request
    ) -> None:
        """A 401 to the API request: it was refused, not carried out (the auth may retry it)."""
        if api and response.status_code == 401:
            request.extensions.pop(SENT, None)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.inner.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                api = self._mark_if_api(outgoing, request)
                response = yield outgoing
                self._unmark_if_refused(api, response, request)
                outgoing = flow.send(response)
        except StopIteration:
            return
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.inner.async_auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                api = self._mark_if_api(outgoing, request)
                response = yield outgoing
                self._unmark_if_refused(api, response, request)
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()
