"""The calls the kit breaks the wire under, and what it checks of what reached the wire.

The money-moving calls a provider declares (each with the payment it needs
first), the check that keyed retries carry the caller's key and the same bytes,
and the error answers whose mapping to the error tree ``get_payment()`` must show.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import httpx

from payments_core.errors import (
    AuthenticationError,
    NotFoundError,
    PaymentError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from payments_core.provider import Capability
from payments_core.testing.harness.calls import (
    describe,
    describe_error,
    expect_raises,
    expect_unknown,
    fail,
)
from payments_core.testing.harness.results import StatusTrail
from payments_core.testing.harness.sessions import Session, open_session
from payments_core.testing.steps.story import create, new_key, paid_payment
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Attempt

__all__ = [
    "HTTP_ERROR_CASES",
    "MONEY_CALLS",
    "MoneyCall",
    "check_keyed",
    "expect_unknown_outcome",
    "mapping_problem",
    "money_calls",
]

# -- money-moving calls, for the scenarios that break the wire under them --------------------


@dataclass(frozen=True)
class MoneyCall:
    """One money-moving call of the facade, and the payment it needs first."""

    operation: str
    capability: Capability

    def prepare(self, s: Session) -> tuple[str, Callable[[], object]]:
        """Get a payment ready (nothing broken yet); the call, and how to name it."""
        __tracebackhide__ = True
        payments = s.payments
        if self.capability is Capability.CREATE:
            request = s.target.make_request()
            return "create_payment()", lambda: payments.create_payment(request)
        manual = self.capability is not Capability.REFUND
        _request, payment = paid_payment(s, StatusTrail(), manual=manual)
        key = new_key(self.operation)
        what = f"{self.operation}() of a {payment.status.value} payment"
        if self.capability is Capability.REFUND:
            return what, lambda: payments.refund(payment.id, idempotency_key=key)
        if self.capability is Capability.CAPTURE:
            return what, lambda: payments.capture(payment.id, idempotency_key=key)
        return what, lambda: payments.void(payment.id, idempotency_key=key)


MONEY_CALLS: Final = (
    MoneyCall("create_payment", Capability.CREATE),
    MoneyCall("refund", Capability.REFUND),
    MoneyCall("capture", Capability.CAPTURE),
    MoneyCall("void", Capability.VOID),
)


def money_calls(s: Session) -> list[MoneyCall]:
    """The money-moving calls this provider declares."""
    return [call for call in MONEY_CALLS if s.declares(call.capability)]


# -- the wire ------------------------------------------------------------------------------------


def check_keyed(
    s: Session,
    what: str,
    key: str,
    action: Callable[[], object],
    source: str,
    *,
    required: bool = True,
) -> None:
    """Run ``action`` while the kit fails first keyed attempts, then check the keys it saw.

    Every attempt of one request must carry the same key and the same body; the
    operation must succeed on the retry; and ``key`` (from ``source``) must be the key
    sent. With ``required`` off, sending no key at all passes (the request is then
    simply never retried).
    """
    __tracebackhide__ = True
    header = s.provider.idempotency_header
    mark = s.wire.mark()
    error: BaseException | None = None
    try:
        action()
    except Exception as exc:
        error = exc
    groups: dict[tuple[str, str], list[Attempt]] = {}
    for attempt in s.wire.since(mark):
        if attempt.header(header) is not None:
            groups.setdefault((attempt.method, attempt.url), []).append(attempt)
    for (method, url), attempts in groups.items():
        keys = list(dict.fromkeys(attempt.header(header) for attempt in attempts))
        if len(keys) > 1:
            fail(
                f"{what}: the {header} header changed between attempts of {method} {url} "
                f"({' -> '.join(map(repr, keys))}); mint the key once, before the first "
                "attempt, and never in an auth flow or event hook (the driver re-sends "
                "the same request)"
            )
        if len({attempt.content for attempt in attempts}) > 1:
            fail(
                f"{what}: the body of {method} {url} changed between attempts carrying the "
                "same idempotency key; the same key must always go with the same bytes"
            )
    if error is not None:
        fail(
            f"{what} failed after the kit answered 503 to its first keyed attempt: "
            f"{describe_error(error)}. The driver retries a request that carries the "
            f"{header} header, so the operation should have succeeded on the retry"
        )
    sent = {attempt.header(header) for attempts in groups.values() for attempt in attempts}
    if not sent and not required:
        return
    if not sent:
        fail(
            f"{what} sent no request carrying the {header} header although the provider "
            f"declares honours_idempotency_keys = True; pass {source} to "
            "build_request(..., idempotency_key=...) so that a retry cannot act twice (or, "
            "if the gateway has no idempotency keys, declare honours_idempotency_keys = False)"
        )
    if key not in sent:
        fail(
            f"{what} sent idempotency key(s) {sorted(k for k in sent if k)} but not "
            f"{source} ({key!r}); send it unchanged: it was minted once for every retry"
        )


def _answer(
    status: int, body: bytes, content_type: str = "application/json", **headers: str
) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(
        status, content=body, headers={"Content-Type": content_type, **headers}
    )


_KIT_ERROR = b'{"message": "answered by the payments_core conformance kit"}'

HTTP_ERROR_CASES: Final[
    tuple[tuple[str, Callable[[], httpx.Response], type[PaymentError], bool], ...]
] = (
    ("500", _answer(500, _KIT_ERROR), ProviderUnavailableError, True),
    ("503", _answer(503, _KIT_ERROR), ProviderUnavailableError, True),
    (
        "429 with Retry-After: 0",
        _answer(429, _KIT_ERROR, **{"Retry-After": "0"}),
        RateLimitedError,
        True,
    ),
    ("401", _answer(401, _KIT_ERROR), AuthenticationError, False),
    ("404", _answer(404, _KIT_ERROR), NotFoundError, False),
    (
        "200 with a body that is not JSON",
        _answer(200, b"<html>surprise</html>", "text/html"),
        ProviderResponseError,
        False,
    ),
    ("200 with an empty JSON object", _answer(200, b"{}"), ProviderResponseError, False),
)
"""``(the API answers ..., that response, what get_payment() must raise, retryable)``."""


def mapping_problem(
    target: ConformanceTarget,
    description: str,
    answer: Callable[[], httpx.Response],
    error_class: type[PaymentError],
    retryable: bool,
) -> str | None:
    """What is wrong with get_payment() when every request is answered by ``answer``.

    A fresh provider first reads a payment untouched (so it holds its credentials);
    only then does the kit answer everything.
    """
    with open_session(target) as s:
        assert s.transport is not None
        pid = target.unknown_payment_id
        if s.declares(Capability.CREATE):
            pid = create(s, target.make_request()).id
        with contextlib.suppress(PaymentError):
            s.payments.get_payment(pid)
        s.transport.answer = lambda _request: answer()
        mark = s.wire.mark()
        what = f"get_payment() when the API answers {description}"
        try:
            error = expect_raises(
                what, error_class, lambda: s.payments.get_payment(pid), provider=s.name
            )
        except AssertionError as exc:
            return str(exc)
        if not s.wire.since(mark):
            return f"{what} sent no request"
        if retryable and not error.retryable:
            return f"{what} raised {error_class.__name__} with retryable=False"
        return None


def expect_unknown_outcome(
    s: Session,
    what: str,
    result: object,
    error: BaseException | None,
    *,
    safe_to_repeat: bool | None,
    why: str,
) -> None:
    """What a money-moving call ended in must be OutcomeUnknownError (see expect_unknown)."""
    __tracebackhide__ = True
    if error is None:
        fail(f"{what} returned {describe(result)}; expected it to raise OutcomeUnknownError: {why}")

    def again() -> None:
        assert error is not None
        raise error

    expect_unknown(what, again, provider=s.name, safe_to_repeat=safe_to_repeat, why=why)
