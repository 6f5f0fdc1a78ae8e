"""The secrets scenario: a whole lifecycle at DEBUG, and no secret anywhere a platform looks.

Every public call runs once, successes and failures alike; then every log line,
repr, error and hook payload is searched for every secret the kit knows of.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from payments_core.models import Payment
from payments_core.provider import Capability
from payments_core.testing.harness.calls import fail
from payments_core.testing.harness.leaks import (
    HookRecorder,
    error_haystacks,
    find_leaks,
    known_secrets,
    log_haystacks,
)
from payments_core.testing.harness.sessions import Session, open_session
from payments_core.testing.steps.forgery import tampered_body
from payments_core.testing.target import ConformanceTarget

T = TypeVar("T")

__all__ = ["test_secrets_stay_out_of_logs_reprs_and_hooks"]


def test_secrets_stay_out_of_logs_reprs_and_hooks(
    conformance_target: ConformanceTarget, caplog: pytest.LogCaptureFixture
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
