"""``AsyncDriver``: runs a call over an ``httpx.AsyncClient``.

It does on the event loop what the call's generator asks: send (each attempt
under ``asyncio.timeout`` for what is left of the deadline), sleep, and record
(awaiting the store when it answers with an awaitable).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from payments_core.drivers.attempts import Sleep
from payments_core.drivers.call import CallInfo
from payments_core.drivers.flow import FlowDriver
from payments_core.hooks import Hooks
from payments_core.provider import Flow, PaymentProvider
from payments_core.retry import RetryPolicy

__all__ = ["AsyncDriver"]

T = TypeVar("T")


class AsyncDriver(FlowDriver):
    """Runs flows over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.AsyncClient,
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import asyncio

        super().__init__(provider, hooks, policy=policy, clock=clock)
        self.client = client
        self.sleep = sleep or asyncio.sleep

    def _client_headers(self) -> httpx.Headers:
        return self.client.headers

    async def run(self, flow: Flow[T], info: CallInfo | None = None) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
        import asyncio  # on its loop: already imported, a dictionary look-up

        info = info if info is not None else CallInfo()
        deadline = self.clock() + self.policy.deadline
        call = self._call(flow, info, deadline)
        outcome: object = None
        failure: BaseException | None = None
        try:
            while True:
                step = call.send(outcome) if failure is None else call.throw(failure)
                failure = None
                if isinstance(step, httpx.Request):
                    try:
                        async with asyncio.timeout(max(deadline - self.clock(), 0.0)):
                            outcome = await self.client.send(step, auth=self.auth)
                    except Exception as exc:  # the attempt loop decides what it means
                        outcome = exc
                    continue
                outcome = None
                try:
                    if isinstance(step, Sleep):
                        await self.sleep(step.seconds)
                    else:
                        assert info.on_send is not None
                        recorded = info.on_send(step.request)
                        if inspect.isawaitable(recorded):
                            await recorded
                except BaseException as exc:  # raised where the generator asked for it
                    failure = exc
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            call.close()
