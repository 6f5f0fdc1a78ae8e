"""payments-dummy: an in-memory provider for tests and local development.

It implements every capability with outcomes a test can choose (see
:mod:`payments_dummy.provider`), so a shop's test suite can run its whole
checkout without a network or a merchant account.
"""

from payments_dummy.provider import DummyOptions, DummyProvider, DummySettings

__all__ = ["DummyOptions", "DummyProvider", "DummySettings"]
