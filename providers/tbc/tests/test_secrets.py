"""The api key, the client secret and access tokens never reach logs, reprs, errors or hooks."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from payments_tbc import TbcPayments, TbcProvider, TbcSettings

from payments_core import (
    Money,
    PaymentError,
    Payments,
    hookimpl,
)


class Recorder:
    """A plugin that keeps a repr of every payload every hook receives."""

    def __init__(self) -> None:
        self.payloads: list[str] = []

    def _keep(self, *values: Any) -> None:
        for value in values:
            self.payloads.append(repr(value))
            if isinstance(value, PaymentError):
                self.payloads += [str(value), repr(value.to_dict())]
            headers = getattr(value, "headers", None)
            if headers is not None:
                self.payloads.append(repr(dict(headers)))

    @hookimpl
    def payments_before_operation(self, operation: str, provider: str, gateway: str, request: Any):
        self._keep(request)

    @hookimpl
    def payments_after_operation(self, operation: str, provider: str, gateway: str, result: Any):
        self._keep(result)

    @hookimpl
    def payments_operation_failed(self, operation: str, provider: str, gateway: str, error: Any):
        self._keep(error)

    @hookimpl
    def payments_payment_updated(self, payment: Any, source: str):
        self._keep(payment)

    @hookimpl
    def payments_webhook_received(self, event: Any):
        self._keep(event)

    @hookimpl
    def payments_http_request(self, request: Any):
        self._keep(request)

    @hookimpl
    def payments_http_response(self, request: Any, status_code: int, elapsed: float):
        self._keep(request)


def test_secrets_stay_out_of_everything_observable(
    settings: dict[str, Any], fake_tbc: Any, kit: Any, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    seen: list[str] = []
    client = httpx.Client(transport=httpx.MockTransport(fake_tbc.handler))
    with (
        client,
        Payments(
            "tbc", http_client=client, autoload_plugins=False, plugins=[recorder], **settings
        ) as payments,
    ):
        payment = payments.create_payment(kit.payment_request())
        fake_tbc.pay(payment.id)
        seen += [repr(payments), repr(payments.provider), repr(payments.provider.settings)]
        seen += [repr(payments.provider.auth), repr(payments.get_payment(payment.id))]
        seen.append(repr(payments.refund(payment.id, Money("1.00", "GEL"))))
        event = payments.parse_webhook({}, f'{{"PaymentId": "{payment.id}"}}'.encode())
        seen.append(repr(event))
        fake_tbc.cards.add(kit.REC_ID)
        seen.append(repr(TbcPayments(payments).charge_saved_card(kit.REC_ID, Money("1", "GEL"))))
        # failures: a bank refusal, a lost answer, a refused callback
        failures: list[PaymentError] = []
        for call in (
            lambda: payments.refund(payment.id, Money("999", "GEL")),
            lambda: payments.get_payment("nosuchpayment12345"),
            lambda: payments.parse_webhook({}, b"{}", remote_addr="203.0.113.1"),
        ):
            with pytest.raises(PaymentError) as caught:
                call()
            failures.append(caught.value)
        fake_tbc.inject("POST", "/v1/tpay/payments", httpx.ReadError("reset"))
        with pytest.raises(PaymentError) as lost:
            payments.create_payment(kit.payment_request())
        failures.append(lost.value)
        # a token refused twice: one refresh and one retry, then an AuthenticationError
        refusal = kit.problem(401, "Unauthorized", "Access token is missing or invalid")
        fake_tbc.inject("GET", f"/payments/{payment.id}", refusal, times=2)
        with pytest.raises(PaymentError) as refused:
            payments.get_payment(payment.id)
        failures.append(refused.value)
    for error in failures:
        seen += [str(error), repr(error), repr(error.to_dict()), repr(error.args)]

    issued = [
        r.headers["Authorization"].removeprefix("Bearer ")
        for r in fake_tbc.requests
        if "Authorization" in r.headers
    ]
    assert len(set(issued)) >= 2, "the test should have used (and refreshed) tokens"
    everything = "\n".join([caplog.text, *recorder.payloads, *seen])
    assert recorder.payloads
    assert caplog.text
    for secret in {kit.API_KEY, kit.CLIENT_SECRET, *issued}:
        assert secret not in everything


def test_settings_and_provider_reprs_hide_the_credentials(settings: dict[str, Any], kit: Any):
    parsed = TbcSettings(**settings)
    provider = TbcProvider(parsed)
    for text in (repr(parsed), str(parsed), repr(provider), repr(provider.auth)):
        assert kit.API_KEY not in text
        assert kit.CLIENT_SECRET not in text
    assert parsed.api_key.get_secret_value() == kit.API_KEY


def test_a_settings_error_does_not_echo_values(settings: dict[str, Any]):
    from payments_core import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        TbcProvider.from_settings({**settings, "api_base_url": "http://evil.example/?k=s3cr3t"})
    assert "s3cr3t" not in str(caught.value)
