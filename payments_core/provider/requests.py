"""What the driver reads from a provider's requests, and the bytes it keeps of one.

A flow marks a request with extensions the driver honours (statuses it handles
itself, a token call, a POST that only reads). A state-changing request is kept
as :class:`SentRequest` so a repeat under the same idempotency key sends the
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from payments_core.redact import SENSITIVE_HEADERS

__all__ = [
    "ACCEPT_STATUS_EXTENSION",
    "AUTH_REQUEST_EXTENSION",
    "READ_ONLY_EXTENSION",
    "SentRequest",
    "changes_state",
]

ACCEPT_STATUS_EXTENSION = "payments_core.accept_status"
"""Request extension: error statuses the flow wants to see instead of an exception."""

AUTH_REQUEST_EXTENSION = "payments_core.auth_request"
"""Request extension an ``httpx.Auth`` sets on requests of its own (a token call):
the driver then knows a failure there left the API request unsent. Without the
mark, a request to the API's own method, host and path counts as the API request."""

READ_ONLY_EXTENSION = "payments_core.read_only"
"""Request extension: this POST only reads (a search), so a lost answer changes nothing."""


def changes_state(request: httpx.Request) -> bool:
    """True when the request may change something at the gateway (move money).

    Anything but GET and HEAD counts, unless the provider marked it read-only
    with ``build_request(..., read_only=True)``. A lost answer to such a request
    is an unknown outcome, never a plain failure.
    """
    return request.method not in ("GET", "HEAD") and not request.extensions.get(
        READ_ONLY_EXTENSION, False
    )


@dataclass(frozen=True)
class SentRequest:
    """The exact bytes of a state-changing request, kept so a repeat sends the same.

    Credentials are not kept: the ``Authorization`` header and every header the
    provider declares sensitive are dropped (the auth adds them afresh).
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @classmethod
    def of(cls, request: httpx.Request, sensitive_headers: frozenset[str]) -> SentRequest:
        hidden = SENSITIVE_HEADERS | sensitive_headers
        headers = request.headers
        encoding = headers.encoding  # read once: multi_items() reads it twice per header
        kept: list[tuple[str, str]] = []
        for raw_name, raw_value in headers.raw:
            # multi_items() names a header by its bytes in lower case, decoded
            name = raw_name.lower().decode(encoding)
            lowered = name.lower()
            if lowered not in hidden and lowered != "content-length":
                kept.append((name, raw_value.decode(encoding)))
        return cls(
            method=request.method,
            url=str(request.url),
            headers=tuple(kept),
            content=request.content,
        )

    def to_request(self) -> httpx.Request:
        """A fresh ``httpx.Request`` carrying the same method, URL, headers and body."""
        return httpx.Request(
            self.method, self.url, headers=list(self.headers), content=self.content
        )
