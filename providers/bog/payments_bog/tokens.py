"""How long a BOG access token lives, read from the token answer's ``expires_in``.

BOG's docs call ``expires_in`` a lifetime in seconds, but their own example value
(``1634719923245``) is an epoch timestamp in milliseconds (reference §1). Both
readings are accepted: above 10^12 it is epoch milliseconds, above 10^9 epoch
seconds, otherwise seconds. A moment already past gives a lifetime of zero (the
token is used once and not cached), never a negative one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from payments_core.auth import seconds_lifetime

__all__ = ["EPOCH_MILLISECONDS_ABOVE", "EPOCH_SECONDS_ABOVE", "token_lifetime"]

EPOCH_MILLISECONDS_ABOVE: Final = 10**12
EPOCH_SECONDS_ABOVE: Final = 10**9


def token_lifetime(value: object, *, now: Callable[[], float] = time.time) -> float:
    """Seconds the token stays valid, from ``expires_in`` (rules in the module docs).

    ``None`` falls back to the core's conservative default. Anything that is not a
    number raises ``ValueError``; the core reports it as an unreadable token answer.
    """
    if value is None:
        return seconds_lifetime(None)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError("expires_in is not a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("expires_in is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("expires_in is not a finite number")
    if number > EPOCH_MILLISECONDS_ABOVE:
        lifetime = number / 1000 - now()
    elif number > EPOCH_SECONDS_ABOVE:
        lifetime = number - now()
    else:
        lifetime = number
    return max(0.0, lifetime)
