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
``--import-mode=importlib``. Scenarios follow what the provider declares: one
that needs an undeclared capability, HTTP from a provider that sends none, keys
from a gateway without them (or the reverse), or another way of verifying
callbacks, is skipped with the reason. Every failure says in plain words what the
provider did and what the contract asks for.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any, Final, TypeVar

import httpx
import pytest

from payments_core.errors import (
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
    ProviderResponseError,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.models import Operation, OperationKind, Payment, WebhookEvent
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.checks import FLOW_CAPABILITIES, check_provider_class
from payments_core.testing.harness import (
    HookRecorder,
    Session,
    StatusTrail,
    async_transport_of,
    attempt,
    build_provider,
    declaration_of,
    declared,
    describe,
    describe_error,
    describe_state,
    error_haystacks,
    expect_operation,
    expect_payment,
    expect_raises,
    expect_status,
    expect_unknown,
    fail,
    find_leaks,
    known_secrets,
    log_haystacks,
    open_async_session,
    open_session,
    portion,
    reads_back,
    run,
    run_async,
    state_differences,
)
from payments_core.testing.steps import (
    BEFORE_PAYMENT,
    HTTP_ERROR_CASES,
    change_one_char,
    check_keyed,
    create,
    cut_in_half,
    forge_status,
    html_instead,
    look,
    mapping_problem,
    money_calls,
    new_key,
    operate,
    paid_payment,
    retarget,
    rewrite_amounts,
    settle,
    tampered_body,
)
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Fault
from payments_core.updates import is_newer

__all__ = ["SCENARIOS", "ConformanceSuite"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
S = PaymentStatus

_NEEDS_ATTR: Final = "_payments_conformance_needs"

_KEYED_ONLY: Final = (
    "the provider declares honours_idempotency_keys = False (its gateway has no idempotency "
    "keys), so nothing may be retried under a key; test_keyless_money_requests_are_sent_once "
    "checks what happens instead"
)
_KEYLESS_ONLY: Final = (
    "the provider declares honours_idempotency_keys = True: its money-moving requests are "
    "retried under their key, which test_idempotency_keys_survive_retries checks"
)


def _needs(
    *capabilities: Capability, http: bool = False, keys: bool | None = None
) -> Callable[[F], F]:
    """Declare what a scenario needs; the suite skips it (with the reason) otherwise.

    ``keys``: True for a gateway that honours idempotency keys, False for one
    without, ``None`` for both.
    """

    def mark(function: F) -> F:
        setattr(function, _NEEDS_ATTR, (capabilities, http, keys))
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
        """Skip what the target opted out of, or what does not apply to the declaration."""
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
        capabilities, http, keys = getattr(request.function, _NEEDS_ATTR, ((), False, None))
        if http and conformance_target.transport is None:
            pytest.skip(
                "the provider sends no HTTP (ConformanceTarget.transport is None): "
                "there is no wire to watch"
            )
        if not capabilities and keys is None:
            return
        declaration = declaration_of(conformance_target)
        missing = [c for c in capabilities if c.value not in declaration.capabilities]
        if missing:
            names = ", ".join(f"Capability.{c.name}" for c in missing)
            pytest.skip(f"the provider does not declare {names}")
        if keys is not None and declaration.honours_keys is not keys:
            pytest.skip(_KEYED_ONLY if keys else _KEYLESS_ONLY)

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
            "webhook": lambda: provider.webhook(httpx.Headers(), b"{}", remote_addr=None),
        }
        declares = declared(provider)
        problems = []
        try:
            for method, call in calls.items():
                capability = FLOW_CAPABILITIES.get(method, Capability.WEBHOOKS)
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

    @_needs(Capability.CREATE, keys=True)
    def test_same_idempotency_key_creates_one_payment(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """The same request sent by two facades (two processes, each with its own memory)
        must make one payment: the gateway answers the repeated key with the first one."""
        request = conformance_target.make_request()
        with open_session(conformance_target) as s:
            first = create(s, request)
        with open_session(conformance_target) as s:
            again = create(s, request)
        if again.id != first.id:
            fail(
                "create_payment() sent twice with the same PaymentRequest (same "
                f"idempotency_key), from two facades, made two payments, {first.id} and "
                f"{again.id}; send the request's idempotency_key so the gateway answers a "
                "repeat with the first payment (or, if it has no idempotency keys, declare "
                "honours_idempotency_keys = False)"
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

    @_needs(Capability.CREATE, Capability.RETRIEVE)
    def test_updates_are_ordered_by_is_newer(self, conformance_target: ConformanceTarget) -> None:
        """Platforms apply updates with payments_core.is_newer: real news must win over the
        state before it, a stale update must lose, and reading an unchanged payment again
        is not news (Payment.updated_at is the gateway's event time, not the reading's)."""
        with open_session(conformance_target) as s:
            request = conformance_target.make_request()
            created = create(s, request)
            s.customer_pays(created, "succeed")
            paid = look(s, created, request, "the customer paid", StatusTrail())
            again = look(s, created, request, "the customer paid", StatusTrail())
            if is_newer(paid, again):
                fail(
                    "get_payment() read the same unchanged payment twice and "
                    f"payments_core.is_newer ranks the second read ({describe_state(again)}) "
                    f"above the first ({describe_state(paid)}); Payment.updated_at must be the "
                    "time the gateway says the state came about, never the time of reading, "
                    "or a replayed old update outranks real news"
                )
            _expect_ordered(created, paid, "the customer paid")
            callback = None
            if s.declares(Capability.WEBHOOKS) and conformance_target.webhook_for is not None:
                callback = s.maybe_webhook(paid)
            if not s.declares(Capability.REFUND):
                return
            part = portion(request.amount, 2, 5) if s.declares(Capability.PARTIAL_REFUND) else None
            operate(s, OperationKind.REFUND, paid, part, covers=part or request.amount)
            refunded = look(s, paid, request, "a refund", StatusTrail())
            _expect_ordered(paid, refunded, "a refund")
            if callback is None:
                return
            what = "parse_webhook() of a callback sent before the refund, delivered after it"
            late = run(what, functools.partial(s.payments.parse_webhook, *callback))
            if is_newer(refunded, late.payment):
                fail(
                    f"{what} gave {describe_state(late.payment)}, which payments_core.is_newer "
                    f"ranks above the refunded payment ({describe_state(refunded)}): a late "
                    "callback would undo the refund; report the amounts and the event time "
                    "the gateway gives"
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

    # -- the idempotency store -------------------------------------------------------------------

    @_needs(Capability.CREATE)
    def test_reused_key_with_other_parameters_is_a_conflict(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """The facade records what each idempotency key was used for. The same call again
        gets the recorded result without a request; the key reused for another call is an
        InvalidRequestError (idempotency_conflict) before anything is sent."""
        target = conformance_target
        with open_session(target) as s:
            request = target.make_request()
            created = create(s, request)
            repeat = "create_payment() repeated with the same PaymentRequest"
            mark = s.wire.mark()
            again = expect_payment(
                run(repeat, lambda: s.payments.create_payment(request)), repeat, s.name
            )
            if again.id != created.id:
                fail(f"{repeat} returned payment {again.id}, not the first one ({created.id})")
            _nothing_sent(s, mark, repeat, "a repeat is answered from the idempotency store")
            other = target.make_request(
                idempotency_key=request.idempotency_key, external_id=f"{request.external_id}-b"
            )
            _expect_conflict(
                s,
                "create_payment() of another request under the key of the first",
                lambda: s.payments.create_payment(other),
            )
            if not s.declares(Capability.REFUND):
                return
            _request, paid = paid_payment(s, StatusTrail())
            part = portion(request.amount, 2, 5) if s.declares(Capability.PARTIAL_REFUND) else None
            key = new_key("refund")
            first = _refund_with_key(s, paid, part, key)
            repeat = "refund() repeated with the same payment, amount and key"
            mark = s.wire.mark()
            second = run(repeat, lambda: s.payments.refund(paid.id, part, idempotency_key=key))
            if getattr(second, "id", None) != first.id:
                fail(f"{repeat} returned {second!r}, not the first refund ({first.id})")
            _nothing_sent(s, mark, repeat, "a repeat is answered from the idempotency store")
            unknown = target.unknown_payment_id
            _expect_conflict(
                s,
                "refund() of another payment under the key of a refund already made",
                lambda: s.payments.refund(unknown, idempotency_key=key),
            )
            if part is not None and (rest := portion(request.amount, 1, 5)) is not None:
                _expect_conflict(
                    s,
                    f"refund() of {rest} under the key of a refund of {part}",
                    lambda: s.payments.refund(paid.id, rest, idempotency_key=key),
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
        """Signed callbacks: changed body, missing or altered signature are refused
        (WebhookVerificationError) every time."""
        with open_session(conformance_target) as s:
            _request, paid = paid_payment(s, StatusTrail())
            headers, body = s.webhook(paid)
            if reads_back(s.provider, headers, body):
                pytest.skip(
                    "the provider verifies callbacks by reading the payment back (its webhook "
                    "flow sends a request), not by a signature; "
                    "test_read_back_webhooks_trust_only_the_gateway checks it"
                )
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
                    why="verify the signature over the raw bytes before reading anything; a "
                    "gateway whose callbacks are not signed must be read back instead "
                    "(override webhook() to yield a GET of the payment)",
                )

    @_needs(Capability.CREATE, Capability.RETRIEVE, Capability.WEBHOOKS)
    def test_read_back_webhooks_trust_only_the_gateway(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """Unsigned callbacks, verified by reading the payment back: the event is what a
        GET answers, whatever the body claims; a callback naming a payment the gateway
        does not know is refused (WebhookVerificationError); verifying never writes."""
        target = conformance_target
        with open_session(target) as s:
            request, paid = paid_payment(s, StatusTrail())
            headers, body = s.webhook(paid)
            if not reads_back(s.provider, headers, body):
                pytest.skip(
                    "the provider verifies callbacks by their signature (its webhook flow "
                    "sends no request); test_tampered_webhooks_are_rejected checks it"
                )
            what = "parse_webhook() of a genuine callback"
            mark = s.wire.mark()
            event = run(what, lambda: s.payments.parse_webhook(headers, body))
            for sent in s.wire.writes_since(mark):
                fail(
                    f"{what} sent {sent}, a request that may change something at the gateway; "
                    "verifying a callback must only read"
                )
            _expect_gateway_truth(s, what, event, paid.id)
            claim = "refunded" if paid.status is not S.REFUNDED else "captured"
            forged = forge_status(body, claim)
            if forged is not None:
                what = f"parse_webhook() of a callback whose body claims status {claim!r}"
                event_, error = attempt(lambda: s.payments.parse_webhook(headers, forged))
                if not isinstance(error, WebhookVerificationError):
                    if error is not None:
                        fail(
                            f"{what} raised {describe_error(error)}; expected the gateway's "
                            "state, or WebhookVerificationError"
                        )
                    _expect_gateway_truth(s, what, event_, paid.id)
            _stale_body_is_ignored(s, request, paid, headers, body)
            unknown = target.unknown_payment_id
            elsewhere = retarget(body, paid, unknown)
            if elsewhere is not None:
                expect_raises(
                    f"parse_webhook() of a callback about a payment the gateway never issued "
                    f"({unknown})",
                    WebhookVerificationError,
                    functools.partial(s.payments.parse_webhook, headers, elsewhere),
                    provider=s.name,
                    why="a callback about a payment the gateway does not know proves nothing; "
                    "catch the NotFoundError of the read and refuse the callback",
                )

    # -- the wire -------------------------------------------------------------------------------

    @_needs(Capability.CREATE, http=True, keys=True)
    def test_idempotency_keys_survive_retries(self, conformance_target: ConformanceTarget) -> None:
        """The kit answers 503 to the first attempt of every keyed request. The retry must
        carry the same key and body, and the key must be the caller's: the request's for a
        create; for refund, capture and void, the one passed in (when they send one). When
        every attempt fails, the outcome is unknown but safe to repeat under the same key."""
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
        with open_session(conformance_target) as s:
            request = conformance_target.make_request()
            what = "create_payment() when the API answers 503 to every attempt"
            mark = s.wire.mark()
            with s.inject(Fault("answer", status=503)):
                expect_unknown(
                    what,
                    lambda: s.payments.create_payment(request),
                    provider=s.name,
                    safe_to_repeat=True,
                    why="the request may have been carried out; with the key it is safe to repeat",
                )
            header = s.provider.idempotency_header
            keys = {attempt.header(header) for attempt in s.wire.writes_since(mark)}
            if keys != {request.idempotency_key}:
                fail(f"{what}: its attempts carried the keys {sorted(map(str, keys))}")

    @_needs(Capability.CREATE, http=True, keys=False)
    def test_keyless_money_requests_are_sent_once(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """A gateway without idempotency keys cannot tell a repeat from a new request. When
        a money-moving request fails (503) or its answer is lost (a timeout after the
        gateway got it), it must have been sent exactly once, and the call must end in
        OutcomeUnknownError with safe_to_repeat False."""
        faults: list[tuple[str, Callable[[], Fault]]] = [
            ("the API answers 503", lambda: Fault("answer", status=503)),
            ("the answer is lost after the API got the request", lambda: Fault("lose_answer")),
        ]
        with open_session(conformance_target) as s:
            for call in money_calls(s):
                for description, fault in faults:
                    what, action = call.prepare(s)
                    what = f"{what} when {description}"
                    mark = s.wire.mark()
                    with s.inject(fault()):
                        result, error = attempt(action)
                    sent = s.wire.writes_since(mark)
                    if len(sent) > 1:
                        fail(
                            f"{what} sent {sent[0]} {len(sent)} times; the gateway has no "
                            "idempotency keys, so a repeat is a new request that can move "
                            "money twice. Send each money-moving request exactly once: no "
                            "retry in the flow, let OutcomeUnknownError reach the caller"
                        )
                    _expect_unknown_outcome(
                        s,
                        what,
                        result,
                        error,
                        safe_to_repeat=False,
                        why="the request may have been carried out; the caller must read the "
                        "payment before acting again",
                    )

    @_needs(Capability.CREATE, http=True)
    def test_unreadable_answers_to_money_requests_are_unknown_outcomes(
        self, conformance_target: ConformanceTarget
    ) -> None:
        """The gateway carries out a money-moving request, then its 2xx answer is cut off
        halfway or replaced by a proxy's HTML page. The money may have moved: the call
        must end in OutcomeUnknownError, never in a made-up result or a definite error."""
        rewrites = [("cut off halfway", cut_in_half), ("an HTML page", html_instead)]
        with open_session(conformance_target) as s:
            keyless = not s.honours_keys
            for call in money_calls(s):
                for description, rewrite in rewrites:
                    what, action = call.prepare(s)
                    fault = Fault("rewrite", times=1, rewrite=rewrite)
                    with s.inject(fault):
                        result, error = attempt(action)
                    if not fault.fired:
                        continue  # an empty answer: nothing to cut
                    what = f"{what} when the API's 2xx answer is {description}"
                    _expect_unknown_outcome(
                        s,
                        what,
                        result,
                        error,
                        safe_to_repeat=False if keyless else None,
                        why="the request was carried out but its answer cannot be read, so "
                        "the money may have moved. Let the reading fail (a KeyError, "
                        "ValueError or ProviderResponseError from the flow): the driver then "
                        "raises OutcomeUnknownError",
                    )

    @_needs(Capability.CREATE, Capability.RETRIEVE, http=True)
    def test_implausible_answers_are_refused(self, conformance_target: ConformanceTarget) -> None:
        """The kit rewrites the gateway's answers into impossible states (negative amounts,
        more refunded than captured, a refunded status with nothing refunded). The provider
        must pass the numbers on as they are, so the core refuses them: a read ends in
        ProviderResponseError, a create in OutcomeUnknownError, never a normal Payment."""
        checked = 0
        with open_session(conformance_target) as s:
            request, paid = paid_payment(s, StatusTrail())
            amount = request.amount
            keep = frozenset({paid.id, request.external_id})
            negated = {
                amount.amount: -amount.amount,
                Decimal(amount.minor_units): Decimal(-amount.minor_units),
            }
            checked += _refused_read(s, paid.id, negated, keep, f"its amounts negated (-{amount})")
            fresh = conformance_target.make_request()
            fault = Fault("rewrite", times=1, rewrite=lambda body: rewrite_amounts(body, negated))
            with s.inject(fault):
                result, error = attempt(lambda: s.payments.create_payment(fresh))
            if fault.fired:
                checked += 1
                what = f"create_payment() when the API answers its amount negated (-{amount})"
                _expect_refused(s, what, result, error, OutcomeUnknownError)
            part = portion(amount, 2, 5)
            if not s.declares(Capability.PARTIAL_REFUND) or part is None:
                if not checked:
                    pytest.skip(_NO_AMOUNTS)
                return
            operate(s, OperationKind.REFUND, paid, part, covers=part)
            before = run("get_payment()", lambda: s.payments.get_payment(paid.id))
            if before.refunded_amount != part:
                if not checked:
                    pytest.skip(_NO_AMOUNTS)
                return  # the gateway does not report what was refunded: nothing to bend
            above = {
                part.amount: amount.amount * 2,
                Decimal(part.minor_units): Decimal(amount.minor_units * 2),
            }
            checked += _refused_read(s, paid.id, above, keep, f"{amount * 2} refunded of {amount}")
            if before.status is S.PARTIALLY_REFUNDED:
                zero = {part.amount: Decimal(0), Decimal(part.minor_units): Decimal(0)}
                checked += _refused_read(
                    s,
                    paid.id,
                    zero,
                    keep,
                    "a partially refunded payment with nothing refunded",
                    lambda p: p.status in (S.PARTIALLY_REFUNDED, S.REFUNDED),
                )
        if not checked:
            pytest.skip(_NO_AMOUNTS)

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
        """The same provider behind AsyncPayments: same flows, same normalized results, and
        a callback verified with ``await parse_webhook(...)``."""
        target = conformance_target
        if target.transport is not None and async_transport_of(target) is None:
            pytest.skip(
                "no async transport: set ConformanceTarget.async_transport (the sync "
                "transport() is not async-capable)"
            )
        request = target.make_request()

        async def before_paying() -> Payment:
            async with open_async_session(target, async_transport_of(target)) as a:
                what = "AsyncPayments.create_payment()"
                created = await _arun(what, lambda: a.payments.create_payment(request))
                expect_payment(created, what, a.provider.name, request=request)
                expect_status(created, BEFORE_PAYMENT, what)
                return created

        async def after_paying(
            created: Payment, callback: tuple[dict[str, str], bytes] | None
        ) -> None:
            async with open_async_session(target, async_transport_of(target)) as a:
                name, trail = a.provider.name, StatusTrail()
                trail.add("AsyncPayments.create_payment()", created)
                if Capability.RETRIEVE.value in declared(a.provider):
                    what = "AsyncPayments.get_payment() after the customer paid"
                    fetched = await _arun(what, lambda: a.payments.get_payment(created.id))
                    expect_payment(fetched, what, name, request=request, payment_id=created.id)
                    trail.add(what, fetched)
                if callback is None:
                    return
                what = "await AsyncPayments.parse_webhook() of a genuine callback"
                event = await _arun(what, lambda: a.payments.parse_webhook(*callback))
                if not isinstance(event, WebhookEvent):
                    fail(f"{what} returned {describe(event)}; a provider must return WebhookEvent")
                expect_payment(event.payment, f"{what} (its payment)", name, payment_id=created.id)

        # Each phase on its own event loop: the customer's step may run one of its own.
        created = run_async(before_paying)
        with open_session(target) as s:
            s.customer_pays(created, "succeed")
            callback = None
            if s.declares(Capability.WEBHOOKS) and target.webhook_for is not None:
                callback = s.maybe_webhook(created)
        run_async(functools.partial(after_paying, created, callback))


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


def _refund_with_key(s: Session, paid: Payment, amount: Money | None, key: str) -> Operation:
    """``refund(paid, amount)`` under ``key``, which must succeed."""
    __tracebackhide__ = True
    what = f"refund(payment_id{f', {amount}' if amount is not None else ''})"
    return expect_operation(
        run(what, lambda: s.payments.refund(paid.id, amount, idempotency_key=key)),
        what,
        s.name,
        kind=OperationKind.REFUND,
        payment_id=paid.id,
        amount=amount,
        idempotency_key=key,
    )


def _nothing_sent(s: Session, mark: int, what: str, why: str) -> None:
    __tracebackhide__ = True
    sent = [attempt for attempt in s.wire.since(mark) if attempt.api]
    if sent:
        fail(f"{what} sent {sent[0]} ({len(sent)} request(s)); nothing should be sent: {why}")


def _expect_conflict(s: Session, what: str, action: Callable[[], object]) -> None:
    """``action`` reuses a key for other parameters: a conflict, and nothing sent."""
    __tracebackhide__ = True
    mark = s.wire.mark()
    expect_raises(
        what,
        InvalidRequestError,
        action,
        codes=[ErrorCode.IDEMPOTENCY_CONFLICT],
        provider=s.name,
        why="code idempotency_conflict: a key belongs to one operation with one set of "
        "parameters (is the idempotency store recording what each key was used for?)",
    )
    _nothing_sent(s, mark, what, "a conflict is refused before anything is sent")


def _expect_gateway_truth(s: Session, what: str, event: object, payment_id: str) -> None:
    """The event of a read-back callback must carry what get_payment() answers now."""
    __tracebackhide__ = True
    if not isinstance(event, WebhookEvent):
        fail(f"{what} returned {describe(event)}; a provider must return WebhookEvent")
    expect_payment(event.payment, f"{what} (its payment)", s.name, payment_id=payment_id)
    truth = run(f"get_payment() after {what}", lambda: s.payments.get_payment(payment_id))
    differences = state_differences(event.payment, truth)
    if differences:
        fail(
            f"{what} gave a payment that is not what the gateway answers "
            f"({'; '.join(differences)}, event first); a callback that is not signed proves "
            "nothing, so build the event only from the gateway's answer to your own read"
        )


def _stale_body_is_ignored(
    s: Session, request: Any, paid: Payment, headers: dict[str, str], body: bytes
) -> None:
    """A callback whose body was true before the payment changed gives the state now."""
    __tracebackhide__ = True
    target = s.target
    fresh = create(s, target.make_request())
    early = s.maybe_webhook(fresh)
    if early is not None:
        s.customer_pays(fresh, "succeed")
        what = "parse_webhook() of a callback sent before the customer paid, delivered after"
        event = run(what, functools.partial(s.payments.parse_webhook, *early))
        _expect_gateway_truth(s, what, event, fresh.id)
        return
    if not s.declares(Capability.REFUND):
        return
    run("refund()", lambda: s.payments.refund(paid.id))
    what = "parse_webhook() of a callback sent before a refund, delivered after it"
    event = run(what, lambda: s.payments.parse_webhook(headers, body))
    _expect_gateway_truth(s, what, event, paid.id)


_NO_AMOUNTS: Final = (
    "the kit found none of the payment's amounts in the gateway's answers (it looks for "
    "JSON numbers and numeric strings equal to them, in major or minor units), so it has "
    "nothing to bend"
)


def _refused_read(
    s: Session,
    payment_id: str,
    replacements: dict[Decimal, Decimal],
    keep: frozenset[str],
    description: str,
    wrong: Callable[[Payment], bool] = lambda _payment: True,
) -> int:
    """get_payment() with amounts in its answer rewritten: 1 if the kit found them, else 0.

    A returned payment for which ``wrong`` holds means the provider repaired an
    impossible answer (or made a state up); otherwise it read a consistent one.
    """
    __tracebackhide__ = True
    fault = Fault(
        "rewrite", writes=False, rewrite=lambda body: rewrite_amounts(body, replacements, keep)
    )
    with s.inject(fault):
        result, error = attempt(lambda: s.payments.get_payment(payment_id))
    if not fault.fired:
        return 0
    what = f"get_payment() when the API answers {description}"
    _expect_refused(s, what, result, error, ProviderResponseError, wrong)
    return 1


def _expect_refused(
    s: Session,
    what: str,
    result: object,
    error: BaseException | None,
    expected: type[PaymentError],
    wrong: Callable[[Payment], bool] = lambda _payment: True,
) -> None:
    __tracebackhide__ = True
    if error is None:
        if isinstance(result, Payment) and not wrong(result):
            return
        shown = f" ({describe_state(result)})" if isinstance(result, Payment) else ""
        fail(
            f"{what} returned {describe(result)}{shown}; pass the gateway's numbers on as they "
            "are, so that the core refuses an impossible state, instead of repairing it or "
            "making one up: a platform would act on it (ship, refund again)"
        )

    def again() -> None:
        assert error is not None
        raise error

    expect_raises(
        what,
        expected,
        again,
        provider=s.name,
        why="the answer describes a payment that cannot exist",
    )


def _expect_unknown_outcome(
    s: Session,
    what: str,
    result: object,
    error: BaseException | None,
    *,
    safe_to_repeat: bool | None,
    why: str,
) -> None:
    """What a money-moving call ended in must be OutcomeUnknownError (see expect_unknown)."""
    __tracebackhide__ = True
    if error is None:
        fail(f"{what} returned {describe(result)}; expected it to raise OutcomeUnknownError: {why}")

    def again() -> None:
        assert error is not None
        raise error

    expect_unknown(what, again, provider=s.name, safe_to_repeat=safe_to_repeat, why=why)


def _expect_ordered(before: Payment, after: Payment, step: str) -> None:
    """``after`` (read after ``step``) must win over ``before`` with is_newer, never lose."""
    __tracebackhide__ = True
    if not state_differences(before, after):
        return
    if is_newer(after, before):
        fail(
            f"payments_core.is_newer ranks the payment as it was before {step} "
            f"({describe_state(before)}) above the payment after it ({describe_state(after)}): "
            "a replay of the old state would undo real news"
        )
    if not is_newer(before, after):
        fail(
            f"payments_core.is_newer does not accept the payment after {step} "
            f"({describe_state(after)}) over the one before ({describe_state(before)}), so a "
            "platform applying updates would ignore it; report the amounts (captured, "
            "refunded) and the event time (updated_at) the gateway gives"
        )


SCENARIOS: Final[tuple[str, ...]] = tuple(
    name for name in vars(ConformanceSuite) if name.startswith("test_")
)
"""Every scenario's name, in the order they are defined (and run)."""
