"""A verified callback from a gateway, as the library hands it to the application."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from payments_core.models.base import ResultModel
from payments_core.models.results import Payment

__all__ = ["WebhookEvent"]


class WebhookEvent(ResultModel):
    """A verified callback: what happened to which payment.

    ``id`` is a dedupe key: the same delivery repeated has the same id, so a
    platform can drop duplicates before applying them.
    """

    id: str
    provider: str
    type: str
    payment: Payment
    received_at: datetime
    occurred_at: datetime | None = None
    raw: dict[str, Any] | None = Field(default=None, repr=False)
    duplicate: bool = False
    """With a journal: this delivery was seen before and is not applied again.
    Without one the facade cannot tell, and it is always ``False``."""
    stale: bool = False
    """With a journal: new, but older than the payment state already known
    (a late callback); recorded, not applied."""
