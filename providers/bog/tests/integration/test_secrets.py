"""No secret leaks anywhere observable during a whole life against the emulator.

Everything is logged at DEBUG (root logger) and a plugin records every hook payload.
The client secret, the Basic credentials of the token request and every access token
the emulator issued (watched on the wire) must appear in none of: the log text and
records, the hook payloads' reprs, the errors raised on the way (message, repr,
``to_dict``, causes) and the reprs of the facade, provider, auth and settings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from payments_bog.sandbox import BogSandbox, Fault

from payments_core import (
    AuthenticationError,
    CaptureMode,
    InvalidStateError,
    Money,
    NotFoundError,
    PaymentError,
    PaymentRequest,
    ProviderUnavailableError,
    WebhookVerificationError,
    hookimpl,
)

from .conftest import (
    CARD_OK,
    CLIENT_ID,
    CLIENT_SECRET,
    IN_PROCESS,
    CallbackReceiver,
    Delivery,
    Shop,
    basic_credentials,
    paid,
)

Checkout = Callable[..., PaymentRequest]

WRONG_SECRET = "Wr0ng-S3cret-Nobody-Should-See"
TOKEN_PATH_END = "/openid-connect/token"


class TokenWitness:
    """Wraps a client's transport and keeps every access token the token endpoint sent."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def _keep(self, request: httpx.Request, status: int, body: bytes) -> None:
        if request.url.path.endswith(TOKEN_PATH_END) and status == 200:
            self.tokens.append(json.loads(body)["access_token"])

    def wrap(self, inner: Any) -> Any:
        witness = self
        if isinstance(inner, httpx.AsyncBaseTransport):

            class AsyncWatch(httpx.AsyncBaseTransport):
                async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                    response = await inner.handle_async_request(request)
                    body = await response.aread()
                    witness._keep(request, response.status_code, body)
                    return httpx.Response(
                        response.status_code, headers=response.headers, content=body
                    )

                async def aclose(self) -> None:
                    await inner.aclose()

            return AsyncWatch()

        class SyncWatch(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = inner.handle_request(request)
                body = response.read()
                witness._keep(request, response.status_code, body)
                return httpx.Response(response.status_code, headers=response.headers, content=body)

            def close(self) -> None:
                inner.close()

        return SyncWatch()


class HookRecorder:
    """A plugin keeping the repr (and str) of every payload of every hook."""

    def __init__(self) -> None:
        self.payloads: list[str] = []

    def _keep(self, *values: Any) -> None:
        for value in values:
            self.payloads += [repr(value), str(value)]
            if hasattr(value, "model_dump"):
                self.payloads.append(repr(value.model_dump()))
            if isinstance(value, PaymentError):
                self.payloads.append(repr(value.to_dict()))

    @hookimpl
    def payments_before_operation(
        self, operation: str, provider: str, gateway: str, request: Any
    ) -> None:
        self._keep(operation, provider, gateway, request)

    @hookimpl
    def payments_after_operation(
        self, operation: str, provider: str, gateway: str, result: Any
    ) -> None:
        self._keep(operation, provider, gateway, result)

    @hookimpl
    def payments_operation_failed(
        self, operation: str, provider: str, gateway: str, error: PaymentError
    ) -> None:
        self._keep(operation, provider, gateway, error)

    @hookimpl
    def payments_payment_updated(self, payment: Any, source: str) -> None:
        self._keep(payment, source)

    @hookimpl
    def payments_webhook_received(self, event: Any) -> None:
        self._keep(event)

    @hookimpl
    def payments_http_request(self, request: Any) -> None:
        self._keep(request, dict(request.headers))

    @hookimpl
    def payments_http_response(self, request: Any, status_code: int, elapsed: float) -> None:
        self._keep(request, status_code, elapsed)


def error_texts(error: BaseException) -> Iterator[str]:
    """Everything an error shows: message, repr, to_dict, and the same for its causes."""
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        yield repr(seen.args)
        if isinstance(seen, PaymentError):
            yield repr(seen.to_dict())
        seen = seen.__cause__ or seen.__context__


def secrets_to_find(tokens: list[str]) -> dict[str, str]:
    found = {
        "client secret": CLIENT_SECRET,
        "client secret, form-encoded": quote(CLIENT_SECRET, safe=""),
        "Basic credentials": basic_credentials(),
        "wrong client secret": WRONG_SECRET,
        "wrong Basic credentials": basic_credentials(CLIENT_ID, WRONG_SECRET),
    }
    for number, token in enumerate(tokens, 1):
        _, claims, signature = token.split(".")
        found[f"access token {number}"] = token
        found[f"access token {number} claims"] = claims
        found[f"access token {number} signature"] = signature
    return found


@pytest.mark.parametrize("route", ["async", "sync", "loopback-sync", "loopback-async"])
async def test_no_secret_reaches_logs_hook_payloads_errors_or_reprs(
    route: str,
    connect: Callable[..., Shop],
    sandbox: BogSandbox,
    receiver: CallbackReceiver,
    checkout: Checkout,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: whatever any library logs
    witness = TokenWitness()
    recorder = HookRecorder()
    shop = connect(route, wrap=witness.wrap)
    shop.payments.register_plugin(recorder)
    errors: list[PaymentError] = []

    async def expect_failure(kind: type[PaymentError], call: Any) -> None:
        with pytest.raises(kind) as raised:
            await call
        errors.append(raised.value)

    # a whole life, with a token revoked early so that two tokens are issued
    sandbox.add_fault(Fault("create_order", "token_revoked"))
    payment = await paid(shop, sandbox, checkout, provider_options={"save_card": "subscription"})
    delivery = receiver.wait_for(payment.id, "completed")
    await shop.parse_webhook(delivery)
    await shop.get_payment(payment.id)
    await shop.refund(payment.id, Money("7.50", "GEL"))
    await shop.charge_subscription(payment.id)
    await shop.refund(payment.id)
    held = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    await shop.capture(held.id, Money("20.00", "GEL"))
    voided = await paid(shop, sandbox, checkout, capture=CaptureMode.MANUAL)
    await shop.void(voided.id)

    # and the ways it fails
    await expect_failure(InvalidStateError, shop.refund(payment.id))
    await expect_failure(NotFoundError, shop.get_payment("5a1d2c4e-0000-4000-8000-000000000000"))
    sandbox.add_fault(Fault("create_order", "error", times=None))
    await expect_failure(ProviderUnavailableError, shop.create_payment(checkout()))
    sandbox.clear_faults()
    forged = Delivery("POST", delivery.path, delivery.headers, delivery.body + b" ")
    with pytest.raises(WebhookVerificationError) as refused:
        await shop.parse_webhook(forged)
    errors.append(refused.value)
    intruder = connect(route, client_secret=WRONG_SECRET)
    await expect_failure(AuthenticationError, intruder.get_payment(payment.id))

    assert len(witness.tokens) == 2, "the test needs the tokens it scans for"
    assert any(r.name == "payments_core.http" for r in caplog.records), "no DEBUG HTTP logs"
    assert recorder.payloads
    assert len(errors) == 5
    observed = {
        "log text": caplog.text,
        "log records": "\n".join(repr(vars(record)) for record in caplog.records),
        "hook payloads": "\n".join(recorder.payloads),
        "errors": "\n".join(text for error in errors for text in error_texts(error)),
        "reprs": "\n".join(
            repr(thing)
            for facade in (shop.payments, intruder.payments)
            for thing in (
                facade,
                facade.provider,
                facade.provider.auth,
                facade.provider.settings,
                str(facade.provider.settings),
            )
        ),
    }
    leaks = [
        f"{secret_name} in {where}"
        for secret_name, secret in secrets_to_find(witness.tokens).items()
        for where, text in observed.items()
        if secret in text
    ]
    assert leaks == []
    assert CARD_OK not in "\n".join(observed.values())  # nor the full card number


async def test_a_google_pay_token_never_reaches_hook_payloads_or_reprs(
    sandbox: BogSandbox, connect: Callable[..., Shop], checkout: Callable[..., PaymentRequest]
) -> None:
    token = "GPAY-TOKEN-4000000000000001-secret"
    seen: list[str] = []

    class Recorder:
        @hookimpl
        def payments_before_operation(self, request: object) -> None:
            seen.append(repr(request) + str(getattr(request, "provider_options", "")))

    shop = connect(IN_PROCESS[0])
    shop.payments.register_plugin(Recorder())
    request = checkout(
        payment_methods=["google_pay"],
        provider_options={"google_pay_external": True, "google_pay_token": token},
    )
    await shop.create_payment(request)
    assert seen
    assert all(token not in text for text in seen)
    assert token not in repr(request)
