"""The faster paths of the per-payment hot path give what the general ones give.

Each shortcut taken for speed (one-pass JSON writing, the ASCII URL check, Money
without a local decimal context, a request validated once, BOG's text fields read
by pydantic itself, a request's URL parsed once) is checked here against the slower code
it stands in for.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, localcontext
from enum import IntEnum, StrEnum
from typing import Annotated, Any

import httpx
import pytest

from payments_core import wire
from payments_core.errors import InvalidRequestError
from payments_core.hooks import Hooks
from payments_core.hookspecs import hookimpl
from payments_core.models import (
    LineItem,
    PaymentRequest,
    building_flow_for,
    checked_request,
)
from payments_core.money import Money
from payments_core.provider import PaymentProvider, ProviderSettings
from payments_core.urls import _is_forbidden, _problem

# -- wire.dumps: one pass for plain data, the general path for the rest -------------------


class _Color(StrEnum):
    RED = "red"


class _Level(IntEnum):
    HIGH = 3


class _Dict(dict[str, Any]):
    pass


PAYLOADS: list[Any] = [
    {},
    [],
    {"a": 1, "b": [1, 2, {"c": None}], "d": True, "e": False, "f": "x"},
    {"amount": Decimal("10.00"), "zero": Decimal("-0"), "big": Decimal("1E+3")},
    {"text": 'quote " backslash \\ newline \n tab \t nul \x00 ü 中 \u2028 emoji 😀'},
    {"nested": {"deeper": [Decimal("0.001"), (1, 2), [], {}]}},
    ("a", Decimal("2.50")),
    {"enum": _Color.RED, "level": _Level.HIGH},
    {1: "int key", None: "none key", False: "bool key", 2.5: "float key"},
    _Dict(a=Decimal("1.10")),
    {"list": [_Dict(x=1)]},
    "just a string",
    Decimal("3.14"),
    12345678901234567890,
    None,
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dumps_writes_what_the_general_path_writes(payload: Any) -> None:
    assert wire.dumps(payload) == wire._dumps_general(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"a": 1.5},
        [Decimal("NaN")],
        {"when": object()},
        {Decimal("1"): "decimal key"},
        {"inf": Decimal("Infinity")},
    ],
)
def test_dumps_refuses_what_the_general_path_refuses(payload: Any) -> None:
    try:
        wire._dumps_general(payload)
    except (TypeError, ValueError) as exc:
        general = exc
    else:  # pragma: no cover - each payload is one json.dumps refuses
        pytest.fail("the general path wrote it")
    with pytest.raises(type(general)) as fast:
        wire.dumps(payload)
    assert str(fast.value) == str(general)


# -- the URL check: ASCII in C, anything else character by character ----------------------


def _old_forbidden(value: str) -> bool:
    return any(_is_forbidden(ch) for ch in value)


@pytest.mark.parametrize("code", [*range(0x00, 0x80), 0x85, 0xA0, 0x200B, 0x202E, 0x2028, 0x3000])
def test_every_ascii_character_and_a_few_others_are_judged_as_before(code: int) -> None:
    url = f"https://shop.example/pay{chr(code)}ment"
    problem = _problem(url, https_only=True, allow_http_loopback=False, allow_fragment=True)
    forbidden = _old_forbidden(url)
    invisible = "must not contain spaces, control or invisible formatting characters"
    assert (problem == invisible) is forbidden, (hex(code), unicodedata.name(chr(code), "?"))


# -- Money: the same amounts and refusals whatever the caller's decimal context ----------


@pytest.mark.parametrize(
    "amount",
    ["10.00", "0.10", "-0.00", "5", Decimal("9999999999999.99"), 0, "1E+2", Decimal("-3.5")],
)
def test_money_ignores_a_hostile_decimal_context(amount: object) -> None:
    plain = Money(amount, "GEL")  # type: ignore[arg-type]
    with localcontext(prec=2, Emax=3, Emin=-3) as context:
        context.traps = dict.fromkeys(context.traps, False)
        hostile = Money(amount, "GEL")  # type: ignore[arg-type]
    assert (hostile.amount, hostile.currency) == (plain.amount, plain.currency)
    assert str(hostile.amount) == str(plain.amount)


@pytest.mark.parametrize("amount", ["10.001", "10000000000000.00", "-10000000000000", "1E+20"])
def test_money_refuses_as_before_under_a_hostile_context(amount: str) -> None:
    with pytest.raises(InvalidRequestError) as plain:
        Money(amount, "GEL")
    with localcontext(prec=2) as context:
        context.traps = dict.fromkeys(context.traps, False)
        with pytest.raises(InvalidRequestError) as hostile:
            Money(amount, "GEL")
    assert hostile.value.message == plain.value.message


def test_money_bounds_hold_for_every_exponent() -> None:
    assert Money("999999999999999", "JPY").minor_units == 10**15 - 1
    assert Money("999999999999.999", "KWD").minor_units == 10**15 - 1
    assert Money("99999999999.9999", "CLF").minor_units == 10**15 - 1
    for amount, currency in (("1000000000000000", "JPY"), ("1000000000000.000", "KWD")):
        with pytest.raises(InvalidRequestError, match="too large"):
            Money(amount, currency)


# -- the create request: validated once when nothing else saw it ---------------------------


def _request() -> PaymentRequest:
    return PaymentRequest(
        external_id="order-1",
        amount=Money("10.00", "GEL"),
        items=[LineItem(product_id="sku-1", quantity=1, unit_price=Money("10.00", "GEL"))],
        callback_url="https://shop.example/callback",
    )


def test_a_request_is_validated_again_unless_the_facade_just_did() -> None:
    request = _request()
    assert checked_request(request) is not request  # validated: a new object
    assert building_flow_for(request, lambda: checked_request(request)) is request
    other = _request()
    assert building_flow_for(request, lambda: checked_request(other)) is not other
    assert checked_request(request) is not request  # the mark ends with the build


def test_a_request_changed_in_place_is_still_refused_without_the_facade() -> None:
    request = _request()
    request.items.append(LineItem(product_id="sku-2", quantity=1, unit_price=Money("1.00", "USD")))
    with pytest.raises(InvalidRequestError, match="every amount must be in GEL"):
        checked_request(request)


class _Mutator:
    """A before_operation hook that changes the request it is shown, in place."""

    @hookimpl
    def payments_before_operation(self, operation: str, request: Any) -> None:
        if operation == "create_payment":
            request.items.append(
                LineItem(product_id="sku-2", quantity=1, unit_price=Money("1.00", "USD"))
            )


def _answer(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never sent
    return httpx.Response(500)


def test_a_hook_that_changes_the_request_is_caught_by_the_provider() -> None:
    from payments_bog.sandbox import BogSandbox

    from payments_core import Payments

    sandbox = BogSandbox()
    client = httpx.Client(transport=sandbox.sync_transport())
    with Payments(
        "bog", http_client=client, plugins=[_Mutator()], **sandbox.provider_settings()
    ) as payments:
        assert payments.hooks.has_operation_hooks()
        with pytest.raises(InvalidRequestError, match="every amount must be in GEL"):
            payments.create_payment(_request())
    client.close()


def test_no_operation_hooks_means_no_operation_hooks() -> None:
    assert not Hooks(autoload=False).has_operation_hooks()


# -- BOG's text fields: strings and null taken by pydantic, the rest by the reader ----------


@pytest.mark.parametrize(
    "value", ["text", "", None, True, False, 7, Decimal("1.50"), [1], 1.5, {"a": 1}, b"x"]
)
def test_bog_text_fields_read_as_the_plain_validator_did(value: object) -> None:
    from payments_bog.wire.lenient import Text, _text
    from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

    class Old(BaseModel):
        model_config = ConfigDict(extra="ignore", frozen=True)
        field: Annotated[str | None, BeforeValidator(_text)] = None

    class New(BaseModel):
        model_config = ConfigDict(extra="ignore", frozen=True)
        field: Text = None

    def outcome(model: type[BaseModel]) -> object:
        try:
            made = model.model_validate({"field": value})
        except ValidationError as exc:
            return [error["loc"] for error in exc.errors()]
        return (made.field, made.model_dump(mode="json"))  # type: ignore[attr-defined]

    assert outcome(New) == outcome(Old)


# -- build_request: a URL parsed once is the URL httpx parses ----------------------------


class _UrlProvider(PaymentProvider):
    name = "url-check"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example/payments/v1/orders",
        "https://api.example:8443/a%20b/c?x=1&y=%C3%A9",
        "http://127.0.0.1:8000/receipt/ord-1",
        "https://API.Example/Path/../orders/ünï",
    ],
)
def test_requests_to_a_remembered_url_go_where_a_fresh_parse_sends_them(url: str) -> None:
    provider = _UrlProvider(ProviderSettings())
    first = provider.build_request("GET", url)
    again = provider.build_request("POST", url, json={"n": 1})
    assert first.url == again.url == httpx.Request("GET", url).url
    assert str(again.url) == str(httpx.URL(url))
    assert again.headers["host"] == httpx.Request("GET", url).headers["host"]


def test_a_url_httpx_refuses_is_refused_every_time() -> None:
    provider = _UrlProvider(ProviderSettings())
    for _ in range(2):
        with pytest.raises(httpx.InvalidURL):
            provider.build_request("GET", "https://[::1/payments")
