"""Signed callbacks to the merchant, delivered like BOG delivers them.

The envelope ``{"event": "order_payment", "zoned_request_time": ..., "body": <receipt>}``
is serialized once; those exact bytes are signed (``Callback-Signature``) and sent on
every attempt. A delivery is retried on a non-2xx answer or a transport error, with
exponential backoff. Every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from payments_core.sandbox.transport import LentAsyncTransport

from .receipt import zoned
from .signing import Signer
from .store.outcomes import Notice

EVENT = "order_payment"


@dataclass(frozen=True, slots=True)
class CallbackDelivery:
    """One attempt to deliver one callback."""

    order_id: str
    url: str
    attempt: int
    status_code: int | None
    body: bytes
    signature: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def payload(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


def envelope(receipt: dict[str, Any], now: datetime) -> bytes:
    """The callback body bytes; Georgian labels stay UTF-8, as BOG sends them."""
    message = {"event": EVENT, "zoned_request_time": zoned(now), "body": receipt}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class CallbackSender:
    def __init__(
        self,
        signer: Signer,
        *,
        transport: httpx.AsyncBaseTransport | None,
        retries: int,
        backoff: float,
        timeout: float,
        record: Callable[[CallbackDelivery], None],
    ) -> None:
        self._signer = signer
        self._transport = transport
        self._retries = max(0, retries)
        self._backoff = backoff
        self._timeout = timeout
        self._record = record

    async def deliver(self, notice: Notice, now: datetime) -> bool:
        """Send one callback, retrying; True once the merchant answered 2xx."""
        body = envelope(notice.receipt, now)
        signature = self._signer.sign(body)
        headers = {"Content-Type": "application/json", "Callback-Signature": signature}
        transport = LentAsyncTransport(self._transport) if self._transport is not None else None
        async with httpx.AsyncClient(
            transport=transport, timeout=self._timeout, trust_env=False
        ) as client:
            for attempt in range(1, self._retries + 2):
                if attempt > 1:
                    await asyncio.sleep(self._backoff * 2 ** (attempt - 2))
                status: int | None = None
                error: str | None = None
                try:
                    response = await client.post(notice.callback_url, content=body, headers=headers)
                    status = response.status_code
                except Exception as exc:
                    # Whatever the merchant's side does, the bank records it and retries.
                    error = f"{type(exc).__name__}: {exc}"
                delivery = CallbackDelivery(
                    notice.order_id, notice.callback_url, attempt, status, body, signature, error
                )
                self._record(delivery)
                if delivery.ok:
                    return True
        return False
