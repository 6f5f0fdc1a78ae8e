"""What a provider package hands the conformance kit: :class:`ConformanceTarget`.

The kit cannot know how to reach a provider's API in a test, or how a customer
pays on the provider's page. The provider package says so once, in a fixture
named ``payments_conformance`` that returns a ``ConformanceTarget``; every
scenario of :class:`~payments_core.testing.ConformanceSuite` builds what it
needs from it (fresh providers, facades over a transport the kit watches).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from payments_core.gateway import Payments
from payments_core.idempotency import IdempotencyStore
from payments_core.models import LineItem, Payment, PaymentRequest
from payments_core.money import Money, minor_unit_exponent
from payments_core.provider import PaymentProvider

__all__ = [
    "ConformanceTarget",
    "CustomerStep",
    "Outcome",
    "WebhookSource",
    "default_request",
]

Outcome = Literal["succeed", "decline"]
"""What the customer does on the provider's page: pay, or fail to (a declined card)."""

CustomerStep = Callable[[Payments, Payment, Outcome], None]
"""``customer_pays(payments, payment, outcome)``: act as the customer for ``payment``.

When it returns, the provider must report the outcome (``get_payment`` shows it).
"""

WebhookSource = Callable[[Payments, Payment], tuple[Mapping[str, str], bytes] | None]
"""``webhook_for(payments, payment)``: headers and raw body of a genuine callback the
gateway sent (or would send) about ``payment`` in its current state: signed, for a
gateway that signs them; for one that posts only an id, the body it would post.
``None`` when the gateway sends no callback in that state."""


def default_request(*, currency: str = "GEL", **overrides: Any) -> PaymentRequest:
    """A valid request the kit's scenarios start from: 30 units of ``currency``, three items.

    Keyword arguments replace fields (``capture=CaptureMode.MANUAL``). A provider
    whose API needs something else (another currency, a buyer, its own
    ``provider_options``) passes its own factory as ``ConformanceTarget.make_request``,
    often ``functools.partial(default_request, currency="USD")``.
    """
    unit = 10 ** minor_unit_exponent(currency)
    price = Money.from_minor_units(10 * unit, currency)
    fields: dict[str, Any] = {
        "external_id": f"conformance-{uuid.uuid4().hex[:12]}",
        "amount": Money.from_minor_units(30 * unit, currency),
        "items": [
            LineItem(
                product_id="conformance-sku",
                quantity=3,
                unit_price=price,
                description="Conformance widget",
            )
        ],
        "callback_url": "https://shop.example/payments/callback",
        "success_url": "https://shop.example/payments/success",
        "fail_url": "https://shop.example/payments/fail",
    }
    fields.update(overrides)
    return PaymentRequest(**fields)


@dataclass(frozen=True, kw_only=True)
class ConformanceTarget:
    """How the conformance kit reaches one provider in a test run.

    Only ``make_provider`` and ``customer_pays`` are required. The kit builds the
    facades itself (plugins not autoloaded, retries without sleeping) so that it
    can watch every request on the way out.

    What the provider declares decides which scenarios run, with no help from
    here: undeclared capabilities, ``honours_idempotency_keys`` (retries under a
    key for a gateway with keys; each money-moving request sent once for one
    without), and how callbacks are verified (a signature, or a read of the
    payment) pick the scenarios that apply, and the rest are skipped with the reason.
    """

    make_provider: Callable[[], PaymentProvider]
    """A fresh, configured provider instance on each call (settings pointing at a
    fake API or an emulator). Payments made through one must be visible to the
    next: scenarios may build more than one facade."""

    customer_pays: CustomerStep
    """Acts as the customer on the provider's page (see :data:`CustomerStep`)."""

    transport: Callable[[], httpx.BaseTransport] | None = None
    """A fresh sync transport to the provider's API (``httpx.MockTransport`` over a
    fake, an emulator's transport). ``None`` for a provider that sends no HTTP (the
    dummy): the scenarios that watch the wire are then skipped."""

    async_transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    """The async counterpart, for the ``AsyncPayments`` scenario. When ``None``, the
    kit uses ``transport()`` if that object is also async-capable (as
    ``httpx.MockTransport`` is), and otherwise skips the scenario."""

    make_request: Callable[..., PaymentRequest] = default_request
    """``make_request(**overrides)``: a request this provider accepts. The kit passes
    ``capture=CaptureMode.MANUAL`` for the capture and void scenarios."""

    webhook_for: WebhookSource | None = None
    """Required when the provider declares ``Capability.WEBHOOKS`` (see :data:`WebhookSource`)."""

    secrets: Collection[str] | Callable[[], Collection[str]] = ()
    """Values that must never reach logs, reprs, errors or hook payloads, besides the
    ones the kit finds itself (every ``SecretStr`` setting, every credential sent in an
    ``Authorization`` header, every ``access_token`` answered). A callable is asked
    after the scenario ran, so it can list tokens an emulator issued meanwhile.
    Pick distinctive values: a short one like ``"abc"`` would match by chance."""

    unknown_payment_id: str = "5a1d2c4e-0000-4000-8000-000000000000"
    """A well-formed payment id the provider has never issued (a UUID by default)."""

    idempotency_store: Callable[[], IdempotencyStore] | None = None
    """A store for each facade the kit builds, to run the scenarios over a store of
    your own (a durable one, say) instead of each facade's in-memory default."""

    journal: Callable[[], Any] | None = None
    """A journal (or its URL) for each facade the kit builds, to run every scenario
    with durable state: the journal's idempotency store, callback inbox, payment
    states and shared token cache. ``idempotency_store``, when also given, wins."""

    skip: Mapping[str, str] = field(default_factory=dict)
    """Scenario name -> reason, for what a test set-up cannot do at all (a sandbox
    that cannot decline a card). Scenarios that do not apply to what the provider
    declares are skipped without it. A skip shows in the test report with its
    reason; an unknown name is an error."""

    def __post_init__(self) -> None:
        for name in ("make_provider", "customer_pays"):
            if not callable(getattr(self, name)):
                raise TypeError(f"ConformanceTarget.{name} must be callable")
        for name in ("transport", "async_transport", "webhook_for", "idempotency_store", "journal"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"ConformanceTarget.{name} must be callable or None")
        if not isinstance(self.unknown_payment_id, str) or not self.unknown_payment_id:
            raise TypeError("ConformanceTarget.unknown_payment_id must be a non-empty str")

    def secret_values(self) -> list[str]:
        """The extra secrets as a list (calling ``secrets`` when it is a callable)."""
        values = self.secrets() if callable(self.secrets) else self.secrets
        return [value for value in values if isinstance(value, str) and value]
