"""What a driver is told about the call it runs, and what it reports back.

The facade fills :class:`CallInfo` before it starts a flow, so errors raised deep
in the driver still name the operation, the key and the payment; the driver
fills :class:`CallProgress` as requests leave and are answered, so the
idempotency store knows whether anything may have happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["CallInfo", "CallProgress"]


@dataclass(frozen=True)
class CallInfo:
    """What the facade knows about the call a flow serves, for complete errors.

    ``on_send`` is told of every state-changing request just before it leaves,
    so an idempotency store can record "sending" (and keep the exact bytes a
    repeat must resend) first. The async driver awaits what it returns; if it
    raises, the request is not sent.
    """

    operation: str = "operation"
    idempotency_key: str | None = None
    external_id: str | None = None
    payment_id: str | None = None
    on_send: Callable[[httpx.Request], Any] | None = None
    progress: CallProgress = field(default_factory=lambda: CallProgress())


@dataclass
class CallProgress:
    """What the driver learned while running a call, for the idempotency store."""

    sending: bool = False
    """A state-changing request was handed to the transport (it may have arrived)."""
    carried_out: bool = False
    """A state-changing request was answered as accepted: something moved, so a later
    failure of the same call leaves its outcome unknown, never "nothing happened"."""
