"""payments-dummy: an in-memory provider for tests and local development.

It implements every capability with outcomes a test can choose (see
:mod:`payments_dummy.provider`), so a shop's test suite can run its whole
checkout without a network or a merchant account.
"""

import logging

from payments_dummy.provider import DummyOptions, DummyProvider, DummySettings

__version__ = "0.2.0"

__all__ = ["DummyOptions", "DummyProvider", "DummySettings"]

# A library stays quiet unless the application configures logging: without this,
# Python's last-resort handler would print this package's warnings on stderr.
logging.getLogger("payments_dummy").addHandler(logging.NullHandler())
