"""BOG's OAuth2 token: the request's shape, and reading ``expires_in`` both ways."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider
from payments_bog.tokens import token_lifetime

from payments_core import AuthenticationError, OAuth2ClientCredentials, Payments

NOW = 1_700_000_000.0


def clock() -> float:
    return NOW


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [
        (3600, 3600.0),
        ("3600", 3600.0),
        (Decimal("299.5"), 299.5),
        (NOW + 1800, 1800.0),
        (int((NOW + 900) * 1000), 900.0),
        (1634719923245, 0.0),
        (NOW - 10, 0.0),
        (-5, 0.0),
    ],
)
def test_expires_in_is_seconds_epoch_seconds_or_epoch_milliseconds(
    expires_in: Any, lifetime: float
) -> None:
    assert token_lifetime(expires_in, now=clock) == pytest.approx(lifetime)


def test_missing_expires_in_falls_back_to_the_cores_default() -> None:
    assert token_lifetime(None) == 300.0


@pytest.mark.parametrize("value", [True, "soon", [3600], float("nan")])
def test_unreadable_expires_in_raises_value_error(value: Any) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        token_lifetime(value)


def test_auth_is_one_client_credentials_cache_per_provider(provider: BogProvider) -> None:
    assert isinstance(provider.auth, OAuth2ClientCredentials)
    assert provider.auth is provider.auth
    assert provider.auth.token_url == (
        "https://oauth2.bog.ge/auth/realms/bog/protocol/openid-connect/token"
    )


def test_token_request_is_a_basic_authenticated_form_post(
    provider: BogProvider, fake_bog: Any, order_request: Any
) -> None:
    client = httpx.Client(transport=httpx.MockTransport(fake_bog.handler))
    with Payments(provider, http_client=client, autoload_plugins=False) as payments:
        payments.create_payment(order_request())

    token_request = fake_bog.requests[0]
    # RFC 6749 §2.3.1: each part form-encoded before base64 ("!" becomes "%21")
    expected = base64.b64encode(b"10001:s3cr3t-Client-Secret%21").decode()
    assert token_request.method == "POST"
    assert token_request.url.path == "/auth/realms/bog/protocol/openid-connect/token"
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request.content == b"grant_type=client_credentials"
    api_request = fake_bog.requests[1]
    assert api_request.headers["Authorization"].startswith("Bearer eyJ.")


def test_refused_credentials_are_an_authentication_error(settings: dict[str, Any]) -> None:
    def keycloak(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "error": "invalid_client",
                "error_description": "Invalid client or Invalid client credentials",
            },
        )

    provider = BogProvider.from_settings(settings)
    client = httpx.Client(transport=httpx.MockTransport(keycloak))
    with (
        Payments(provider, http_client=client, autoload_plugins=False) as payments,
        pytest.raises(AuthenticationError) as raised,
    ):
        payments.get_payment("order-1")

    assert raised.value.provider_code == "invalid_client"
