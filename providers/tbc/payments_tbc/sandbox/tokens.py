"""Access tokens, as ``POST /v1/tpay/access-token`` issues them (reference §2).

A token is a JWT with the claims TBC's sample shows (``nbf``, ``exp``, ``iss``,
``aud`` with ``paymentapi``, ``scope``, ``client_id``), but signed HS256 with a key
the sandbox draws at start-up; TBC signs its own differently, and clients must treat
tokens as opaque anyway ([INF]). Each expires ``lifetime`` seconds after issue on the
sandbox clock; :meth:`~payments_core.sandbox.tokens.TokenBook.revoke_all` kills every
token issued so far. The issuer remembers a bounded number of tokens (``limit``; see
:mod:`payments_core.sandbox.tokens`, the bookkeeping every emulator shares).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

from payments_core.sandbox.tokens import TOKEN_LIMIT, IssuedToken, TokenBook, jwt

ISSUER: Final = "https://accountsapi.tbcbank.ge/"


class TokenIssuer(TokenBook):
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
        super().__init__(client_id, client_secret, lifetime, limit)
        self._api_key = api_key
        self._key = secrets.token_bytes(32)

    def api_key_matches(self, api_key: str | None) -> bool:
        if api_key is None:
            return False
        return hmac.compare_digest(api_key.encode(), self._api_key.encode())

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
        return self.remember(jwt(header, claims, self._sign), expires, now)

    def _sign(self, data: bytes) -> bytes:
        return hmac.new(self._key, data, hashlib.sha256).digest()
