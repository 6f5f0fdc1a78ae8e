"""Callbacks: signature over the raw bytes first, then the event."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from payments_bog import BogProvider

from payments_core import ErrorCode, Money, PaymentStatus, WebhookVerificationError

# F11, byte for byte
F11 = (
    '{"event":"order_payment","zoned_request_time":"2022-11-23T18:06:37.240559Z",'
    '"body":{"order_id":"bog-completed-1","external_order_id":"ORD-1001","capture":"automatic",'
    '"order_status":{"key":"completed","value":"გადახდილი"},"purchase_units":'
    '{"request_amount":"10.90","transfer_amount":"10.90","refund_amount":"0.0",'
    '"currency_code":"GEL"},"payment_detail":{"transfer_method":{"key":"card",'
    '"value":"ბარათით გადახდა"},"transaction_id":"230513868679","code":"100",'
    '"code_description":"Successful payment","payment_option":"direct_debit","card_type":"mc"},'
    '"reject_reason":null}}'
).encode()


@pytest.fixture
def signed(bog_keys: Any) -> dict[str, str]:
    return {"Callback-Signature": bog_keys.sign(F11), "Content-Type": "application/json"}


def test_signed_callback_becomes_a_webhook_event(
    provider: BogProvider, signed: dict[str, str]
) -> None:
    event = provider.parse_webhook(signed, F11)

    assert event.provider == "bog"
    assert event.type == "order_payment"
    assert event.occurred_at == datetime(2022, 11, 23, 18, 6, 37, 240559, tzinfo=UTC)
    assert event.received_at.tzinfo is not None
    assert event.payment.id == "bog-completed-1"
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.captured_amount == Money("10.90", "GEL")
    assert event.payment.provider_transaction_id == "230513868679"


def test_event_id_is_the_sha256_of_the_raw_body_so_repeats_dedupe(
    provider: BogProvider, signed: dict[str, str]
) -> None:
    first = provider.parse_webhook(signed, F11)
    again = provider.parse_webhook(signed, F11)

    assert first.id == again.id == hashlib.sha256(F11).hexdigest()


def test_partial_refund_callback_reports_partially_refunded(
    provider: BogProvider, bog_keys: Any
) -> None:
    body = (
        F11.replace(b'"key":"completed"', b'"key":"refunded_partially"')
        .replace(b'"transfer_amount":"10.90"', b'"transfer_amount":"5.40"')
        .replace(b'"refund_amount":"0.0"', b'"refund_amount":"5.50"')
    )

    event = provider.parse_webhook({"Callback-Signature": bog_keys.sign(body)}, body)

    assert event.payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert event.payment.refunded_amount == Money("5.50", "GEL")


def test_header_name_is_case_insensitive(provider: BogProvider, bog_keys: Any) -> None:
    event = provider.parse_webhook({"callback-signature": bog_keys.sign(F11)}, F11)

    assert event.type == "order_payment"


def test_url_encoded_signature_from_a_proxy_is_accepted(
    provider: BogProvider, bog_keys: Any
) -> None:
    signature = bog_keys.sign(F11)
    encoded = quote(signature, safe="")
    assert encoded != signature

    event = provider.parse_webhook({"Callback-Signature": encoded}, F11)

    assert event.payment.id == "bog-completed-1"


def test_signature_whose_plus_signs_became_spaces_is_accepted(
    provider: BogProvider, bog_keys: Any
) -> None:
    # Trailing whitespace keeps the JSON valid; find a body whose signature has a '+'.
    body, signature = next(
        (candidate, sig)
        for candidate in (F11 + b" " * n for n in range(1000))
        if "+" in (sig := bog_keys.sign(candidate)).strip("+")
    )

    event = provider.parse_webhook({"Callback-Signature": signature.replace("+", " ")}, body)

    assert event.payment.id == "bog-completed-1"


def test_tampered_body_is_refused(provider: BogProvider, signed: dict[str, str]) -> None:
    tampered = F11.replace(b'"10.90"', b'"1090.0"')

    with pytest.raises(WebhookVerificationError) as raised:
        provider.parse_webhook(signed, tampered)

    assert raised.value.code is ErrorCode.WEBHOOK_SIGNATURE_INVALID


def test_reserialized_body_is_refused(provider: BogProvider, signed: dict[str, str]) -> None:
    import json

    reserialized = json.dumps(json.loads(F11)).encode()

    with pytest.raises(WebhookVerificationError):
        provider.parse_webhook(signed, reserialized)


def test_signature_made_with_another_key_is_refused(provider: BogProvider, other_keys: Any) -> None:
    with pytest.raises(WebhookVerificationError):
        provider.parse_webhook({"Callback-Signature": other_keys.sign(F11)}, F11)


def test_missing_signature_is_refused(provider: BogProvider) -> None:
    with pytest.raises(WebhookVerificationError, match="no Callback-Signature"):
        provider.parse_webhook({"Content-Type": "application/json"}, F11)


@pytest.mark.parametrize("value", ["", "   ", "not base64!!", "%%%", "A" * 5000, "QUJD"])
def test_malformed_signature_is_refused(provider: BogProvider, value: str) -> None:
    with pytest.raises(WebhookVerificationError):
        provider.parse_webhook({"Callback-Signature": value}, F11)


def test_unverified_body_is_never_parsed(provider: BogProvider, other_keys: Any) -> None:
    garbage = b"\xff not json at all"

    with pytest.raises(WebhookVerificationError) as raised:
        provider.parse_webhook({"Callback-Signature": other_keys.sign(garbage)}, garbage)

    assert raised.value.code is ErrorCode.WEBHOOK_SIGNATURE_INVALID


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"event":"order_payment"}', b'{"event":"x","body":{"no":"id"}}'],
)
def test_signed_body_that_is_not_a_bog_event_is_malformed(
    provider: BogProvider, bog_keys: Any, body: bytes
) -> None:
    with pytest.raises(WebhookVerificationError) as raised:
        provider.parse_webhook({"Callback-Signature": bog_keys.sign(body)}, body)

    assert raised.value.code is ErrorCode.WEBHOOK_MALFORMED


def test_production_callbacks_are_checked_with_bogs_production_key_by_default(
    other_keys: Any,
) -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x")

    with pytest.raises(WebhookVerificationError):
        provider.parse_webhook({"Callback-Signature": other_keys.sign(F11)}, F11)


def test_disabled_verification_accepts_unsigned_callbacks_with_a_warning_each_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x", verify_callbacks=False)

    with caplog.at_level(logging.WARNING, logger="payments_bog"):
        provider.parse_webhook({}, F11)
        provider.parse_webhook({}, F11)

    warnings = [r for r in caplog.records if "WITHOUT signature verification" in r.message]
    assert len(warnings) == 2


def test_signature_is_checked_over_bytes_not_text(provider: BogProvider, bog_keys: Any) -> None:
    signature = base64.b64decode(bog_keys.sign(F11))
    url_safe = base64.urlsafe_b64encode(signature).decode().rstrip("=")

    event = provider.parse_webhook({"Callback-Signature": url_safe}, F11)

    assert event.payment.id == "bog-completed-1"
