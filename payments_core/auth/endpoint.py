"""The token endpoint: the request that asks it for a token, and the reading of its answer.

Both are pure: the request's URL, headers and form body are built from the
credentials alone (so the caller can keep them and build each token request
from what it kept), and the answer becomes a token and how long it may be used,
or a typed error. How often the endpoint is asked is the election's business
(:mod:`payments_core.auth.election`).
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from typing import Any, Final, Literal
from urllib.parse import quote, urlencode

import httpx

from payments_core import wire
from payments_core.errors import (
    AuthenticationError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from payments_core.provider import parse_retry_after

__all__ = [
    "DEFAULT_LIFETIME",
    "LifetimeReader",
    "read_token_answer",
    "seconds_lifetime",
    "token_request_parts",
]

logger = logging.getLogger("payments_core.auth")

LifetimeReader = Callable[[Any], float]
"""Turns the token response's ``expires_in`` value into a lifetime in seconds."""

DEFAULT_LIFETIME = 300.0
"""Lifetime assumed when the token server does not say (conservative)."""

_TOKEN: Final = re.compile(r"[\x21-\x7e]+")
"""What an access token may hold to travel in an ``Authorization`` header."""


def seconds_lifetime(value: Any) -> float:
    """RFC 6749 reading: ``expires_in`` is the lifetime in seconds."""
    if value is None:
        return DEFAULT_LIFETIME
    if isinstance(value, bool):
        raise ValueError("expires_in is not a number")
    return float(value)


def token_request_parts(
    token_url: str,
    client_id: str,
    secret: str,
    scope: str | None,
    credentials_in: Literal["header", "body"],
) -> tuple[httpx.URL, httpx.Headers, bytes]:
    """The token request's URL, headers and form body for one set of credentials.

    The same bytes and headers, in the same order, as ``httpx.Request(data=form)``
    makes, without building a request each time a token is due.
    """
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    headers = {"Accept": "application/json"}
    if credentials_in == "header":
        credentials = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    else:
        form["client_id"] = client_id
        form["client_secret"] = secret
    body = urlencode(list(form.items()), doseq=True).encode("utf-8")
    headers["Content-Length"] = str(len(body))
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return httpx.URL(token_url), httpx.Headers(headers), body


def read_token_answer(
    response: httpx.Response,
    *,
    provider: str | None,
    lifetime_reader: LifetimeReader,
    refresh_margin: float,
) -> tuple[str, float]:
    """The token and how many seconds it is usable, or a typed error naming ``provider``."""
    status = response.status_code
    url = response.request.url
    if logger.isEnabledFor(logging.DEBUG):  # the URL's parts are worked out only for it
        logger.debug("token %s%s -> %d", url.host, url.path, status)
    try:
        body = wire.loads(response.content) if response.content else {}
    except (ValueError, UnicodeDecodeError):
        body = None

    def error(cls: type[PaymentError], message: str, **kwargs: Any) -> PaymentError:
        return cls(message, provider=provider, **kwargs)

    details: dict[str, Any] = {"http_status": status}
    if isinstance(body, dict):
        details["provider_code"] = _str_or_none(body.get("error"))
        details["provider_message"] = _str_or_none(body.get("error_description"))
    if status in (400, 401, 403):
        raise error(
            AuthenticationError, "the token endpoint refused the client credentials", **details
        )
    if status == 429:
        raise error(
            RateLimitedError,
            "the token endpoint is rate limiting",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            **details,
        )
    if status >= 500:
        raise error(
            ProviderUnavailableError, f"the token endpoint failed with HTTP {status}", **details
        )
    if status != 200 or not isinstance(body, dict):
        raise error(ProviderResponseError, f"unexpected token response (HTTP {status})", **details)
    access_token = body.get("access_token")
    token_type = body.get("token_type", "Bearer")
    if not isinstance(access_token, str) or not access_token:
        raise error(ProviderResponseError, "token response has no access_token")
    if not _TOKEN.fullmatch(access_token):
        # It goes into a header: CR/LF could inject headers, non-ASCII cannot be sent.
        raise error(
            ProviderResponseError,
            "token response holds an access_token that cannot be sent in a header "
            "(control, space or non-ASCII characters)",
        )
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise error(ProviderResponseError, "token response is not a bearer token")
    try:
        lifetime = lifetime_reader(body.get("expires_in"))
    except (TypeError, ValueError, ArithmeticError):
        raise error(ProviderResponseError, "token response has an unreadable expires_in") from None
    # A token living less than twice the margin is refreshed half-way instead.
    margin = min(refresh_margin, max(lifetime, 0.0) / 2)
    return access_token, lifetime - margin


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
