"""Token calls of other gateways: credentials in the form body, extra headers, and
token answers that cannot be used as they are."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import pytest

from payments_core import ConfigurationError, OAuth2ClientCredentials, ProviderResponseError
from tests.conftest import async_election_gate, election_gate

TOKEN_URL = "https://gw.test/token"
API_URL = "https://gw.test/api/payments/p1"


class TokenServer:
    """Issues one token per call and records every request."""

    def __init__(self, answer: Callable[[int], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (
            lambda n: httpx.Response(200, json={"access_token": f"tok-{n}", "expires_in": 3600})
        )
        self._lock = threading.Lock()
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if request.url.path == "/token":
            with self._lock:
                self.issued += 1
                number = self.issued
            return self.answer(number)
        return httpx.Response(200, json={"ok": True})

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/token"]

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/token"]


def body_auth(**kwargs: object) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        TOKEN_URL,
        "merchant-7",
        "s3cr3t",
        credentials_in="body",
        extra_headers={"apikey": "app-key-1"},
        provider="gw",
        **kwargs,  # type: ignore[arg-type]
    )


def test_body_credentials_go_in_the_form_and_no_basic_header_is_sent() -> None:
    server = TokenServer()
    with httpx.Client(transport=httpx.MockTransport(server), auth=body_auth()) as client:
        client.get(API_URL)
    (token_request,) = server.token_requests()
    form = dict(pair.split("=", 1) for pair in token_request.content.decode().split("&"))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "merchant-7",
        "client_secret": "s3cr3t",
    }
    assert "authorization" not in token_request.headers


def test_extra_headers_go_on_the_token_call_and_on_every_api_call() -> None:
    server = TokenServer()
    with httpx.Client(transport=httpx.MockTransport(server), auth=body_auth()) as client:
        client.get(API_URL)
        client.get(API_URL)
    assert [r.headers["apikey"] for r in server.requests] == ["app-key-1"] * 3
    assert all(r.headers["authorization"] == "Bearer tok-1" for r in server.api_requests())


def test_the_extra_header_values_never_show_in_the_repr() -> None:
    assert "app-key-1" not in repr(body_auth())
    assert "s3cr3t" not in repr(body_auth())


def test_an_unknown_credentials_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="credentials_in"):
        OAuth2ClientCredentials(TOKEN_URL, "a", "b", credentials_in="query")  # type: ignore[arg-type]


def test_body_mode_keeps_one_token_request_for_32_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = TokenServer()
    auth = body_auth()
    # the token answer waits until every thread has asked for a token, so all 32 overlap
    gate = election_gate(auth, 32, monkeypatch)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            gate()
        return server(request)

    barrier = threading.Barrier(32)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:

        def call() -> None:
            barrier.wait()
            client.get(API_URL)

        threads = [threading.Thread(target=call) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(server.token_requests()) == 1
    assert len(server.api_requests()) == 32


async def test_body_mode_keeps_one_token_request_for_100_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = TokenServer()
    auth = body_auth()
    # the token answer waits until every task has asked for a token, so all 100 overlap
    gate = async_election_gate(auth, 100, monkeypatch)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            await gate()
        return server(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as c:
        responses = await asyncio.gather(*(c.get(API_URL) for _ in range(100)))
    assert [r.status_code for r in responses] == [200] * 100
    assert len(server.token_requests()) == 1
    assert all(r.headers["authorization"] == "Bearer tok-1" for r in server.api_requests())


def test_body_mode_refreshes_once_on_a_401_and_never_loops() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": f"t{len(calls)}", "expires_in": 60})
        return httpx.Response(401)

    with httpx.Client(transport=httpx.MockTransport(handler), auth=body_auth()) as client:
        assert client.get(API_URL).status_code == 401
    assert calls == ["/token", "/api/payments/p1", "/token", "/api/payments/p1"]


@pytest.mark.parametrize(
    "token",
    ["abc\r\nX-Injected: 1", "tok en", "токен", "tab\there", "nul\x00"],
    ids=["crlf", "space", "non-ascii", "tab", "nul"],
)
def test_a_token_that_cannot_travel_in_a_header_is_an_unreadable_answer(token: str) -> None:
    server = TokenServer(lambda n: httpx.Response(200, json={"access_token": token}))
    with (
        httpx.Client(transport=httpx.MockTransport(server), auth=body_auth()) as client,
        pytest.raises(ProviderResponseError, match="cannot be sent in a header"),
    ):
        client.get(API_URL)
    assert server.api_requests() == []


def test_a_token_answer_nested_too_deeply_is_an_unreadable_answer() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    server = TokenServer(lambda n: httpx.Response(200, content=deep))
    with (
        httpx.Client(transport=httpx.MockTransport(server), auth=body_auth()) as client,
        pytest.raises(ProviderResponseError, match=r"unexpected token response \(HTTP 200\)"),
    ):
        client.get(API_URL)
    assert server.api_requests() == []
