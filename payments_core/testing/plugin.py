"""The pytest plugin of the conformance kit, registered through the ``pytest11`` entry point.

Installing payments-core makes pytest load this module. The entry point is named
after the module, so every way of loading it names the same plugin: automatically,
``-p payments_core.testing.plugin`` (when ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set)
or ``pytest_plugins = ["payments_core.testing.plugin"]`` in a conftest; disable it
with ``-p no:payments_core.testing.plugin``.

It stays inert in test runs that do not use the kit: it registers the
``payments_conformance`` marker, turns on pytest's assertion rewriting for the
suite, and provides a fallback ``payments_conformance`` fixture that explains what
to define when a provider package forgot its own.

The scenarios themselves live in :class:`payments_core.testing.ConformanceSuite`;
a provider package subclasses it in a test module (see :mod:`payments_core.testing`).
"""

from __future__ import annotations

import pytest

__all__ = ["payments_conformance", "pytest_configure"]

# Before the suite is first imported, so its assertions explain themselves however
# payments-core was installed (pytest rewrites only what it is told to).
pytest.register_assert_rewrite(
    "payments_core.testing.suite",
    "payments_core.testing.scenarios",
    "payments_core.testing.harness",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "payments_conformance: a scenario of the payments_core provider conformance suite",
    )


@pytest.fixture
def payments_conformance() -> object:
    """Fallback: a provider package overrides this fixture with its ConformanceTarget."""
    pytest.fail(
        "the conformance suite needs a fixture named payments_conformance that returns "
        "payments_core.testing.ConformanceTarget; define it in the test module that "
        "subclasses ConformanceSuite, or in its conftest.py",
        pytrace=False,
    )
