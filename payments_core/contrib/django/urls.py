"""``include("payments_core.contrib.django.urls")``: the callback endpoint.

``webhooks/<gateway>/`` (POST) for every gateway of ``settings.PAYMENTS``, named
``payments:webhook``: ``reverse("payments:webhook", kwargs={"gateway": "main"})``.
"""

from __future__ import annotations

from django.urls import path

from payments_core.contrib.django import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<str:gateway>/", views.webhook, name="webhook"),
]
