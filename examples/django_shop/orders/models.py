"""An order: what was bought, for how much, and where its payment stands."""

from __future__ import annotations

from django.db import models

from payments_core import Money

AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"
FAILED = "failed"
REFUNDED = "refunded"
STATUSES = [
    (AWAITING_PAYMENT, "awaiting payment"),
    (PAID, "paid"),
    (FAILED, "not paid"),
    (REFUNDED, "refunded"),
]


class Order(models.Model):  # type: ignore[misc]  # django ships no type hints
    item = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=STATUSES, default=AWAITING_PAYMENT)
    gateway = models.CharField(max_length=50, blank=True)
    payment_id = models.CharField(max_length=128, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def external_id(self) -> str:
        """The order's number at the gateway (``PaymentRequest.external_id``)."""
        return f"order-{self.pk}"

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)
