"""The signal the callback endpoint sends: :data:`payment_updated`."""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["payment_updated"]

payment_updated = Signal()
"""Sent once per **new** state of a payment, after its callback was verified.

``sender`` is the gateway's name (a key of ``settings.PAYMENTS["gateways"]``, or
``"default"`` for a single gateway); the keyword arguments are ``payment`` (the
:class:`~payments_core.Payment` as verified) and ``event`` (the whole
:class:`~payments_core.WebhookEvent`).

A repeated delivery (same ``event.id``) and an update that is not newer than the
last state sent for that payment (:func:`payments_core.is_newer`) send nothing.
Receivers run inside the gateway's HTTP request: keep them short (record the
change, queue the slow work). When a receiver raises, the endpoint forgets the
update again and answers 500, so the gateway delivers it once more; a receiver
that had already done its part then sees it a second time.

Django matches ``connect(..., sender=...)`` by identity; the name is sent as an
interned string, so ``sender="main"`` works for names made of letters, digits and
underscores. For other names, compare ``sender`` inside the receiver.
"""
