"""Run a provider's flow over ``httpx.Client`` (sync) or ``httpx.AsyncClient`` (async).

This is the one place for timeouts, retries, HTTP hooks, HTTP logging and the
mapping of transport failures and error responses into the error tree. Both
drivers run the same two generators (the flow, and the attempts of one
request); they differ only in how they send and how they sleep.

Three outcomes, not two. A request that changes state (anything but GET and
HEAD) and was sent, but got no usable answer, may have been carried out: the
driver raises :class:`~payments_core.errors.OutcomeUnknownError`, with
``safe_to_repeat`` true only when the request carried a key the provider
honours. A request that provably never left this machine (connect refused, a
local protocol error, a failed token request of any ``httpx.Auth``) is retried
or reported as "nothing was sent".

Every attempt ends by the operation's deadline: its timeout is what is left of
the deadline, the sync socket layer is bounded by :mod:`payments_core.deadline`,
and an async attempt runs under ``asyncio.timeout``.

The package, by module:

* ``call``: what the facade tells a driver (``CallInfo``, ``CallProgress``);
* ``tracked_auth``: whether the API request itself left, whatever the auth;
* ``base``: what a driver holds, and the errors it builds;
* ``attempts``: the attempts of one request, as one generator;
* ``flow``: the whole call (the provider's flow and its requests) as one generator;
* ``sync_driver``, ``async_driver``: the two thin runners of that generator;
* ``results``: redaction of what leaves.
"""

from typing import TYPE_CHECKING

from payments_core.exports import lazy

if TYPE_CHECKING:
    from payments_core.drivers.async_driver import AsyncDriver
    from payments_core.drivers.base import retry_policy_for
    from payments_core.drivers.call import CallInfo, CallProgress
    from payments_core.drivers.results import redact_result
    from payments_core.drivers.sync_driver import SyncDriver

__all__ = [
    "AsyncDriver",
    "CallInfo",
    "CallProgress",
    "SyncDriver",
    "redact_result",
    "retry_policy_for",
]

# Each name is imported on first use: the sync facade does not load the async driver.
_EXPORTS = {
    "AsyncDriver": "payments_core.drivers.async_driver",
    "CallInfo": "payments_core.drivers.call",
    "CallProgress": "payments_core.drivers.call",
    "SyncDriver": "payments_core.drivers.sync_driver",
    "redact_result": "payments_core.drivers.results",
    "retry_policy_for": "payments_core.drivers.base",
}


__getattr__, __dir__ = lazy(__name__, _EXPORTS)
