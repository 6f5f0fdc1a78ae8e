"""A token refresh in flight, and how the callers that did not lead it wait for it.

Threads wait on the round's event. Tasks on the leader's event loop wait in
turn: the leader wakes the first, and each follower wakes the next as it
resumes, so they reach the connection pool one per loop iteration (released
together, a thousand tasks would each open a connection of their own instead
of reusing the ones that answered meanwhile). After a failed round every
follower is woken at once, to raise the error. Tasks on another loop wait on
the event in a worker thread.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from payments_core.errors import PaymentError

if TYPE_CHECKING:
    # Only the async paths use asyncio, and they run on its loop, where it is imported:
    # a sync process does not pay for importing it (the functions import it themselves).
    import asyncio

__all__ = ["CachedToken", "Round", "await_round", "wake_followers"]


@dataclass
class CachedToken:
    value: str
    refresh_at: float  # on the monotonic clock


_EVENTS: Final = threading.Lock()
"""Guards the moment a round's event is made or its end recorded (any round's: brief)."""


@dataclass
class Round:
    """One refresh in flight: followers wait on its events.

    Most rounds have no follower, so the event a thread waits on is made by the
    first one to ask for it (:attr:`done`), already set if the round is over.
    """

    loop: asyncio.AbstractEventLoop | None = None
    waiters: deque[asyncio.Future[None]] | None = None
    """Async followers on ``loop``, in arrival order, each woken by the one before."""
    error: PaymentError | None = None
    token: str | None = None
    _event: threading.Event | None = field(default=None, repr=False)
    _over: bool = field(default=False, repr=False)

    @property
    def done(self) -> threading.Event:
        """Set when the round is over (see :meth:`end`)."""
        with _EVENTS:
            event = self._event
            if event is None:
                event = self._event = threading.Event()
                if self._over:
                    event.set()
        return event

    def end(self) -> None:
        """The round is over: its waiting threads go on, and later ones do not wait."""
        with _EVENTS:
            self._over = True
            event = self._event
        if event is not None:
            event.set()


def wake_followers(round_: Round) -> None:
    """The round is over: wake its first async follower, or all of them if it failed."""
    waiters = round_.waiters
    if waiters is None:
        return
    if round_.error is not None:
        while waiters:  # nothing to send: all raise the error now
            _wake(waiters.popleft())
    else:
        _wake_next(waiters)


async def await_round(round_: Round, seconds: float) -> bool:
    """Wait for the round's leader as a task; False when ``seconds`` ran out first."""
    import asyncio

    if round_.done.is_set():
        return True
    waiters = round_.waiters
    try:
        if waiters is not None and round_.loop is asyncio.get_running_loop():
            turn: asyncio.Future[None] = round_.loop.create_future()
            waiters.append(turn)
            try:
                async with asyncio.timeout(seconds):
                    await turn
            finally:
                if turn in waiters:
                    waiters.remove(turn)  # left before its turn: nothing to pass on
                elif round_.error is None:
                    _wake_next(waiters)  # its turn came: the next one goes
            return True
        return await asyncio.to_thread(round_.done.wait, seconds)
    except TimeoutError:
        return False


def _wake(turn: asyncio.Future[None]) -> bool:
    if turn.done():  # its task was cancelled meanwhile
        return False
    turn.set_result(None)
    return True


def _wake_next(waiters: deque[asyncio.Future[None]]) -> None:
    """Wake the first follower still waiting (its task resumes at the next loop turn)."""
    while waiters and not _wake(waiters.popleft()):
        pass
