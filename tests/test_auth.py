"""OAuth2 client credentials: one token for everyone, refreshed in time, never a loop."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from payments_core import (
    AsyncPayments,
    AuthenticationError,
    ErrorCode,
    OAuth2ClientCredentials,
    PaymentError,
    Payments,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from payments_core.auth import TokenGrant
from payments_core.registry import ProviderRegistry
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY_URL,
    TOKEN_PREFIX,
    TOKEN_URL,
    FakeClock,
    FakeGateway,
    hold_async_tokens_until_every_caller_waits,
    hold_tokens_until_every_caller_waits,
)


@pytest.fixture
def auth(clock: FakeClock) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        TOKEN_URL, CLIENT_ID, CLIENT_SECRET, refresh_margin=60.0, provider="httpgw", clock=clock
    )


@pytest.fixture
def client(gateway: FakeGateway, auth: OAuth2ClientCredentials) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(gateway.handle), auth=auth) as c:
        yield c


def call(client: httpx.Client, gateway: FakeGateway) -> httpx.Response:
    payment_id = gateway.add_payment()
    return client.get(f"{GATEWAY_URL}/payments/{payment_id}")


# -- the token and its cache ----------------------------------------------------------------


def test_first_call_fetches_a_token_and_sends_it_as_bearer(
    client: httpx.Client, gateway: FakeGateway
) -> None:
    response = call(client, gateway)
    assert response.status_code == 200
    [api] = gateway.api_requests
    assert api.headers["authorization"].startswith(f"Bearer {TOKEN_PREFIX}")


def test_token_request_is_a_client_credentials_grant_with_basic_auth(
    client: httpx.Client, gateway: FakeGateway
) -> None:
    call(client, gateway)
    [token] = gateway.token_requests
    assert token.method == "POST"
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert token.headers["authorization"] == f"Basic {expected}"
    assert dict(httpx.QueryParams(token.content.decode())) == {"grant_type": "client_credentials"}
    assert CLIENT_SECRET.encode() not in token.content


def test_scope_is_sent_when_configured(gateway: FakeGateway) -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, scope="payments")
    with httpx.Client(transport=httpx.MockTransport(gateway.handle), auth=auth) as client:
        call(client, gateway)
    [token] = gateway.token_requests
    assert dict(httpx.QueryParams(token.content.decode()))["scope"] == "payments"


def test_credentials_with_reserved_characters_are_form_encoded(gateway: FakeGateway) -> None:
    gateway.client_id, gateway.client_secret = "id:with colon", "p@ss:w/rd"
    auth = OAuth2ClientCredentials(TOKEN_URL, "id:with colon", SecretStr("p@ss:w/rd"))
    # RFC 6749 2.3.1: both parts are form-encoded before Basic, so a gateway comparing
    # the raw pair refuses them, and the header shows the encoded form
    with (
        httpx.Client(transport=httpx.MockTransport(gateway.handle), auth=auth) as client,
        pytest.raises(AuthenticationError, match="token endpoint refused") as refused,
    ):
        client.get(f"{GATEWAY_URL}/payments/x")
    assert refused.value.provider_code == "unauthorized_client"
    assert gateway.api_requests == []
    [token] = gateway.token_requests
    decoded = base64.b64decode(token.headers["authorization"].removeprefix("Basic ")).decode()
    assert decoded == "id%3Awith%20colon:p%40ss%3Aw%2Frd"


def test_token_is_reused_by_later_calls(client: httpx.Client, gateway: FakeGateway) -> None:
    for _ in range(5):
        call(client, gateway)
    assert len(gateway.token_requests) == 1
    assert len({seen.headers["authorization"] for seen in gateway.api_requests}) == 1


def test_token_is_cached_until_the_margin_before_expiry(
    client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    gateway.token_lifetime = 3600
    call(client, gateway)
    clock.advance(3600 - 60 - 1)
    call(client, gateway)
    assert len(gateway.token_requests) == 1
    clock.advance(2)  # now inside the 60-second margin
    call(client, gateway)
    assert len(gateway.token_requests) == 2


def test_token_is_refreshed_after_expiry(
    client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    call(client, gateway)
    clock.advance(10_000)
    call(client, gateway)
    tokens = [seen.headers["authorization"] for seen in gateway.api_requests]
    assert len(gateway.token_requests) == 2
    assert tokens[0] != tokens[1]


def test_expires_in_as_a_numeric_string_is_accepted(
    client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    gateway.token_lifetime = "600"
    call(client, gateway)
    clock.advance(500)
    call(client, gateway)
    assert len(gateway.token_requests) == 1


def test_a_token_shorter_lived_than_the_margin_is_still_reused_for_a_while(
    client: httpx.Client, gateway: FakeGateway, clock: FakeClock
) -> None:
    gateway.token_lifetime = 30  # less than the 60-second refresh margin
    call(client, gateway)
    call(client, gateway)
    assert len(gateway.token_requests) == 1
    clock.advance(31)
    call(client, gateway)
    assert len(gateway.token_requests) == 2


def test_invalidate_drops_only_the_token_that_failed(
    client: httpx.Client, gateway: FakeGateway, auth: OAuth2ClientCredentials
) -> None:
    call(client, gateway)
    auth.invalidate("some-older-token")
    call(client, gateway)
    assert len(gateway.token_requests) == 1
    auth.invalidate()
    call(client, gateway)
    assert len(gateway.token_requests) == 2


# -- 401 on an API call ------------------------------------------------------------------------


def test_a_401_refreshes_the_token_once_and_retries_once(
    client: httpx.Client, gateway: FakeGateway
) -> None:
    call(client, gateway)
    gateway.revoke_tokens()
    response = call(client, gateway)
    assert response.status_code == 200
    assert len(gateway.token_requests) == 2
    first, refused, retried = (seen.headers["authorization"] for seen in gateway.api_requests)
    assert refused == first
    assert retried != refused


def test_a_second_401_is_an_authentication_error_without_a_loop(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.reject_all_tokens = True
    with pytest.raises(AuthenticationError) as caught:
        payments.get_payment(payment_id)
    assert caught.value.http_status == 401
    assert caught.value.provider_code == "invalid_token"  # the API's 401, not the token endpoint's
    assert caught.value.retryable is False
    assert len(gateway.token_requests) == 2
    assert len(gateway.api_requests) == 2


async def test_a_second_401_is_an_authentication_error_without_a_loop_async(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    gateway.reject_all_tokens = True
    with pytest.raises(AuthenticationError) as caught:
        await async_payments.get_payment(payment_id)
    assert caught.value.http_status == 401
    assert caught.value.provider_code == "invalid_token"  # the API's 401, not the token endpoint's
    assert caught.value.retryable is False
    assert len(gateway.token_requests) == 2
    assert len(gateway.api_requests) == 2


async def test_a_401_refreshes_once_and_retries_once_async(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    await async_payments.get_payment(payment_id)
    gateway.revoke_tokens()
    payment = await async_payments.get_payment(payment_id)
    assert payment.id == payment_id
    assert len(gateway.token_requests) == 2
    assert len(gateway.api_requests) == 3


# -- the token endpoint failing ----------------------------------------------------------------


def test_refused_credentials_are_an_authentication_error_with_the_keycloak_code(
    payments: Payments, gateway: FakeGateway
) -> None:
    gateway.client_secret = "rotated"
    with pytest.raises(AuthenticationError) as caught:
        payments.get_payment("pay_1")
    error = caught.value
    assert error.provider == "httpgw"
    assert error.provider_code == "unauthorized_client"
    assert error.provider_message == "Invalid client or Invalid client credentials"
    assert error.http_status == 401
    assert gateway.api_requests == []
    assert len(gateway.token_requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_token_endpoint_5xx_is_provider_unavailable(
    payments: Payments, gateway: FakeGateway, status: int
) -> None:
    gateway.fail_next_token(status, status, status)
    with pytest.raises(ProviderUnavailableError) as caught:
        payments.get_payment("pay_1")
    assert caught.value.retryable is True
    assert caught.value.http_status == status
    assert gateway.api_requests == []
    assert len(gateway.token_requests) == 3  # the first try and the two retries of the budget


def test_a_token_endpoint_outage_is_retried_even_for_an_unkeyed_post(
    payments: Payments, gateway: FakeGateway
) -> None:
    """The API request is not sent while the token fails, so retrying it is safe."""
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next_token(503)
    payments.void(payment_id)
    assert len(gateway.token_requests) == 2
    assert len(gateway.api_requests) == 1


def test_token_endpoint_429_is_rate_limited(payments: Payments, gateway: FakeGateway) -> None:
    gateway.fail_next_token(*[httpx.Response(429, headers={"Retry-After": "5"})] * 3)
    with pytest.raises(RateLimitedError) as caught:
        payments.get_payment("pay_1")
    assert caught.value.retry_after == 5.0


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (lambda: httpx.Response(200, text="<html>login</html>"), "unexpected token response"),
        (lambda: httpx.Response(200, json=["token"]), "unexpected token response"),
        (lambda: httpx.Response(200, json={"token_type": "Bearer"}), "has no access_token"),
        (
            lambda: httpx.Response(200, json={"access_token": "", "token_type": "Bearer"}),
            "has no access_token",
        ),
        (
            lambda: httpx.Response(200, json={"access_token": 7, "token_type": "Bearer"}),
            "has no access_token",
        ),
        (
            lambda: httpx.Response(200, json={"access_token": "t", "token_type": "mac"}),
            "is not a bearer token",
        ),
        (
            lambda: httpx.Response(200, json={"access_token": "t", "expires_in": "soon"}),
            "unreadable expires_in",
        ),
        (
            lambda: httpx.Response(200, json={"access_token": "t", "expires_in": True}),
            "unreadable expires_in",
        ),
        (lambda: httpx.Response(204), r"unexpected token response \(HTTP 204\)"),
        (
            lambda: httpx.Response(302, headers={"Location": "https://login.test/"}),
            r"unexpected token response \(HTTP 302\)",
        ),
    ],
    ids=[
        "html",
        "list",
        "no-token",
        "empty-token",
        "number-token",
        "not-bearer",
        "bad-expiry",
        "bool-expiry",
        "204",
        "redirect",
    ],
)
def test_garbage_token_reply_is_a_provider_response_error(
    payments: Payments, gateway: FakeGateway, reply: Any, problem: str
) -> None:
    gateway.fail_next_token(reply())
    with pytest.raises(ProviderResponseError, match=problem) as caught:
        payments.get_payment("pay_1")
    assert caught.value.provider == "httpgw"
    assert "nothing was sent" in str(caught.value)
    assert len(gateway.token_requests) == 1  # an unreadable answer is not retried
    assert gateway.api_requests == []


def test_token_response_without_expiry_is_still_usable(
    client: httpx.Client, gateway: FakeGateway
) -> None:
    gateway.fail_next_token(
        httpx.Response(200, json={"access_token": "at-plain", "token_type": "bearer"})
    )
    gateway._valid_tokens.add("at-plain")
    assert call(client, gateway).status_code == 200


def test_a_failed_token_request_is_not_cached(payments: Payments, gateway: FakeGateway) -> None:
    payment_id = gateway.add_payment()
    gateway.fail_next_token(503, 503, 503)
    with pytest.raises(ProviderUnavailableError, match="token endpoint failed") as caught:
        payments.get_payment(payment_id)
    assert caught.value.http_status == 503
    assert payments.get_payment(payment_id).id == payment_id
    assert len(gateway.token_requests) == 4


# -- the herd ------------------------------------------------------------------------------------


async def test_200_concurrent_async_calls_on_a_cold_cache_fetch_one_token(
    async_payments: AsyncPayments, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = async_payments.provider.auth
    assert isinstance(auth, OAuth2ClientCredentials)
    hold_async_tokens_until_every_caller_waits(gateway, auth, 200, monkeypatch)
    payment_id = gateway.add_payment()
    results = await asyncio.gather(*(async_payments.get_payment(payment_id) for _ in range(200)))
    assert [payment.id for payment in results] == [payment_id] * 200
    assert len(gateway.token_requests) == 1
    assert len(gateway.api_requests) == 200
    assert len({seen.headers["authorization"] for seen in gateway.api_requests}) == 1


def test_32_threads_on_one_client_on_a_cold_cache_fetch_one_token(
    payments: Payments, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = payments.provider.auth
    assert isinstance(auth, OAuth2ClientCredentials)
    hold_tokens_until_every_caller_waits(gateway, auth, 32, monkeypatch)
    payment_id = gateway.add_payment()
    start = threading.Barrier(32)

    def one_call(_: int) -> str:
        start.wait()
        return payments.get_payment(payment_id).id

    with ThreadPoolExecutor(max_workers=32) as pool:
        ids = list(pool.map(one_call, range(32)))
    assert ids == [payment_id] * 32
    assert len(gateway.token_requests) == 1
    assert len(gateway.api_requests) == 32


async def test_herd_with_a_short_lived_token_still_fetches_one_token(
    async_payments: AsyncPayments, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = async_payments.provider.auth
    assert isinstance(auth, OAuth2ClientCredentials)
    hold_async_tokens_until_every_caller_waits(gateway, auth, 20, monkeypatch)
    gateway.token_lifetime = 30  # shorter than the default 60-second refresh margin
    payment_id = gateway.add_payment()
    results = await asyncio.gather(*(async_payments.get_payment(payment_id) for _ in range(20)))
    assert [payment.id for payment in results] == [payment_id] * 20
    assert len(gateway.token_requests) == 1


async def test_the_leaders_failure_reaches_every_follower_without_a_second_token_request(
    async_payments: AsyncPayments, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = async_payments.provider.auth
    assert isinstance(auth, OAuth2ClientCredentials)
    hold_async_tokens_until_every_caller_waits(gateway, auth, 50, monkeypatch)
    gateway.client_secret = "rotated"
    results = await asyncio.gather(
        *(async_payments.get_payment("pay_1") for _ in range(50)), return_exceptions=True
    )
    assert all(isinstance(r, AuthenticationError) for r in results)
    assert {r.provider_code for r in results if isinstance(r, AuthenticationError)} == {
        "unauthorized_client"
    }
    assert len(gateway.token_requests) == 1
    assert gateway.api_requests == []


def test_the_leaders_failure_reaches_every_thread_without_a_second_token_request(
    registry: ProviderRegistry,
    http_client: httpx.Client,
    gateway: FakeGateway,
    settings: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway.fail_next_token(503)
    start = threading.Barrier(16)
    # no retries: the point is the one failed round, not the retry budget
    with Payments(
        "httpgw",
        registry=registry,
        http_client=http_client,
        autoload_plugins=False,
        **settings,
        max_retries=0,
    ) as payments:
        auth = payments.provider.auth
        assert isinstance(auth, OAuth2ClientCredentials)
        hold_tokens_until_every_caller_waits(gateway, auth, 16, monkeypatch)

        def one_call(_: int) -> PaymentError | None:
            start.wait()
            try:
                payments.get_payment("pay_1")
            except PaymentError as exc:
                return exc
            return None

        with ThreadPoolExecutor(max_workers=16) as pool:
            errors = list(pool.map(one_call, range(16)))
    assert all(isinstance(e, ProviderUnavailableError) for e in errors)
    # every thread got the leader's 503, not a failure of its own
    assert {e.http_status for e in errors if isinstance(e, ProviderUnavailableError)} == {503}
    assert len(gateway.token_requests) == 1


async def test_an_unreachable_token_server_is_not_tried_once_per_waiting_caller(
    registry: ProviderRegistry,
    async_http_client: httpx.AsyncClient,
    gateway: FakeGateway,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway.fail_next_token(*[httpx.ConnectError("token server unreachable")] * 20)
    async with AsyncPayments(
        "httpgw",
        registry=registry,
        http_client=async_http_client,
        sleep=clock.asleep,
        autoload_plugins=False,
        max_retries=0,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    ) as payments:
        auth = payments.provider.auth
        assert isinstance(auth, OAuth2ClientCredentials)
        hold_async_tokens_until_every_caller_waits(gateway, auth, 20, monkeypatch)
        results = await asyncio.gather(
            *(payments.get_payment("pay_1") for _ in range(20)), return_exceptions=True
        )
    assert all(isinstance(r, ProviderUnavailableError) for r in results)
    errors = [r for r in results if isinstance(r, ProviderUnavailableError)]
    assert {e.code for e in errors} == {ErrorCode.NETWORK_ERROR}
    # the leader saw the connection fail; the followers were told its round got no answer
    assert sum("could not be reached (ConnectError)" in str(e) for e in errors) == 1
    assert sum("the token request did not complete" in str(e) for e in errors) == 19
    assert len(gateway.token_requests) == 1


def test_one_auth_object_serves_several_event_loops(gateway: FakeGateway) -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET)
    payment_id = gateway.add_payment()

    async def one_loop() -> int:
        transport = httpx.MockTransport(gateway.ahandle)
        async with httpx.AsyncClient(transport=transport, auth=auth) as client:
            responses = await asyncio.gather(
                *(client.get(f"{GATEWAY_URL}/payments/{payment_id}") for _ in range(5))
            )
        return sum(r.status_code == 200 for r in responses)

    assert asyncio.run(one_loop()) == 5
    auth.invalidate()
    assert asyncio.run(one_loop()) == 5
    assert len(gateway.token_requests) == 2


def test_sync_and_async_callers_share_one_token(gateway: FakeGateway) -> None:
    auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET)
    payment_id = gateway.add_payment()
    with httpx.Client(transport=httpx.MockTransport(gateway.handle), auth=auth) as client:
        assert client.get(f"{GATEWAY_URL}/payments/{payment_id}").status_code == 200

    async def async_call() -> int:
        transport = httpx.MockTransport(gateway.ahandle)
        async with httpx.AsyncClient(transport=transport, auth=auth) as aclient:
            return (await aclient.get(f"{GATEWAY_URL}/payments/{payment_id}")).status_code

    assert asyncio.run(async_call()) == 200
    assert len(gateway.token_requests) == 1


# -- secrets --------------------------------------------------------------------------------------


def test_repr_of_the_auth_never_shows_the_secret_or_token(
    client: httpx.Client, gateway: FakeGateway, auth: OAuth2ClientCredentials
) -> None:
    call(client, gateway)
    text = repr(auth)
    assert CLIENT_SECRET not in text
    assert TOKEN_PREFIX not in text
    assert CLIENT_ID in text


def test_provider_settings_and_facade_reprs_never_show_the_secret(payments: Payments) -> None:
    for text in (repr(payments), repr(payments.provider), repr(payments.provider.settings)):
        assert CLIENT_SECRET not in text
    assert CLIENT_SECRET not in str(payments.provider.settings.model_dump())


def test_auth_errors_never_show_the_secret_or_basic_credentials(
    payments: Payments, gateway: FakeGateway
) -> None:
    gateway.client_secret = "rotated"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    with pytest.raises(AuthenticationError) as caught:
        payments.get_payment("pay_1")
    for text in (str(caught.value), repr(caught.value), str(caught.value.to_dict())):
        assert CLIENT_SECRET not in text
        assert basic not in text


def test_a_streamed_token_response_is_read_before_use() -> None:
    """Real transports hand over unread bodies; the sync flow must read the token's itself."""
    token_body = b'{"access_token": "streamed", "token_type": "Bearer", "expires_in": 3600}'

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, stream=httpx.ByteStream(token_body))
        return httpx.Response(200, json={"authorization": request.headers["authorization"]})

    auth = OAuth2ClientCredentials("https://gateway.test/token", "id", "secret")
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        response = client.get("https://gateway.test/api", auth=auth)
    assert response.json() == {"authorization": "Bearer streamed"}


def test_a_token_request_lost_in_transit_does_not_block_an_unkeyed_post(
    payments: Payments, gateway: FakeGateway
) -> None:
    """The API request never left, so even a POST without a key may be tried again."""
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next_token(httpx.ReadError("connection reset while reading the token"))
    payments.void(payment_id)
    assert len(gateway.token_requests) == 2
    assert len(gateway.api_requests) == 1


def test_a_token_request_lost_in_transit_is_not_reported_as_an_unknown_outcome(
    payments: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment(state="authorized")
    gateway.fail_next_token(*[httpx.ReadError("reset")] * 3)
    with pytest.raises(ProviderUnavailableError) as caught:
        payments.void(payment_id)
    assert "outcome is unknown" not in str(caught.value)
    assert gateway.api_requests == []


# -- one election, two drivers, stepped by hand ------------------------------------------

TOKEN_PATH = httpx.URL(TOKEN_URL).path


def _answer(request: httpx.Request) -> httpx.Response:
    """Tokens "first" then "second"; the API refuses "first" and accepts "second"."""
    if request.url.path == TOKEN_PATH:
        token = "second" if _answer.tokens else "first"  # type: ignore[attr-defined]
        _answer.tokens += 1  # type: ignore[attr-defined]
        return httpx.Response(200, json={"access_token": token}, request=request)
    status = 401 if request.headers["Authorization"] == "Bearer first" else 200
    return httpx.Response(status, request=request)


def _seen(request: httpx.Request) -> tuple[str, str, str]:
    return request.method, request.url.path, request.headers["Authorization"].split()[0]


def test_the_sync_and_async_flows_send_the_same_requests(clock: FakeClock) -> None:
    """Both drivers of the one election: token, 401, one fresh token, one retry."""

    def by_hand_sync() -> list[tuple[str, str, str]]:
        auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock)
        flow = auth.sync_auth_flow(httpx.Request("GET", f"{GATEWAY_URL}/payments/1"))
        seen, outgoing = [], next(flow)
        while True:
            seen.append(_seen(outgoing))
            try:
                outgoing = flow.send(_answer(outgoing))
            except StopIteration:
                break
        assert auth.token_requests == 2
        return seen

    async def by_hand_async() -> list[tuple[str, str, str]]:
        auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock)
        flow = auth.async_auth_flow(httpx.Request("GET", f"{GATEWAY_URL}/payments/1"))
        seen, outgoing = [], await flow.__anext__()
        while True:
            seen.append(_seen(outgoing))
            try:
                outgoing = await flow.asend(_answer(outgoing))
            except StopAsyncIteration:
                break
        assert auth.token_requests == 2
        return seen

    _answer.tokens = 0  # type: ignore[attr-defined]
    sync = by_hand_sync()
    _answer.tokens = 0  # type: ignore[attr-defined]
    assert (
        asyncio.run(by_hand_async())
        == sync
        == [
            ("POST", TOKEN_PATH, "Basic"),
            ("GET", "/payments/1", "Bearer"),
            ("POST", TOKEN_PATH, "Basic"),
            ("GET", "/payments/1", "Bearer"),
        ]
    )


def test_a_cached_token_goes_through_no_election(
    client: httpx.Client, gateway: FakeGateway, auth: OAuth2ClientCredentials, monkeypatch: Any
) -> None:
    call(client, gateway)

    def no_election(*args: Any) -> None:
        raise AssertionError("a cached token must not start the election")

    monkeypatch.setattr(auth, "_elected", no_election)
    assert call(client, gateway).status_code == 200
    assert len(gateway.token_requests) == 1


class _LeaseCache:
    """A shared cache that always grants the lease, and records what it is told."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def acquire(self, scope: str, lease: float) -> TokenGrant:
        self.calls.append("acquire")
        return TokenGrant(generation=7)

    def store(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        self.calls.append("store")

    def give_up(self, scope: str, generation: int) -> None:
        self.calls.append(f"give_up {generation}")

    def drop(self, scope: str, token: str) -> None:
        self.calls.append("drop")

    async def aacquire(self, scope: str, lease: float) -> TokenGrant:
        return self.acquire(scope, lease)

    async def astore(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        self.store(scope, generation, token, usable_for)

    async def agive_up(self, scope: str, generation: int) -> None:
        self.give_up(scope, generation)

    async def adrop(self, scope: str, token: str) -> None:
        self.drop(scope, token)


def test_a_flow_closed_during_its_token_request_gives_the_lease_back(clock: FakeClock) -> None:
    """httpx closes the flow when the token request fails in transit: the leader still
    ends its round and hands the shared lease back, in both drivers."""
    api = httpx.Request("GET", f"{GATEWAY_URL}/payments/1")

    sync_cache = _LeaseCache()
    auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock)
    auth.share(sync_cache)
    flow = auth.sync_auth_flow(api)
    assert next(flow).url.path == TOKEN_PATH
    flow.close()
    assert sync_cache.calls == ["acquire", "give_up 7"]
    assert auth._round is None

    async def by_hand_async() -> list[str]:
        cache = _LeaseCache()
        auth = OAuth2ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock)
        auth.share(cache)
        flow = auth.async_auth_flow(api)
        assert (await flow.__anext__()).url.path == TOKEN_PATH
        await flow.aclose()
        assert auth._round is None
        return cache.calls

    assert asyncio.run(by_hand_async()) == ["acquire", "give_up 7"]
