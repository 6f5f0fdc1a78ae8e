"""The emulator as a real HTTP server on loopback (uvicorn in a background thread)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from payments_bog.sandbox import BogSandbox, Fault

TOKEN_PATH = "/auth/realms/bog/protocol/openid-connect/token"


class _Callbacks(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Callbacks,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bog/callback", received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def live(private_key_pem: bytes) -> Iterator[tuple[BogSandbox, str]]:
    sandbox = BogSandbox(private_key_pem=private_key_pem, callback_backoff=0.001)
    with sandbox.serve() as url:
        yield sandbox, url


async def login(http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client", "sandbox-secret"),
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_whole_payment_over_loopback_with_a_real_callback(
    live: tuple[BogSandbox, str], loopback_receiver: Any
) -> None:
    sandbox, url = live
    callback_url, received = loopback_receiver
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        headers = await login(http)
        created = await http.post(
            "/payments/v1/ecommerce/orders",
            json={
                "callback_url": callback_url,
                "purchase_units": {
                    "total_amount": 12,
                    "basket": [{"product_id": "a", "quantity": 1, "unit_price": 12}],
                },
            },
            headers=headers,
        )
        links = created.json()["_links"]
        page = await http.get(links["redirect"]["href"])
        paid = await http.post(
            f"/sandbox/orders/{created.json()['id']}/pay", json={"card": "4000000000000001"}
        )
        receipt = await http.get(links["details"]["href"], headers=headers)

    assert url.startswith("http://127.0.0.1:")
    assert links["redirect"]["href"].startswith(f"{url}/?order_id=")
    assert page.status_code == 200
    assert paid.status_code == 200
    assert receipt.json()["order_status"]["key"] == "completed"
    ((callback_headers, body),) = received
    key = serialization.load_pem_public_key(sandbox.public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    signature = base64.b64decode(callback_headers["callback-signature"])
    key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())


async def test_a_drop_fault_closes_the_real_connection(live: tuple[BogSandbox, str]) -> None:
    sandbox, url = live
    sandbox.add_fault(Fault("token", "drop"))
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await login(http)
        headers = await login(http)

    assert headers["Authorization"].startswith("Bearer ")
    assert sandbox.counters.tokens_issued == 1


async def test_a_drop_after_processing_over_the_network_keeps_the_order(
    live: tuple[BogSandbox, str],
) -> None:
    sandbox, url = live
    sandbox.add_fault(Fault("create_order", "drop", when="after"))
    body = {
        "callback_url": "https://shop.example/cb",
        "purchase_units": {
            "total_amount": 3,
            "basket": [{"product_id": "a", "quantity": 1, "unit_price": 3}],
        },
    }
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        headers = {**(await login(http)), "Idempotency-Key": "net-1"}
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/payments/v1/ecommerce/orders", json=body, headers=headers)
        retried = await http.post("/payments/v1/ecommerce/orders", json=body, headers=headers)

    assert retried.json()["id"] in sandbox.store
    assert len(sandbox.store) == 1


def test_serve_refuses_a_non_loopback_host(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(private_key_pem=private_key_pem)

    with pytest.raises(ValueError, match="loopback"), sandbox.serve(host="0.0.0.0"):
        pass


def test_public_base_url_is_restored_after_serving(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(private_key_pem=private_key_pem)

    with sandbox.serve() as url:
        assert sandbox.public_base_url == url
        assert httpx.get(f"{url}/sandbox/counters").status_code == 200

    assert sandbox.public_base_url == "http://127.0.0.1:8086"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/sandbox/counters")
