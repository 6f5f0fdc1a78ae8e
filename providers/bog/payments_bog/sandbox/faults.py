"""Fault injection: make the emulated bank slow, broken or rude on demand.

A :class:`Fault` names an endpoint (see :data:`.endpoints.ENDPOINTS`, or ``"*"`` for
all of them) and fires on the next ``times`` requests to it (``None``: on every one).
Kinds:

``latency``
    Wait ``delay`` seconds, then answer normally (``when="after"``: answer after the
    request has been processed and the wait is over).
``error``
    Answer ``status`` (default 503) with ``{"message": ...}`` and, if given,
    ``Retry-After``. ``when="before"`` skips processing; ``"after"`` processes the
    request and replaces the real answer, so the client cannot know it succeeded.
``rate_limit``
    Answer 429 with ``Retry-After`` (``retry_after`` seconds, default 1), unprocessed.
``drop``
    Close the connection without any response. ``when="before"`` drops before
    processing; ``when="after"`` processes the request fully (idempotency record
    included) and then drops the response: the dangerous case a client must retry
    with the same ``Idempotency-Key``. In process, the sandbox's transport raises
    :class:`httpx.RemoteProtocolError`; a real server closes the socket.
``malformed``
    Answer 200 with ``Content-Type: application/json`` and a body that is not JSON.
``token_revoked``
    Invalidate every token issued so far, then handle the request, which therefore
    gets 401 unless it is a token request; like tokens that expire early.

Faults apply in the order they were added, one per request; the page and the
``/sandbox/`` control endpoints are never faulted. The checks, the book of armed
faults and the middleware that fires them are the emulators' shared plumbing
(:mod:`payments_core.sandbox.faults`, :mod:`payments_core.sandbox.injector`); this
module holds BOG's ``Fault`` and the words of its made-up answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from payments_core.sandbox.faults import (
    ANY_ENDPOINT,
    FaultKind,
    FaultTiming,
    check_fault,
    fault_from_json,
)

from .endpoints import ENDPOINTS

JSON: Final = "application/json"
MALFORMED_BODY: Final = b'{"id": "9f1c2e4a-, "_links": {"details": '


@dataclass(frozen=True, slots=True)
class Fault:
    endpoint: str
    kind: FaultKind
    times: int | None = 1
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    when: FaultTiming = "before"

    def __post_init__(self) -> None:
        check_fault(self, ENDPOINTS)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the JSON body of ``POST /sandbox/faults``."""
        return fault_from_json(cls, data)

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in (ANY_ENDPOINT, endpoint)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Server error"


class BogFaultAnswers:
    """BOG's words for the answers a fault makes up: ``{"message": ...}`` JSON."""

    def rate_limited(self, endpoint: str) -> tuple[bytes, str]:
        return json.dumps({"message": "Too many requests"}).encode(), JSON

    def server_error(self, endpoint: str, status: int) -> tuple[bytes, str]:
        return json.dumps({"message": _phrase(status)}).encode(), JSON

    def malformed(self, endpoint: str, processed: bytes) -> bytes:
        return MALFORMED_BODY
