"""Keeping secrets out of logs, reprs and hook payloads.

What we log about an HTTP exchange is method, host, path and status: never a
body (it may hold a card token or client secret) and never the value of a
header that carries credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
    "HttpExchange",
    "describe",
    "mask_card_numbers",
    "redact_headers",
    "redact_payload",
]

SENSITIVE_HEADERS: Final[frozenset[str]] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "apikey",
        "api-key",
        "x-api-key",
        "x-auth-token",
    }
)
"""Headers redacted for every provider; a provider adds its own with ``sensitive_headers``."""
REDACTED: Final = "[redacted]"

_PAN: Final = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{3,9})(\d{4})(?![0-9A-Za-z])")
"""A run of 13 to 19 digits standing on its own: a full card number. Kept: the first
six and last four, which is what a masked number shows anyway. Digits inside a
longer token (``f24571388867472985``, a gateway's payment id) are not a card."""


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
    def of(
        cls, request: httpx.Request, attempt: int = 1, extra: frozenset[str] = frozenset()
    ) -> HttpExchange:
        return cls(
            method=request.method,
            scheme=request.url.scheme,
            host=request.url.host,
            path=request.url.path,
            headers=redact_headers(request.headers.multi_items(), extra),
            attempt=attempt,
        )

    def __str__(self) -> str:
        return describe(self.method, self.host, self.path)


def describe(method: str, host: str, path: str) -> str:
    """``POST api.bog.ge/payments/v1/ecommerce/orders``: no query, no body."""
    return f"{method} {host}{path}"


_RUN_OF_13: Final = re.compile(r"\d{13}")
"""Thirteen digits in a row: the least a card number needs, found without Python loops."""


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _mask(match: re.Match[str]) -> str:
    if not _luhn(match.group(0)):
        return match.group(0)  # an id or a timestamp, not a card number
    return match.group(1) + "*" * len(match.group(2)) + match.group(3)


def mask_card_numbers(text: str) -> str:
    """``4111111111111111`` becomes ``411111******1111``; other text is unchanged.

    A card number is a run of 13 to 19 digits passing the Luhn check.
    """
    if len(text) < 13 or _RUN_OF_13.search(text) is None:
        return text  # the common case, decided in C
    return _PAN.sub(_mask, text)


def redact_payload(
    value: Any, fields: frozenset[str] = frozenset(), memo: dict[int, Any] | None = None
) -> Any:
    """A copy of a gateway payload safe to hand on: ``fields`` removed at any depth
    (compared case-insensitively), full card numbers masked in every string.

    Returns the very same object when there was nothing to change, so the
    common case costs one walk and no copies. Scalars are handled in the loops
    themselves: a receipt has dozens of them, and a call each would dominate.
    ``memo`` lets several payloads sharing parts (an event and its payment)
    walk each shared part once.
    """
    if isinstance(value, str):
        return mask_card_numbers(value)
    if memo is not None and id(value) in memo:
        return memo[id(value)]
    result = _redact_container(value, fields, memo)
    if memo is not None:
        memo[id(value)] = result
    return result


def _redact_container(value: Any, fields: frozenset[str], memo: dict[int, Any] | None) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] | None = None
        for key, item in value.items():
            if fields and isinstance(key, str) and key.lower() in fields:
                new: Any = _DROP
            elif isinstance(item, str):
                new = item if len(item) < 13 else mask_card_numbers(item)
            elif isinstance(item, dict | list | tuple):
                new = redact_payload(item, fields, memo)
            else:
                new = item
            if new is not item and out is None:
                out = {}
                for earlier, kept in value.items():
                    if earlier == key:
                        break
                    out[earlier] = kept
            if out is not None and new is not _DROP:
                out[key] = new
        return value if out is None else out
    if isinstance(value, list | tuple):
        items = [
            (item if len(item) < 13 else mask_card_numbers(item))
            if isinstance(item, str)
            else redact_payload(item, fields, memo)
            if isinstance(item, dict | list | tuple)
            else item
            for item in value
        ]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return redact_payload(dict(value), fields, memo)
    return value


_DROP: Final = object()
"""Marks a key removed from a payload copy."""
