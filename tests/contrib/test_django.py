"""The Django integration, through Django's own test client with CSRF checks on.

Django's settings can be configured once per process. This module configures them
when nobody has yet; when another Django suite of the same run (the example shop's)
did, it changes only what it needs, with ``override_settings``, like every test here.
The dummy provider plays the gateway (signed callbacks), and the TBC emulator on
loopback a gateway whose callbacks are verified by reading the payment back.
"""

from __future__ import annotations

import pytest

pytest.importorskip("django", reason="the django extra is not installed")

import hashlib
import hmac
import logging
import subprocess
import sys
import threading
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
import httpx
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path

from payments_core import (
    LineItem,
    Money,
    Payment,
    PaymentRequest,
    Payments,
    PaymentStatus,
    WebhookEvent,
)
from payments_core.contrib.django import (
    callback_url,
    close_payments,
    gateway_names,
    get_payments,
    payment_updated,
)
from payments_core.contrib.django.checks import check_cache, check_settings
from payments_core.contrib.django.delivery import Outcome, deliver

SECRET = "whsec-django-3b1f9e77c2a4"
"""The dummy's webhook secret here: no response and no log line may contain it."""

URLCONF = "payments_core_django_test_urls"
WEBHOOK = "/payments/webhooks/{}/"


def _protected(request: Any) -> HttpResponse:
    return HttpResponse("ok")


_urls = types.ModuleType(URLCONF)
_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("payments/", include("payments_core.contrib.django.urls")),
    path("protected/", _protected),  # CSRF-protected, to show the checks are on
]
sys.modules[URLCONF] = _urls

if not settings.configured:
    settings.configure(
        SECRET_KEY="django-tests-only",
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=["payments_core.contrib.django"],
        # Unused here; the example shop's tests use it when this module configured first.
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        ROOT_URLCONF=URLCONF,
        USE_TZ=True,
    )
    django.setup()

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]


def _payments_setting(store: str, journal: str | None = None) -> dict[str, Any]:
    journaled = {} if journal is None else {"journal": journal}
    return {
        **journaled,
        "default": "dummy",
        "gateways": {
            "dummy": {"provider": "dummy", "store": store, "webhook_secret": SECRET},
            "spare": {"provider": "dummy", "store": f"{store}-spare"},
        },
    }


def _site_settings(payments: Any) -> override_settings:
    return override_settings(
        INSTALLED_APPS=["payments_core.contrib.django"],
        ROOT_URLCONF=URLCONF,
        MIDDLEWARE=MIDDLEWARE,
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        PAYMENTS=payments,
        PAYMENTS_CACHE="payments",
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
            "payments": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"payments-{uuid.uuid4().hex}",
            },
        },
    )


@dataclass
class Site:
    """A Django site with the endpoint mounted, and what its receivers got."""

    client: Client
    received: list[dict[str, Any]] = field(default_factory=list)
    responses: list[HttpResponse] = field(default_factory=list)

    @property
    def gateway(self) -> Payments:
        return get_payments("dummy")

    def post(
        self, callback: tuple[dict[str, str], bytes], gateway: str = "dummy", **extra: Any
    ) -> HttpResponse:
        headers, body = callback
        response = self.client.post(
            WEBHOOK.format(gateway),
            data=body,
            content_type=headers.get("Content-Type", "application/json"),
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
            **extra,
        )
        self.responses.append(response)
        return response

    def payment(self, external_id: str = "order-1") -> Payment:
        return self.gateway.create_payment(
            PaymentRequest(
                external_id=external_id,
                amount=Money("25.00", "GEL"),
                items=[LineItem(product_id="tea-01", quantity=2, unit_price=Money("12.50", "GEL"))],
                callback_url="https://testserver/payments/webhooks/dummy/",
            )
        )


def _recorder(site: Site) -> Callable[..., None]:
    def receive(sender: str, **kwargs: Any) -> None:
        site.received.append({"sender": sender, **kwargs})

    return receive


@pytest.fixture(params=["cache", "journal"])
def site(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> Iterator[Site]:
    """The endpoint over Django's cache, and over gateways with a journal (which then
    dedupes and orders, and forgets a delivery whose receiver failed)."""
    caplog.set_level(logging.DEBUG)
    journal = f"sqlite:///{tmp_path / 'journal.db'}" if request.param == "journal" else None
    with _site_settings(_payments_setting(f"django-{uuid.uuid4().hex}", journal)):
        site = Site(Client(enforce_csrf_checks=True))
        receiver = _recorder(site)
        payment_updated.connect(receiver, weak=False)
        try:
            yield site
        finally:
            payment_updated.disconnect(receiver)
    for response in site.responses:
        assert SECRET.encode() not in response.content
        assert all(SECRET not in value for value in response.headers.values())
    assert SECRET not in caplog.text


def _sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# -- the endpoint -------------------------------------------------------------------------


def test_a_genuine_callback_is_applied_and_the_signal_sent_once(site: Site) -> None:
    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    callback = site.gateway.provider.webhook_for(payment.id)

    response = site.post(callback)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"result": "applied"}
    [received] = site.received
    assert received["sender"] == "dummy"
    assert isinstance(received["payment"], Payment)
    assert received["payment"].id == payment.id
    assert received["payment"].status is PaymentStatus.CAPTURED
    assert isinstance(received["event"], WebhookEvent)
    assert received["event"].payment == received["payment"]


def test_the_same_delivery_again_is_a_duplicate_and_sends_nothing(site: Site) -> None:
    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    callback = site.gateway.provider.webhook_for(payment.id)
    assert site.post(callback).json() == {"result": "applied"}

    again = site.post(callback)

    assert again.status_code == 200
    assert again.json() == {"result": "duplicate"}
    assert len(site.received) == 1


def test_an_older_state_after_a_newer_one_is_stale(site: Site) -> None:
    payment = site.payment()
    pending = site.gateway.provider.webhook_for(payment.id)  # delayed in transit
    site.gateway.provider.complete(payment.id)
    captured = site.gateway.provider.webhook_for(payment.id)

    assert site.post(captured).json() == {"result": "applied"}
    late = site.post(pending)

    assert late.status_code == 200
    assert late.json() == {"result": "stale"}
    assert [r["payment"].status for r in site.received] == [PaymentStatus.CAPTURED]

    site.gateway.refund(payment.id)
    assert site.post(site.gateway.provider.webhook_for(payment.id)).json() == {"result": "applied"}
    assert site.post(captured).json() == {"result": "duplicate"}
    assert site.post(site.gateway.provider.webhook_for(payment.id)).json() == {"result": "stale"}
    assert [r["payment"].status for r in site.received] == [
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    ]


def test_a_forged_signature_is_refused_with_its_code(site: Site) -> None:
    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    headers, body = site.gateway.provider.webhook_for(payment.id)
    tampered = body.replace(b'"captured"', b'"refunded"')
    assert tampered != body

    forged = site.post((headers, tampered))
    unsigned = site.post(({"Content-Type": "application/json"}, body))

    assert forged.status_code == 400
    assert forged.json() == {"error": "webhook_signature_invalid"}
    assert unsigned.status_code == 400
    assert unsigned.json() == {"error": "webhook_signature_invalid"}
    assert site.received == []


@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b'{"id": "evt_1", "payment": 5}'])
def test_a_malformed_callback_is_refused(site: Site, body: bytes) -> None:
    signed = {"Content-Type": "application/json", "X-Dummy-Signature": _sign(body)}

    response = site.post((signed, body))

    assert response.status_code == 400
    assert response.json() == {"error": "webhook_malformed"}
    assert site.received == []


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_only_post_is_allowed(site: Site, method: str) -> None:
    response = getattr(site.client, method)(WEBHOOK.format("dummy"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert site.received == []


@pytest.mark.parametrize("name", ["nope", "DUMMY", "dummy%20", "%2e%2e"])
def test_an_unknown_gateway_is_not_found(site: Site, name: str) -> None:
    payment = site.payment()
    response = site.post(site.gateway.provider.webhook_for(payment.id), gateway=name)

    assert response.status_code == 404
    assert response.json() == {"error": "unknown_gateway"}
    assert site.received == []


def test_csrf_checks_are_on_but_do_not_block_the_callback(site: Site) -> None:
    assert site.client.post("/protected/").status_code == 403  # the checks are enforced

    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    assert site.post(site.gateway.provider.webhook_for(payment.id)).status_code == 200


def test_each_gateway_verifies_with_its_own_settings(site: Site) -> None:
    spare = get_payments("spare")
    created = spare.create_payment(
        PaymentRequest(
            external_id="order-2",
            amount=Money("5.00", "GEL"),
            items=[LineItem(product_id="cup", quantity=1, unit_price=Money("5.00", "GEL"))],
            callback_url="https://testserver/payments/webhooks/spare/",
        )
    )
    callback = spare.provider.webhook_for(created.id)  # signed with the spare's default secret

    assert site.post(callback, gateway="dummy").json() == {"error": "webhook_signature_invalid"}
    assert site.post(callback, gateway="spare").json() == {"result": "applied"}
    assert [r["sender"] for r in site.received] == ["spare"]


def test_receivers_can_filter_by_the_gateway_name(site: Site) -> None:
    seen: list[str] = []

    def dummy_only(sender: str, payment: Payment, **kwargs: Any) -> None:
        seen.append(payment.id)

    payment_updated.connect(dummy_only, sender="dummy", weak=False)
    try:
        payment = site.payment()
        site.post(site.gateway.provider.webhook_for(payment.id))
    finally:
        payment_updated.disconnect(dummy_only, sender="dummy")
    assert seen == [payment.id]


def test_a_receiver_that_fails_gets_the_update_again(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [RuntimeError("the database is down")]

    def flaky(sender: str, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()

    payment_updated.connect(flaky, weak=False)
    site.client.raise_request_exception = False
    try:
        payment = site.payment()
        site.gateway.provider.complete(payment.id)
        callback = site.gateway.provider.webhook_for(payment.id)

        failed = site.post(callback)
        assert failed.status_code == 500
        assert b"database" not in failed.content

        assert site.post(callback).json() == {"result": "applied"}
        assert site.post(callback).json() == {"result": "duplicate"}
    finally:
        payment_updated.disconnect(flaky)
    # the recorder, connected first, saw it before the failure and once more after it
    assert [r["payment"].status for r in site.received] == [PaymentStatus.CAPTURED] * 2


def test_the_caller_address_reaches_the_provider(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    gateway = site.gateway
    parse = gateway.parse_webhook

    def spy(headers: Any, body: bytes, *, remote_addr: str | None = None) -> WebhookEvent:
        seen.append(remote_addr)
        return parse(headers, body, remote_addr=remote_addr)

    monkeypatch.setattr(gateway, "parse_webhook", spy)
    payment = site.payment()
    site.post(site.gateway.provider.webhook_for(payment.id), REMOTE_ADDR="203.0.113.7")
    assert seen == ["203.0.113.7"]


# -- the facades ------------------------------------------------------------------------------


def test_one_facade_per_gateway_shared_by_every_thread(site: Site) -> None:
    close_payments()
    barrier = threading.Barrier(8)
    found: list[Payments] = []

    def use() -> None:
        barrier.wait()
        found.append(get_payments())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 8
    assert all(facade is found[0] for facade in found)
    assert found[0].name == "dummy"
    assert get_payments("dummy") is found[0]
    assert get_payments("spare") is not found[0]
    assert gateway_names() == ("dummy", "spare")


def test_facades_are_closed_when_the_setting_changes(site: Site) -> None:
    facade = get_payments()
    with override_settings(PAYMENTS={"provider": "dummy"}):
        assert facade.http_client.is_closed
        single = get_payments()
        assert single.name == "default"
        assert gateway_names() == ("default",)
    assert single.http_client.is_closed
    assert get_payments() is not facade


def test_the_setting_may_name_a_toml_file(tmp_path: Any) -> None:
    config = tmp_path / "payments.toml"
    config.write_text('default = "shop"\n[gateways.shop]\nprovider = "dummy"\nstore = "toml"\n')
    with _site_settings(config):
        assert gateway_names() == ("shop",)
        assert get_payments().name == "shop"
        assert check_settings() == []


def test_close_payments_closes_and_forgets(site: Site) -> None:
    facade = get_payments()
    close_payments()
    assert facade.http_client.is_closed
    assert get_payments() is not facade


@pytest.mark.parametrize(
    ("payments", "expected"),
    [
        ({"default": "main"}, "no 'gateways' table"),
        ({"gateways": {"main": {"provider": "nosuchprovider"}}}, "nosuchprovider"),
        ({"gateways": {"main": {"provider": "dummy", "webhook_secret": 5}}}, "webhook_secret"),
    ],
)
def test_bad_settings_are_improperly_configured(payments: Any, expected: str) -> None:
    with _site_settings(payments), pytest.raises(ImproperlyConfigured, match=expected):
        get_payments()


def test_an_unknown_name_is_improperly_configured(site: Site) -> None:
    with pytest.raises(ImproperlyConfigured, match="no gateway named 'nope'"):
        get_payments("nope")


def test_a_missing_setting_is_improperly_configured() -> None:
    with _site_settings({"provider": "dummy"}):
        del settings.PAYMENTS
        with pytest.raises(ImproperlyConfigured, match="PAYMENTS is not set"):
            get_payments()


def test_the_callback_url_is_the_endpoints_absolute_url(site: Site) -> None:
    request = RequestFactory().get("/checkout/", secure=True)
    assert callback_url(request) == "https://testserver/payments/webhooks/dummy/"
    assert callback_url(request, "spare") == "https://testserver/payments/webhooks/spare/"


# -- the cache: once per new state, without locks ---------------------------------------------


def _event(payment: Payment, event_id: str) -> WebhookEvent:
    return WebhookEvent(
        id=event_id,
        provider=payment.provider,
        type="payment.updated",
        payment=payment,
        received_at=datetime.now(UTC),
    )


def _race(events: list[WebhookEvent]) -> list[Outcome]:
    barrier = threading.Barrier(len(events))
    outcomes: list[Outcome] = []

    def run(event: WebhookEvent) -> None:
        barrier.wait()
        outcomes.append(deliver("dummy", event))

    threads = [threading.Thread(target=run, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_deliveries_of_one_event_send_one_signal(site: Site) -> None:
    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    paid = site.gateway.get_payment(payment.id)

    outcomes = _race([_event(paid, "evt-same")] * 12)

    assert sorted(outcomes) == sorted([Outcome.APPLIED] + [Outcome.DUPLICATE] * 11)
    assert len(site.received) == 1


def test_concurrent_deliveries_of_one_state_send_one_signal(site: Site) -> None:
    payment = site.payment()
    site.gateway.provider.complete(payment.id)
    paid = site.gateway.get_payment(payment.id)

    outcomes = _race([_event(paid, f"evt-{n}") for n in range(12)])

    assert sorted(outcomes) == sorted([Outcome.APPLIED] + [Outcome.STALE] * 11)
    assert len(site.received) == 1


def test_concurrent_old_and_new_states_end_on_the_newest(site: Site) -> None:
    payment = site.payment()
    pending = site.gateway.get_payment(payment.id)
    site.gateway.provider.complete(payment.id)
    captured = site.gateway.get_payment(payment.id)
    site.gateway.refund(payment.id)
    refunded = site.gateway.get_payment(payment.id)
    states = [pending, captured, refunded] * 4

    _race([_event(state, f"evt-{n}") for n, state in enumerate(states)])

    sent = [r["payment"].status for r in site.received]
    assert sent[-1] is PaymentStatus.REFUNDED
    assert len(sent) == len(set(sent))  # each state at most once, never backwards
    order = [PaymentStatus.PENDING, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED]
    assert sent == sorted(sent, key=order.index)
    assert deliver("dummy", _event(captured, "evt-late")) is Outcome.STALE


# -- a gateway that verifies by reading back: TBC, on its emulator ------------------------------


class DjangoClientTransport(httpx.BaseTransport):
    """Carries the emulator's callbacks into Django's test client, from 127.0.0.1."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.client.generic(
            request.method,
            request.url.path,
            data=request.read(),
            content_type=request.headers.get("Content-Type", ""),
            secure=request.url.scheme == "https",
            REMOTE_ADDR="127.0.0.1",
        )
        return httpx.Response(response.status_code, content=response.content)


def test_a_read_back_gateway_that_cannot_be_reached_is_asked_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox_module = pytest.importorskip("payments_tbc.sandbox")
    from payments_tbc.demo import sandbox_settings

    caplog.set_level(logging.DEBUG)
    client = Client(enforce_csrf_checks=True)
    sandbox = sandbox_module.TbcSandbox(
        callback_transport=DjangoClientTransport(client), callback_backoff=0.01
    )
    received: list[Payment] = []

    def receive(sender: str, payment: Payment, **kwargs: Any) -> None:
        assert sender == "tbc"
        received.append(payment)

    with sandbox.serve() as url:
        tbc = {"provider": "tbc", **sandbox_settings(sandbox, url), "max_retries": 0}
        with _site_settings({"gateways": {"tbc": tbc}}):
            payment_updated.connect(receive, weak=False)
            try:
                created = get_payments("tbc").create_payment(
                    PaymentRequest(
                        external_id="order-7",
                        amount=Money("49.90", "GEL"),
                        items=[
                            LineItem(product_id="tea", quantity=1, unit_price=Money("49.90", "GEL"))
                        ],
                        callback_url="https://testserver/payments/webhooks/tbc/",
                        success_url="https://testserver/thanks",
                    )
                )
                # TBC cannot be asked when the first callback arrives: 503, and it tries again
                sandbox.add_fault(sandbox_module.Fault("get_payment", "error", status=503))
                sandbox.pay_sync(created.id)

                assert [d.status_code for d in sandbox.callbacks] == [503, 200]
                assert [d.payload() for d in sandbox.callbacks] == [{"PaymentId": created.id}] * 2
                assert [p.status for p in received] == [PaymentStatus.CAPTURED]

                # the same callback about an unchanged payment: a duplicate
                again = client.post(
                    WEBHOOK.format("tbc"),
                    data=sandbox.callbacks[-1].body,
                    content_type="application/json",
                )
                assert again.json() == {"result": "duplicate"}
                # from an address that is not the gateway's: refused before any request
                read_backs = sandbox.counters.requests["get_payment"]
                forged = client.post(
                    WEBHOOK.format("tbc"),
                    data=sandbox.callbacks[-1].body,
                    content_type="application/json",
                    REMOTE_ADDR="203.0.113.9",
                )
                assert forged.status_code == 400
                assert forged.json() == {"error": "webhook_signature_invalid"}
                assert sandbox.counters.requests["get_payment"] == read_backs
            finally:
                payment_updated.disconnect(receive)
    assert len(received) == 1
    assert sandbox.client_secret not in caplog.text
    assert sandbox.api_key not in caplog.text


# -- system checks ---------------------------------------------------------------------------


def _ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [message.id for message in messages]


def test_the_system_checks_pass_on_good_settings(site: Site) -> None:
    assert check_settings() == []
    assert _ids(checks.run_checks(tags=["payments"])) == []


@pytest.mark.parametrize(
    ("payments", "expected"),
    [
        ({"default": "main"}, ["payments_core.E002"]),
        ({"gateways": {"main": {"provider": "nosuchprovider"}}}, ["payments_core.E003"]),
        (
            {"gateways": {"a": {"provider": "dummy", "store": 5}, "b": {"provider": "dummy"}}},
            ["payments_core.E003"],
        ),
    ],
)
def test_the_system_checks_find_bad_settings(payments: Any, expected: list[str]) -> None:
    with _site_settings(payments):
        assert _ids(check_settings()) == expected
        assert _ids(checks.run_checks(tags=["payments"])) == expected


def test_the_system_checks_never_repeat_a_value() -> None:
    with _site_settings({"provider": "dummy", "webhook_secret": {SECRET: 1}}):
        [error] = check_settings()
    assert error.id == "payments_core.E003"
    assert "webhook_secret" in error.msg
    assert SECRET not in error.msg


def test_the_system_checks_find_a_missing_setting_or_cache() -> None:
    with _site_settings({"provider": "dummy"}):
        del settings.PAYMENTS
        assert _ids(check_settings()) == ["payments_core.E001"]
    with _site_settings({"provider": "dummy"}), override_settings(PAYMENTS_CACHE="nope"):
        assert _ids(check_settings()) == ["payments_core.E004"]


def test_the_deploy_check_warns_about_a_per_process_cache() -> None:
    with _site_settings({"provider": "dummy"}):
        assert _ids(check_cache()) == ["payments_core.W001"]
        assert _ids(checks.run_checks(tags=["payments"], include_deployment_checks=True)) == [
            "payments_core.W001"
        ]
        db_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}
        with override_settings(CACHES={"default": db_cache, "payments": db_cache}):
            assert check_cache() == []


# -- the boundary: only payments_core.contrib.django imports Django -----------------------------

BOUNDARY = """
import importlib, pkgutil, sys
def walk(package):  # pkgutil.walk_packages would import the integration's package too
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name == "payments_core.contrib.django":
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:
            continue  # an optional dependency this check does not need
        if info.ispkg:
            walk(module)
walk(importlib.import_module("payments_core"))
for name in ("payments_dummy", "payments_bog", "payments_tbc", "payments_tbc.sandbox"):
    importlib.import_module(name)
print(sorted(m for m in sys.modules if m == "django" or m.startswith("django.")))
# and the integration imports without configured settings
for name in ("", ".apps", ".checks", ".delivery", ".gateways", ".signals", ".urls", ".views"):
    importlib.import_module("payments_core.contrib.django" + name)
"""


def test_nothing_but_the_integration_imports_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BOUNDARY], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
