"""The shop's URLs: the checkout page, and the gateways' callback endpoint."""

from __future__ import annotations

from django.urls import include, path

from examples.django_shop.orders import views

urlpatterns = [
    path("", views.checkout, name="checkout"),
    path("payments/", include("payments_core.contrib.django.urls")),
]
