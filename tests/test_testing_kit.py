"""The conformance kit catches broken providers, and says what is wrong in plain words.

Each test runs the real suite (``ConformanceSuite``) in an inline pytest session
(``pytester``) against a provider defined here: a correct small HTTP provider
("kitgw", behind ``httpx.MockTransport``), the dummy, and variants of both broken
on purpose. The broken variant must fail exactly the scenarios that concern its
bug, with a message naming the bug; the rest of the suite must still pass.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
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
    Flow,
    InvalidRequestError,
    InvalidStateError,
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
    WebhookEvent,
    WebhookVerificationError,
    wire,
)
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


# -- a correct provider: small, over HTTP ----------------------------------------------------


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


class KitProvider(PaymentProvider):
    """A gateway with create, retrieve, (partial) refunds and signed webhooks."""

    name = "kitgw"
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
        data = wire.loads(response.content)
        return Operation(
            id=data["id"],
            kind=OperationKind.REFUND,
            status=OperationStatus.SUCCEEDED,
            payment_id=payment_id,
            provider=self.name,
            amount=Money(data["amount"], data["currency"]),
            idempotency_key=idempotency_key,
        )

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


@dataclass
class FakeKitApi:
    """The gateway behind ``httpx.MockTransport``: payments, refunds, keys, signed callbacks."""

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
        body = wire.dumps(
            {
                "event_id": f"ev_{payment_id}_{self.payments[payment_id]['state']}",
                "sent_at": "2025-01-01T10:00:00Z",
                "payment": self.payments[payment_id],
            }
        )
        signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", SIGNATURE: signature}, body


def kit_target(provider_class: type[KitProvider] = KitProvider) -> ConformanceTarget:
    api = FakeKitApi()
    return ConformanceTarget(
        make_provider=lambda: provider_class.from_settings(
            api_key=API_KEY, webhook_secret=WEBHOOK_SECRET
        ),
        transport=lambda: httpx.MockTransport(api.handle),
        customer_pays=lambda payments, payment, outcome: api.pay(payment.id, outcome),
        webhook_for=lambda payments, payment: api.callback(payment.id),
        unknown_payment_id="kp_000000000000",
    )


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


# -- a correct provider passes -------------------------------------------------------------------


def test_a_correct_http_provider_passes_the_whole_suite(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, kit_target)

    assert run.failed() == set(), {name: run.texts[name] for name in run.failed()}
    skipped = {name for name, outcome in run.outcomes.items() if outcome == "skipped"}
    assert skipped == {
        "test_capture_of_the_whole_hold",
        "test_partial_capture",
        "test_capture_of_a_payment_not_authorized_is_refused",
        "test_void_releases_the_hold",
        "test_void_of_a_payment_not_authorized_is_refused",
    }
    assert "does not declare Capability.CAPTURE" in run.texts["test_capture_of_the_whole_hold"]


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

    assert run.failed() == {"test_refund_of_the_whole_payment", "test_partial_refunds_add_up"}
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

    assert (
        "the status moved backwards: captured (after the customer paid) then pending "
        "(after looking again)" in run.message("test_paid_payment_moves_forward")
    )


class TrustsAnyCallback(DummyProvider):
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signed = {**headers, "X-Dummy-Signature": self._sign(body)}
        return super().parse_webhook(signed, body)


def test_a_provider_that_skips_verification_is_caught(pytester: pytest.Pytester) -> None:
    run = run_suite(pytester, lambda: dummy_target(TrustsAnyCallback))

    assert run.failed() == {"test_tampered_webhooks_are_rejected"}
    assert (
        "parse_webhook() of a callback with a space appended to its body returned a "
        "WebhookEvent; expected it to raise WebhookVerificationError (verify the signature "
        "over the raw bytes before reading anything)"
    ) in run.message("test_tampered_webhooks_are_rejected")


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
    assert "made two payments" in run.message("test_same_idempotency_key_creates_one_payment")


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
    ]


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
