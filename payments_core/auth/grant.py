"""What processes share about a token: the cache protocol and its answer.

A shared cache (the journal's ``tokens`` table) lets the processes and hosts that
use one set of credentials make one token request between them. This module is
the contract only; :mod:`payments_core.auth.election` decides when to ask it,
and :mod:`payments_core.journal.tokens` is one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["SharedTokenCache", "TokenGrant"]


@dataclass(frozen=True)
class TokenGrant:
    """A shared cache's answer: a token to use, the lease to fetch one, or neither (wait)."""

    token: str | None = None
    seconds_left: float = 0.0
    """How long ``token`` may still be used before it is due for refresh."""
    generation: int | None = None
    """Set when this caller holds the lease: store the new token under this number."""

    def __repr__(self) -> str:
        shown = "'***'" if self.token else None
        return f"TokenGrant(token={shown}, generation={self.generation})"


class SharedTokenCache(Protocol):
    """A token cache shared by processes (the journal's ``tokens`` table).

    ``scope`` identifies one set of credentials (a digest, never the secret).
    ``acquire`` returns the stored token while it is not due for refresh;
    otherwise the lease to fetch one (at most one holder per ``lease`` seconds);
    otherwise nothing, meaning another process is fetching. ``store`` writes
    the token only while ``generation`` is still the newest lease.
    """

    def acquire(self, scope: str, lease: float) -> TokenGrant: ...
    def store(self, scope: str, generation: int, token: str, usable_for: float) -> None: ...
    def give_up(self, scope: str, generation: int) -> None: ...
    def drop(self, scope: str, token: str) -> None: ...
    async def aacquire(self, scope: str, lease: float) -> TokenGrant: ...
    async def astore(self, scope: str, generation: int, token: str, usable_for: float) -> None: ...
    async def agive_up(self, scope: str, generation: int) -> None: ...
    async def adrop(self, scope: str, token: str) -> None: ...
