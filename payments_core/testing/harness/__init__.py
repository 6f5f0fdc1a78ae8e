"""The conformance kit's machinery: facades built from a target, and plain-words checks.

Scenarios (:mod:`payments_core.testing.scenarios`) read as a story (create, pay,
refund, look again); the helpers here do the bookkeeping and turn every broken
expectation into one sentence that says what the provider did and what the
contract wants instead. They raise ``AssertionError`` and need no pytest.

* :mod:`~payments_core.testing.harness.calls`: calling the facade, failing in plain words;
* :mod:`~payments_core.testing.harness.results`: checks of returned models and of the
  order of a payment's states;
* :mod:`~payments_core.testing.harness.sessions`: providers and facades built from the
  target, the customer's step and callback delivery;
* :mod:`~payments_core.testing.harness.leaks`: where secrets must not show up.
"""

from __future__ import annotations

from payments_core.testing.harness.calls import (
    attempt,
    describe,
    describe_error,
    expect_raises,
    expect_unknown,
    fail,
    run,
)
from payments_core.testing.harness.leaks import (
    HookRecorder,
    Secret,
    error_haystacks,
    find_leaks,
    known_secrets,
    log_haystacks,
)
from payments_core.testing.harness.results import (
    StatusTrail,
    describe_state,
    expect_operation,
    expect_payment,
    expect_status,
    portion,
    state_differences,
)
from payments_core.testing.harness.sessions import (
    KIT_RETRY,
    AsyncSession,
    Declaration,
    Session,
    async_transport_of,
    build_provider,
    capabilities_of,
    declaration_of,
    declared,
    honours_keys,
    open_async_session,
    open_session,
    reads_back,
    run_async,
)

__all__ = [
    "KIT_RETRY",
    "AsyncSession",
    "Declaration",
    "HookRecorder",
    "Secret",
    "Session",
    "StatusTrail",
    "async_transport_of",
    "attempt",
    "build_provider",
    "capabilities_of",
    "declaration_of",
    "declared",
    "describe",
    "describe_error",
    "describe_state",
    "error_haystacks",
    "expect_operation",
    "expect_payment",
    "expect_raises",
    "expect_status",
    "expect_unknown",
    "fail",
    "find_leaks",
    "honours_keys",
    "known_secrets",
    "log_haystacks",
    "open_async_session",
    "open_session",
    "portion",
    "reads_back",
    "run",
    "run_async",
    "state_differences",
]
