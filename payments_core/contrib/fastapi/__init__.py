"""FastAPI integration: the callback endpoint as a router, and gateways opened with the app.

::

    from fastapi import FastAPI
    from payments_core.contrib.fastapi import Gateways, webhook_router

    gateways = Gateways({"provider": "dummy"})
    app = FastAPI(lifespan=gateways.lifespan)
    app.include_router(webhook_router(gateways, on_update=mark_order_paid, prefix="/payments"))

Install with ``pip install "payments-core[fastapi]"``. This is the only part of
``payments_core`` that imports FastAPI (or Starlette); the rest never does.
See the FastAPI guide (``docs/guides/fastapi.md``).
"""

from payments_core.contrib.fastapi.gateways import Gateways
from payments_core.contrib.fastapi.router import (
    MAX_BODY_BYTES,
    ROUTE_NAME,
    WEBHOOK_PATH,
    OnUpdate,
    WebhookAnswer,
    WebhookRefusal,
    WebhookResult,
    webhook_router,
)
from payments_core.contrib.fastapi.store import MemoryWebhookStateStore, WebhookStateStore

__all__ = [
    "MAX_BODY_BYTES",
    "ROUTE_NAME",
    "WEBHOOK_PATH",
    "Gateways",
    "MemoryWebhookStateStore",
    "OnUpdate",
    "WebhookAnswer",
    "WebhookRefusal",
    "WebhookResult",
    "WebhookStateStore",
    "webhook_router",
]
