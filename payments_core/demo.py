"""The story ``payments demo`` tells: one payment's whole life, step by step.

The story is the same for every provider: create a payment, let the customer
pay on the provider's page, receive and verify the callback, read the payment
back, refund part of it, then the rest. What differs is *how* the customer pays
and where callbacks come from; a provider package supplies that as a
:class:`DemoStage` under the entry-point group ``payments_core.demos`` (the
dummy pays in memory; BOG and TBC run their emulators on loopback).

Refunds are followed by reading the payment until the refund shows, not by
waiting for a callback: some gateways (TBC) send callbacks only when a payment
reaches its outcome.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from typing import Any, Protocol

import httpx

from payments_core.config import JOURNAL_ENV
from payments_core.errors import (
    ConfigurationError,
    ErrorCode,
    PaymentError,
    ProviderUnavailableError,
)
from payments_core.gateway import Payments
from payments_core.journal import default_journal
from payments_core.models import LineItem, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.registry import load_entry_point
from payments_core.status import PaymentStatus

__all__ = [
    "DEMOS_NAMESPACE",
    "CallbackReceiver",
    "DemoStage",
    "DemoStep",
    "load_stage",
    "pay_on_hosted_page",
    "run_demo",
    "wait_for_refund",
]

DEMOS_NAMESPACE = "payments_core.demos"


class DemoStage(Protocol):
    """What a provider provides for the demo: a gateway, a customer and a mailbox."""

    payments: Payments
    config: dict[str, Any]
    """The configuration ``payments`` was built from (``Payments.from_config`` takes it)."""
    callback_url: str
    allow_insecure_callback: bool

    def customer_pays(self, payment: Payment) -> str:
        """Act as the customer on the payment page; return a line saying what was done."""

    def wait_for_callback(self, payment_id: str, timeout: float) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of the next callback received for ``payment_id``."""


@dataclass(frozen=True)
class DemoStep:
    """One line of the demo's output."""

    title: str
    status: PaymentStatus | None
    detail: str
    elapsed: float
    data: dict[str, Any] = field(default_factory=dict)


def load_stage(provider: str) -> Callable[[], AbstractContextManager[DemoStage]]:
    """The demo stage a provider package published, by provider name."""
    factory: Callable[[], AbstractContextManager[DemoStage]] | None = load_entry_point(
        DEMOS_NAMESPACE, provider, "demo"
    )
    if factory is not None:
        return factory
    known = ", ".join(sorted(ep.name for ep in entry_points(group=DEMOS_NAMESPACE))) or "none"
    raise ConfigurationError(
        f"no demo for provider {provider!r}; demos installed: {known}",
        code=ErrorCode.PROVIDER_NOT_FOUND,
        provider=provider,
    )


def _request(stage: DemoStage) -> PaymentRequest:
    gel = "GEL"
    return PaymentRequest(
        external_id=f"demo-{int(time.time())}",
        amount=Money("42.50", gel),
        items=[
            LineItem(
                product_id="tea-01",
                description="Georgian black tea",
                quantity=2,
                unit_price=Money("12.50", gel),
            ),
            LineItem(
                product_id="honey-02",
                description="Mountain honey",
                quantity=1,
                unit_price=Money("17.50", gel),
            ),
        ],
        require_items_total=True,
        callback_url=stage.callback_url,
        allow_insecure_callback=stage.allow_insecure_callback,
        success_url="https://shop.example/thanks",
        fail_url="https://shop.example/sorry",
        locale="en",
    )


def run_demo(
    stage: DemoStage,
    *,
    callback_timeout: float = 10.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[DemoStep]:
    """Run the story on ``stage``, yielding each step as it completes.

    ``on_wait`` hears what the demo is waiting for (the customer, a callback), so a
    terminal can show a progress line while nothing else happens.
    """
    payments = stage.payments
    started = time.monotonic()

    def waiting(what: str) -> None:
        if on_wait is not None:
            on_wait(what)

    def callback(payment_id: str) -> tuple[dict[str, str], bytes]:
        waiting("the provider's callback")
        return stage.wait_for_callback(payment_id, callback_timeout)

    def refund_shows(payment: Payment) -> Payment:
        waiting("the refund to show on the payment")
        return wait_for_refund(payments, payment, callback_timeout)

    def step(title: str, payment: Payment | None, detail: str, **data: Any) -> DemoStep:
        return DemoStep(
            title, payment.status if payment else None, detail, time.monotonic() - started, data
        )

    request = _request(stage)
    payment = payments.create_payment(request)
    yield step(
        "create payment",
        payment,
        f"{payment.amount} for order {request.external_id}",
        payment_id=payment.id,
        redirect_url=payment.redirect_url,
    )

    waiting("the customer on the payment page")
    yield step("customer pays", None, stage.customer_pays(payment))

    headers, body = callback(payment.id)
    event = payments.parse_webhook(headers, body)
    yield step(
        "callback verified",
        event.payment,
        f"event {event.type}, {len(body)} bytes",
        event_id=event.id,
    )

    payment = payments.get_payment(payment.id)
    card = payment.card.masked_number if payment.card and payment.card.masked_number else "-"
    yield step("payment details", payment, f"captured {payment.captured_amount}, card {card}")
    if payment.status is not PaymentStatus.CAPTURED:
        raise PaymentError(f"the demo payment ended {payment.status.value}, not captured")

    part = Money("12.50", payment.amount.currency)
    operation = payments.refund(payment.id, part)
    payment = refund_shows(payment)
    yield step("partial refund", payment, f"refunded {part} (operation {operation.status.value})")

    operation = payments.refund(payment.id)
    payment = refund_shows(payment)
    yield step(
        "refund the rest",
        payment,
        f"refunded {payment.refunded_amount} in all (operation {operation.status.value})",
    )

    if payments.journal is not None:
        yield step("journal", payment, journal_summary(payments, payment.id))


def demo_journal() -> str | None:
    """The journal demos record to: ``PAYMENTS_JOURNAL``, else the embedded default.

    ``None`` when the journal extra is not installed: the demo then runs without one.
    """
    return default_journal(os.environ.get(JOURNAL_ENV))


def journal_summary(payments: Payments, payment_id: str) -> str:
    """One line on what the journal holds for a payment: its operations and callbacks."""
    assert payments.journal is not None
    history = payments.journal.history(payment_id, payments.name)
    words = [f"{record.operation} {record.state}" for record in history.operations]
    callbacks = [event.action for event in history.events if event.kind == "callback"]
    states = dict(history.states)
    known = states.get(payments.name)
    parts = [
        f"{payments.journal!r}",
        ", ".join(words) or "no operations",
        f"{len(callbacks)} callback(s) {'/'.join(sorted(set(callbacks))) or ''}".strip(),
    ]
    if known is not None:
        parts.append(f"state {known.status.value}")
    return "; ".join(parts)


def wait_for_refund(payments: Payments, before: Payment, timeout: float) -> Payment:
    """Read the payment until more is refunded than ``before`` showed (or time runs out).

    Gateways settle refunds at their own pace and not all of them call back for
    a refund, so the story reads the payment instead of waiting for news.
    """
    refunded_before = before.refunded_amount or Money.zero(before.amount.currency)
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        payment = payments.get_payment(before.id)
        refunded = payment.refunded_amount or Money.zero(payment.amount.currency)
        if refunded > refunded_before or time.monotonic() >= deadline:
            return payment
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


class CallbackReceiver:
    """A plain-HTTP endpoint on 127.0.0.1 that keeps every callback's raw bytes.

    Provider demo stages use it as the shop's callback URL: it answers 200 at
    once and stores headers and body untouched (verification is the provider's
    job, on exactly these bytes). ``payment_id_of`` reads which payment a body
    is about, so a stage can wait for the callback of one payment.
    """

    def __init__(self, payment_id_of: Callable[[bytes], str | None], path: str) -> None:
        self._payment_id_of = payment_id_of
        self._path = path
        self._received: list[tuple[dict[str, str], bytes]] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._add(dict(self.headers.items()), body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo prints its own lines."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self._path}"

    def _add(self, headers: dict[str, str], body: bytes) -> None:
        with self._changed:
            self._received.append((headers, body))
            self._changed.notify_all()

    def wait(
        self, payment_id: str, after: int, timeout: float, *, provider: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """The first callback about ``payment_id`` past position ``after``, and its position."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(after, len(self._received)):
                    headers, body = self._received[index]
                    if self._payment_id_of(body) == payment_id:
                        return index + 1, headers, body
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProviderUnavailableError(
                        f"no callback for payment {payment_id} within {timeout:g}s",
                        provider=provider,
                    )
                self._changed.wait(remaining)

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def pay_on_hosted_page(
    payment: Payment, form: dict[str, str], *, provider: str, timeout: float = 10.0
) -> int:
    """Act as a browser on an emulator's payment page: open it, submit its form.

    Returns the size of the page's HTML. The page must offer one POST form and
    answer its submission with a redirect (303) back to the shop, as the
    emulators' pages do.
    """
    if not payment.redirect_url:
        raise ProviderUnavailableError("the payment has no payment page", provider=provider)
    with httpx.Client(timeout=timeout) as browser:
        page = browser.get(payment.redirect_url)
        if page.status_code != 200:
            raise ProviderUnavailableError(
                f"the payment page answered {page.status_code}", provider=provider
            )
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        if action is None:
            raise ProviderUnavailableError("the payment page has no form", provider=provider)
        submitted = browser.post(httpx.URL(payment.redirect_url).join(action.group(1)), data=form)
    if submitted.status_code != 303:
        raise ProviderUnavailableError(
            f"the payment page answered {submitted.status_code}", provider=provider
        )
    return len(page.content)
