"""The conformance kit catches broken providers, and says what is wrong in plain words.

Each test runs the real suite (``ConformanceSuite``) in an inline pytest session
(``pytester``) against a provider defined here: two correct small HTTP providers
behind ``httpx.MockTransport`` ("kitgw": idempotency keys and signed callbacks, like
BOG; "kitrb": no keys, callbacks that carry only an id and are read back, like TBC),
the dummy, and variants of them broken on purpose. The correct ones pass with only
the skips the kit derives from their declarations. A broken variant must fail
exactly the scenarios that concern its bug, with a message naming the bug; the rest
of the suite must still pass.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_dummy import DummyProvider
from pydantic import SecretStr

from payments_core import (
    Capability,
    CaptureMode,
    Decline,
    DeclineCode,
    ErrorCode,
    Fingerprint,
    Flow,
    InvalidRequestError,
    InvalidStateError,
    MemoryIdempotencyStore,
    Money,
    NotFoundError,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentError,
    PaymentProvider,
    PaymentRequest,
    Payments,
    PaymentStatus,
    ProviderSettings,
    ProviderUnavailableError,
    WebhookEvent,
    WebhookVerificationError,
    wire,
)
from payments_core.idempotency import Claim
from payments_core.provider import error_for_status
from payments_core.testing import (
    SCENARIOS,
    ConformanceTarget,
    Outcome,
    check_provider_class,
    default_request,
)

pytest_plugins = ["pytester"]

API = "https://kitgw.test"
API_KEY = "kitgw-api-key-3b1d77e0"
WEBHOOK_SECRET = "kitgw-webhook-secret-a04c"
SIGNATURE = "X-Kit-Signature"


# -- correct providers: small, over HTTP -------------------------------------------------------


class KitSettings(ProviderSettings):
    api_key: SecretStr
    webhook_secret: SecretStr


class BearerAuth(httpx.Auth):
    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.get_secret_value()}"
        yield request


_STATES = {
    "pending": PaymentStatus.PENDING,
    "paid": PaymentStatus.CAPTURED,
    "declined": PaymentStatus.DECLINED,
    "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "refunded": PaymentStatus.REFUNDED,
}
_KIT_ID = re.compile(r"kp_[0-9a-f]{12}")


class KitBase(PaymentProvider):
    """What both kit gateways share: create, retrieve, (partial) refunds."""

    settings_model = KitSettings
    capabilities = frozenset(
        {
            Capability.CREATE,
            Capability.RETRIEVE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.WEBHOOKS,
        }
    )
    settings: KitSettings

    @property
    def auth(self) -> httpx.Auth:
        return BearerAuth(self.settings.api_key)

    def error_for_response(self, response: httpx.Response) -> PaymentError:
        try:
            code = wire.loads(response.content).get("error")
        except (ValueError, AttributeError):
            code = None
        if code == "not_found":
            return NotFoundError("no such payment", provider=self.name, provider_code=code)
        if code == "invalid_state":
            return InvalidStateError("not allowed now", provider=self.name, provider_code=code)
        return error_for_status(response, provider=self.name)

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        response = yield self.build_request(
            "POST",
            f"{API}/payments",
            json={
                "amount": request.amount.amount,
                "currency": request.amount.currency,
                "external_id": request.external_id,
            },
            idempotency_key=self.create_key(request),
        )
        return self.payment(wire.loads(response.content))

    def create_key(self, request: PaymentRequest) -> str:
        return request.idempotency_key

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        response = yield self.build_request("GET", f"{API}/payments/{payment_id}")
        return self.payment(wire.loads(response.content))

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        response = yield self.build_request(
            "POST",
            f"{API}/payments/{payment_id}/refunds",
            json={} if amount is None else {"amount": amount.amount},
            idempotency_key=idempotency_key,
        )
        return self.refund_from(wire.loads(response.content), payment_id, idempotency_key)

    def refund_from(self, data: Any, payment_id: str, idempotency_key: str) -> Operation:
        return Operation(
            id=data["id"],
            kind=OperationKind.REFUND,
            status=OperationStatus.SUCCEEDED,
            payment_id=payment_id,
            provider=self.name,
            amount=Money(data["amount"], data["currency"]),
            idempotency_key=idempotency_key,
        )

    def payment(self, data: dict[str, Any]) -> Payment:
        currency = data["currency"]

        def money(key: str) -> Money | None:
            return None if data.get(key) is None else Money(data[key], currency)

        return Payment(
            id=data["id"],
            provider=self.name,
            status=_STATES[data["state"]],
            amount=Money(data["amount"], currency),
            external_id=data["external_id"],
            captured_amount=money("captured"),
            refunded_amount=money("refunded"),
            redirect_url=f"{API}/pay/{data['id']}",
            decline=Decline(code=DeclineCode.INSUFFICIENT_FUNDS)
            if data["state"] == "declined"
            else None,
            capture=CaptureMode.AUTOMATIC,
        )


class KitProvider(KitBase):
    """A gateway that honours idempotency keys and signs its callbacks (like BOG)."""

    name = "kitgw"
    honours_idempotency_keys = True

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        key = self.settings.webhook_secret.get_secret_value().encode()
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get(SIGNATURE, ""), expected):
            raise WebhookVerificationError("bad signature", provider=self.name)
        data = wire.loads(body)
        return WebhookEvent(
            id=data["event_id"],
            provider=self.name,
            type="payment.updated",
            payment=self.payment(data["payment"]),
            received_at=data["sent_at"],
        )


class ReadBackProvider(KitBase):
    """A gateway without idempotency keys whose callbacks carry only an id (like TBC's):
    a callback is verified by reading the payment back with the merchant's credentials."""

    name = "kitrb"
    honours_idempotency_keys = False

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        data = self.callback_data(body)
        payment_id = data.get("payment_id")
        if not isinstance(payment_id, str) or not _KIT_ID.fullmatch(payment_id):
            raise WebhookVerificationError(
                "the callback names no payment",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.name,
            )
        try:
            payment = yield from self.get_payment(payment_id)
        except NotFoundError:
            raise WebhookVerificationError(
                f"the gateway has no payment {payment_id}", provider=self.name
            ) from None
        return self.event(payment, data)

    def callback_data(self, body: bytes) -> dict[str, Any]:
        try:
            data = wire.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise WebhookVerificationError(
                "the callback is not a JSON object",
                code=ErrorCode.WEBHOOK_MALFORMED,
                provider=self.name,
            )
        return data

    def event(self, payment: Payment, data: dict[str, Any]) -> WebhookEvent:
        return WebhookEvent(
            id=f"{payment.id}:{payment.status.value}",
            provider=self.name,
            type="payment.updated",
            payment=payment,
            received_at=datetime.now(UTC),
        )


@dataclass
class FakeKitApi:
    """The gateway behind ``httpx.MockTransport``: payments, refunds, keys, callbacks."""

    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[tuple[str, str, str], bytes] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self.reply(401, {"error": "unauthorized"})
        key = request.headers.get("Idempotency-Key")
        seen = (request.method, request.url.path, key or "")
        if key and seen in self.replies:
            return httpx.Response(200, content=self.replies[seen])
        response = self.route(request)
        if key and response.status_code < 300:
            self.replies[seen] = response.content
        return response

    def route(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        if request.method == "POST" and parts == ["payments"]:
            body = wire.loads(request.content)
            payment_id = f"kp_{uuid.uuid4().hex[:12]}"
            self.payments[payment_id] = {
                "id": payment_id,
                "state": "pending",
                "amount": str(body["amount"]),
                "currency": body["currency"],
                "external_id": body["external_id"],
            }
            return self.reply(201, self.payments[payment_id])
        payment = self.payments.get(parts[1]) if len(parts) > 1 else None
        if payment is None:
            return self.reply(404, {"error": "not_found"})
        if request.method == "GET":
            return self.reply(200, payment)
        return self.refund(payment, wire.loads(request.content))

    def refund(self, payment: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        if payment["state"] not in ("paid", "partially_refunded"):
            return self.reply(409, {"error": "invalid_state"})
        captured, refunded = Decimal(payment["captured"]), Decimal(payment["refunded"] or 0)
        amount = Decimal(body.get("amount", captured - refunded))
        if amount > captured - refunded:
            return self.reply(409, {"error": "invalid_state"})
        payment["refunded"] = str(refunded + amount)
        payment["state"] = "refunded" if refunded + amount == captured else "partially_refunded"
        reply = {"id": f"kr_{uuid.uuid4().hex[:8]}", "amount": str(amount)}
        return self.reply(201, {**reply, "currency": payment["currency"]})

    @staticmethod
    def reply(status: int, payload: Any) -> httpx.Response:
        return httpx.Response(
            status, content=wire.dumps(payload), headers={"Content-Type": "application/json"}
        )

    # -- the customer and the callbacks --------------------------------------------------

    def pay(self, payment_id: str, outcome: Outcome) -> None:
        payment = self.payments[payment_id]
        if outcome == "succeed":
            payment.update(state="paid", captured=payment["amount"], refunded=None)
        else:
            payment["state"] = "declined"

    def callback(self, payment_id: str) -> tuple[dict[str, str], bytes]:
        """A signed callback carrying the payment (kitgw)."""
        body = wire.dumps(
            {
                "event_id": f"ev_{payment_id}_{self.payments[payment_id]['state']}",
                "sent_at": "2025-01-01T10:00:00Z",
                "payment": self.payments[payment_id],
            }
        )
        signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", SIGNATURE: signature}, body

    def notification(self, payment_id: str) -> tuple[dict[str, str], bytes]:
        """An unsigned callback carrying only the payment's id (kitrb)."""
        return {"Content-Type": "application/json"}, wire.dumps({"payment_id": payment_id})


def kit_target(provider_class: type[KitBase] = KitProvider, **overrides: Any) -> ConformanceTarget:
    api = FakeKitApi()
    signed = provider_class.parse_webhook is not PaymentProvider.parse_webhook
    callback = api.callback if signed else api.notification
    fields: dict[str, Any] = {
        "make_provider": lambda: provider_class.from_settings(
            api_key=API_KEY, webhook_secret=WEBHOOK_SECRET
        ),
        "transport": lambda: httpx.MockTransport(api.handle),
        "customer_pays": lambda payments, payment, outcome: api.pay(payment.id, outcome),
        "webhook_for": lambda payments, payment: callback(payment.id),
        "unknown_payment_id": "kp_000000000000",
    }
    return ConformanceTarget(**{**fields, **overrides})


def read_back_target(provider_class: type[KitBase] = ReadBackProvider) -> ConformanceTarget:
    return kit_target(provider_class)


def dummy_target(provider_class: type[DummyProvider] = DummyProvider) -> ConformanceTarget:
    store = f"kit-{uuid.uuid4().hex}"

    def customer_pays(payments: Payments, payment: Payment, outcome: Outcome) -> None:
        provider = payments.provider
        assert isinstance(provider, DummyProvider)
        provider.complete(payment.id, outcome)

    def webhook_for(payments: Payments, payment: Payment) -> tuple[dict[str, str], bytes]:
        provider = payments.provider
        assert isinstance(provider, DummyProvider)
        return provider.webhook_for(payment.id)

    return ConformanceTarget(
        make_provider=lambda: provider_class.from_settings(
            store=store, webhook_secret=WEBHOOK_SECRET
        ),
        customer_pays=customer_pays,
        webhook_for=webhook_for,
    )


# -- running the suite inline ------------------------------------------------------------------


class TargetPlugin:
    """Hands the inline session the target under test (as the fixture ``target_under_test``)."""

    def __init__(self, make_target: Callable[[], ConformanceTarget]) -> None:
        self.make_target = make_target

    @pytest.fixture
    def target_under_test(self) -> ConformanceTarget:
        return self.make_target()


SUITE_MODULE = """
import pytest

from payments_core.testing import ConformanceSuite


@pytest.fixture
def payments_conformance(target_under_test):
    return target_under_test


class TestUnderTest(ConformanceSuite):
    pass
"""


@dataclass
class SuiteRun:
    """Outcome and failure text of each scenario of one inline run."""

    outcomes: dict[str, str]
    texts: dict[str, str]

    def failed(self) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome == "failed"}

    def message(self, scenario: str) -> str:
        assert self.outcomes[scenario] == "failed", f"{scenario} did not fail"
        return self.texts[scenario]


def run_suite(pytester: pytest.Pytester, make_target: Callable[[], ConformanceTarget]) -> SuiteRun:
    pytester.makepyfile(test_suite=SUITE_MODULE)
    recorded = pytester.inline_run(
        "-p", "no:cacheprovider", "-p", "no:asyncio", plugins=[TargetPlugin(make_target)]
    )
    outcomes: dict[str, str] = {}
    texts: dict[str, str] = {}
    for report in recorded.getreports("pytest_runtest_logreport"):
        name = report.nodeid.rsplit("::", 1)[-1]
        if report.when == "call" or report.outcome != "passed":
            outcomes[name] = report.outcome
            texts[name] = report.longreprtext
    assert set(outcomes) == set(SCENARIOS), "every scenario ran once"
    return SuiteRun(outcomes, texts)


# -- correct providers pass ---------------------------------------------------------------------

UNDECLARED = {
    "test_capture_of_the_whole_hold",
    "test_partial_capture",
    "test_capture_of_a_payment_not_authorized_is_refused",
    "test_void_releases_the_hold",
    "test_void_of_a_payment_not_authorized_is_refused",
}
"""The kit's gateways declare neither capture nor void."""
KEYED_ONLY = {
    "test_same_idempotency_key_creates_one_payment",
    "test_idempotency_keys_survive_retries",
}
KEYLESS_ONLY = {"test_keyless_money_requests_are_sent_once"}
SIGNED_ONLY = {"test_tampered_webhooks_are_rejected"}
READ_BACK_ONLY = {"test_read_back_webhooks_trust_only_the_gateway"}


def skipped(run: SuiteRun) -> set[str]:
    return {name for name, outcome in run.outcomes.items() if outcome == "skipped"}


def test_a_correct_keyed_signed_provider_passes_the_whole_suite(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, kit_target)

    assert run.failed() == set(), {name: run.texts[name] for name in run.failed()}
    assert skipped(run) == UNDECLARED | KEYLESS_ONLY | READ_BACK_ONLY
    assert "does not declare Capability.CAPTURE" in run.texts["test_capture_of_the_whole_hold"]
    assert (
        "honours_idempotency_keys = True" in run.texts["test_keyless_money_requests_are_sent_once"]
    )
    assert "by their signature" in run.texts["test_read_back_webhooks_trust_only_the_gateway"]


def test_a_correct_keyless_read_back_provider_passes_the_whole_suite(
    pytester: pytest.Pytester,
) -> None:
    """No provider-chosen skips: the kit derives them from the declaration."""
    run = run_suite(pytester, read_back_target)

    assert run.failed() == set(), {name: run.texts[name] for name in run.failed()}
    assert skipped(run) == UNDECLARED | KEYED_ONLY | SIGNED_ONLY
    assert "honours_idempotency_keys = False" in run.texts["test_idempotency_keys_survive_retries"]
    assert "reading the payment back" in run.texts["test_tampered_webhooks_are_rejected"]


def test_the_dummy_passes_the_whole_suite(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, dummy_target)

    assert run.failed() == set(), {name: run.texts[name] for name in run.failed()}


# -- broken providers fail, in plain words ------------------------------------------------------


class RefundReturnsDict(DummyProvider):
    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        flow = super().refund(payment_id, amount, idempotency_key=idempotency_key)
        yield from flow
        return {"refunded": True}  # type: ignore[return-value]


def test_a_refund_that_returns_a_dict_is_named(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(RefundReturnsDict))

    assert run.failed() == {
        "test_refund_of_the_whole_payment",
        "test_partial_refunds_add_up",
        "test_updates_are_ordered_by_is_newer",
        "test_reused_key_with_other_parameters_is_a_conflict",
    }
    assert (
        "refund(payment_id) returned a dict; a provider must return payments_core.Operation"
        in run.message("test_refund_of_the_whole_payment")
    )


class CaptureDeclaredNotImplemented(DummyProvider):
    capture = PaymentProvider.capture  # type: ignore[assignment]


def test_a_declared_capability_without_its_flow_is_named(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(CaptureDeclaredNotImplemented))

    assert "declares Capability.CAPTURE but does not override capture()" in run.message(
        "test_provider_class_is_well_formed"
    )
    assert "capture() raised UnsupportedOperationError" in run.message("test_flows_are_generators")
    assert "although the provider declares the capability" in run.message(
        "test_capture_of_the_whole_hold"
    )


log = logging.getLogger("leaky_gateway")


class LeaksItsSecret(DummyProvider):
    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        log.debug("signing with %s", self.settings.webhook_secret.get_secret_value())
        return super().create_payment(request)


def test_a_secret_in_a_log_line_is_found(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(LeaksItsSecret))

    assert run.failed() == {"test_secrets_stay_out_of_logs_reprs_and_hooks"}
    message = run.message("test_secrets_stay_out_of_logs_reprs_and_hooks")
    assert (
        "the setting webhook_secret appears in a DEBUG log record of logger 'leaky_gateway': "
        "...signing with <SECRET>..." in message
    )
    assert WEBHOOK_SECRET not in message, "the report never shows the secret itself"


class LogsTheBearerToken(KitProvider):
    def get_payment(self, payment_id: str) -> Flow[Payment]:
        response = yield self.build_request("GET", f"{API}/payments/{payment_id}")
        log.info("answer for %s", response.request.headers.get("Authorization"))
        return self.payment(wire.loads(response.content))


def test_a_credential_seen_on_the_wire_counts_as_a_secret(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(LogsTheBearerToken))

    assert run.failed() == {"test_secrets_stay_out_of_logs_reprs_and_hooks"}
    message = run.message("test_secrets_stay_out_of_logs_reprs_and_hooks")
    assert "answer for Bearer <SECRET>" in message


ACCOUNT_TOKEN = "kitgw-account-token-7d1e90"


class DeclaresItsHeaderInCapitals(KitProvider):
    """Sends an account token in a header of the gateway's own, declared in capitals."""

    sensitive_headers = frozenset({"X-Kit-Account"})

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        kwargs["headers"] = {**kwargs.get("headers", {}), "X-Kit-Account": ACCOUNT_TOKEN}
        return super().build_request(method, url, **kwargs)


def test_a_sensitive_header_declared_in_capitals_is_still_redacted(
    pytester: pytest.Pytester,
) -> None:
    """Header names are case-insensitive: the core lower-cases the declaration once,
    so the account token never reaches a hook payload and the whole suite passes."""
    run = run_suite(pytester, lambda: kit_target(DeclaresItsHeaderInCapitals))

    assert run.failed() == set(), {name: run.texts[name] for name in run.failed()}
    assert run.outcomes["test_secrets_stay_out_of_logs_reprs_and_hooks"] == "passed"


class StatusGoesBackwards(DummyProvider):
    """Reads a paid payment as pending from its second read on (a stale mirror)."""

    seen_paid: set[str] = set()

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        payment = yield from super().get_payment(payment_id)
        if payment.status is not PaymentStatus.CAPTURED:
            return payment
        if payment_id not in self.seen_paid:
            self.seen_paid.add(payment_id)
            return payment
        return payment.model_copy(update={"status": PaymentStatus.PENDING})


def test_a_status_that_moves_backwards_is_named(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(StatusGoesBackwards))

    message = run.message("test_paid_payment_moves_forward")
    assert (
        "the payment moved backwards: captured (after the customer paid) then pending "
        "(after looking again); payments_core.is_newer ranks captured (captured 30.00 GEL) "
        "above pending (captured 30.00 GEL)" in message
    )


class StampsReadTime(DummyProvider):
    """Sets Payment.updated_at to the time of reading instead of the gateway's event time."""

    def get_payment(self, payment_id: str) -> Flow[Payment]:
        payment = yield from super().get_payment(payment_id)
        return payment.model_copy(update={"updated_at": datetime.now(UTC)})


def test_an_event_time_that_is_the_reading_time_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(StampsReadTime))

    assert run.failed() == {"test_updates_are_ordered_by_is_newer"}
    assert (
        "get_payment() read the same unchanged payment twice and payments_core.is_newer ranks "
        "the second read" in run.message("test_updates_are_ordered_by_is_newer")
    )


class TrustsAnyCallback(DummyProvider):
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signed = {**headers, "X-Dummy-Signature": self._sign(body)}
        return super().parse_webhook(signed, body)


def test_a_provider_that_skips_verification_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(TrustsAnyCallback))

    assert run.failed() == {"test_tampered_webhooks_are_rejected"}
    message = run.message("test_tampered_webhooks_are_rejected")
    assert "parse_webhook() of a callback with " in message
    assert (
        "returned a WebhookEvent; expected it to raise WebhookVerificationError (verify the "
        "signature over the raw bytes before reading anything" in message
    )


class TrustsTheBody(ReadBackProvider):
    """Reads the payment back, then lets a status in the body override the gateway's."""

    def event(self, payment: Payment, data: dict[str, Any]) -> WebhookEvent:
        claimed = data.get("status")
        if claimed in set(PaymentStatus):
            payment = payment.model_copy(update={"status": PaymentStatus(claimed)})
        return super().event(payment, data)


def test_a_read_back_provider_that_believes_the_body_is_caught(
    pytester: pytest.Pytester,
) -> None:
    run = run_suite(pytester, lambda: read_back_target(TrustsTheBody))

    assert run.failed() == {"test_read_back_webhooks_trust_only_the_gateway"}
    assert (
        "parse_webhook() of a callback whose body claims status 'refunded' gave a payment "
        "that is not what the gateway answers (status: refunded != captured, event first)"
        in run.message("test_read_back_webhooks_trust_only_the_gateway")
    )


class LetsNotFoundThrough(ReadBackProvider):
    """Reads the payment back, but lets the gateway's 404 out as NotFoundError."""

    def webhook(
        self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
    ) -> Flow[WebhookEvent]:
        data = self.callback_data(body)
        payment = yield from self.get_payment(str(data["payment_id"]))
        return self.event(payment, data)


def test_a_callback_about_an_unknown_payment_must_be_refused(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: read_back_target(LetsNotFoundThrough))

    assert run.failed() == {"test_read_back_webhooks_trust_only_the_gateway"}
    message = run.message("test_read_back_webhooks_trust_only_the_gateway")
    assert (
        "parse_webhook() of a callback about a payment the gateway never issued "
        "(kp_000000000000) raised NotFoundError (code not_found)" in message
    )
    assert "expected WebhookVerificationError" in message


class RetriesInItsFlow(ReadBackProvider):
    """Repeats its create when the gateway does not answer: a keyless gateway pays twice."""

    def create_payment(self, request: PaymentRequest) -> Flow[Payment]:
        build = functools.partial(
            self.build_request,
            "POST",
            f"{API}/payments",
            json={
                "amount": request.amount.amount,
                "currency": request.amount.currency,
                "external_id": request.external_id,
            },
        )
        for tries_left in (2, 1, 0):
            try:
                response = yield build()
                break
            except ProviderUnavailableError:
                if not tries_left:
                    raise
        return self.payment(wire.loads(response.content))


def test_a_keyless_provider_that_retries_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: read_back_target(RetriesInItsFlow))

    assert run.failed() == {"test_keyless_money_requests_are_sent_once"}
    assert (
        "create_payment() when the API answers 503 sent POST https://kitgw.test/payments 3 "
        "times; the gateway has no idempotency keys"
    ) in run.message("test_keyless_money_requests_are_sent_once")


class MakesUpARefund(KitProvider):
    """Reads a refund's answer leniently: anything unreadable becomes a refund with no id."""

    def refund_from(self, data: Any, payment_id: str, idempotency_key: str) -> Operation:
        return super().refund_from(
            {"id": "unknown", "amount": "0.01", "currency": "GEL"}, payment_id, idempotency_key
        )

    def refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> Flow[Operation]:
        response = yield self.build_request(
            "POST",
            f"{API}/payments/{payment_id}/refunds",
            json={} if amount is None else {"amount": amount.amount},
            idempotency_key=idempotency_key,
        )
        try:
            data = wire.loads(response.content)
            return KitProvider.refund_from(self, data, payment_id, idempotency_key)
        except (ValueError, KeyError):
            return self.refund_from({}, payment_id, idempotency_key)


def test_a_result_made_up_from_an_unreadable_answer_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(MakesUpARefund))

    assert run.failed() == {"test_unreadable_answers_to_money_requests_are_unknown_outcomes"}
    assert (
        "refund() of a captured payment when the API's 2xx answer is cut off halfway returned "
        "an Operation; expected it to raise OutcomeUnknownError: the request was carried out "
        "but its answer cannot be read"
    ) in run.message("test_unreadable_answers_to_money_requests_are_unknown_outcomes")


class RepairsImpossibleAmounts(KitProvider):
    """Turns negative amounts positive and caps refunds at what was paid."""

    def payment(self, data: dict[str, Any]) -> Payment:
        fixed = dict(data)
        for key in ("amount", "captured", "refunded"):
            if fixed.get(key) is not None:
                fixed[key] = str(abs(Decimal(fixed[key])))
        if fixed.get("refunded") is not None and fixed.get("captured") is not None:
            fixed["refunded"] = str(min(Decimal(fixed["refunded"]), Decimal(fixed["captured"])))
        return super().payment(fixed)


def test_a_provider_that_repairs_impossible_answers_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(RepairsImpossibleAmounts))

    assert run.failed() == {"test_implausible_answers_are_refused"}
    assert (
        "get_payment() when the API answers its amounts negated (-30.00 GEL) returned a "
        "Payment (captured (captured 30.00 GEL)); pass the gateway's numbers on as they are"
    ) in run.message("test_implausible_answers_are_refused")


class UnknownIsABadRequest(KitProvider):
    def error_for_response(self, response: httpx.Response) -> PaymentError:
        return InvalidRequestError("the gateway said no", provider=self.name)


def test_errors_mapped_to_the_wrong_class_are_listed(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(UnknownIsABadRequest))

    assert "test_unknown_payment_is_not_found" in run.failed()
    assert "raised InvalidRequestError (code invalid_request)" in run.message(
        "test_unknown_payment_is_not_found"
    )
    mapping = run.message("test_http_errors_map_to_the_error_tree")
    for answer, expected in [
        ("500", "ProviderUnavailableError"),
        ("429 with Retry-After: 0", "RateLimitedError"),
        ("401", "AuthenticationError"),
        ("404", "NotFoundError"),
    ]:
        assert f"get_payment() when the API answers {answer} raised InvalidRequestError" in mapping
        assert f"expected {expected}" in mapping


class MintsItsOwnKey(KitProvider):
    def create_key(self, request: PaymentRequest) -> str:
        return str(uuid.uuid4())


def test_a_create_that_ignores_the_requests_key_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(MintsItsOwnKey))

    assert "test_idempotency_keys_survive_retries" in run.failed()
    assert "but not PaymentRequest.idempotency_key" in run.message(
        "test_idempotency_keys_survive_retries"
    )
    assert "from two facades, made two payments" in run.message(
        "test_same_idempotency_key_creates_one_payment"
    )


class SaysKeysButSendsNone(KitProvider):
    """Declares keys, but builds its requests without them."""

    def build_request(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        kwargs.pop("idempotency_key", None)
        return super().build_request(method, url, **kwargs)


def test_a_provider_that_declares_keys_it_does_not_send_is_caught(
    pytester: pytest.Pytester,
) -> None:
    run = run_suite(pytester, lambda: kit_target(SaysKeysButSendsNone))

    assert run.failed() == KEYED_ONLY
    assert (
        "create_payment() sent no request carrying the Idempotency-Key header although the "
        "provider declares honours_idempotency_keys = True"
    ) in run.message("test_idempotency_keys_survive_retries")


class RekeyingAuth(BearerAuth):
    """Stamps a fresh idempotency key on every attempt: retries become new requests."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "Idempotency-Key" in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        yield from super().auth_flow(request)


class KeyChangesOnRetry(KitProvider):
    @property
    def auth(self) -> httpx.Auth:
        return RekeyingAuth(self.settings.api_key)


def test_a_key_that_changes_between_attempts_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(KeyChangesOnRetry))

    message = run.message("test_idempotency_keys_survive_retries")
    assert (
        "the Idempotency-Key header changed between attempts of POST https://kitgw.test/payments"
        in (message)
    )


class IgnoresFingerprints(MemoryIdempotencyStore):
    """An idempotency store that replays a key's outcome whatever the key is used for."""

    def __init__(self) -> None:
        super().__init__()
        self.first_use: dict[tuple[str, str], Fingerprint] = {}

    def claim(self, gateway: str, key: str, fingerprint: Fingerprint) -> Claim:
        recorded = self.first_use.setdefault((gateway, key), fingerprint)
        return super().claim(gateway, key, recorded)

    def __bool__(self) -> bool:
        # MemoryIdempotencyStore defines __len__, so an empty one is false, and the
        # facade's ``idempotency_store or MemoryIdempotencyStore()`` would drop it.
        return True


def test_a_store_that_ignores_what_a_key_was_for_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: kit_target(idempotency_store=IgnoresFingerprints))

    assert run.failed() == {"test_reused_key_with_other_parameters_is_a_conflict"}
    assert (
        "create_payment() of another request under the key of the first returned a Payment; "
        "expected it to raise InvalidRequestError (code idempotency_conflict"
    ) in run.message("test_reused_key_with_other_parameters_is_a_conflict")


def test_a_target_that_is_not_a_conformance_target_is_refused(
    pytester: pytest.Pytester,
) -> None:
    run = run_suite(pytester, lambda: {"provider": "dummy"})  # type: ignore[arg-type,return-value]

    assert set(run.outcomes.values()) == {"failed"}
    assert "the payments_conformance fixture returned a dict" in run.texts[SCENARIOS[0]]


def test_a_scenario_can_be_skipped_with_a_reason(pytester: pytest.Pytester) -> None:
    def target() -> ConformanceTarget:
        skip = {"test_idempotency_keys_survive_retries": "Acme has no idempotency keys"}
        return ConformanceTarget(**{**vars(kit_target()), "skip": skip})

    run = run_suite(pytester, target)

    assert run.outcomes["test_idempotency_keys_survive_retries"] == "skipped"
    assert "Acme has no idempotency keys" in run.texts["test_idempotency_keys_survive_retries"]


def test_without_the_fixture_the_plugin_says_what_to_define(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "from payments_core.testing import ConformanceSuite\n\n\n"
        "class TestForgotten(ConformanceSuite):\n"
        "    pass\n"
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-k", "well_formed"
    )

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs a fixture named payments_conformance*"])


# -- the structural check on its own ---------------------------------------------------------------


def test_the_bundled_providers_are_well_formed() -> None:
    assert check_provider_class(DummyProvider) == []
    assert check_provider_class(KitProvider) == []
    assert check_provider_class(ReadBackProvider) == []


class PlainKeySettings(ProviderSettings):
    api_key: str
    token_url: str = "https://example.test/token"
    callback_public_key: str | None = None


class Malformed(PaymentProvider):
    name = "Bad Name"
    settings_model = PlainKeySettings
    capabilities = frozenset({"create", Capability.PARTIAL_REFUND})  # type: ignore[arg-type]

    def get_payment(self, payment_id: str, extra: str) -> Flow[Payment]:  # type: ignore[override]
        raise NotImplementedError


def test_structural_problems_are_listed_in_plain_words() -> None:
    problems = check_provider_class(Malformed)

    assert problems == [
        "Malformed.name 'Bad Name' is not a lowercase identifier (a-z, 0-9, _, starting with a "
        "letter); it is the entry-point name users put in their configuration",
        "setting 'api_key' of PlainKeySettings looks like a secret but is not a pydantic "
        "SecretStr; make it SecretStr so it never shows in a repr or log",
        "Malformed.capabilities contains 'create' (str); use the payments_core.Capability members",
        "Malformed declares Capability.PARTIAL_REFUND without Capability.REFUND; a partial "
        "operation needs the whole one",
        "Malformed declares Capability.CREATE but does not override create_payment(); implement "
        "the flow or remove the capability",
        "Malformed overrides get_payment() but does not declare Capability.RETRIEVE; the facade "
        "refuses undeclared operations, so declare it (or drop the method)",
        "Malformed does not say whether its gateway honours idempotency keys; set "
        "honours_idempotency_keys = True when a repeat carrying the same key gets the first "
        "outcome back (money-moving requests are then retried under their key), or False when "
        "it has no keys (each is then sent exactly once)",
    ]


def test_a_webhook_override_must_be_a_flow() -> None:
    class PlainWebhook(ReadBackProvider):
        def webhook(  # type: ignore[override]
            self, headers: Mapping[str, str], body: bytes, *, remote_addr: str | None = None
        ) -> WebhookEvent:
            raise NotImplementedError

    (problem,) = check_provider_class(PlainWebhook)

    assert problem.endswith(
        "PlainWebhook.webhook() must be a flow: a generator that yields the read of the "
        "payment and returns the WebhookEvent (or returns at once for a signed callback)"
    )


def test_webhooks_need_either_way_of_verifying() -> None:
    class NoCallbacks(KitBase):
        name = "nocallbacks"
        honours_idempotency_keys = False

    (problem,) = check_provider_class(NoCallbacks)

    assert "declares Capability.WEBHOOKS but overrides neither parse_webhook()" in problem
    assert check_provider_class(ReadBackProvider) == []


def test_a_flow_with_the_wrong_signature_is_named() -> None:
    class OddRefund(DummyProvider):
        def refund(self, payment_id: str, amount: Money | None) -> Flow[Operation]:  # type: ignore[override]
            raise NotImplementedError

    (problem,) = check_provider_class(OddRefund)

    assert problem.startswith(
        "test_a_flow_with_the_wrong_signature_is_named.<locals>.OddRefund.refund() cannot be "
        "called the way the facade calls it (refund(payment_id, amount, idempotency_key=...))"
    )


def test_a_non_provider_is_refused() -> None:
    assert check_provider_class(dict) == [
        "<class 'dict'> is not a subclass of payments_core.PaymentProvider"
    ]


def test_default_request_follows_the_currency() -> None:
    assert default_request().amount == Money("30.00", "GEL")
    assert default_request(currency="JPY").amount == Money("30", "JPY")
    assert default_request(currency="KWD").items[0].unit_price == Money("10.000", "KWD")
    assert default_request(capture=CaptureMode.MANUAL).capture is CaptureMode.MANUAL
