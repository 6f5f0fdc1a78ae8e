"""Faults to inject: make the emulated bank slow, broken or rude on demand.

A :class:`Fault` names an endpoint (a key of :data:`.endpoints.ENDPOINTS`, or ``"*"``
for all of them) and fires on the next ``times`` requests to it (``None``: on every
one). Kinds:

``latency``
    Wait ``delay`` seconds, then answer normally; with ``when="after"`` the request is
    processed first and the answer waits.
``error``
    Answer ``status`` (5xx, default 503) with a problem body. ``when="before"`` skips
    processing; ``"after"`` processes the request and replaces the real answer, so the
    client cannot know it took effect.
``rate_limit``
    Answer 429 with ``Retry-After`` (``retry_after`` seconds, default 1), unprocessed.
``drop``
    Close the connection without an answer, before processing (``when="before"``) or
    after it (``"after"``: the payment, refund or charge has happened). In process the
    sandbox's transport raises :class:`httpx.RemoteProtocolError`; a served sandbox
    closes the socket.
``malformed``
    Answer 200 ``application/json`` with a cut-off body. ``when="before"`` sends a
    fixed fragment unprocessed; ``"after"`` processes the request and cuts the real
    answer in half.
``token_revoked``
    Invalidate every access token issued so far, then handle the request (which gets
    401 unless it is a token request): tokens that die before ``expires_in``.

Faults apply in the order they were added, one per request. The hosted page and the
``/sandbox/`` controls are never faulted. The checks, the book of armed faults and
the middleware that fires them are the emulators' shared plumbing
(:mod:`payments_core.sandbox.faults`, :mod:`payments_core.sandbox.injector`); this
module holds TBC's ``Fault`` and the words of its made-up answers (problem bodies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from payments_core.sandbox.faults import (
    ANY_ENDPOINT,
    FaultKind,
    FaultTiming,
    check_fault,
    fault_from_json,
)

from .endpoints import ENDPOINTS, SERVICES
from .problems import SERVER_ERROR_DETAIL, problem
from .wire import PROBLEM_JSON, dumps

MALFORMED_BODY: Final = b'{"payId":"6azzo13uw5u2116332","status":"Crea'
"""What a ``malformed`` fault before processing answers: JSON cut off mid-way."""


@dataclass(frozen=True, slots=True)
class Fault:
    endpoint: str
    kind: FaultKind
    times: int | None = 1
    when: FaultTiming = "before"
    delay: float = 0.0
    status: int = 503
    retry_after: int | None = None

    def __post_init__(self) -> None:
        check_fault(self, ENDPOINTS)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the JSON body of ``POST /sandbox/faults``."""
        return fault_from_json(cls, data)

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in (ANY_ENDPOINT, endpoint)


class TbcFaultAnswers:
    """TBC's words for the answers a fault makes up: RFC 7807 problem bodies."""

    def rate_limited(self, endpoint: str) -> tuple[bytes, str]:
        body = problem(429, None, "Too many requests; retry later", SERVICES[endpoint])
        return dumps(body), PROBLEM_JSON

    def server_error(self, endpoint: str, status: int) -> tuple[bytes, str]:
        return dumps(problem(status, None, SERVER_ERROR_DETAIL, SERVICES[endpoint])), PROBLEM_JSON

    def malformed(self, endpoint: str, processed: bytes) -> bytes:
        """The real answer cut in half, or a fixed fragment when there is none."""
        return processed[: len(processed) // 2] if len(processed) >= 2 else MALFORMED_BODY
