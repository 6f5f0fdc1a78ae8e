"""More shortcuts of the per-payment hot path, each pinned to the general code it skips.

A URL of a known endpoint plus one id joined to the endpoint's parse, the client's
headers added to a request as encoded once, JSON read and digests written with
decoders and encoders made once, Money arithmetic without re-checking its own
result and Money from a Decimal without converting it, ASCII text judged blank in
one call, the kept bytes of a sent request read in one pass, BOG's create order
without an empty ``config`` or a fresh empty options object: each gives exactly
what the general path gives, and each test fails if the shortcut does not.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from payments_core import wire
from payments_core.drivers import flow as driver_flow
from payments_core.errors import ConfigurationError, InvalidRequestError
from payments_core.models.fields import _FORBIDDEN_IN_TEXT, text_problem
from payments_core.money import Money
from payments_core.provider import SentRequest
from payments_core.provider.contract import _parsed_prefix, _parsed_url
from payments_core.redact import SENSITIVE_HEADERS

# -- a URL is its endpoint's parse with the id added ---------------------------------------

BASES = [
    "https://api.bog.ge/payments/v1/receipt/",
    "https://api.bog.ge/payments/v1/payment/refund/",
    "http://127.0.0.1:8080/payments/v1/receipt/",
    "http://[::1]:9000/x/",
    "https://API.Example/Path/",  # not canonical: parsed whole
    "https://api.example:443/a/",  # default port: parsed whole
    "https://api.example/a/./b/",  # a dot segment: parsed whole
    "https://api.example/a%20b/",
    "https://api.example/a b/",  # escaped by httpx: parsed whole
    "https://api.example/ü/",
    "https://api.example/a#frag/",  # a fragment: parsed whole
    "https://api.example/",
]
IDS = [
    str(uuid.uuid4()),
    "ord-1",
    "A.b_c:d-e",
    "0",
    "x" * 128,
    "a..",
    "1.",
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("order_id", IDS)
def test_an_id_joined_to_its_endpoint_is_the_url_parsed_whole(base: str, order_id: str) -> None:
    url = base + order_id
    fresh = httpx.URL(url)
    joined = _parsed_url(url)
    assert joined == fresh
    assert joined._uri_reference == fresh._uri_reference
    assert str(joined) == str(fresh)
    assert joined.raw_path == fresh.raw_path
    assert vars(joined).keys() == vars(fresh).keys()


def test_the_known_endpoints_take_the_join() -> None:
    base = "https://api.bog.ge/payments/v1/receipt/"
    _parsed_url(base + str(uuid.uuid4()))
    parsed = _parsed_prefix(base)
    assert parsed is not None
    assert str(parsed) == base


@pytest.mark.parametrize(
    "base", ["https://API.Example/Path/", "https://api.example/a b/", "https://api.example/a#f/"]
)
def test_an_endpoint_a_parse_would_change_is_not_joined_to(base: str) -> None:
    assert _parsed_prefix(base) is None


@pytest.mark.parametrize("last", ["..", ".", "a b", "a%2F", "ü", "-a", "a" * 129])
def test_a_last_segment_that_is_no_plain_id_is_parsed_whole(last: str) -> None:
    url = "https://api.bog.ge/payments/v1/receipt/" + last
    assert _parsed_url(url)._uri_reference == httpx.URL(url)._uri_reference


# -- the client's headers, added as encoded once ---------------------------------------------


def _general(request: httpx.Request, defaults: httpx.Headers) -> None:
    """What _add_client_headers did before it kept the encoded headers."""
    headers = request.headers
    own = headers.encoding
    present = {name.lower().decode(own) for name, _ in headers.raw}
    for raw_name, raw_value in defaults.raw:
        name = raw_name.lower().decode(defaults.encoding)
        if name not in present:
            headers[name] = raw_value.decode(defaults.encoding)
            present.add(name)


CLIENT_HEADERS: list[Any] = [
    {"User-Agent": "shop/2.1", "X-Trace-Id": "trace-1", "Accept": "text/plain"},
    [("X-Twice", "one"), ("x-twice", "two"), ("X-Other", "3")],
    [("X-Latin", "caf\xe9".encode("latin-1"))],
    [("X-Utf8", "caf\xe9".encode())],
    [("ACCEPT-LANGUAGE", "en"), ("Connection", "close")],
]
REQUEST_HEADERS: list[Any] = [
    {"Accept-Language": "ka", "Accept": "application/json"},
    {"x-twice": "mine"},
    [("X-Latin", "given"), ("x-utf8", "given")],
    [("X-Own", "\xfc".encode())],  # a request in utf-8
    [("X-Own", "\xfc".encode("latin-1"))],  # a request in iso-8859-1
    {},
]


@pytest.mark.parametrize("client_headers", CLIENT_HEADERS)
@pytest.mark.parametrize("request_headers", REQUEST_HEADERS)
def test_client_headers_are_added_as_the_general_path_adds_them(
    client_headers: Any, request_headers: Any
) -> None:
    defaults = httpx.Headers(client_headers)  # as a client keeps them, encoding found by httpx
    last = None
    for _ in range(2):  # the second time from what the first one kept
        fast = httpx.Request("POST", "https://api.example/x", headers=request_headers)
        general = httpx.Request("POST", "https://api.example/x", headers=request_headers)
        try:
            _general(general, defaults)
        except UnicodeError as exc:
            with pytest.raises(type(exc)):
                driver_flow._add_client_headers(fast, defaults, last)
            return
        last = driver_flow._add_client_headers(fast, defaults, last)
        assert fast.headers.raw == general.headers.raw
        assert fast.headers.multi_items() == general.headers.multi_items()
        assert fast.headers.encoding == general.headers.encoding
        assert list(fast.headers.items()) == list(general.headers.items())


def test_a_client_header_no_request_can_carry_is_refused_only_when_added() -> None:
    defaults = httpx.Headers([("X-Name", "caf\xe9".encode())])  # utf-8
    carried = httpx.Request("GET", "https://api.example/x", headers={"x-name": "mine"})
    driver_flow._add_client_headers(carried, defaults, None)  # the request's own wins
    assert carried.headers["x-name"] == "mine"
    lacking = httpx.Request("GET", "https://api.example/x")
    with pytest.raises(UnicodeEncodeError):
        driver_flow._add_client_headers(lacking, defaults, None)


def test_the_driver_refuses_such_a_header_as_a_configuration_error() -> None:
    from payments_core.drivers import SyncDriver
    from payments_core.hooks import Hooks
    from payments_core.provider import PaymentProvider, ProviderSettings

    class _Provider(PaymentProvider):
        name = "headers-check"

    client = httpx.Client(
        headers=[("X-Name", "caf\xe9".encode())], transport=httpx.MockTransport(httpx.Response)
    )
    driver = SyncDriver(_Provider(ProviderSettings()), client, Hooks(autoload=False))
    with pytest.raises(ConfigurationError, match="cannot be sent"):
        driver._with_client_headers(httpx.Request("GET", "https://api.example/x"))


# -- what a repeat must send, read in one pass ------------------------------------------------


def _sent_before(request: httpx.Request, sensitive: frozenset[str]) -> SentRequest:
    hidden = SENSITIVE_HEADERS | sensitive
    return SentRequest(
        method=request.method,
        url=str(request.url),
        headers=tuple(
            (name, value)
            for name, value in request.headers.multi_items()
            if name.lower() not in hidden and name.lower() != "content-length"
        ),
        content=request.content,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/json", "Idempotency-Key": "k-1", "Authorization": "Bearer t"},
        [("X-Api-Key", "secret"), ("X-Twice", "1"), ("x-twice", "2"), ("Apikey", "s")],
        [("X-Latin", "caf\xe9".encode("latin-1")), ("X-Mine", "v")],
        [("X-Utf8", "caf\xe9".encode()), ("X-Secret-Header", "v")],
    ],
)
def test_the_kept_request_is_what_multi_items_gave(headers: Any) -> None:
    request = httpx.Request("POST", "https://api.example/refund/1", headers=headers, json={"a": 1})
    for sensitive in (frozenset(), frozenset({"x-secret-header", "x-mine"})):
        assert SentRequest.of(request, sensitive) == _sent_before(request, sensitive)


# -- JSON read and digests written with a decoder and an encoder made once -------------------


@pytest.mark.parametrize(
    "document",
    [
        b'{"amount": 10.50, "n": 3, "big": 1e400, "s": "\\u00e9", "l": [1.0, {"x": null}]}',
        '{"a": 1}'.encode("utf-16"),
        '{"a": 1.5}'.encode("utf-32-le"),
        b'\xef\xbb\xbf{"a": 1}',  # a UTF-8 BOM, which json.loads skips in bytes
        b"[1, 2.25]",
        b'"text"',
    ],
)
def test_loads_reads_what_json_loads_reads(document: bytes) -> None:
    expected = json.loads(document, parse_float=Decimal)
    assert wire.loads(document) == expected
    assert repr(wire.loads(document)) == repr(expected)


@pytest.mark.parametrize(
    "document", [b"", b"{", b'{"a": 1} x', b"\xff\xfe\x00", b'{"a": "\xff"}', b"NaN x"]
)
def test_loads_refuses_what_json_loads_refuses(document: bytes) -> None:
    try:
        json.loads(document, parse_float=Decimal)
    except ValueError as exc:  # JSONDecodeError or UnicodeDecodeError
        general = exc
    else:  # pragma: no cover - each document is one json.loads refuses
        pytest.fail("json.loads read it")
    with pytest.raises(type(general)) as fast:
        wire.loads(document)
    assert str(fast.value) == str(general)


def test_loads_refuses_deep_nesting_as_unreadable() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        wire.loads(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    "payload",
    [
        {"b": 1, "a": {"d": [1, 2], "c": None}, "é": "ü"},
        {"amount": {"amount": "10.00", "currency": "GEL"}, "items": [], "when": object},
        [Decimal("1.5"), uuid.UUID(int=1)],
    ],
)
def test_canonical_bytes_are_what_json_dumps_writes(payload: Any) -> None:
    expected = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    assert wire.dumps_canonical(payload) == expected


@pytest.mark.parametrize(
    "value",
    [Decimal("10.50"), Decimal("-0"), Decimal("1E+3"), Decimal("NaN"), Decimal("-Infinity")],
)
def test_a_decimal_is_read_leniently_as_before(value: Decimal) -> None:
    class _Sub(Decimal):
        pass

    for given in (value, _Sub(value)):  # a subclass takes the general path
        try:
            expected: object = _general_lenient(given)
        except ValueError as exc:
            with pytest.raises(ValueError, match=str(exc)):
                wire.lenient_decimal(given)
        else:
            assert wire.lenient_decimal(given) == expected


def _general_lenient(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("not a finite number")
    return value


# -- Money arithmetic: its own results are not checked again ----------------------------------


@pytest.mark.parametrize(
    ("left", "right", "currency"),
    [
        ("10.00", "2.50", "GEL"),
        ("2.50", "10.00", "GEL"),
        ("5", "5", "GEL"),
        ("0", "0", "USD"),
        ("1000", "1", "JPY"),
        ("1.234", "0.001", "KWD"),
        ("-3.10", "0.90", "EUR"),
    ],
)
def test_money_arithmetic_gives_what_from_minor_units_gives(
    left: str, right: str, currency: str
) -> None:
    a, b = Money(left, currency), Money(right, currency)
    for result, minor in (
        (a + b, a.minor_units + b.minor_units),
        (a - b, a.minor_units - b.minor_units),
        (a * 3, a.minor_units * 3),
        (-a, -a.minor_units),
        (a.times(Decimal("0.5")), None),
    ):
        expected = (
            Money.from_minor_units(minor, currency)
            if minor is not None
            else Money(str(result.amount), currency)
        )
        assert type(result) is Money
        assert result == expected
        assert result.amount.as_tuple() == expected.amount.as_tuple()
        assert repr(result) == repr(expected)
        assert hash(result) == hash(expected)


# -- BOG's create order: no config object when nothing goes in it ---------------------------

OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"loan": {"type": "standard", "month": 12}},
    {"campaign": {"card": "visa", "type": "restrict"}},
    {"apple_pay_external": True},
    {"google_pay_external": True, "google_pay_token": "tok"},
    {"account_tag": "pos-7"},
    {"split": [{"iban": "GE29NB0000000101904917", "percent": "50"}]},
    {"theme": "dark", "ttl_minutes": 30},
]


@pytest.mark.parametrize("raw", OPTION_SETS)
def test_the_config_is_left_out_exactly_when_it_would_dump_empty(raw: dict[str, Any]) -> None:
    from payments_bog import orders
    from payments_bog.options import parse_options

    options = parse_options(raw)
    config = orders._config(options)
    general = orders.OutConfig(
        loan=orders.OutLoan(type=options.loan.type, month=options.loan.month)
        if options.loan
        else None,
        campaign=orders.OutCampaign(card=options.campaign.card, type=options.campaign.type)
        if options.campaign
        else None,
        google_pay=orders.OutGooglePay(external=True, google_pay_token=options.google_pay_token)
        if options.google_pay_external
        else None,
        apple_pay=orders.OutApplePay(external=True) if options.apple_pay_external else None,
        account=orders.OutAccount(tag=options.account_tag) if options.account_tag else None,
        split=orders.out_split(options.split) if options.split else None,
    )
    expected = general if general.model_dump(exclude_none=True) else None
    assert config == expected


def test_a_request_without_options_gets_what_parsing_none_gives() -> None:
    from payments_bog import orders
    from payments_bog.options import BogOptions, parse_options

    assert orders._no_options() == parse_options({}) == BogOptions()
    assert orders._no_options() is orders._no_options()
    assert orders._no_options().model_config.get("frozen") is True


class _Dec(Decimal):
    """A Decimal subclass: Money takes it through its general conversion."""


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("10.00"),
        Decimal("10"),
        Decimal("-0.00"),
        Decimal("0E-7"),
        Decimal("1E+2"),
        Decimal("9999999999999.99"),
        Decimal("10.001"),
        Decimal("1E+20"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("-Infinity"),
    ],
)
def test_money_from_a_decimal_is_what_the_general_conversion_makes(amount: Decimal) -> None:
    refused: InvalidRequestError | None = None
    try:
        general = Money(_Dec(amount), "GEL")
    except InvalidRequestError as exc:
        refused = exc
    if refused is not None:
        with pytest.raises(InvalidRequestError) as fast:
            Money(amount, "GEL")
        assert (fast.value.message, fast.value.code) == (refused.message, refused.code)
        return
    made = Money(amount, "GEL")
    assert made == general
    assert made.amount.as_tuple() == general.amount.as_tuple()
    assert repr(made) == repr(general)


# -- free text: an ASCII value is blank exactly when it is empty or all space ----------------


def _general_problem(value: str) -> str | None:
    if _FORBIDDEN_IN_TEXT.search(value):
        return (
            "must not contain control characters, line breaks or bidirectional "
            "override/isolate characters"
        )
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
        return "must not be blank"
    return None


TEXTS = [
    "",
    " ",
    "   ",
    "a",
    " a ",
    "\u00a0",
    "\u200b",
    "\u200b\u00a0 ",
    "\u00ad",
    "café",
    "\u3000x",
    *(chr(code) for code in range(128)),
    *(chr(code) + " " for code in range(128)),
]


@pytest.mark.parametrize("value", TEXTS)
def test_text_is_judged_as_before(value: str) -> None:
    assert text_problem(value) == _general_problem(value)


# -- a cached token: the election's first round, without its generator ----------------------


class _Shared:
    """A shared token cache that records what it is told, and never has a token."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def acquire(self, scope: str, lease: float) -> Any:
        from payments_core.auth import TokenGrant

        self.calls.append(("acquire",))
        return TokenGrant(generation=1)

    def store(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        self.calls.append(("store", token))

    def give_up(self, scope: str, generation: int) -> None:
        self.calls.append(("give_up",))

    def drop(self, scope: str, token: str) -> None:
        self.calls.append(("drop", token))

    async def aacquire(self, scope: str, lease: float) -> Any:
        return self.acquire(scope, lease)

    async def astore(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        self.store(scope, generation, token, usable_for)

    async def agive_up(self, scope: str, generation: int) -> None:
        self.give_up(scope, generation)

    async def adrop(self, scope: str, token: str) -> None:
        self.drop(scope, token)


def _token_answer(request: httpx.Request, refused: str) -> httpx.Response:
    if request.url.path == "/oauth/token":
        return httpx.Response(
            200, json={"access_token": "fresh", "expires_in": 600}, request=request
        )
    authorization = request.headers["Authorization"]
    return httpx.Response(401 if authorization == f"Bearer {refused}" else 200, request=request)


@pytest.mark.parametrize("refused", ["cached", "nothing"])
@pytest.mark.parametrize("shared", [False, True])
def test_a_cached_token_is_sent_as_the_election_sends_it(refused: str, shared: bool) -> None:
    import asyncio

    from payments_core.auth import OAuth2ClientCredentials

    def auth_for(general: bool) -> tuple[OAuth2ClientCredentials, _Shared]:
        auth = OAuth2ClientCredentials("https://auth.example/oauth/token", "id", "secret")
        cache = _Shared()
        if shared:
            auth.share(cache)
        auth._keep("cached", 300.0)
        if general:  # no shortcut: the election's generator from the start
            auth._cached = lambda: None  # type: ignore[method-assign]
        return auth, cache

    def by_hand_sync(general: bool) -> tuple[Any, ...]:
        auth, cache = auth_for(general)
        request = httpx.Request("GET", "https://api.example/payments/1")
        flow = auth.sync_auth_flow(request)
        seen, outgoing = [], next(flow)
        while True:
            seen.append((outgoing.method, str(outgoing.url), outgoing.headers.raw))
            try:
                outgoing = flow.send(_token_answer(outgoing, refused))
            except StopIteration:
                break
        assert auth._token is not None
        return seen, auth.token_requests, auth._token.value, cache.calls

    async def by_hand_async(general: bool) -> tuple[Any, ...]:
        auth, cache = auth_for(general)
        request = httpx.Request("GET", "https://api.example/payments/1")
        flow = auth.async_auth_flow(request)
        seen, outgoing = [], await flow.__anext__()
        while True:
            seen.append((outgoing.method, str(outgoing.url), outgoing.headers.raw))
            try:
                outgoing = await flow.asend(_token_answer(outgoing, refused))
            except StopAsyncIteration:
                break
        assert auth._token is not None
        return seen, auth.token_requests, auth._token.value, cache.calls

    general = by_hand_sync(general=True)
    assert by_hand_sync(general=False) == general
    assert asyncio.run(by_hand_async(general=False)) == asyncio.run(by_hand_async(general=True))
    assert asyncio.run(by_hand_async(general=False))[:3] == general[:3]
    assert len(general[0]) == (3 if refused == "cached" else 1)


# -- a payment its provider just found plausible is not checked again -------------------------


def _payment(captured: str) -> Any:
    from payments_core.models import Payment

    return Payment(
        id="ord-1",
        provider="bog",
        status="captured",
        amount=Money("10.00", "GEL"),
        captured_amount=Money(captured, "GEL"),
    )


def test_only_the_very_payment_found_plausible_skips_the_check(monkeypatch: Any) -> None:
    from payments_core import plausibility
    from payments_core.errors import ProviderResponseError

    looked: list[object] = []
    general = plausibility._problems

    def counting(payment: Any) -> list[str]:
        looked.append(payment)
        return general(payment)

    monkeypatch.setattr(plausibility, "_problems", counting)
    read = _payment("10.00")
    assert plausibility.payment_problems(read) == []
    plausibility.check_result(read, "bog")
    assert looked == [read]  # the same object: not looked at twice
    twin = _payment("10.00")
    plausibility.check_result(twin, "bog")
    assert looked == [read, twin]  # an equal one is looked at
    impossible = _payment("12.00")
    assert plausibility.payment_problems(impossible) != []
    with pytest.raises(ProviderResponseError, match=r"captured 12\.00 GEL of a 10\.00 GEL payment"):
        plausibility.check_result(impossible, "bog")


def test_a_payment_found_impossible_is_refused_by_the_driver_too() -> None:
    from payments_core import plausibility
    from payments_core.errors import ProviderResponseError

    plausibility.payment_problems(_payment("10.00"))
    impossible = _payment("11.00")
    with pytest.raises(ProviderResponseError, match="impossible payment state"):
        plausibility.check_result(impossible, "bog")


# -- a token round makes its event only for a thread that waits on it ----------------------


def test_a_round_is_over_for_every_thread_whether_it_asked_before_or_after() -> None:
    import threading

    from payments_core.auth.rounds import Round

    ended_alone = Round()
    ended_alone.end()
    assert ended_alone._event is None  # nobody waited: no event was made
    assert ended_alone.done.is_set()  # one asking afterwards does not wait

    waited = Round()
    outcome: list[bool] = []
    follower = threading.Thread(target=lambda: outcome.append(waited.done.wait(10)))
    follower.start()
    while waited._event is None:  # the follower has asked for the event
        threading.Event().wait(0.001)
    assert not waited.done.is_set()
    waited.end()
    follower.join(10)
    assert outcome == [True]
