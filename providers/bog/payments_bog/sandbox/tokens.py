"""OAuth2 client-credentials tokens, as BOG's Keycloak issues them.

Tokens look like Keycloak's (an RS256 JWT signed with the sandbox key) but clients
must treat them as opaque. Each expires after the configured lifetime on the sandbox
clock; :meth:`TokenIssuer.revoke_all` makes every token issued so far invalid, like
tokens that die early.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .signing import Signer


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

    def __init__(self, client_id: str, client_secret: str, lifetime: int, signer: Signer) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.lifetime = lifetime
        self._signer = signer
        self._expiry: dict[str, datetime] = {}
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
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = expires
        return IssuedToken(token, self.lifetime)

    def is_valid(self, token: str, now: datetime) -> bool:
        with self._lock:
            expires = self._expiry.get(token)
        return expires is not None and now < expires

    def revoke_all(self) -> int:
        """Invalidate every token issued so far; returns how many were still known."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
        return count
