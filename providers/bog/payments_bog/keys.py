"""The RSA public keys that check BOG's callback signatures.

BOG signs every callback body with its private key (SHA256withRSA); merchants check
it with BOG's published public key. Both of BOG's keys (production and sandbox) are
built in, from the reference §3, and pinned by their DER SHA-256 fingerprints in the
tests. BOG may rotate its key, and the local emulator signs with its own, so a
configured key (PEM text or a file path) always wins.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from payments_bog import PROVIDER
from payments_core.errors import ConfigurationError, ErrorCode

__all__ = [
    "BOG_PRODUCTION_PUBLIC_KEY",
    "BOG_SANDBOX_PUBLIC_KEY",
    "builtin_key",
    "fingerprint",
    "load_public_key",
]

BOG_PRODUCTION_PUBLIC_KEY: Final = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu4RUyAw3+CdkS3ZNILQh
zHI9Hemo+vKB9U2BSabppkKjzjjkf+0Sm76hSMiu/HFtYhqWOESryoCDJoqffY0Q
1VNt25aTxbj068QNUtnxQ7KQVLA+pG0smf+EBWlS1vBEAFbIas9d8c9b9sSEkTrr
TYQ90WIM8bGB6S/KLVoT1a7SnzabjoLc5Qf/SLDG5fu8dH8zckyeYKdRKSBJKvhx
tcBuHV4f7qsynQT+f2UYbESX/TLHwT5qFWZDHZ0YUOUIvb8n7JujVSGZO9/+ll/g
4ZIWhC1MlJgPObDwRkRd8NFOopgxMcMsDIZIoLbWKhHVq67hdbwpAq9K9WMmEhPn
PwIDAQAB
-----END PUBLIC KEY-----
"""
"""BOG's production callback key (RSA-2048)."""

BOG_SANDBOX_PUBLIC_KEY: Final = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqczfAuhtxw2iF68kS0Hy
bGSv0ZlDAjsXh6VC8avDl3Vxa9qCn6Pzl37Tl2Z21WodiISLeXdhCtOMTeLNUBeb
CYD31y2/MwnhLYqlCk2bOh29fyPc1iT5Eu/k/1IaNRrK9/UVZaTkhOMeEm+aL4y8
5XsE4UjqftEmwrAdbO2G4cCpuoMC9ZXG9gAdr2BFN6i2Vt9eCen5Poj7E1ik7s8T
GyzploVV0NflhwBGeWnvQANUQGr87gsP5k2JG1z5EwnMybJQ7i3XT726rJMaV6QW
sY5hP72Mtv1I1zL2d9FXm9FWOzbpcXCyxuEBXvqqOHzogri8C7KRRYKyk97Ri7D6
8wIDAQAB
-----END PUBLIC KEY-----
"""
"""BOG's sandbox callback key (RSA-2048)."""

_BUILTIN: Final = {"production": BOG_PRODUCTION_PUBLIC_KEY, "sandbox": BOG_SANDBOX_PUBLIC_KEY}

MIN_KEY_BITS: Final = 2048


def _invalid(message: str) -> ConfigurationError:
    return ConfigurationError(
        f"invalid settings for provider 'bog': callback_public_key: {message}",
        code=ErrorCode.INVALID_SETTINGS,
        provider=PROVIDER,
    )


def _parse(data: bytes, source: str) -> RSAPublicKey:
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError):
        raise _invalid(f"{source} is not a PEM or DER public key") from None
    if not isinstance(key, RSAPublicKey):
        raise _invalid(f"{source} is not an RSA key (BOG signs with SHA256withRSA)")
    if key.key_size < MIN_KEY_BITS:
        raise _invalid(f"{source} is a {key.key_size}-bit RSA key; at least 2048 bits expected")
    return key


def builtin_key(environment: str) -> RSAPublicKey:
    """BOG's own callback key for ``production`` or ``sandbox``."""
    return _parse(_BUILTIN[environment].encode(), f"the built-in {environment} key")


def load_public_key(configured: str | None, environment: str) -> RSAPublicKey:
    """The key to verify callbacks with: the configured one, else BOG's for the environment.

    ``configured`` is PEM text (recognised by its ``-----BEGIN`` line) or the path
    of a PEM or DER file. Problems raise :class:`ConfigurationError` at start-up,
    not when the first callback arrives.
    """
    if configured is None or not configured.strip():
        return builtin_key(environment)
    text = configured.strip()
    if text.startswith("-----BEGIN"):
        return _parse(text.encode(), "the configured PEM text")
    path = Path(text).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _invalid(f"cannot read {path} ({type(exc).__name__})") from None
    return _parse(data, str(path))


def fingerprint(key: RSAPublicKey) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo, to compare with a published one."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()
