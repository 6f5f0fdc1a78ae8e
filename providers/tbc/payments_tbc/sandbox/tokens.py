"""Access tokens, as ``POST /v1/tpay/access-token`` issues them (reference §2).

A token is a JWT with the claims TBC's sample shows (``nbf``, ``exp``, ``iss``,
``aud`` with ``paymentapi``, ``scope``, ``client_id``), but signed HS256 with a key
the sandbox draws at start-up; TBC signs its own differently, and clients must treat
tokens as opaque anyway ([INF]). Each expires ``lifetime`` seconds after issue on the
sandbox clock; :meth:`TokenIssuer.revoke_all` kills every token issued so far.

The issuer remembers at most ``limit`` tokens (:data:`TOKEN_LIMIT` by default), the
ones most recently issued or used; past that the least recently used is forgotten,
and a client still holding it gets 401 and fetches a new one, as when a token dies
early. Expired tokens are forgotten as they come up, in constant time per issue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .counters import check_limit

ISSUER: Final = "https://accountsapi.tbcbank.ge/"
TOKEN_LIMIT: Final = 10_000
"""Tokens the issuer remembers (``TbcSandbox(token_limit=...)``)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"IssuedToken(access_token=<redacted>, expires_in={self.expires_in})"


class TokenIssuer:
    """Checks the credentials of the token call, mints tokens and validates them."""

    def __init__(
        self,
        api_key: str,
        client_id: str,
        client_secret: str,
        lifetime: int,
        limit: int = TOKEN_LIMIT,
    ) -> None:
        if lifetime < 1:
            raise ValueError("token_lifetime must be at least one second")
        self.client_id = client_id
        self.lifetime = lifetime
        self._api_key = api_key
        self._secret = client_secret
        self._key = secrets.token_bytes(32)
        self.limit = check_limit("token_limit", limit)
        self._expiry: OrderedDict[str, datetime] = OrderedDict()
        """Known tokens and when they expire, least recently issued or used first."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenIssuer(client_id={self.client_id!r}, lifetime={self.lifetime})"

    def api_key_matches(self, api_key: str | None) -> bool:
        if api_key is None:
            return False
        return hmac.compare_digest(api_key.encode(), self._api_key.encode())

    def credentials_match(self, client_id: str, client_secret: str) -> bool:
        same_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self._secret.encode())
        return same_id and same_secret

    def issue(self, now: datetime) -> IssuedToken:
        expires = now + timedelta(seconds=self.lifetime)
        header = {"alg": "HS256", "typ": "JWT"}
        claims: dict[str, Any] = {
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iat": int(now.timestamp()),
            "iss": ISSUER,
            "aud": [f"{ISSUER}resources", "paymentapi"],
            "client_id": self.client_id,
            "jti": secrets.token_hex(16),
            "scope": ["paymentapi"],
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64url(signature)}"
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
