"""The example's tests run on the project's own settings, with a database in memory.

Django's settings are configured once per process: here, unless another Django suite
of the same run (the integration's, ``tests/contrib``) did it first. Either way each
test applies the project's settings with ``override_settings`` (installing the
orders app, whose receiver is connected only while a test of this suite runs), so
the order of the suites does not matter. Models are imported inside the tests, once
the orders app is installed.
"""

from __future__ import annotations

import pytest

pytest.importorskip("django", reason="the django extra is not installed")

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import django
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings
from payments_dummy import DummyProvider

from examples.django_shop import settings as project
from payments_core import Payments
from payments_core.contrib.django import get_payments, payment_updated

WEBHOOK_SECRET = "whsec-example-shop-5d2a91"
RECEIVER = "orders.update_order"
IN_MEMORY = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}


def project_settings() -> dict[str, Any]:
    return {name: getattr(project, name) for name in dir(project) if name.isupper()}


if not settings.configured:
    settings.configure(**{**project_settings(), "DATABASES": IN_MEMORY})
    django.setup()
    payment_updated.disconnect(dispatch_uid=RECEIVER)  # connected again by each test


@dataclass
class Shop:
    client: Client

    @property
    def gateway(self) -> Payments:
        return get_payments()

    @property
    def dummy(self) -> DummyProvider:
        """The dummy gateway itself: the customer's step and its signed callbacks."""
        provider = self.gateway.provider
        assert isinstance(provider, DummyProvider)
        return provider

    def buy(self) -> tuple[Any, Any]:
        """Open the page and press Buy, as a browser would (CSRF token and all)."""
        from examples.django_shop.orders.models import Order

        page = self.client.get("/", secure=True)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found is not None
        response = self.client.post(
            "/",
            {"csrfmiddlewaretoken": found[1]},
            secure=True,
            headers={"Referer": "https://testserver/"},  # checked on HTTPS
        )
        return response, Order.objects.latest("pk")

    def callback(self, callback: tuple[dict[str, str], bytes]) -> Any:
        """Deliver a callback to the endpoint, as the gateway would."""
        headers, body = callback
        return self.client.post(
            "/payments/webhooks/dummy/",
            data=body,
            content_type=headers["Content-Type"],
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
            secure=True,
        )


@pytest.fixture
def shop() -> Iterator[Shop]:
    values = project_settings()
    del values["DATABASES"]
    values.update(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        PAYMENTS={
            "gateways": {
                "dummy": {
                    "provider": "dummy",
                    "store": f"django-shop-{uuid.uuid4().hex}",
                    "webhook_secret": WEBHOOK_SECRET,
                }
            }
        },
    )
    with override_settings(**values):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        try:
            yield Shop(Client(enforce_csrf_checks=True))
        finally:
            from examples.django_shop.orders.models import Order

            Order.objects.all().delete()
            caches[project.PAYMENTS_CACHE].clear()
            payment_updated.disconnect(dispatch_uid=RECEIVER)
