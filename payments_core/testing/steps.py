"""Steps the conformance scenarios share: create, pay, operate, look again, tamper, answer.

Each step checks what it gets back as it goes (normalized models, statuses that
only move forward), so a scenario in :mod:`payments_core.testing.suite` reads as
the payment's story and still fails on the first broken promise, in plain words.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import httpx

from payments_core import wire
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
    "HTML_PAGE",
    "HTTP_ERROR_CASES",
    "MONEY_CALLS",
    "MoneyCall",
    "change_one_char",
    "check_keyed",
    "create",
    "cut_in_half",
    "forge_status",
    "html_instead",
    "look",
    "mapping_problem",
    "money_calls",
    "new_key",
    "operate",
    "paid_payment",
    "retarget",
    "rewrite_amounts",
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


_STATUS_KEYS: Final = frozenset(
    {"status", "state", "payment_status", "paymentstatus", "order_status", "orderstatus"}
)


def forge_status(body: bytes, claim: str) -> bytes | None:
    """A JSON callback body that claims status ``claim``: every string under a
    status-like key replaced, or a top-level ``"status"`` added. ``None`` when the
    body is not a JSON object (nothing to forge in)."""
    try:
        data = wire.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    found = False

    def walk(value: Any) -> Any:
        nonlocal found
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and key.lower() in _STATUS_KEYS and isinstance(item, str):
                    out[key], found = claim, True
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    forged = walk(data)
    if not found:
        forged["status"] = claim
    return wire.dumps(forged)


def retarget(body: bytes, payment: Payment, other_id: str) -> bytes | None:
    """The callback body about ``other_id`` instead of ``payment`` (its id, or failing
    that its external id, replaced); ``None`` when the body names neither."""
    for known in (payment.id, payment.external_id):
        if known and known.encode() in body:
            return body.replace(known.encode(), other_id.encode())
    return None


# -- answers rewritten by the kit --------------------------------------------------------------

HTML_PAGE: Final = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def cut_in_half(body: bytes) -> bytes | None:
    """The first half of an answer, as when a connection breaks mid-body."""
    return body[: len(body) // 2] if len(body.strip()) >= 2 else None


def html_instead(body: bytes) -> bytes | None:
    """A proxy's HTML error page in place of the gateway's answer (same 2xx status)."""
    return HTML_PAGE if body.strip() else None


_NUMERIC: Final = re.compile(r"-?\d+(?:\.\d+)?")


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def _written_like(original: object, new: Decimal) -> object:
    """``new`` in the form ``original`` had: a string or a number, with as many decimals."""
    if isinstance(original, str):
        text = original.strip()
        places = len(text.split(".", 1)[1]) if "." in text else 0
        return format(new.quantize(Decimal(1).scaleb(-places)), "f")
    if isinstance(original, int):
        return int(new) if new == new.to_integral_value() else new
    assert isinstance(original, Decimal)
    exponent = original.as_tuple().exponent
    return new.quantize(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) else new


def rewrite_amounts(
    body: bytes, replacements: Mapping[Decimal, Decimal], keep: frozenset[str] = frozenset()
) -> bytes | None:
    """The JSON ``body`` with every amount equal to a key of ``replacements`` (a JSON
    number, or a string holding one) replaced by its value, written the same way.
    Strings in ``keep`` (ids) are never touched. ``None`` when nothing matched."""
    try:
        data = wire.loads(body)
    except ValueError:
        return None
    changed = False

    def walk(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and value in keep:
            return value
        number = _as_decimal(value)
        if number is None or number not in replacements:
            return value
        changed = True
        return _written_like(value, replacements[number])

    rewritten = walk(data)
    return wire.dumps(rewritten) if changed else None


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
