"""Lifecycle hooks: a veto stops an operation before sending; observers never break one."""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    NotFoundError,
    Operation,
    OperationRequest,
    OperationVetoedError,
    Payment,
    PaymentError,
    PaymentRequest,
    Payments,
    WebhookEvent,
    WebhookVerificationError,
    hookimpl,
)
from payments_core.hooks import Hooks
from payments_core.redact import REDACTED, HttpExchange
from payments_core.registry import ProviderRegistry
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY_URL,
    FakeGateway,
    TempDistributions,
    sign_webhook,
)


@dataclass
class Recorder:
    """A plugin that records every hook call."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def args(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]

    @hookimpl
    def payments_before_operation(
        self, operation: str, provider: str, gateway: str, request: Any
    ) -> None:
        self.calls.append(
            (
                "before",
                {
                    "operation": operation,
                    "provider": provider,
                    "gateway": gateway,
                    "request": request,
                },
            )
        )

    @hookimpl
    def payments_after_operation(self, operation: str, result: Any) -> None:
        self.calls.append(("after", {"operation": operation, "result": result}))

    @hookimpl
    def payments_operation_failed(self, operation: str, error: PaymentError) -> None:
        self.calls.append(("failed", {"operation": operation, "error": error}))

    @hookimpl
    def payments_payment_updated(self, payment: Payment, source: str) -> None:
        self.calls.append(("updated", {"payment": payment, "source": source}))

    @hookimpl
    def payments_webhook_received(self, event: WebhookEvent) -> None:
        self.calls.append(("webhook", {"event": event}))

    @hookimpl
    def payments_http_request(self, request: HttpExchange) -> None:
        self.calls.append(("http_request", {"request": request}))

    @hookimpl
    def payments_http_response(
        self, request: HttpExchange, status_code: int, elapsed: float
    ) -> None:
        self.calls.append(
            ("http_response", {"request": request, "status_code": status_code, "elapsed": elapsed})
        )


@pytest.fixture
def recorder(payments: Payments) -> Recorder:
    plugin = Recorder()
    payments.register_plugin(plugin)
    return plugin


# -- order and payloads ---------------------------------------------------------------------


def test_a_successful_create_calls_the_hooks_in_order(
    payments: Payments, recorder: Recorder, payment_request: PaymentRequest
) -> None:
    payment = payments.create_payment(payment_request)
    assert recorder.names() == ["before", "http_request", "http_response", "after", "updated"]
    [before] = recorder.args("before")
    assert before == {
        "operation": "create_payment",
        "provider": "httpgw",
        "gateway": "default",
        "request": payment_request,
    }
    assert recorder.args("after")[0]["result"] == payment
    assert recorder.args("updated")[0] == {"payment": payment, "source": "create"}


def test_get_payment_reports_a_poll(
    payments: Payments, recorder: Recorder, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    payments.get_payment(payment_id)
    [before] = recorder.args("before")
    assert before["request"] == OperationRequest(payment_id=payment_id)
    assert [kw["source"] for kw in recorder.args("updated")] == ["poll"]


def test_refund_hooks_see_the_operation_request_and_result(
    payments: Payments, recorder: Recorder, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    operation = payments.refund(payment_id, idempotency_key="rf-1")
    [before] = recorder.args("before")
    assert before["request"] == OperationRequest(payment_id=payment_id, idempotency_key="rf-1")
    assert recorder.args("after") == [{"operation": "refund", "result": operation}]
    assert isinstance(operation, Operation)
    assert recorder.args("updated") == []


def test_a_failed_operation_is_reported_with_the_error_the_caller_gets(
    payments: Payments, recorder: Recorder
) -> None:
    with pytest.raises(NotFoundError) as caught:
        payments.get_payment("pay_missing")
    assert recorder.args("failed") == [{"operation": "get_payment", "error": caught.value}]
    assert recorder.args("after") == []


def test_http_hooks_see_every_attempt(
    payments: Payments, recorder: Recorder, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(503)
    payments.get_payment(payment_id)
    requests = [kw["request"] for kw in recorder.args("http_request")]
    assert [r.attempt for r in requests] == [1, 2]
    assert [(r.method, r.host, r.path) for r in requests] == [
        ("GET", "gateway.test", f"/payments/{payment_id}")
    ] * 2
    assert [kw["status_code"] for kw in recorder.args("http_response")] == [503, 200]
    assert all(kw["elapsed"] >= 0 for kw in recorder.args("http_response"))


def test_http_hooks_never_see_an_authorization_value(
    payments: Payments, recorder: Recorder, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next(503)  # the retry re-sends a request that already carries a bearer token
    payments.get_payment(payment_id)
    exchanges = [kw["request"] for kw in recorder.args("http_request")]
    assert any("authorization" in {k.lower() for k in e.headers} for e in exchanges)
    for exchange in exchanges:
        for name, value in exchange.headers.items():
            if name.lower() in ("authorization", "cookie"):
                assert value == REDACTED
            assert "Bearer" not in value
            assert CLIENT_SECRET not in value


def test_the_driver_asks_hooks_whether_anyone_watches_http() -> None:
    """Either HTTP hook alone counts: the driver then builds the redacted exchange."""

    class RequestsOnly:
        @hookimpl
        def payments_http_request(self, request: HttpExchange) -> None: ...

    class ResponsesOnly:
        @hookimpl
        def payments_http_response(
            self, request: HttpExchange, status_code: int, elapsed: float
        ) -> None: ...

    hooks = Hooks(autoload=False)
    assert not hooks.has_http_hooks()
    for plugin in (RequestsOnly(), ResponsesOnly()):
        hooks.register(plugin)
        assert hooks.has_http_hooks()
        hooks.unregister(plugin)
        assert not hooks.has_http_hooks()


def test_http_exchange_redacts_credentials_a_provider_sets_itself() -> None:
    request = httpx.Request(
        "POST",
        "https://gateway.test/pay?token=x",
        headers={"Authorization": "Bearer sk_live_1", "X-Api-Key": "k-1", "Accept": "a/b"},
    )
    exchange = HttpExchange.of(request)
    assert exchange.headers["authorization"] == REDACTED
    assert exchange.headers["x-api-key"] == REDACTED
    assert exchange.headers["accept"] == "a/b"
    assert str(exchange) == "POST gateway.test/pay"


# -- veto --------------------------------------------------------------------------------------


class FraudCheck:
    def __init__(self, error: Exception) -> None:
        self.error = error

    @hookimpl
    def payments_before_operation(self, operation: str) -> None:
        raise self.error


def test_a_payment_error_from_before_operation_vetoes_and_passes_through(
    payments: Payments, gateway: FakeGateway, payment_request: PaymentRequest
) -> None:
    refusal = InvalidRequestError("blocked by fraud rules", field="buyer")
    payments.register_plugin(FraudCheck(refusal))
    with pytest.raises(InvalidRequestError) as caught:
        payments.create_payment(payment_request)
    assert caught.value is refusal
    assert gateway.seen == []


def test_any_other_exception_from_before_operation_is_an_operation_vetoed_error(
    payments: Payments, gateway: FakeGateway, payment_request: PaymentRequest
) -> None:
    payments.register_plugin(FraudCheck(RuntimeError("fraud service down")))
    with pytest.raises(OperationVetoedError, match="fraud service down") as caught:
        payments.create_payment(payment_request)
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert caught.value.provider == "httpgw"
    assert gateway.seen == []


async def test_a_veto_stops_an_async_operation_too(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    async_payments.register_plugin(FraudCheck(ValueError("no")))
    payment_id = gateway.add_payment()
    with pytest.raises(
        OperationVetoedError, match="refund was vetoed by a plugin: ValueError"
    ) as caught:
        await async_payments.refund(payment_id)
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.provider == "httpgw"
    assert gateway.seen == []


# -- failing observers -------------------------------------------------------------------------


class BrokenObserver:
    @hookimpl
    def payments_after_operation(self) -> None:
        raise RuntimeError("audit database is down")

    @hookimpl
    def payments_payment_updated(self) -> None:
        raise KeyError("order")

    @hookimpl
    def payments_http_request(self) -> None:
        raise ValueError("metrics")

    @hookimpl
    def payments_http_response(self) -> None:
        raise ValueError("metrics")


def test_a_failing_observer_is_logged_and_the_payment_still_succeeds(
    payments: Payments,
    gateway: FakeGateway,
    payment_request: PaymentRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payments.register_plugin(BrokenObserver())
    recorder = Recorder()
    payments.register_plugin(recorder)
    with caplog.at_level(logging.ERROR, logger="payments_core.hooks"):
        payment = payments.create_payment(payment_request)
    assert payment.redirect_url == f"{GATEWAY_URL}/pay/{payment.id}"
    assert list(gateway.payments) == [payment.id]
    assert len(gateway.api_requests) == 1
    failures = [r for r in caplog.records if r.name == "payments_core.hooks"]
    assert len(failures) == 4
    assert any("audit database is down" in (r.exc_text or "") for r in failures)
    # the other plugin still heard about everything
    assert recorder.names() == ["before", "http_request", "http_response", "after", "updated"]


async def test_a_failing_observer_does_not_break_an_async_payment(
    async_payments: AsyncPayments, gateway: FakeGateway, payment_request: PaymentRequest
) -> None:
    async_payments.register_plugin(BrokenObserver())
    payment = await async_payments.create_payment(payment_request)
    assert list(gateway.payments) == [payment.id]
    assert payment.redirect_url == f"{GATEWAY_URL}/pay/{payment.id}"


def test_a_failing_operation_failed_hook_does_not_hide_the_real_error(
    payments: Payments,
) -> None:
    class Broken:
        @hookimpl
        def payments_operation_failed(self) -> None:
            raise RuntimeError("boom")

    payments.register_plugin(Broken())
    with pytest.raises(NotFoundError, match="no such payment") as caught:
        payments.get_payment("pay_missing")
    assert caught.value.provider_code == "not_found"  # the gateway's answer, not the hook's
    assert caught.value.payment_id == "pay_missing"


# -- webhooks -----------------------------------------------------------------------------------


def webhook_body() -> bytes:
    payment = {"id": "pay_9", "state": "paid", "amount": "5.00", "currency": "GEL"}
    return json.dumps(
        {
            "event_id": "evt-1",
            "type": "payment.paid",
            "payment": payment,
            "received_at": "2024-05-01T10:00:00Z",
        }
    ).encode()


def test_a_verified_webhook_reaches_the_webhook_and_update_hooks(
    registry: ProviderRegistry,
) -> None:
    recorder = Recorder()
    with Payments(
        "httpgw",
        registry=registry,
        autoload_plugins=False,
        plugins=[recorder],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret="whsec-1",
    ) as payments:
        body = webhook_body()
        event = payments.parse_webhook({"X-Signature": sign_webhook(body, "whsec-1")}, body)
    assert recorder.names() == ["webhook", "updated"]
    assert recorder.args("updated") == [{"payment": event.payment, "source": "webhook"}]


def test_a_webhook_that_fails_verification_reaches_no_hook(registry: ProviderRegistry) -> None:
    recorder = Recorder()
    with Payments(
        "httpgw",
        registry=registry,
        autoload_plugins=False,
        plugins=[recorder],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret="whsec-1",
    ) as payments:
        with pytest.raises(WebhookVerificationError, match="bad signature") as forged:
            payments.parse_webhook({"X-Signature": "forged"}, webhook_body())
        assert forged.value.code is ErrorCode.WEBHOOK_SIGNATURE_INVALID
        with pytest.raises(WebhookVerificationError, match="raw request body as bytes") as text:
            payments.parse_webhook({}, webhook_body().decode())  # type: ignore[arg-type]
        assert text.value.code is ErrorCode.WEBHOOK_MALFORMED
    assert recorder.calls == []


# -- registration ---------------------------------------------------------------------------------


class AsyncObserver:
    @hookimpl
    async def payments_after_operation(self, operation: str) -> None:
        pass


def test_an_async_hook_is_refused_at_registration(payments: Payments) -> None:
    with pytest.raises(ConfigurationError, match="async"):
        payments.register_plugin(AsyncObserver())
    assert payments.hooks.manager.get_plugins() == set()


def test_an_async_generator_hook_is_refused_too() -> None:
    class AsyncGen:
        @hookimpl
        async def payments_http_request(self, request: HttpExchange) -> Any:
            yield

    with pytest.raises(ConfigurationError, match=r"payments_http_request of plugin .* is async"):
        Hooks(autoload=False).register(AsyncGen())


def test_a_hook_with_an_unknown_argument_is_refused() -> None:
    class Typo:
        @hookimpl
        def payments_after_operation(self, reslut: Any) -> None:
            pass

    with pytest.raises(ConfigurationError, match="reslut"):
        Hooks(autoload=False).register(Typo())


def test_the_same_plugin_name_cannot_be_registered_twice() -> None:
    hooks = Hooks(autoload=False)
    first = Recorder()
    hooks.register(first, name="audit")
    with pytest.raises(ConfigurationError, match="already registered"):
        hooks.register(Recorder(), name="audit")
    assert hooks.manager.get_plugin("audit") is first


def test_plugins_given_to_the_facade_are_registered(
    registry: ProviderRegistry, payment_request: PaymentRequest, gateway: FakeGateway
) -> None:
    recorder = Recorder()
    with (
        httpx.Client(transport=httpx.MockTransport(gateway.handle)) as client,
        Payments(
            "httpgw",
            registry=registry,
            http_client=client,
            autoload_plugins=False,
            plugins=[recorder],
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        ) as payments,
    ):
        payments.create_payment(payment_request)
    assert "after" in recorder.names()


# -- entry-point plugins -----------------------------------------------------------------------

GOOD_PLUGIN = """
from payments_core import hookimpl

SEEN = []

@hookimpl
def payments_after_operation(operation):
    SEEN.append(operation)
"""

BROKEN_PLUGIN = """
raise ImportError("this plugin needs a package that is not installed")
"""


@pytest.fixture
def plugin_dists(temp_dists: TempDistributions) -> tuple[str, str]:
    good = temp_dists.module("good_plugin", GOOD_PLUGIN)
    broken = temp_dists.module("broken_plugin", BROKEN_PLUGIN)
    temp_dists.distribution(
        "payments-test-plugins",
        {"payments_core.plugins": {"audit": good, "fraud": f"{broken}:plugin"}},
    )
    return good, broken


def test_entry_point_plugins_load_and_a_broken_one_is_reported(
    plugin_dists: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    _, broken = plugin_dists
    hooks = Hooks()
    assert hooks.manager.get_plugin("audit") is not None
    assert hooks.manager.get_plugin("fraud") is None
    [failure] = [f for f in hooks.load_failures if f.name == "fraud"]
    assert failure.value == f"{broken}:plugin"
    assert "ImportError" in failure.error
    assert "not installed" in failure.error


def test_a_loaded_entry_point_plugin_sees_operations(
    plugin_dists: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    registry: ProviderRegistry,
    payment_request: PaymentRequest,
    gateway: FakeGateway,
) -> None:
    monkeypatch.delenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    good, _ = plugin_dists
    with (
        httpx.Client(transport=httpx.MockTransport(gateway.handle)) as client,
        Payments(
            "httpgw",
            registry=registry,
            http_client=client,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        ) as payments,
    ):
        payments.create_payment(payment_request)
        assert [f.name for f in payments.hooks.load_failures] == ["fraud"]
    assert importlib.import_module(good).SEEN == ["create_payment"]


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_autoload_can_be_disabled_by_environment(
    plugin_dists: tuple[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", value)
    hooks = Hooks()
    assert hooks.manager.get_plugins() == set()
    assert hooks.load_failures == []


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_autoload_stays_on_for_falsy_environment_values(
    plugin_dists: tuple[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", value)
    assert Hooks().manager.get_plugin("audit") is not None


def test_autoload_false_loads_none_whatever_the_environment(
    plugin_dists: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    assert Hooks(autoload=False).manager.get_plugins() == set()


def test_an_entry_point_plugin_with_an_async_hook_is_reported_not_loaded(
    temp_dists: TempDistributions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    module = temp_dists.module(
        "async_plugin",
        "from payments_core import hookimpl\n\n"
        "@hookimpl\nasync def payments_after_operation(operation):\n    pass\n",
    )
    temp_dists.distribution("payments-async-plugin", {"payments_core.plugins": {"slow": module}})
    hooks = Hooks()
    assert hooks.manager.get_plugin("slow") is None
    assert [f.name for f in hooks.load_failures] == ["slow"]


# -- wrappers, and the order of observers ------------------------------------------------------


class WrappingAudit:
    @hookimpl(wrapper=True)
    def payments_after_operation(self, operation: str) -> Any:
        return (yield)


class OldStyleWrappingAudit:
    @hookimpl(hookwrapper=True)
    def payments_payment_updated(self, payment: Payment) -> Any:
        yield


def test_a_wrapper_on_an_observer_hook_is_refused_naming_plugin_and_hook(
    payments: Payments,
) -> None:
    with pytest.raises(ConfigurationError, match="wrapper=True") as caught:
        payments.register_plugin(WrappingAudit(), name="audit")
    assert "payments_after_operation" in str(caught.value)
    assert "'audit'" in str(caught.value)
    assert payments.hooks.manager.get_plugins() == set()


def test_an_old_style_hookwrapper_on_an_observer_hook_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="hookwrapper=True") as caught:
        Hooks(autoload=False).register(OldStyleWrappingAudit())
    assert "payments_payment_updated" in str(caught.value)


def test_a_wrapper_named_through_specname_is_refused_too() -> None:
    class Renamed:
        @hookimpl(wrapper=True, specname="payments_http_request")
        def watch_requests(self, request: HttpExchange) -> Any:
            return (yield)

    with pytest.raises(ConfigurationError, match=r"payments_http_request.*wrapper=True"):
        Hooks(autoload=False).register(Renamed())


def test_an_async_hook_named_through_specname_is_refused() -> None:
    class Renamed:
        @hookimpl(specname="payments_after_operation")
        async def audit(self, operation: str) -> None:
            pass

    with pytest.raises(ConfigurationError, match=r"payments_after_operation of plugin .* is async"):
        Hooks(autoload=False).register(Renamed())


def test_an_entry_point_plugin_with_a_wrapper_is_reported_not_loaded(
    temp_dists: TempDistributions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    module = temp_dists.module(
        "wrapping_plugin",
        "from payments_core import hookimpl\n\n"
        "@hookimpl(wrapper=True)\ndef payments_after_operation(operation):\n"
        "    return (yield)\n",
    )
    temp_dists.distribution("payments-wrap-plugin", {"payments_core.plugins": {"wrap": module}})
    hooks = Hooks()
    assert hooks.manager.get_plugin("wrap") is None
    [failure] = [f for f in hooks.load_failures if f.name == "wrap"]
    assert "wrapper=True" in failure.error
    assert "payments_after_operation" in failure.error


def test_a_wrapper_on_before_operation_still_runs_and_can_veto(
    payments: Payments, gateway: FakeGateway, payment_request: PaymentRequest
) -> None:
    seen: list[str] = []

    class Gatekeeper:
        @hookimpl(wrapper=True)
        def payments_before_operation(self, operation: str) -> Any:
            seen.append(operation)
            raise RuntimeError("closed for maintenance")
            yield  # pragma: no cover - makes this a wrapper

    payments.register_plugin(Gatekeeper())
    with pytest.raises(OperationVetoedError, match="closed for maintenance"):
        payments.create_payment(payment_request)
    assert seen == ["create_payment"]
    assert gateway.seen == []


def test_observers_honour_tryfirst_and_trylast(
    payments: Payments, payment_request: PaymentRequest
) -> None:
    order: list[str] = []

    class Early:
        @hookimpl(tryfirst=True)
        def payments_after_operation(self) -> None:
            order.append("tryfirst")

    class Plain:
        def __init__(self, label: str) -> None:
            self.label = label

        @hookimpl
        def payments_after_operation(self) -> None:
            order.append(self.label)

    class Late:
        @hookimpl(trylast=True)
        def payments_after_operation(self) -> None:
            order.append("trylast")

    # registered in the opposite order to the one they must run in
    payments.register_plugin(Late())
    payments.register_plugin(Plain("plain-1"))
    payments.register_plugin(Plain("plain-2"))
    payments.register_plugin(Early())
    payments.create_payment(payment_request)
    assert order == ["tryfirst", "plain-2", "plain-1", "trylast"]


def test_a_wrapper_registered_past_register_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks = Hooks(autoload=False)
    hooks.manager.register(WrappingAudit(), name="sneaky")
    with caplog.at_level(logging.ERROR, logger="payments_core.hooks"):
        hooks.after_operation("refund", "httpgw", "default", None)
    assert any("sneaky" in r.getMessage() and "wrapper" in r.getMessage() for r in caplog.records)
