"""Access tokens an emulated token server has issued, remembered until they expire.

How a token looks (its claims, its signature) is each gateway's own; what is the same
is the bookkeeping: the client credentials to check, each token's expiry on the
emulator's clock, :meth:`TokenBook.revoke_all` for tokens that die early, and a bound
on memory. The book remembers at most ``limit`` tokens (:data:`TOKEN_LIMIT` by
default), the ones most recently issued or used; past that the least recently used is
forgotten, and a client still holding it gets 401 and fetches a new one, as when a
token dies early. Expired tokens are forgotten as they come up, in constant time per
issue.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .bounded import check_limit

TOKEN_LIMIT: Final = 10_000
"""Tokens a book remembers (the emulators' ``token_limit=...``)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(
    header: Mapping[str, Any], claims: Mapping[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    """A compact JWT: ``header.claims.signature``, each part base64url without padding."""
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    return f"{signing_input}.{_b64url(sign(signing_input.encode()))}"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"IssuedToken(access_token=<redacted>, expires_in={self.expires_in})"

    def answer(self) -> dict[str, Any]:
        """The token endpoint's JSON answer, shaped alike at every bank (RFC 6749 §5.1)."""
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


class TokenBook:
    """Checks client credentials and answers whether a token issued so far is still valid.

    A gateway's token issuer builds on it: it mints a token and hands it to
    :meth:`remember`.
    """

    def __init__(
        self, client_id: str, client_secret: str, lifetime: int, limit: int = TOKEN_LIMIT
    ) -> None:
        self.client_id = client_id
        self.lifetime = lifetime
        self._secret = client_secret
        self.limit = check_limit("token_limit", limit)
        self._expiry: OrderedDict[str, datetime] = OrderedDict()
        """Known tokens and when they expire, least recently issued or used first."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r}, lifetime={self.lifetime})"

    def credentials_match(self, client_id: str, client_secret: str) -> bool:
        same_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self._secret.encode())
        return same_id and same_secret

    def remember(self, token: str, expires: datetime, now: datetime) -> IssuedToken:
        """Keep a token just minted at ``now``; forgets expired and least recently used ones."""
        with self._lock:
            known = self._expiry
            while known and next(iter(known.values())) <= now:
                known.popitem(last=False)  # expired, and the least recently used
            known[token] = expires
            while len(known) > self.limit:
                known.popitem(last=False)
        return IssuedToken(token, self.lifetime)

    def __len__(self) -> int:
        """Tokens known now (some of them may have expired since the last issue)."""
        return len(self._expiry)

    def is_valid(self, token: str, now: datetime) -> bool:
        with self._lock:
            expires = self._expiry.get(token)
            if expires is None or now >= expires:
                return False
            self._expiry.move_to_end(token)
            return True

    def revoke_all(self) -> int:
        """Invalidate every token issued so far; returns how many were still known."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
        return count
