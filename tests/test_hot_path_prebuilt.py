"""Hot-path shortcuts give exactly what the plain code gave.

* the token request is built once per set of credentials: the same URL, headers
  (in order) and form bytes as ``httpx.Request(data=form)``, rebuilt when the
  credentials change;
* the plausibility check compares Decimals: the same findings, in the same words,
  as comparing the Money values.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr

from payments_core import Money, OAuth2ClientCredentials, Payment, PaymentStatus
from payments_core.auth import AUTH_REQUEST_EXTENSION
from payments_core.plausibility import payment_problems

# -- the token request ------------------------------------------------------------------


def plain_token_request(auth: OAuth2ClientCredentials) -> httpx.Request:
    """The token request as it was built before: a form through ``data=``."""
    form = {"grant_type": "client_credentials"}
    if auth.scope:
        form["scope"] = auth.scope
    headers = {"Accept": "application/json"}
    secret = auth._secret.get_secret_value()
    if auth.credentials_in == "header":
        credentials = f"{quote(auth.client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    else:
        form["client_id"] = auth.client_id
        form["client_secret"] = secret
    return httpx.Request("POST", auth.token_url, data=form, headers=headers)


def assert_same(built: httpx.Request, plain: httpx.Request) -> None:
    assert built.method == plain.method
    assert str(built.url) == str(plain.url)
    assert built.url.raw_path == plain.url.raw_path
    assert built.headers.raw == plain.headers.raw
    assert built.content == plain.content
    assert type(built.stream) is type(plain.stream)


@pytest.mark.parametrize("credentials_in", ["header", "body"])
@pytest.mark.parametrize("scope", [None, "", "payments read", "a&b=c"])
@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("client", "secret"), ("cl:ient ü", "s&e=c+r/e%t ü"), ("", "")],
)
def test_the_token_request_is_the_form_httpx_would_build(
    credentials_in: Any, scope: str | None, client_id: str, secret: str
) -> None:
    auth = OAuth2ClientCredentials(
        "https://auth.example/oauth2/token?x=1",
        client_id,
        secret,
        scope=scope,
        credentials_in=credentials_in,
        extra_headers={"X-Extra": "1"},
    )
    api = httpx.Request("GET", "https://api.example/x", extensions={"timeout": {"read": 3.0}})
    for _ in range(2):  # built, then from what was kept
        built = auth._token_request(api)
        plain = plain_token_request(auth)
        plain.headers["X-Extra"] = "1"
        assert_same(built, plain)
        assert built.extensions[AUTH_REQUEST_EXTENSION] is True
        assert built.extensions["timeout"] == {"read": 3.0}


def test_the_token_request_follows_changed_credentials() -> None:
    auth = OAuth2ClientCredentials("https://auth.example/token", "one", "secret-1")
    api = httpx.Request("GET", "https://api.example/x")
    first = auth._token_request(api)
    first.headers["X-Changed"] = "yes"  # a request's headers are its own
    assert "X-Changed" not in auth._token_request(api).headers
    changes: list[tuple[str, Any]] = [
        ("client_id", "two"),
        ("_secret", SecretStr("secret-2")),
        ("scope", "more"),
        ("credentials_in", "body"),
        ("token_url", "https://other.example/token"),
    ]
    for name, value in changes:
        setattr(auth, name, value)
        assert_same(auth._token_request(api), plain_token_request(auth))


def test_a_bad_token_url_fails_as_before() -> None:
    auth = OAuth2ClientCredentials("https://[::1/token", "c", "s")
    with pytest.raises(httpx.InvalidURL):
        plain_token_request(auth)
    for _ in range(2):
        with pytest.raises(httpx.InvalidURL):
            auth._token_request(httpx.Request("GET", "https://api.example/x"))


# -- the plausibility check ------------------------------------------------------------


def reference_problems(payment: Payment) -> list[str]:
    """The check as it was written on Money values."""
    problems: list[str] = []
    currency = payment.amount.currency
    named = [("amount", payment.amount)]
    for name in ("authorized_amount", "captured_amount", "refunded_amount"):
        value = getattr(payment, name)
        if value is not None:
            named.append((name, value))
    for name, money in named:
        if money.currency != currency:
            problems.append(f"{name} is in {money.currency}, the payment in {currency}")
        elif money.amount < 0:
            problems.append(f"{name} is negative ({money})")
    if problems:
        return problems
    amount = payment.amount
    captured, refunded = payment.captured_amount, payment.refunded_amount
    authorized = payment.authorized_amount
    paid = {
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUND_PENDING,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    }
    refunded_statuses = {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    if not amount.is_positive() and payment.status in paid:
        problems.append(f"a {payment.status.value} payment of {amount}")
    if captured is not None:
        if captured > amount:
            problems.append(f"captured {captured} of a {amount} payment")
        if authorized is not None and authorized.is_positive() and captured > authorized:
            problems.append(f"captured {captured} of {authorized} authorized")
        if payment.status in paid and not captured.is_positive():
            problems.append(f"{payment.status.value} with nothing captured")
    if refunded is not None:
        ceiling = captured if captured is not None else amount
        if refunded > ceiling:
            problems.append(f"refunded {refunded}, above the {ceiling} paid")
        if payment.status in refunded_statuses and not refunded.is_positive():
            problems.append(f"{payment.status.value} with nothing refunded")
    if authorized is not None and authorized > amount:
        problems.append(f"authorized {authorized} of a {amount} payment")
    return problems


AMOUNTS = [None, Money("0", "GEL"), Money("5", "GEL"), Money("10", "GEL"), Money("-1", "GEL")]


def test_the_plausibility_check_finds_what_it_found_on_money() -> None:
    checked = 0
    for status in PaymentStatus:
        for amount in AMOUNTS[1:]:
            for authorized, captured, refunded in itertools.product(AMOUNTS, repeat=3):
                payment = Payment.model_construct(
                    id="p",
                    provider="x",
                    status=status,
                    amount=amount,
                    authorized_amount=authorized,
                    captured_amount=captured,
                    refunded_amount=refunded,
                    operations=(),
                )
                assert payment_problems(payment) == reference_problems(payment)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("field", ["authorized_amount", "captured_amount", "refunded_amount"])
def test_a_mixed_currency_is_found_as_before(field: str) -> None:
    fields: dict[str, Any] = {
        "id": "p",
        "provider": "x",
        "status": PaymentStatus.CAPTURED,
        "amount": Money("10", "GEL"),
        "operations": (),
        field: Money("-3", "USD"),
    }
    payment = Payment.model_construct(**fields)
    assert payment_problems(payment) == reference_problems(payment)
    assert payment_problems(payment) == [f"{field} is in USD, the payment in GEL"]
