"""What leaves the driver has passed redaction, and callbacks are flows on both facades.

A small gateway stands in for one like TBC: an ``apikey`` header on every call,
receipts that may carry a full card number and a wallet token, and unsigned
callbacks that carry only an id, verified by reading the payment back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    Capability,
    ErrorCode,
    Money,
    NotFoundError,
    Payment,
    PaymentProvider,
    PaymentRequest,
    Payments,
    PaymentStatus,
    ProviderSettings,
    WebhookEvent,
    WebhookVerificationError,
    hookimpl,
)
from payments_core.models import LineItem
from payments_core.provider import Flow

BASE = "https://readback.test"
_NOW = datetime(2026, 1, 1, tzinfo=UTC)
PAN = "4111111111111111"
WALLET = "wallet-token-secret-77"
API_KEY = "app-key-secret-42"


class ReadBackSettings(ProviderSettings):
    pass


class ReadBackProvider(PaymentProvider):
    name = "readback"
    settings_model = ReadBackSettings
    honours_idempotency_keys = False
    sensitive_fields = frozenset({"walletToken"})
    sensitive_options = frozenset({"wallet_token"})
    capabilities = frozenset({Capability.CREATE, Capability.RETRIEVE, Capability.WEBHOOKS})

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "apikey": API_KEY}
        return super().build_request(method, url, **kwargs)

    def _payment(self, data: Mapping[str, Any]) -> Payment:
        return Payment(
            id=data["id"],
            provider=self.name,
            status=PaymentStatus(data["status"]),
            amount=Money(data["amount"], "GEL"),
            raw=dict(data),
        )

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        response = yield self.build_request("POST", f"{BASE}/payments", json={})
        return self._payment(response.json())

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        response = yield self.build_request("GET", f"{BASE}/payments/{payment_id}")
        return self._payment(response.json())

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        if remote_addr is not None and remote_addr != "10.9.8.7":
            raise WebhookVerificationError("callback from an unknown address")
        payment_id = json.loads(body)["PaymentId"]
        try:
            payment = yield from self.get_payment(payment_id)
        except NotFoundError:
            raise WebhookVerificationError(
                "the gateway does not know this payment", code=ErrorCode.WEBHOOK_MALFORMED
            ) from None
        return WebhookEvent(
            id=f"{payment.id}:{payment.status.value}",
            provider=self.name,
            type="payment.updated",
            payment=payment,
            received_at=payment.created_at or _NOW,
        )


STORED = {
    "pay_1": {
        "id": "pay_1",
        "status": "captured",
        "amount": "10.00",
        "card": {"pan": PAN, "walletToken": WALLET},
        "note": f"paid with {PAN}",
    }
}


def gateway(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(200, json=STORED["pay_1"])
    payment_id = request.url.path.rsplit("/", 1)[-1]
    if payment_id not in STORED:
        return httpx.Response(404)
    return httpx.Response(200, json=STORED[payment_id])


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def payments_before_operation(self, request: object) -> None:
        self.seen.append(repr(request) + str(getattr(request, "provider_options", "")))

    @hookimpl
    def payments_after_operation(self, result: object) -> None:
        self.seen.append(repr(result) + str(getattr(result, "raw", "")))

    @hookimpl
    def payments_http_request(self, request: object) -> None:
        self.seen.append(repr(request))

    @hookimpl
    def payments_payment_updated(self, payment: Payment) -> None:
        self.seen.append(str(payment.raw))


def sync_facade(recorder: Recorder) -> Payments:
    return Payments(
        ReadBackProvider.from_settings(),
        http_client=httpx.Client(transport=httpx.MockTransport(gateway)),
        autoload_plugins=False,
        plugins=[recorder],
    )


def request_with_wallet() -> PaymentRequest:
    return PaymentRequest(
        external_id="o-1",
        amount=Money("10.00", "GEL"),
        items=[LineItem(product_id="sku", quantity=1, unit_price=Money("10.00", "GEL"))],
        callback_url="https://shop.example/cb",
        provider_options={"wallet_token": WALLET},
    )


def test_a_full_card_number_in_raw_is_masked_before_the_caller_sees_it() -> None:
    with sync_facade(Recorder()) as payments:
        payment = payments.get_payment("pay_1")
    assert payment.raw is not None
    assert PAN not in json.dumps(payment.raw)
    assert payment.raw["card"]["pan"] == "411111******1111"


def test_declared_payload_fields_are_removed_from_raw() -> None:
    with sync_facade(Recorder()) as payments:
        payment = payments.get_payment("pay_1")
    assert payment.raw is not None
    assert "walletToken" not in payment.raw["card"]


def test_hooks_see_no_api_key_card_number_or_wallet_token() -> None:
    recorder = Recorder()
    with sync_facade(recorder) as payments:
        payments.create_payment(request_with_wallet())
        payments.get_payment("pay_1")
        payments.run_flow(
            "custom_charge", request_with_wallet(), payments.provider.get_payment("pay_1")
        )
    text = "\n".join(recorder.seen)
    # before, http_request, after and updated for the create and the read; the custom
    # flow's before, http_request and after: every hook had something to leak
    assert len(recorder.seen) == 11
    for secret in (API_KEY, PAN, WALLET):
        assert secret not in text


def test_run_flow_keyed_by_its_request_repeats_the_first_outcome() -> None:
    with sync_facade(Recorder()) as payments:
        request = request_with_wallet()
        first = payments.run_flow("custom", request, payments.provider.get_payment("pay_1"))
        again = payments.run_flow("custom", request, payments.provider.get_payment("pay_1"))
    assert again == first


def test_a_read_back_callback_trusts_only_the_gateways_answer_sync() -> None:
    body = json.dumps({"PaymentId": "pay_1", "status": "refunded"}).encode()
    with sync_facade(Recorder()) as payments:
        event = payments.parse_webhook({}, body, remote_addr="10.9.8.7")
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.id == "pay_1:captured"


async def test_a_read_back_callback_trusts_only_the_gateways_answer_async() -> None:
    body = json.dumps({"PaymentId": "pay_1"}).encode()
    async with AsyncPayments(
        ReadBackProvider.from_settings(),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(gateway)),
        autoload_plugins=False,
    ) as payments:
        event = await payments.parse_webhook({}, body)
    assert event.payment.status is PaymentStatus.CAPTURED


def test_a_callback_for_an_unknown_payment_is_refused() -> None:
    body = json.dumps({"PaymentId": "pay_404"}).encode()
    with (
        sync_facade(Recorder()) as payments,
        pytest.raises(WebhookVerificationError, match="does not know this payment") as refused,
    ):
        payments.parse_webhook({}, body)
    assert refused.value.code is ErrorCode.WEBHOOK_MALFORMED


def test_a_callback_from_an_unknown_address_is_refused_before_any_request() -> None:
    calls: list[httpx.Request] = []

    def counting(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return gateway(request)

    body = json.dumps({"PaymentId": "pay_1"}).encode()
    with (
        Payments(
            ReadBackProvider.from_settings(),
            http_client=httpx.Client(transport=httpx.MockTransport(counting)),
            autoload_plugins=False,
        ) as payments,
        pytest.raises(WebhookVerificationError, match="unknown address"),
    ):
        payments.parse_webhook({}, body, remote_addr="203.0.113.9")
    assert calls == []


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"Other": 1}'])
def test_a_malformed_callback_is_a_typed_refusal(body: bytes) -> None:
    with (
        sync_facade(Recorder()) as payments,
        pytest.raises(WebhookVerificationError, match="could not read the callback") as refused,
    ):
        payments.parse_webhook({}, body)
    assert refused.value.code is ErrorCode.WEBHOOK_MALFORMED


def test_every_callback_is_logged_with_its_event_and_payment_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = json.dumps({"PaymentId": "pay_1"}).encode()
    with caplog.at_level("INFO", logger="payments_core"), sync_facade(Recorder()) as payments:
        payments.parse_webhook({}, body)
    (line,) = [r for r in caplog.records if r.getMessage().startswith("callback ")]
    assert "event_id=pay_1:captured" in line.getMessage()
    assert "payment_id=pay_1" in line.getMessage()
    assert line.__dict__["event_id"] == "pay_1:captured"


def test_a_refused_callback_is_logged_as_a_warning_without_its_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = json.dumps({"PaymentId": "pay_404", "secret": WALLET}).encode()
    with (
        caplog.at_level("INFO", logger="payments_core"),
        sync_facade(Recorder()) as payments,
        pytest.raises(WebhookVerificationError),
    ):
        payments.parse_webhook({}, body)
    refused = [r for r in caplog.records if "callback refused" in r.getMessage()]
    assert len(refused) == 1
    assert refused[0].levelname == "WARNING"
    assert WALLET not in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111111111111111", "411111******1111"),
        ("card 5555555555554444, ok", "card 555555******4444, ok"),
        ("f24571388867472985", "f24571388867472985"),  # an id with digits inside
        ("24571388867472985x", "24571388867472985x"),
        ("1700000000001", "1700000000001"),  # a timestamp: fails the Luhn check
    ],
)
def test_only_a_standalone_card_number_is_masked(text: str, masked: str) -> None:
    from payments_core.redact import mask_card_numbers

    assert mask_card_numbers(text) == masked
