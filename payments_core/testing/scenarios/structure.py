"""The structural scenarios: the provider class is well formed and its flows are generators.

Nothing is sent: the class is read the way the registry and the facades use it
(:func:`~payments_core.testing.checks.check_provider_class`), and each declared
operation is called once to see that it returns a flow.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import httpx

from payments_core.errors import UnsupportedOperationError
from payments_core.provider import Capability
from payments_core.testing.checks import FLOW_CAPABILITIES, check_provider_class
from payments_core.testing.harness.calls import describe, describe_error, fail
from payments_core.testing.harness.sessions import build_provider, declared
from payments_core.testing.steps.story import new_key
from payments_core.testing.target import ConformanceTarget

__all__ = ["test_flows_are_generators", "test_provider_class_is_well_formed"]


def test_provider_class_is_well_formed(conformance_target: ConformanceTarget) -> None:
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


def test_flows_are_generators(conformance_target: ConformanceTarget) -> None:
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
