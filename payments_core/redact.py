"""Keeping secrets out of logs, reprs and hook payloads.

What we log about an HTTP exchange is method, host, path and status: never a
body (it may hold a card token or client secret) and never the value of a
header that carries credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import httpx

__all__ = ["SENSITIVE_HEADERS", "HttpExchange", "describe", "redact_headers"]

SENSITIVE_HEADERS: Final[frozenset[str]] = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
REDACTED: Final = "[redacted]"


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    extra: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """A copy of ``headers`` with credential-bearing values replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    hidden = SENSITIVE_HEADERS | extra
    return {name: REDACTED if name.lower() in hidden else value for name, value in items}


@dataclass(frozen=True)
class HttpExchange:
    """A redacted view of one outgoing request, safe to log or hand to plugins."""

    method: str
    scheme: str
    host: str
    path: str
    headers: Mapping[str, str]
    attempt: int = 1

    @classmethod
    def of(cls, request: httpx.Request, attempt: int = 1) -> HttpExchange:
        return cls(
            method=request.method,
            scheme=request.url.scheme,
            host=request.url.host,
            path=request.url.path,
            headers=redact_headers(request.headers.multi_items()),
            attempt=attempt,
        )

    def __str__(self) -> str:
        return describe(self.method, self.host, self.path)


def describe(method: str, host: str, path: str) -> str:
    """``POST api.bog.ge/payments/v1/ecommerce/orders``: no query, no body."""
    return f"{method} {host}{path}"
