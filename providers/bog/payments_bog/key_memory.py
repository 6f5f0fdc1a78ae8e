"""The key BOG's callbacks are checked with, read once and remembered per provider.

A configured key (PEM text or a file path) is read and checked when the provider
is built, so a bad one fails at start-up. BOG's built-in keys (pinned by the
tests) wait for the first callback: a process that never checks one never
imports ``cryptography``, which :mod:`payments_bog.keys` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payments_bog.settings import BogSettings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["CallbackKeyMemory"]


class CallbackKeyMemory:
    """The callback key of one provider: ``None`` when ``verify_callbacks`` is off."""

    __slots__ = ("_key", "_pending", "_settings")

    def __init__(self, settings: BogSettings) -> None:
        self._settings = settings
        self._key: RSAPublicKey | None = None
        self._pending = settings.verify_callbacks
        configured = settings.callback_public_key
        if self._pending and configured is not None and configured.strip():
            self._load()

    def current(self) -> RSAPublicKey | None:
        """The key callbacks are checked with (``None``: ``verify_callbacks`` is off)."""
        return self._load() if self._pending else self._key

    def _load(self) -> RSAPublicKey:
        from payments_bog.keys import load_public_key

        key = load_public_key(self._settings.callback_public_key, self._settings.environment)
        self._key, self._pending = key, False
        return key
