"""Callbacks to the merchant, delivered as TBC delivers them (reference §8).

The body is ``{"PaymentId":"<payId>"}`` and nothing else: no status, no amount, no
signature header. The merchant must answer 200 (anything else, or a transport error,
is retried ``retries`` times with exponential backoff; the schedule is the
emulator's, TBC documents none) and then read the payment back. Every attempt is
recorded as a :class:`CallbackDelivery`.

``transport`` carries the calls: an ``httpx.AsyncBaseTransport`` (used on the
sandbox's event loop) or a sync ``httpx.BaseTransport`` (used on a worker thread).
Without one, callbacks go over the real network, but only to loopback hosts, as when
the sandbox is served on 127.0.0.1; a callback to any other host is recorded as not
sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from payments_core.sandbox.loopback import is_loopback_callback_host
from payments_core.sandbox.transport import LentAsyncTransport, LentSyncTransport

from .records import Notice

CallbackTransport = httpx.AsyncBaseTransport | httpx.BaseTransport


@dataclass(frozen=True, slots=True)
class CallbackDelivery:
    """One attempt to deliver one callback."""

    pay_id: str
    url: str
    attempt: int
    status_code: int | None
    body: bytes
    sent_at: datetime
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Acknowledged: TBC wants exactly HTTP 200."""
        return self.status_code == 200

    def payload(self) -> Any:
        return json.loads(self.body)


def callback_body(pay_id: str) -> bytes:
    return json.dumps({"PaymentId": pay_id}, separators=(",", ":")).encode("utf-8")


class CallbackSender:
    def __init__(
        self,
        *,
        transport: CallbackTransport | None,
        retries: int,
        backoff: float,
        timeout: float,
        now: Callable[[], datetime],
        record: Callable[[CallbackDelivery], None],
        count: Callable[[str], None],
    ) -> None:
        self._transport = transport
        self._retries = max(0, retries)
        self._backoff = backoff
        self._timeout = timeout
        self._now = now
        self._record = record
        self._count = count

    async def deliver(self, notice: Notice) -> bool:
        """Send one callback, retrying; True once the merchant answered 200."""
        body = callback_body(notice.pay_id)
        if self._transport is None and not is_loopback_callback_host(
            urlsplit(notice.callback_url).hostname
        ):
            reason = "not sent: without a callback_transport the sandbox calls loopback hosts only"
            self._record(
                CallbackDelivery(
                    notice.pay_id, notice.callback_url, 1, None, body, self._now(), reason
                )
            )
            self._count("callbacks_failed")
            return False
        for attempt in range(1, self._retries + 2):
            if attempt > 1:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 2))
            status: int | None = None
            error: str | None = None
            try:
                status = await self._post(notice.callback_url, body)
            except Exception as exc:
                # Whatever the merchant's side does, the bank records it and retries.
                error = f"{type(exc).__name__}: {exc}"
            self._count("callbacks_sent")
            delivery = CallbackDelivery(
                notice.pay_id, notice.callback_url, attempt, status, body, self._now(), error
            )
            self._record(delivery)
            if delivery.ok:
                self._count("callbacks_delivered")
                return True
        self._count("callbacks_failed")
        return False

    async def _post(self, url: str, body: bytes) -> int:
        headers = {"Content-Type": "application/json"}
        transport = self._transport
        if transport is None or isinstance(transport, httpx.AsyncBaseTransport):
            lent = LentAsyncTransport(transport) if transport is not None else None
            async with httpx.AsyncClient(
                transport=lent, timeout=self._timeout, trust_env=False
            ) as client:
                response = await client.post(url, content=body, headers=headers)
                return response.status_code
        return await asyncio.to_thread(self._post_sync, transport, url, body, headers)

    def _post_sync(
        self, transport: httpx.BaseTransport, url: str, body: bytes, headers: dict[str, str]
    ) -> int:
        with httpx.Client(
            transport=LentSyncTransport(transport), timeout=self._timeout, trust_env=False
        ) as client:
            return client.post(url, content=body, headers=headers).status_code
