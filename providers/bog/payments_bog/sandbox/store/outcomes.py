"""What the order book's operations return or raise, for the layers above it.

Every operation returns an :class:`Outcome`: the receipt after the change and the
callbacks (:class:`Notice`) the bank owes the merchant because of it. A request BOG
refuses raises :class:`OrderError` (HTTP 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class OrderError(Exception):
    """An operation BOG refuses with HTTP 400; ``message`` goes into the reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownOrder(OrderError):
    def __init__(self) -> None:
        super().__init__("Invalid order_id")


class IllegalTransition(RuntimeError):
    """A move outside the status table: a bug in the emulator, never a client error."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A callback the bank owes: the receipt as it was when the outcome happened."""

    order_id: str
    callback_url: str
    receipt: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    order_id: str
    receipt: dict[str, Any]
    notices: tuple[Notice, ...] = ()
    action_id: str | None = None
