"""The emulator's own RSA key: it signs callbacks the way BOG does.

Nobody outside BOG has BOG's private key, so the sandbox makes an RSA-2048 pair (or
takes a PEM private key) and publishes the public half. Signatures are SHA256withRSA,
PKCS#1 v1.5, over the exact bytes sent, base64-encoded.
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_SIZE = 2048


def generate_private_key_pem() -> bytes:
    """A fresh unencrypted PKCS#8 PEM key (handy to share one key across sandboxes)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@functools.lru_cache(maxsize=8)
def _load(pem: bytes) -> rsa.RSAPrivateKey:
    """Parse (and validate, which is slow) each PEM once; many sandboxes may share one key."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the sandbox signing key must be an RSA private key")
    return key


class Signer:
    """Signs byte strings with the sandbox key; never exposes the private half."""

    def __init__(self, private_key_pem: bytes | str | None = None) -> None:
        pem = private_key_pem or generate_private_key_pem()
        if isinstance(pem, str):
            pem = pem.encode("ascii")
        key = _load(pem)
        self._key = key
        self.public_key_pem: str = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def __repr__(self) -> str:
        return "Signer(<RSA-2048 key>)"

    def sign_raw(self, data: bytes) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def sign(self, data: bytes) -> str:
        """Base64 SHA256withRSA signature, the ``Callback-Signature`` header value."""
        return base64.b64encode(self.sign_raw(data)).decode("ascii")
