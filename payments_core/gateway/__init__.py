"""The facades a platform uses: :class:`Payments` (sync) and :class:`AsyncPayments`.

Checkout code is written once against these and never names a provider::

    with Payments.from_config("payments.toml") as payments:
        payment = payments.create_payment(request)
        ...
        payments.refund(payment.id, Money("5.00", "GEL"))

Each call checks its input and the provider's capabilities, asks the
``before_operation`` hooks, runs the provider's flow through the driver
(timeouts, retries, error mapping), then reports to the other hooks and logs
one line on the ``payments_core`` logger. Bad input fails before any request.
"""

# The package, from the bottom: ``building`` (what a facade is made of, and the ways
# to build one), ``calls`` (input checks and key minting), ``settlement`` (the
# idempotency store), ``instrumentation`` (hooks and log lines), ``webhooks``
# (callback checks), ``lifecycle`` (one body per call, written once), and the two
# thin shells that do its I/O: ``sync`` and ``asynchronous``.

from typing import TYPE_CHECKING

from payments_core.exports import lazy

if TYPE_CHECKING:
    from payments_core.gateway.asynchronous import AsyncPayments
    from payments_core.gateway.sync import Payments

__all__ = ["AsyncPayments", "Payments"]

# Each facade is imported on first use: a process that builds ``Payments`` does not
# load the async facade and its driver.
_EXPORTS = {
    "AsyncPayments": "payments_core.gateway.asynchronous",
    "Payments": "payments_core.gateway.sync",
}


__getattr__, __dir__ = lazy(__name__, _EXPORTS)
