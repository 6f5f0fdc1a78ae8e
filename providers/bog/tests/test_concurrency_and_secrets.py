"""A cold token cache under a herd, and secrets kept out of everything observable."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from payments_bog import AsyncBogPayments, BogProvider

from payments_core import (
    AsyncPayments,
    AuthenticationError,
    CaptureMode,
    Money,
    PaymentError,
    Payments,
    hookimpl,
)


async def test_two_hundred_concurrent_creates_on_a_cold_cache_fetch_one_token(
    settings: dict[str, Any], fake_bog: Any, order_request: Any
) -> None:
    fake_bog.token_delay = 0.05  # keep the first token request in flight while others arrive
    provider = BogProvider.from_settings(settings)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake_bog.async_handler))

    async with AsyncPayments(provider, http_client=client, autoload_plugins=False) as payments:
        payments_made = await asyncio.gather(
            *(
                payments.create_payment(
                    order_request(external_id=f"ORD-{n}", idempotency_key=f"key-{n}")
                )
                for n in range(200)
            )
        )
    await client.aclose()

    token_requests = [r for r in fake_bog.requests if r.url.path.endswith("/token")]
    assert len(token_requests) == 1
    assert len({payment.id for payment in payments_made}) == 200


class Recorder:
    """A plugin that keeps a repr of every payload every hook receives."""

    def __init__(self) -> None:
        self.payloads: list[str] = []

    def _keep(self, *values: Any) -> None:
        self.payloads.extend(repr(value) for value in values)
        for value in values:
            if isinstance(value, PaymentError):
                self.payloads.append(str(value))
                self.payloads.append(repr(value.to_dict()))

    @hookimpl
    def payments_before_operation(self, operation: str, request: Any) -> None:
        self._keep(operation, request)

    @hookimpl
    def payments_after_operation(self, operation: str, result: Any) -> None:
        self._keep(operation, result)

    @hookimpl
    def payments_operation_failed(self, operation: str, error: PaymentError) -> None:
        self._keep(operation, error)

    @hookimpl
    def payments_payment_updated(self, payment: Any, source: str) -> None:
        self._keep(payment, payment.model_dump(), source)

    @hookimpl
    def payments_webhook_received(self, event: Any) -> None:
        self._keep(event)

    @hookimpl
    def payments_http_request(self, request: Any) -> None:
        self._keep(request, dict(request.headers))

    @hookimpl
    def payments_http_response(self, request: Any, status_code: int) -> None:
        self._keep(request, status_code)


async def test_no_secret_reaches_logs_reprs_errors_or_hook_payloads(
    settings: dict[str, Any],
    fake_bog: Any,
    order_request: Any,
    caplog: pytest.LogCaptureFixture,
    basic: Any,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: everything any library logs
    recorder = Recorder()
    provider = BogProvider.from_settings(settings)
    errors: list[PaymentError] = []
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake_bog.async_handler))

    async with AsyncPayments(
        provider, http_client=client, plugins=[recorder], autoload_plugins=False
    ) as payments:
        bog = AsyncBogPayments(payments)
        created = await payments.create_payment(
            order_request(provider_options={"save_card": "subscription"})
        )
        fake_bog.pay(created.id)
        await payments.get_payment(created.id)
        await payments.refund(created.id, Money("1.00", "GEL"))
        await bog.charge_subscription(created.id)
        headers, body = fake_bog.callback(created.id)
        await payments.parse_webhook(headers, body)
        manual = await payments.create_payment(
            order_request(capture=CaptureMode.MANUAL, idempotency_key="manual-1")
        )
        fake_bog.pay(manual.id)
        await payments.capture(manual.id)
        for failing in (
            payments.refund(created.id, Money("999.00", "GEL")),
            payments.get_payment("5a1d2c4e-0000-4000-8000-000000000000"),
        ):
            try:
                await failing
            except PaymentError as exc:
                errors.append(exc)
        fake_bog.tokens.clear()  # BOG forgets the token: the next call gets 401 and refreshes
        await payments.get_payment(created.id)
    await client.aclose()

    wrong = BogProvider.from_settings(
        settings, client_secret="another-" + settings["client_secret"]
    )
    sync_client = httpx.Client(transport=httpx.MockTransport(fake_bog.handler))
    with (
        Payments(wrong, http_client=sync_client, autoload_plugins=False) as bad,
        pytest.raises(AuthenticationError) as refused,
    ):
        bad.get_payment(created.id)
    errors.append(refused.value)

    secret = settings["client_secret"]
    observed = [
        caplog.text,
        *(record.getMessage() for record in caplog.records),
        *(repr(record.__dict__) for record in caplog.records),
        *recorder.payloads,
        repr(provider),
        repr(provider.settings),
        str(provider.settings),
        repr(provider.settings.model_dump()),
        repr(provider.auth),
        repr(payments),
        *(repr(e) for e in errors),
        *(str(e) for e in errors),
        *(repr(e.to_dict()) for e in errors),
    ]
    forbidden = [secret, basic("10001", secret), *fake_bog.issued]
    assert len(fake_bog.issued) == 2
    assert len(errors) == 3
    assert any("idempotency-key" in payload.lower() for payload in recorder.payloads)
    for value in forbidden:
        for text in observed:
            assert value not in text
