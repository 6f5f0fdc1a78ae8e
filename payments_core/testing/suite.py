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

The scenarios live in :mod:`payments_core.testing.scenarios`, by theme: the
lifecycle ones as rows of one table run by one runner, the others as functions.
This module puts them in their order on the class, each as a static test method
whose name is the scenario's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

from payments_core.testing.harness.calls import describe
from payments_core.testing.scenarios import (
    answers,
    async_facade,
    callbacks,
    errors,
    idempotency,
    ordering,
    secrecy,
    structure,
)
from payments_core.testing.scenarios.lifecycle import LIFECYCLES
from payments_core.testing.scenarios.needs import needs_of, unmet
from payments_core.testing.scenarios.runner import as_test
from payments_core.testing.target import ConformanceTarget

__all__ = ["SCENARIOS", "ConformanceSuite"]


class ConformanceSuite:
    """The payments_core provider contract as pytest scenarios (see the module docs).

    Subclass it as ``Test<Provider>Conformance`` next to a ``payments_conformance``
    fixture that returns a :class:`~payments_core.testing.ConformanceTarget`.
    """

    pytestmark = [pytest.mark.payments_conformance]

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
        reason = unmet(needs_of(request.function), conformance_target)
        if reason is not None:
            pytest.skip(reason)


SCENARIOS: Final[tuple[str, ...]] = (
    "test_provider_class_is_well_formed",
    "test_flows_are_generators",
    "test_create_payment_returns_a_normalized_payment",
    "test_same_idempotency_key_creates_one_payment",
    "test_get_payment_reads_the_same_payment",
    "test_unknown_payment_is_not_found",
    "test_paid_payment_moves_forward",
    "test_declined_payment_is_final_with_a_reason",
    "test_updates_are_ordered_by_is_newer",
    "test_refund_of_the_whole_payment",
    "test_partial_refunds_add_up",
    "test_refund_of_an_unpaid_payment_is_refused",
    "test_refund_above_what_is_left_is_refused",
    "test_capture_of_the_whole_hold",
    "test_partial_capture",
    "test_capture_of_a_payment_not_authorized_is_refused",
    "test_void_releases_the_hold",
    "test_void_of_a_payment_not_authorized_is_refused",
    "test_undeclared_operations_are_refused_before_sending",
    "test_reused_key_with_other_parameters_is_a_conflict",
    "test_genuine_webhook_is_accepted",
    "test_tampered_webhooks_are_rejected",
    "test_read_back_webhooks_trust_only_the_gateway",
    "test_idempotency_keys_survive_retries",
    "test_keyless_money_requests_are_sent_once",
    "test_unreadable_answers_to_money_requests_are_unknown_outcomes",
    "test_implausible_answers_are_refused",
    "test_http_errors_map_to_the_error_tree",
    "test_secrets_stay_out_of_logs_reprs_and_hooks",
    "test_async_facade_runs_the_same_flows",
)
"""Every scenario's name, in the order they run."""


def _every_scenario() -> dict[str, Callable[..., None]]:
    """Each scenario by name: the lifecycle rows as tests, and the scenario functions."""
    found: dict[str, Callable[..., None]] = {row.name: as_test(row) for row in LIFECYCLES}
    themes = (structure, ordering, errors, idempotency, answers, callbacks, secrecy, async_facade)
    for theme in themes:
        for name in theme.__all__:
            if name in found:
                raise RuntimeError(f"two conformance scenarios are named {name}")
            found[name] = getattr(theme, name)
    return found


def _attach_scenarios() -> None:
    """Put every scenario on the suite in the order of SCENARIOS, none left out."""
    found = _every_scenario()
    if set(found) != set(SCENARIOS) or len(SCENARIOS) != len(set(SCENARIOS)):
        raise RuntimeError(
            "SCENARIOS and the scenarios defined disagree: "
            f"{sorted(set(found).symmetric_difference(SCENARIOS))}"
        )
    for name in SCENARIOS:
        setattr(ConformanceSuite, name, staticmethod(found[name]))


_attach_scenarios()
