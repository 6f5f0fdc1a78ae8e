"""``SyncDriver``: runs a call over an ``httpx.Client``.

It owns the client (made on first use when the facade made none, and wired to
:mod:`payments_core.deadline` so the socket layer ends with the deadline) and
does, in its own thread, what the call's generator asks: send, sleep, record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from payments_core import deadline as deadlines
from payments_core.drivers.attempts import Sleep
from payments_core.drivers.call import CallInfo
from payments_core.drivers.flow import FlowDriver
from payments_core.hooks import Hooks
from payments_core.provider import Flow, PaymentProvider
from payments_core.retry import RetryPolicy

__all__ = ["SyncDriver"]

T = TypeVar("T")


class SyncDriver(FlowDriver):
    """Runs flows over an ``httpx.Client``."""

    def __init__(
        self,
        provider: PaymentProvider,
        client: httpx.Client | Callable[[], httpx.Client],
        hooks: Hooks,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(provider, hooks, policy=policy, clock=clock)
        self._client: httpx.Client | None = None
        self._make_client: Callable[[], httpx.Client] | None = None
        self._client_lock = threading.Lock()
        self.sleep = sleep
        if isinstance(client, httpx.Client):
            self._client = client
            deadlines.install(client)
        else:
            self._make_client = client  # the default client: made on first use

    @property
    def client(self) -> httpx.Client:
        """The HTTP client; a default one (its TLS context and all) is made on first use."""
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    assert self._make_client is not None
                    made = self._make_client()
                    deadlines.install(made)
                    self._client = made
                client = self._client
        return client

    def close_client(self) -> None:
        """Close the client; one not made yet is made closed if it is ever asked for."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                return
            make = self._make_client
            assert make is not None

            def closed() -> httpx.Client:
                client = make()
                client.close()
                return client

            self._make_client = closed

    def _client_headers(self) -> httpx.Headers:
        return self.client.headers

    def run(self, flow: Flow[T], info: CallInfo | None = None) -> T:
        """Drive ``flow`` to its result; every failure comes out as a PaymentError."""
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
                        with deadlines.scope(deadline - self.clock()):
                            outcome = self.client.send(step, auth=self.auth)
                    except Exception as exc:  # the attempt loop decides what it means
                        outcome = exc
                    continue
                outcome = None
                try:
                    if isinstance(step, Sleep):
                        self.sleep(step.seconds)
                    else:
                        assert info.on_send is not None
                        info.on_send(step.request)
                except BaseException as exc:  # raised where the generator asked for it
                    failure = exc
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            call.close()
