"""The emulator as a real HTTP server on 127.0.0.1 (uvicorn in a background thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import Fault, TbcSandbox


class _Callbacks(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_receiver() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Handler", (_Callbacks,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/tbc", received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def live() -> Iterator[tuple[TbcSandbox, str]]:
    sandbox = TbcSandbox(callback_backoff=0)
    with sandbox.serve() as url:
        yield sandbox, url


async def login(http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.post(
        "/v1/tpay/access-token",
        data={"client_id": "7001234", "client_secret": "sandbox-secret"},
        headers={"apikey": "sandbox-apikey"},
    )
    return {
        "apikey": "sandbox-apikey",
        "Authorization": f"Bearer {response.json()['access_token']}",
    }


async def test_a_whole_payment_over_loopback_with_a_real_callback(
    live: tuple[TbcSandbox, str], loopback_receiver: tuple[str, list[bytes]]
) -> None:
    sandbox, url = live
    callback_url, received = loopback_receiver
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        headers = await login(http)
        created = await http.post(
            "/v1/tpay/payments",
            json={
                "amount": {"currency": "GEL", "total": 12},
                "returnurl": "https://shop.example/r",
                "callbackUrl": callback_url,
            },
            headers=headers,
        )
        self_link, approval = (link["uri"] for link in created.json()["links"])
        page = await http.get(approval)
        paid = await http.post(approval, data={"card": "4000000000000001"})
        details = await http.get(self_link, headers=headers)

    assert url.startswith("http://127.0.0.1:")
    assert approval.startswith(f"{url}/checkout/")
    assert page.status_code == 200
    assert paid.status_code == 303
    assert details.json()["status"] == "Succeeded"
    assert [json.loads(body) for body in received] == [{"PaymentId": created.json()["payId"]}]
    assert sandbox.callbacks[0].ok


async def test_a_drop_fault_closes_the_real_connection(live: tuple[TbcSandbox, str]) -> None:
    sandbox, url = live
    sandbox.add_fault(Fault("token", "drop"))
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await login(http)
        headers = await login(http)

    assert headers["Authorization"].startswith("Bearer ")
    assert sandbox.counters.tokens_issued == 1


@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "::1", "192.168.1.10", ""])
def test_serve_refuses_any_host_but_127_0_0_1(host: str) -> None:
    sandbox = TbcSandbox()

    with pytest.raises(ValueError, match=r"127\.0\.0\.1 only"), sandbox.serve(host=host):
        pass


def test_public_base_url_is_restored_after_serving() -> None:
    sandbox = TbcSandbox()

    with sandbox.serve(port=0) as url:
        assert sandbox.public_base_url == url
        assert httpx.get(f"{url}/sandbox/counters").status_code == 200

    assert sandbox.public_base_url == "https://tbc.sandbox.test"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/sandbox/counters")
