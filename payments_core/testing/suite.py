"""The provider conformance suite: one class a provider package subclasses in its tests.

A provider package runs the whole suite against itself with a fixture and one class::

    # tests/test_conformance.py
    import pytest
    from payments_core.testing import ConformanceSuite, ConformanceTarget

    @pytest.fixture
    def payments_conformance() -> ConformanceTarget:
        return ConformanceTarget(make_provider=..., customer_pays=..., transport=...)

    class TestAcmeConformance(ConformanceSuite):
        \"\"\"Acme keeps the payments_core provider contract.\"\"\"

pytest collects the inherited scenarios under the subclass (the base class's name
does not start with ``Test``, so it is never collected by itself); this works with
``--import-mode=importlib``. Scenarios follow the capabilities the provider
declares: one that needs an undeclared capability, or HTTP from a provider that
sends none, is skipped with the reason. Every failure says in plain words what the
provider did and what the contract asks for.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, TypeVar

import pytest

from payments_core.errors import (
    ErrorCode,
    InvalidStateError,
    NotFoundError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.models import OperationKind, Payment, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.checks import FLOW_CAPABILITIES, check_provider_class
from payments_core.testing.harness import (
    HookRecorder,
    Session,
    StatusTrail,
    async_transport_of,
    build_provider,
    capabilities_of,
    declared,
    describe,
    describe_error,
    error_haystacks,
    expect_payment,
    expect_raises,
    expect_status,
    fail,
    find_leaks,
    known_secrets,
    log_haystacks,
    open_async_session,
    open_session,
    portion,
    run,
    run_async,
)
from payments_core.testing.steps import (
    BEFORE_PAYMENT,
    HTTP_ERROR_CASES,
    change_one_char,
    check_keyed,
    create,
    look,
    mapping_problem,
    new_key,
    operate,
    paid_payment,
    settle,
    tampered_body,
)
from payments_core.testing.target import ConformanceTarget

__all__ = ["SCENARIOS", "ConformanceSuite"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
S = PaymentStatus

_NEEDS_ATTR: Final = "_payments_conformance_needs"


def _needs(*capabilities: Capability, http: bool = False) -> Callable[[F], F]:
    """Declare what a scenario needs; the suite skips it (with the reason) otherwise."""

    def mark(function: F) -> F:
        setattr(function, _NEEDS_ATTR, (capabilities, http))
        return function

    return mark


class ConformanceSuite:
    """The payments_core provider contract as pytest scenarios (see the module docs).

    Subclass it as ``Test<Provider>Conformance`` next to a ``payments_conformance``
    fixture that returns a :class:`~payments_core.testing.ConformanceTarget`.
    """

    pytestmark = [pytest.mark.payments_conformance]

    # -- fixtures ----------------------------------------------------------------------

    @pytest.fixture
    def conformance_target(self, payments_conformance: object) -> ConformanceTarget:
        """The provider package's ``payments_conformance`` fixture, type-checked."""
        if not isinstance(payments_conformance, ConformanceTarget):
            pytest.fail(
                f"the payments_conformance fixture returned {describe(payments_conformance)}; "
                "it must return payments_core.testing.ConformanceTarget",
                pytrace=False,
            )
        return payments_conformance

    @pytest.fixture(autouse=True)
    def _conformance_gate(
        self, request: pytest.FixtureRequest, conformance_target: ConformanceTarget
    ) -> None:
        """Skip what the target opted out of, or what the provider does not declare."""
        unknown = sorted(set(conformance_target.skip) - set(SCENARIOS))
        if unknown:
            pytest.fail(
                f"ConformanceTarget.skip names unknown scenarios: {', '.join(unknown)} "
                f"(known: {', '.join(SCENARIOS)})",
                pytrace=False,
            )
        name = request.function.__name__
        if name in conformance_target.skip:
            pytest.skip(f"skipped by ConformanceTarget.skip: {conformance_target.skip[name]}")
        capabilities, http = getattr(request.function, _NEEDS_ATTR, ((), False))
        if http and conformance_target.transport is None:
            pytest.skip(
                "the provider sends no HTTP (ConformanceTarget.transport is None): "
                "there is no wire to watch"
            )
        if capabilities:
            have = capabilities_of(conformance_target)
            missing = [c for c in capabilities if c.value not in have]
            if missing:
                names = ", ".join(f"Capability.{c.name}" for c in missing)
                pytest.skip(f"the provider does not declare {names}")

    # -- structure -----------------------------------------------------------------------

    def test_provider_class_is_well_formed(self, conformance_target: ConformanceTarget) -> None:
        """Name, settings model, capabilities and flow signatures (check_provider_class)."""
        provider = build_provider(conformance_target)
        provider.close()
        cls = type(provider)
        problems = check_provider_class(cls)
        if problems:
            fail(
                f"{cls.__qualname__} has {len(problems)} structural problem(s):\n- "
                + "\n- ".join(problems)
            )

    def test_flows_are_generators(self, conformance_target: ConformanceTarget) -> None:
        """Each declared operation returns a flow (a generator) without failing on good input."""
        target = conformance_target
        provider = build_provider(target)
        unknown = target.unknown_payment_id
        calls: dict[str, Callable[[], object]] = {
            "create_payment": lambda: provider.create_payment(target.make_request()),
            "get_payment": lambda: provider.get_payment(unknown),
            "refund": lambda: provider.refund(unknown, None, idempotency_key=new_key("refund")),
            "capture": lambda: provider.capture(unknown, None, idempotency_key=new_key("capture")),
            "void": lambda: provider.void(unknown, idempotency_key=new_key("void")),
        }
        declares = declared(provider)
        problems = []
        try:
            for method, call in calls.items():
                capability = FLOW_CAPABILITIES[method]
                if capability.value not in declares:
                    continue
                try:
                    flow = call()
                except UnsupportedOperationError:
                    problems.append(
                        f"the provider declares Capability.{capability.name} but {method}() "
                        "raised UnsupportedOperationError: implement the flow or remove the "
                        "capability"
                    )
                    continue
                except Exception as exc:
                    problems.append(
                        f"{method}() raised {describe_error(exc)} when called with valid input "
                        "(is ConformanceTarget.unknown_payment_id a well-formed id for it?)"
                    )
                    continue
                if inspect.isgenerator(flow):
                    flow.close()
                else:
                    problems.append(
                        f"{method}() returned {describe(flow)}; a flow must be a generator that "
                        "yields httpx.Request objects and returns the result "
                        "(response = yield self.build_request(...))"
                    )
        finally:
            provider.close()
        if problems:
            fail("\n".join(problems))

    # -- creating and reading ------------------------------------------------------------

    @_needs(Capability.CREATE)
    def test_create_payment_returns_a_normalized_payment(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            created = create(s, conformance_target.make_request())
            expect_status(created, BEFORE_PAYMENT, "create_payment() before the customer paid")

    @_needs(Capability.CREATE)
    def test_same_idempotency_key_creates_one_payment(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """A create repeated with the same request (same key) must not make a second payment."""
        with open_session(conformance_target) as s:
            request = conformance_target.make_request()
            first, again = create(s, request), create(s, request)
            if again.id != first.id:
                fail(
                    "create_payment() sent twice with the same PaymentRequest (same "
                    f"idempotency_key) made two payments, {first.id} and {again.id}; send the "
                    "request's idempotency_key so the provider answers a repeat with the "
                    "first payment"
                )

    @_needs(Capability.CREATE, Capability.RETRIEVE)
    def test_get_payment_reads_the_same_payment(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request = conformance_target.make_request()
            created = create(s, request, trail)
            fetched = look(s, created, request, "create_payment()", trail)
            expect_status(fetched, BEFORE_PAYMENT, "get_payment() before the customer paid")

    @_needs(Capability.RETRIEVE)
    def test_unknown_payment_is_not_found(self, conformance_target: ConformanceTarget) -> None:
        """An id the provider never issued: NotFoundError from every operation on it."""
        unknown = conformance_target.unknown_payment_id
        with open_session(conformance_target) as s:
            payments = s.payments
            checks: list[tuple[Capability, str, Callable[[], object]]] = [
                (Capability.RETRIEVE, "get_payment", lambda: payments.get_payment(unknown)),
                (Capability.REFUND, "refund", lambda: payments.refund(unknown)),
                (Capability.CAPTURE, "capture", lambda: payments.capture(unknown)),
                (Capability.VOID, "void", lambda: payments.void(unknown)),
            ]
            for capability, method, call in checks:
                if s.declares(capability):
                    expect_raises(
                        f"{method}() of a payment id the provider never issued ({unknown})",
                        NotFoundError,
                        call,
                        codes=[ErrorCode.NOT_FOUND],
                        provider=s.name,
                        why="map the provider's 'no such payment' answer to NotFoundError",
                    )

    # -- the customer's step ---------------------------------------------------------------

    @_needs(Capability.CREATE, Capability.RETRIEVE)
    def test_paid_payment_moves_forward(self, conformance_target: ConformanceTarget) -> None:
        """pending -> captured once the customer pays, and it stays there."""
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, paid = paid_payment(s, trail)
            if not paid.is_paid:
                fail(f"a captured payment must count as paid (status {paid.status.value})")
            look(s, paid, request, "looking again", trail)

    @_needs(Capability.CREATE, Capability.RETRIEVE)
    def test_declined_payment_is_final_with_a_reason(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request = conformance_target.make_request()
            created = create(s, request, trail)
            s.customer_pays(created, "decline")
            declined = look(s, created, request, "the customer's card was declined", trail)
            expect_status(declined, [S.DECLINED], "get_payment() after a declined card")
            if declined.decline is None:
                fail(
                    "a declined payment must say why: Payment.decline is None (set a Decline "
                    "with a normalized DeclineCode and the provider's own code)"
                )

    # -- refunds -----------------------------------------------------------------------------

    @_needs(Capability.CREATE, Capability.REFUND)
    def test_refund_of_the_whole_payment(self, conformance_target: ConformanceTarget) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, paid = paid_payment(s, trail)
            op = operate(s, OperationKind.REFUND, paid, covers=request.amount)
            settle(
                s,
                trail,
                request,
                paid,
                op,
                "a full refund",
                done=S.REFUNDED,
                meanwhile=(S.REFUND_PENDING,),
                amount_field="refunded_amount",
                amount=request.amount,
            )

    @_needs(Capability.CREATE, Capability.PARTIAL_REFUND)
    def test_partial_refunds_add_up(self, conformance_target: ConformanceTarget) -> None:
        """Refund part, then the rest: partially_refunded, then refunded."""
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, paid = paid_payment(s, trail)
            part = portion(request.amount, 2, 5)
            if part is None:
                pytest.skip("the request's amount is too small to split")
            first = operate(s, OperationKind.REFUND, paid, part, covers=part)
            settle(
                s,
                trail,
                request,
                paid,
                first,
                f"refunding {part} of {request.amount}",
                done=S.PARTIALLY_REFUNDED,
                meanwhile=(S.REFUND_PENDING,),
                amount_field="refunded_amount",
                amount=part,
            )
            rest = operate(s, OperationKind.REFUND, paid, covers=request.amount - part)
            settle(
                s,
                trail,
                request,
                paid,
                rest,
                "refunding the rest",
                done=S.REFUNDED,
                meanwhile=(S.REFUND_PENDING, S.PARTIALLY_REFUNDED),
                amount_field="refunded_amount",
                amount=request.amount,
            )

    @_needs(Capability.CREATE, Capability.REFUND)
    def test_refund_of_an_unpaid_payment_is_refused(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            created = create(s, conformance_target.make_request())
            expect_raises(
                f"refund() of an unpaid payment ({created.status.value})",
                InvalidStateError,
                lambda: s.payments.refund(created.id),
                provider=s.name,
                why="nothing was paid, so nothing can be refunded",
            )

    @_needs(Capability.CREATE, Capability.PARTIAL_REFUND)
    def test_refund_above_what_is_left_is_refused(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, paid = paid_payment(s, trail)
            too_much = request.amount + Money.from_minor_units(1, request.amount.currency)
            expect_raises(
                f"refund(payment_id, {too_much}) of a payment of {request.amount}",
                InvalidStateError,
                lambda: s.payments.refund(paid.id, too_much),
                codes=[ErrorCode.AMOUNT_EXCEEDS_AVAILABLE, ErrorCode.INVALID_STATE],
                provider=s.name,
                why="more than was paid cannot be refunded",
            )
            if s.declares(Capability.RETRIEVE):
                after = look(s, paid, request, "the refused refund", trail)
                if after.refunded_amount is not None and after.refunded_amount.is_positive():
                    fail(f"a refused refund still refunded {after.refunded_amount}")

    # -- pre-authorization ---------------------------------------------------------------

    @_needs(Capability.CREATE, Capability.CAPTURE)
    def test_capture_of_the_whole_hold(self, conformance_target: ConformanceTarget) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, held = paid_payment(s, trail, manual=True)
            op = operate(s, OperationKind.CAPTURE, held, covers=request.amount)
            settle(
                s,
                trail,
                request,
                held,
                op,
                "capturing the whole hold",
                done=S.CAPTURED,
                meanwhile=(S.AUTHORIZED,),
                amount_field="captured_amount",
                amount=request.amount,
            )

    @_needs(Capability.CREATE, Capability.PARTIAL_CAPTURE)
    def test_partial_capture(self, conformance_target: ConformanceTarget) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, held = paid_payment(s, trail, manual=True)
            part = portion(request.amount, 2, 3)
            if part is None:
                pytest.skip("the request's amount is too small to split")
            op = operate(s, OperationKind.CAPTURE, held, part, covers=part)
            settle(
                s,
                trail,
                request,
                held,
                op,
                f"capturing {part} of {request.amount}",
                done=S.PARTIALLY_CAPTURED,
                meanwhile=(S.AUTHORIZED,),
                amount_field="captured_amount",
                amount=part,
            )

    @_needs(Capability.CREATE, Capability.CAPTURE)
    def test_capture_of_a_payment_not_authorized_is_refused(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            _request, paid = paid_payment(s, StatusTrail())
            expect_raises(
                f"capture() of a payment that is {paid.status.value}, not authorized",
                InvalidStateError,
                lambda: s.payments.capture(paid.id),
                provider=s.name,
                why="only a held (authorized) payment can be captured",
            )

    @_needs(Capability.CREATE, Capability.VOID)
    def test_void_releases_the_hold(self, conformance_target: ConformanceTarget) -> None:
        with open_session(conformance_target) as s:
            trail = StatusTrail()
            request, held = paid_payment(s, trail, manual=True)
            op = operate(s, OperationKind.VOID, held, covers=request.amount)
            after = settle(
                s, trail, request, held, op, "void()", done=S.CANCELED, meanwhile=(S.AUTHORIZED,)
            )
            if after is not None and after.is_paid:
                fail(f"a voided payment counts as paid (status {after.status.value})")

    @_needs(Capability.CREATE, Capability.VOID)
    def test_void_of_a_payment_not_authorized_is_refused(
        self, conformance_target: ConformanceTarget
    ) -> None:
        with open_session(conformance_target) as s:
            _request, paid = paid_payment(s, StatusTrail())
            expect_raises(
                f"void() of a payment that is {paid.status.value}, not authorized",
                InvalidStateError,
                lambda: s.payments.void(paid.id),
                provider=s.name,
                why="only a held (authorized) payment can be voided",
            )

    # -- capabilities ----------------------------------------------------------------------

    def test_undeclared_operations_are_refused_before_sending(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """Each operation the provider does not declare: UnsupportedOperationError, nothing sent."""
        with open_session(conformance_target) as s:
            payments = s.payments
            pid = conformance_target.unknown_payment_id
            some = conformance_target.make_request().amount
            checks: list[tuple[Capability, str, Callable[[], object]]] = [
                (
                    Capability.CREATE,
                    "create_payment(request)",
                    lambda: payments.create_payment(conformance_target.make_request()),
                ),
                (Capability.RETRIEVE, "get_payment(id)", lambda: payments.get_payment(pid)),
                (Capability.REFUND, "refund(id)", lambda: payments.refund(pid)),
                (
                    Capability.PARTIAL_REFUND,
                    "refund(id, amount)",
                    lambda: payments.refund(pid, some),
                ),
                (Capability.CAPTURE, "capture(id)", lambda: payments.capture(pid)),
                (
                    Capability.PARTIAL_CAPTURE,
                    "capture(id, amount)",
                    lambda: payments.capture(pid, some),
                ),
                (Capability.VOID, "void(id)", lambda: payments.void(pid)),
                (
                    Capability.WEBHOOKS,
                    "parse_webhook(headers, body)",
                    lambda: payments.parse_webhook({}, b"{}"),
                ),
            ]
            undeclared = [check for check in checks if not s.declares(check[0])]
            if not undeclared:
                pytest.skip("the provider declares every operation the facades offer")
            for capability, what, call in undeclared:
                mark = s.wire.mark()
                expect_raises(
                    what,
                    UnsupportedOperationError,
                    call,
                    codes=[ErrorCode.UNSUPPORTED_OPERATION],
                    why=f"the provider does not declare Capability.{capability.name}",
                )
                sent = s.wire.since(mark)
                if sent:
                    fail(
                        f"{what} sent {len(sent)} request(s) (first: {sent[0].method} "
                        f"{sent[0].url}) although Capability.{capability.name} is not declared"
                    )

    # -- webhooks ------------------------------------------------------------------------------

    @_needs(Capability.CREATE, Capability.WEBHOOKS)
    def test_genuine_webhook_is_accepted(self, conformance_target: ConformanceTarget) -> None:
        """A genuine callback parses to an event for the payment, with a stable dedupe id."""
        with open_session(conformance_target) as s:
            request, paid = paid_payment(s, StatusTrail())
            headers, body = s.webhook(paid)
            what = "parse_webhook() of a genuine callback"
            event = run(what, lambda: s.payments.parse_webhook(headers, body))
            if not isinstance(event, WebhookEvent):
                fail(f"{what} returned {describe(event)}; a provider must return WebhookEvent")
            if event.provider != s.name:
                fail(f"{what} returned an event with provider {event.provider!r}, not {s.name!r}")
            if not event.id.strip():
                fail(f"{what} returned an event with an empty id; the id is a dedupe key")
            expect_payment(event.payment, f"{what} (its payment)", s.name, payment_id=paid.id)
            again = run(f"{what}, a second time", lambda: s.payments.parse_webhook(headers, body))
            if again.id != event.id:
                fail(
                    f"the same callback parsed twice gave event ids {event.id!r} and "
                    f"{again.id!r}; the id is a dedupe key: the same delivery must keep it"
                )
            if s.declares(Capability.RETRIEVE):
                trail = StatusTrail()
                trail.add("the callback", event.payment)
                look(s, paid, request, "the callback", trail)

    @_needs(Capability.CREATE, Capability.WEBHOOKS)
    def test_tampered_webhooks_are_rejected(self, conformance_target: ConformanceTarget) -> None:
        """Changed body, missing or altered signature: WebhookVerificationError every time."""
        with open_session(conformance_target) as s:
            _request, paid = paid_payment(s, StatusTrail())
            headers, body = s.webhook(paid)
            run(
                "parse_webhook() of a genuine callback",
                lambda: s.payments.parse_webhook(headers, body),
            )
            unsigned = {k: v for k, v in headers.items() if k.lower() == "content-type"}
            forged = {
                k: v if k.lower() == "content-type" else change_one_char(v)
                for k, v in headers.items()
            }
            tamperings: list[tuple[str, dict[str, str], bytes]] = [
                ("one character of its body changed", headers, tampered_body(body)),
                ("a space appended to its body", headers, body + b" "),
                ("an empty body", headers, b""),
                ("its signature headers removed", unsigned, body),
                ("its signature altered", forged, body),
            ]
            for description, bad_headers, bad_body in tamperings:
                expect_raises(
                    f"parse_webhook() of a callback with {description}",
                    WebhookVerificationError,
                    functools.partial(s.payments.parse_webhook, bad_headers, bad_body),
                    codes=[ErrorCode.WEBHOOK_SIGNATURE_INVALID, ErrorCode.WEBHOOK_MALFORMED],
                    provider=s.name,
                    why="verify the signature over the raw bytes before reading anything",
                )

    # -- the wire -------------------------------------------------------------------------------

    @_needs(Capability.CREATE, http=True)
    def test_idempotency_keys_survive_retries(self, conformance_target: ConformanceTarget) -> None:
        """The kit answers 503 to the first attempt of every keyed request. The retry must
        carry the same key and body, and the key must be the caller's: the request's for a
        create; for refund, capture and void, the one passed in (when they send one)."""
        with open_session(conformance_target, fail_first_keyed=True) as s:
            request = conformance_target.make_request()
            check_keyed(
                s,
                "create_payment()",
                request.idempotency_key,
                lambda: s.payments.create_payment(request),
                "PaymentRequest.idempotency_key",
            )
            for kind, capability, manual in (
                (OperationKind.REFUND, Capability.REFUND, False),
                (OperationKind.CAPTURE, Capability.CAPTURE, True),
                (OperationKind.VOID, Capability.VOID, True),
            ):
                if not s.declares(capability):
                    continue
                _request, paid = paid_payment(s, StatusTrail(), manual=manual)
                key = new_key(kind.value)
                method = getattr(s.payments, kind.value)
                check_keyed(
                    s,
                    f"{kind.value}()",
                    key,
                    functools.partial(method, paid.id, idempotency_key=key),
                    "the idempotency_key the facade passes to the flow",
                    required=False,
                )

    @_needs(Capability.RETRIEVE, http=True)
    def test_http_errors_map_to_the_error_tree(self, conformance_target: ConformanceTarget) -> None:
        """What get_payment() raises when the API answers an error status, or garbage."""
        problems = [
            problem
            for case in HTTP_ERROR_CASES
            if (problem := mapping_problem(conformance_target, *case)) is not None
        ]
        if problems:
            fail("errors are not mapped to the error tree:\n- " + "\n- ".join(problems))

    # -- secrets --------------------------------------------------------------------------------

    def test_secrets_stay_out_of_logs_reprs_and_hooks(
        self, conformance_target: ConformanceTarget, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A whole lifecycle at DEBUG: no secret in a log line, repr, error or hook payload."""
        caplog.set_level(logging.DEBUG)
        recorder = HookRecorder()
        haystacks: list[tuple[str, str]] = []
        with open_session(conformance_target, plugins=[recorder]) as s:
            for what, result in _exercise_everything(s, haystacks):
                haystacks.append((f"the result of {what}", repr(result)))
            settings = s.provider.settings
            haystacks += [
                ("repr(provider)", repr(s.provider)),
                ("str(provider)", str(s.provider)),
                ("repr(settings)", repr(settings)),
                ("str(settings)", str(settings)),
                ("settings.model_dump()", repr(settings.model_dump())),
                ("settings.model_dump_json()", settings.model_dump_json()),
                ("repr(facade)", repr(s.payments)),
                ("repr(provider.auth)", repr(s.provider.auth)),
            ]
            secrets = known_secrets(conformance_target, s.provider, s.wire)
        if not secrets:
            pytest.skip(
                "no secrets to look for: no SecretStr settings, no credentials on the wire "
                "and ConformanceTarget.secrets is empty"
            )
        haystacks += recorder.payloads
        haystacks += log_haystacks(caplog.records)
        leaks = find_leaks(secrets, haystacks)
        if leaks:
            fail("secrets leaked:\n- " + "\n- ".join(leaks))

    # -- the async facade ----------------------------------------------------------------------

    @_needs(Capability.CREATE)
    def test_async_facade_runs_the_same_flows(self, conformance_target: ConformanceTarget) -> None:
        """The same provider behind AsyncPayments: same flows, same normalized results."""
        target = conformance_target
        inner = async_transport_of(target)
        if target.transport is not None and inner is None:
            pytest.skip(
                "no async transport: set ConformanceTarget.async_transport (the sync "
                "transport() is not async-capable)"
            )

        async def scenario() -> None:
            async with open_async_session(target, inner) as a:
                name, request = a.provider.name, target.make_request()
                what = "AsyncPayments.create_payment()"
                created = await _arun(what, lambda: a.payments.create_payment(request))
                expect_payment(created, what, name, request=request)
                expect_status(created, BEFORE_PAYMENT, what)
                if Capability.RETRIEVE.value not in declared(a.provider):
                    return
                what = "AsyncPayments.get_payment()"
                fetched = await _arun(what, lambda: a.payments.get_payment(created.id))
                expect_payment(fetched, what, name, request=request, payment_id=created.id)
                trail = StatusTrail()
                trail.add("AsyncPayments.create_payment()", created)
                trail.add("AsyncPayments.get_payment()", fetched)

        run_async(scenario)


def _exercise_everything(
    s: Session, haystacks: list[tuple[str, str]]
) -> Iterator[tuple[str, object]]:
    """Every public call once, successes and failures alike; errors go into ``haystacks``."""

    def attempt(what: str, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except Exception as exc:
            haystacks.extend(error_haystacks(exc, f"the error of {what}"))
            return None

    payments, target = s.payments, s.target
    if s.declares(Capability.RETRIEVE):
        unknown = target.unknown_payment_id
        attempt("get_payment(<unknown id>)", lambda: payments.get_payment(unknown))
    if not s.declares(Capability.CREATE):
        return
    unpaid = attempt("create_payment()", lambda: payments.create_payment(target.make_request()))
    yield "create_payment()", unpaid
    if not isinstance(unpaid, Payment):
        return
    if s.declares(Capability.REFUND):
        attempt("refund() of an unpaid payment", lambda: payments.refund(unpaid.id))
    if s.declares(Capability.CAPTURE):
        attempt("capture() of an unpaid payment", lambda: payments.capture(unpaid.id))
    paid = attempt("create_payment()", lambda: payments.create_payment(target.make_request()))
    if not isinstance(paid, Payment):
        return
    attempt("the customer step", lambda: s.customer_pays(paid, "succeed"))
    if s.declares(Capability.RETRIEVE):
        yield "get_payment()", attempt("get_payment()", lambda: payments.get_payment(paid.id))
    if s.declares(Capability.WEBHOOKS) and target.webhook_for is not None:
        delivered = attempt("webhook_for()", functools.partial(target.webhook_for, payments, paid))
        if delivered is not None:
            headers, body = delivered
            yield (
                "parse_webhook()",
                attempt("parse_webhook()", lambda: payments.parse_webhook(headers, body)),
            )
            attempt(
                "parse_webhook() of a tampered callback",
                lambda: payments.parse_webhook(headers, tampered_body(body)),
            )
    if s.declares(Capability.REFUND):
        yield "refund()", attempt("refund()", lambda: payments.refund(paid.id))


async def _arun(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """:func:`~payments_core.testing.harness.run` for a coroutine."""
    __tracebackhide__ = True
    try:
        return await call()
    except Exception as exc:
        error = exc

    def again() -> T:
        raise error

    return run(what, again)


SCENARIOS: Final[tuple[str, ...]] = tuple(
    name for name in vars(ConformanceSuite) if name.startswith("test_")
)
"""Every scenario's name, in the order they are defined (and run)."""
