"""Connects the receiver of ``payment_updated`` when Django starts."""

from __future__ import annotations

from django.apps import AppConfig

from payments_core.contrib.django import payment_updated


class OrdersConfig(AppConfig):  # type: ignore[misc]  # django ships no type hints
    name = "examples.django_shop.orders"
    label = "orders"

    def ready(self) -> None:
        from examples.django_shop.orders.receivers import update_order

        payment_updated.connect(update_order, dispatch_uid="orders.update_order")
