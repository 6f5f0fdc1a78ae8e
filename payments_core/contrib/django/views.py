"""The callback endpoint: ``POST <prefix>/webhooks/<gateway>/``.

Answers, all JSON:

* ``200 {"result": "applied" | "duplicate" | "stale"}``: verified (see
  :mod:`~payments_core.contrib.django.delivery` for what each means);
* ``400 {"error": <code>}``: not a genuine callback (``webhook_signature_invalid``,
  ``webhook_malformed``); the gateway's retries will not change that;
* ``404 {"error": "unknown_gateway"}``: no such gateway in ``settings.PAYMENTS``;
* ``405``: anything but ``POST``;
* ``503 {"error": <code>}``: the callback could not be verified because the
  gateway could not be asked (a read-back gateway such as TBC was unreachable):
  the gateway delivers it again later.

A receiver that raises, or settings that are wrong, end in Django's own 500.
Nothing else is said: no exception text, no header, no part of the body.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from payments_core.contrib.django.delivery import deliver, deliver_journaled
from payments_core.contrib.django.gateways import gateway_table, get_payments
from payments_core.errors import PaymentError, WebhookVerificationError

__all__ = ["webhook"]


def _webhook(request: Any, gateway: str) -> Any:
    if request.method != "POST":
        response = JsonResponse({"error": "method_not_allowed"}, status=405)
        response["Allow"] = "POST"
        return response
    if gateway not in gateway_table().gateways:
        return JsonResponse({"error": "unknown_gateway"}, status=404)
    payments = get_payments(gateway)
    try:
        # The raw bytes (signatures cover exactly these) and the caller's address
        # (gateways that publish theirs check it). Behind a proxy, REMOTE_ADDR must
        # be the client's address as your proxy reports it: see the Django guide.
        event = payments.parse_webhook(
            request.headers, request.body, remote_addr=request.META.get("REMOTE_ADDR")
        )
    except WebhookVerificationError as exc:
        return JsonResponse({"error": exc.code.value}, status=400)
    except PaymentError as exc:
        # The facade has logged it. The callback may be genuine: ask for it again.
        return JsonResponse({"error": exc.code.value}, status=503)
    if payments.journal is not None:
        return JsonResponse({"result": deliver_journaled(payments, event).value})
    return JsonResponse({"result": deliver(payments.name, event).value})


webhook = csrf_exempt(_webhook)
"""The endpoint view: gateways post without a CSRF token, and are verified instead."""
