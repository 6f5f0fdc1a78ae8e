"""OAuth2 client-credentials tokens, as BOG's Keycloak issues them.

Tokens look like Keycloak's (an RS256 JWT signed with the sandbox key) but clients
must treat them as opaque. Each expires after the configured lifetime on the sandbox
clock; :meth:`TokenIssuer.revoke_all` makes every token issued so far invalid, like
tokens that die early.

The issuer remembers at most ``limit`` tokens (:data:`TOKEN_LIMIT` by default), the
ones most recently issued or used; past that the least recently used is forgotten,
and a client still holding it gets 401 and fetches a new one, as when a token dies
early. Expired tokens are forgotten as they come up, in constant time per issue.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .bounded import check_limit
from .signing import Signer

TOKEN_LIMIT: Final = 10_000
"""Tokens the issuer remembers (``BogSandbox(token_limit=...)``)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"IssuedToken(access_token=<redacted>, expires_in={self.expires_in})"


class TokenIssuer:
    """Checks client credentials, mints tokens and answers whether one is still valid."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        lifetime: int,
        signer: Signer,
        limit: int = TOKEN_LIMIT,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.lifetime = lifetime
        self._signer = signer
        self.limit = check_limit("token_limit", limit)
        self._expiry: OrderedDict[str, datetime] = OrderedDict()
        """Known tokens and when they expire, least recently issued or used first."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenIssuer(client_id={self.client_id!r}, lifetime={self.lifetime})"

    def credentials_match(self, client_id: str, client_secret: str) -> bool:
        same_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self._secret.encode())
        return same_id and same_secret

    def issue(self, now: datetime, issuer: str) -> IssuedToken:
        expires = now + timedelta(seconds=self.lifetime)
        header = {"alg": "RS256", "typ": "JWT", "kid": "bog-sandbox"}
        claims: dict[str, Any] = {
            "exp": int(expires.timestamp()),
            "iat": int(now.timestamp()),
            "jti": secrets.token_hex(16),
            "iss": f"{issuer}/auth/realms/bog",
            "typ": "Bearer",
            "azp": self.client_id,
            "clientId": self.client_id,
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        token = f"{signing_input}.{_b64url(self._signer.sign_raw(signing_input.encode()))}"
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
