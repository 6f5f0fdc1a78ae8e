"""The dummy provider: every capability, in memory, with outcomes a test can choose.

A shop's own test suite drives it in two ways:

* up front, through ``provider_options`` on the request: ``{"outcome": "decline",
  "decline_code": "insufficient_funds"}`` applies the customer's choice at once
  (outcomes: ``succeed``, ``decline``, ``expire``, ``pending``);
* later, as the customer on the hosted page would:
  ``payments.provider.complete(payment_id, "decline", decline_code="card_expired")``.

Without either, a payment waits in ``pending`` until completed or until
``expires_in`` passes. Webhooks are signed with HMAC-SHA256 over the raw body
(header ``X-Dummy-Signature: sha256=<hex>``); :meth:`DummyProvider.webhook_for`
builds one so tests exercise ``parse_webhook`` like a real callback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from payments_core import (
    Capability,
    DeclineCode,
    ErrorCode,
    Flow,
    InvalidRequestError,
    Money,
    Operation,
    Payment,
    PaymentProvider,
    PaymentRequest,
    ProviderSettings,
    WebhookEvent,
    WebhookVerificationError,
)
from payments_core.validation import findings
from payments_dummy.store import DummyStore, get_store, now_utc

__all__ = ["DummyOptions", "DummyProvider", "DummySettings"]

T = TypeVar("T")

SIGNATURE_HEADER = "X-Dummy-Signature"
Outcome = Literal["succeed", "decline", "expire", "pending"]


class DummySettings(ProviderSettings):
    """Settings of the dummy provider; all have defaults, so ``Payments("dummy")`` works."""

    webhook_secret: SecretStr = SecretStr("dummy-webhook-secret")
    """HMAC key for webhook signatures."""
    store: str = "default"
    """Name of the in-memory store; gateways with the same name share payments."""
    hosted_page_url: str = "https://dummy.invalid/pay"
    """Base of the redirect URL returned for the customer's step."""


class DummyOptions(BaseModel):
    """``provider_options`` the dummy understands: the customer's choice, made up front."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome | None = None
    decline_code: DeclineCode = DeclineCode.GENERIC_DECLINE


def _result(compute: Callable[[], T]) -> Flow[T]:
    """A flow that sends no request: the dummy keeps everything in memory."""
    return compute()
    yield  # pragma: no cover - makes this function a generator


class DummyProvider(PaymentProvider):
    """An in-memory gateway with every capability. See the module docs for outcomes."""

    name = "dummy"
    settings_model = DummySettings
    capabilities = frozenset(Capability)
    honours_idempotency_keys = True
    env_prefix = "DUMMY_"

    settings: DummySettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.clock: Callable[[], datetime] = now_utc
        """Current time; tests replace it to make payments expire."""

    @property
    def store(self) -> DummyStore:
        return get_store(self.settings.store)

    # -- flows ------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        options = self._options(request.provider_options)

        def create() -> Payment:
            payment = self.store.create(request, self.settings.hosted_page_url, self.clock())
            if options.outcome is not None:
                payment = self.store.complete(
                    payment.id, options.outcome, options.decline_code, self.clock()
                )
            return payment

        return _result(create)

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        return _result(lambda: self.store.get(payment_id, self.clock()))

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        return _result(lambda: self.store.refund(payment_id, amount, idempotency_key, self.clock()))

    def capture(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        return _result(
            lambda: self.store.capture(payment_id, amount, idempotency_key, self.clock())
        )

    def void(self, payment_id: str, *, idempotency_key: str) -> Flow[Operation]:
        return _result(lambda: self.store.void(payment_id, idempotency_key, self.clock()))

    # -- the customer's step, for tests and the demo --------------------------------------

    def complete(
        self,
        payment_id: str,
        outcome: Outcome = "succeed",
        *,
        decline_code: DeclineCode = DeclineCode.GENERIC_DECLINE,
    ) -> Payment:
        """Act as the customer on the hosted page: pay, fail, walk away, or stall."""
        return self.store.complete(payment_id, outcome, decline_code, self.clock())

    # -- webhooks ------------------------------------------------------------------------

    def _sign(self, body: bytes) -> str:
        key = self.settings.webhook_secret.get_secret_value().encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    def webhook_for(self, payment_id: str) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of a signed callback carrying the payment's current state."""
        payment = self.store.get(payment_id, self.clock())
        envelope = {
            "id": f"devt_{uuid.uuid4().hex[:24]}",
            "type": "payment.updated",
            "created_at": self.clock().isoformat(),
            "payment": payment.model_dump(mode="json", exclude={"raw"}),
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: self._sign(body)}
        return headers, body

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signature = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower())
        if not signature:
            raise WebhookVerificationError(
                f"the callback has no {SIGNATURE_HEADER} header", provider=self.name
            )
        if not hmac.compare_digest(signature.strip(), self._sign(body)):
            raise WebhookVerificationError(
                "the callback's signature does not match its body", provider=self.name
            )
        try:
            envelope = json.loads(body)
            payment = Payment.model_validate(envelope["payment"])
            return WebhookEvent(
                id=str(envelope["id"]),
                provider=self.name,
                type=str(envelope["type"]),
                payment=payment,
                received_at=self.clock(),
                occurred_at=datetime.fromisoformat(envelope["created_at"]),
                raw=envelope,
            )
        except (ValueError, KeyError, TypeError, InvalidRequestError) as exc:
            raise WebhookVerificationError(
                f"the signed callback is not a dummy event ({type(exc).__name__})",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.name,
            ) from None

    # -- helpers ---------------------------------------------------------------------------

    def _options(self, raw: Mapping[str, object]) -> DummyOptions:
        try:
            return DummyOptions.model_validate(raw)
        except ValidationError as exc:
            fields = ", ".join(f.field for f in findings(exc, what="provider_options"))
            raise InvalidRequestError(
                f"invalid provider_options for dummy: {fields}",
                field="provider_options",
                provider=self.name,
            ) from None
