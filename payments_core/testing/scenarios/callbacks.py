"""The callback scenarios: genuine ones accepted, tampered ones refused, read-back ones true.

A signed callback is verified over its raw bytes; one that is not signed proves
nothing, so its event must be built only from the gateway's answer to a read.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from payments_core.errors import ErrorCode, WebhookVerificationError
from payments_core.models import Payment, WebhookEvent
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.harness.calls import (
    attempt,
    describe,
    describe_error,
    expect_raises,
    fail,
    run,
)
from payments_core.testing.harness.results import StatusTrail, expect_payment, state_differences
from payments_core.testing.harness.sessions import Session, open_session, reads_back
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.forgery import (
    change_one_char,
    forge_status,
    retarget,
    tampered_body,
)
from payments_core.testing.steps.story import create, look, paid_payment
from payments_core.testing.target import ConformanceTarget

__all__ = [
    "test_genuine_webhook_is_accepted",
    "test_read_back_webhooks_trust_only_the_gateway",
    "test_tampered_webhooks_are_rejected",
]


@needs(Capability.CREATE, Capability.WEBHOOKS)
def test_genuine_webhook_is_accepted(conformance_target: ConformanceTarget) -> None:
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


@needs(Capability.CREATE, Capability.WEBHOOKS)
def test_tampered_webhooks_are_rejected(conformance_target: ConformanceTarget) -> None:
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
            k: v if k.lower() == "content-type" else change_one_char(v) for k, v in headers.items()
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


@needs(Capability.CREATE, Capability.RETRIEVE, Capability.WEBHOOKS)
def test_read_back_webhooks_trust_only_the_gateway(conformance_target: ConformanceTarget) -> None:
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
        claim = "refunded" if paid.status is not PaymentStatus.REFUNDED else "captured"
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
