"""The settings every provider has; each provider subclasses them with its own.

Timeouts, the retry budget and the insecure-callback switch are the core's to
read, whatever the gateway, so they live here and not in each provider.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from payments_core.models import PaymentRequest

__all__ = ["ProviderSettings"]


class ProviderSettings(BaseModel):
    """Settings every provider has; a provider subclasses this with its own fields.

    Secrets belong in ``pydantic.SecretStr`` fields so they never show in a repr.
    """

    # Built when a provider's settings are first validated, not when the core is imported.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    timeout: float = Field(default=30.0, gt=0)
    """Seconds one HTTP attempt may take (each phase: connect, read, write, pool)."""
    deadline: float = Field(default=90.0, gt=0)
    """Seconds a whole operation may take, retries and back-off included."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts for a request that is safe to repeat."""
    backoff_base: float = Field(default=0.5, ge=0)
    """First back-off delay in seconds; it doubles on each retry (with jitter)."""
    backoff_max: float = Field(default=8.0, ge=0)
    """Longest single back-off delay, also the cap on an honoured ``Retry-After``."""
    allow_insecure_callback_url: bool = False
    """Accept a plain-http callback URL on a loopback host (a local emulator or
    receiver); each use logs a warning. Never for a public host."""

    def allows_insecure_callback(self, request: PaymentRequest | None = None) -> bool:
        """Whether a plain-http callback URL on a loopback host may be used: this
        setting, or the request's own ``allow_insecure_callback``. The one place
        the two switches meet, so every provider and the facade decide alike."""
        return self.allow_insecure_callback_url or (
            request is not None and request.allow_insecure_callback
        )
