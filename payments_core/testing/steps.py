"""Steps the conformance scenarios share: create, pay, operate, look again, tamper, answer.

Each step checks what it gets back as it goes (normalized models, statuses that
only move forward), so a scenario in :mod:`payments_core.testing.suite` reads as
the payment's story and still fails on the first broken promise, in plain words.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
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
from payments_core.models import (
    CaptureMode,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
)
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.harness import (
    Session,
    StatusTrail,
    describe_error,
    expect_operation,
    expect_payment,
    expect_raises,
    expect_status,
    fail,
    open_session,
    run,
)
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Attempt

__all__ = [
    "BEFORE_PAYMENT",
    "HTTP_ERROR_CASES",
    "change_one_char",
    "check_keyed",
    "create",
    "look",
    "mapping_problem",
    "new_key",
    "operate",
    "paid_payment",
    "settle",
    "tampered_body",
]

S = PaymentStatus

BEFORE_PAYMENT: Final = (S.CREATED, S.PENDING, S.PROCESSING)
"""Where a payment may stand before the customer did anything."""


def new_key(what: str) -> str:
    return f"conformance-{what}-{uuid.uuid4().hex[:16]}"


# -- the payment's story ---------------------------------------------------------------------


def create(s: Session, request: PaymentRequest, trail: StatusTrail | None = None) -> Payment:
    """``create_payment(request)``, checked to be this provider's Payment for ``request``."""
    __tracebackhide__ = True
    created = expect_payment(
        run("create_payment()", lambda: s.payments.create_payment(request)),
        "create_payment()",
        s.name,
        request=request,
    )
    if trail is not None:
        trail.add("create_payment()", created)
    return created


def look(
    s: Session, payment: Payment, request: PaymentRequest, step: str, trail: StatusTrail
) -> Payment:
    """``get_payment()`` after ``step``: the same payment, one step further (or as it was)."""
    __tracebackhide__ = True
    what = f"get_payment() after {step}"
    fetched = expect_payment(
        run(what, lambda: s.payments.get_payment(payment.id)),
        what,
        s.name,
        request=request,
        payment_id=payment.id,
    )
    trail.add(step, fetched)
    return fetched


def paid_payment(
    s: Session, trail: StatusTrail, *, manual: bool = False
) -> tuple[PaymentRequest, Payment]:
    """A payment the customer paid: captured, or (``manual``) authorized and held."""
    __tracebackhide__ = True
    capture = CaptureMode.MANUAL if manual else CaptureMode.AUTOMATIC
    request = s.target.make_request(capture=capture)
    created = create(s, request, trail)
    s.customer_pays(created, "succeed")
    if not s.declares(Capability.RETRIEVE):
        return request, created
    paid = look(s, created, request, "the customer paid", trail)
    status, field = (
        (S.AUTHORIZED, "authorized_amount") if manual else (S.CAPTURED, "captured_amount")
    )
    expect_status(
        paid, [status], f"get_payment() after the customer paid ({capture.value} capture)"
    )
    reported = getattr(paid, field)
    if reported is not None and reported != request.amount:
        fail(f"the {status.value} payment reports {field} {reported}; it was {request.amount}")
    return request, paid


def operate(
    s: Session,
    kind: OperationKind,
    payment: Payment,
    amount: Money | None = None,
    *,
    covers: Money | None,
) -> Operation:
    """Refund, capture or void ``payment`` (``amount`` or all of it) with a fresh key.

    ``covers`` is the amount the Operation should report, when it reports one.
    """
    __tracebackhide__ = True
    key = new_key(kind.value)
    what = f"{kind.value}(payment_id{f', {amount}' if amount is not None else ''})"
    payments = s.payments

    def call() -> object:
        if kind is OperationKind.VOID:
            return payments.void(payment.id, idempotency_key=key)
        method = payments.refund if kind is OperationKind.REFUND else payments.capture
        return method(payment.id, amount, idempotency_key=key)

    return expect_operation(
        run(what, call),
        what,
        s.name,
        kind=kind,
        payment_id=payment.id,
        amount=covers,
        idempotency_key=key,
    )


def settle(
    s: Session,
    trail: StatusTrail,
    request: PaymentRequest,
    payment: Payment,
    op: Operation,
    step: str,
    *,
    done: PaymentStatus,
    meanwhile: tuple[PaymentStatus, ...],
    amount_field: str | None = None,
    amount: Money | None = None,
) -> Payment | None:
    """Look at the payment after an operation: ``done`` once the operation succeeded;
    ``done`` or one of ``meanwhile`` while it is pending. ``amount_field`` (say
    ``refunded_amount``), when reported with status ``done``, must equal ``amount``."""
    __tracebackhide__ = True
    if not s.declares(Capability.RETRIEVE):
        return None
    after = look(s, payment, request, step, trail)
    allowed = [done] if op.status is OperationStatus.SUCCEEDED else [*meanwhile, done]
    expect_status(after, allowed, f"get_payment() after {step} (reported {op.status.value})")
    if amount_field is not None and after.status is done:
        reported = getattr(after, amount_field)
        if reported is not None and reported != amount:
            fail(f"after {step} the payment reports {amount_field} {reported}; expected {amount}")
    return after


# -- webhooks ------------------------------------------------------------------------------------


def change_one_char(text: str) -> str:
    """The same text with one letter or digit (the one nearest the middle) changed."""
    middle = len(text) // 2
    for index in sorted(range(len(text)), key=lambda i: abs(i - middle)):
        char = text[index]
        if char.isdigit():
            return text[:index] + str((int(char) + 1) % 10) + text[index + 1 :]
        if char.isascii() and char.isalpha():
            base = ord("a") if char.islower() else ord("A")
            return text[:index] + chr(base + (ord(char) - base + 1) % 26) + text[index + 1 :]
    return text + "x"


def tampered_body(body: bytes) -> bytes:
    return change_one_char(body.decode("latin-1")).encode("latin-1")


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
            f"{what} sent no request carrying the {header} header; pass {source} to "
            "build_request(..., idempotency_key=...) so that a retry cannot act twice (or "
            "skip this scenario through ConformanceTarget.skip if the API has no keys)"
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
