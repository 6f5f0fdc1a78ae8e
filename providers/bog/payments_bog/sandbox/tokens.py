"""OAuth2 client-credentials tokens, as BOG's Keycloak issues them.

Tokens look like Keycloak's (an RS256 JWT signed with the sandbox key) but clients
must treat them as opaque. Each expires after the configured lifetime on the sandbox
clock; :meth:`~payments_core.sandbox.tokens.TokenBook.revoke_all` makes every token
issued so far invalid, like tokens that die early. The issuer remembers a bounded
number of tokens (``limit``; see :mod:`payments_core.sandbox.tokens`, the
bookkeeping every emulator shares).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from payments_core.sandbox.tokens import TOKEN_LIMIT, IssuedToken, TokenBook, jwt

from .signing import Signer


class TokenIssuer(TokenBook):
    """Checks client credentials, mints tokens and answers whether one is still valid."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        lifetime: int,
        signer: Signer,
        limit: int = TOKEN_LIMIT,
    ) -> None:
        super().__init__(client_id, client_secret, lifetime, limit)
        self._signer = signer

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
        return self.remember(jwt(header, claims, self._signer.sign_raw), expires, now)
