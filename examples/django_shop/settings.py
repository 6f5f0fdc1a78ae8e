"""Settings of the example shop. Everything about payments is in the last part."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-example-shop-only")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "payments_core.contrib.django",
    "examples.django_shop.orders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "examples.django_shop.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SHOP_DATABASE", BASE_DIR / "db.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

# -- payments ---------------------------------------------------------------------------

_gateways: dict[str, dict[str, Any]] = {
    # In memory: the tests play the customer and the gateway (see README.md).
    "dummy": {
        "provider": "dummy",
        "store": "django-shop",
        "allow_insecure_callback_url": True,  # runserver speaks plain http on 127.0.0.1
    },
}
if os.environ.get("TBC_API_BASE_URL"):  # the variables `payments sandbox tbc` prints
    _gateways["tbc"] = {
        "provider": "tbc",
        "api_key": os.environ["TBC_API_KEY"],
        "client_id": os.environ["TBC_CLIENT_ID"],
        "client_secret": os.environ["TBC_CLIENT_SECRET"],
        "api_base_url": os.environ["TBC_API_BASE_URL"],
        "callback_addresses": os.environ.get("TBC_CALLBACK_ADDRESSES", "127.0.0.1"),
        "allow_insecure_callback_url": True,  # the emulator calls back over plain http
    }

# The mapping Payments.from_config takes: one gateway, or several and a default.
PAYMENTS = {
    "default": os.environ.get("SHOP_GATEWAY", "dummy"),
    "gateways": _gateways,
}

# What the callback endpoint remembers (deliveries seen, each payment's last state)
# lives in this cache. The database cache is shared by every process of the site;
# `createcachetable` makes its table. Django caches cull entries past MAX_ENTRIES
# (300 by default): give this one room.
PAYMENTS_CACHE = "payments"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "payments": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "payments_cache",
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
