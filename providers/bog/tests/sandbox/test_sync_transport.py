"""The sync transport: the emulator driven from plain ``httpx.Client`` code."""

from __future__ import annotations

import httpx
import pytest
from payments_bog.sandbox import BogSandbox, Fault


def test_a_sync_client_creates_and_reads_an_order(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(private_key_pem=private_key_pem)
    with httpx.Client(transport=sandbox.sync_transport(), base_url=sandbox.public_base_url) as http:
        token = http.post(
            "/auth/realms/bog/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=(sandbox.client_id, sandbox.client_secret),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = http.post(
            "/payments/v1/ecommerce/orders",
            json={
                "callback_url": "https://shop.example/cb",
                "purchase_units": {
                    "total_amount": 7,
                    "basket": [{"product_id": "a", "quantity": 1, "unit_price": 7}],
                },
            },
            headers=headers,
        )
        receipt = http.get(f"/payments/v1/receipt/{created.json()['id']}", headers=headers)

    assert receipt.status_code == 200
    assert receipt.json()["purchase_units"]["request_amount"] == "7.0"


def test_a_drop_fault_reaches_a_sync_client_as_remote_protocol_error(
    private_key_pem: bytes,
) -> None:
    sandbox = BogSandbox(private_key_pem=private_key_pem)
    sandbox.add_fault(Fault("token", "drop"))
    with (
        httpx.Client(transport=sandbox.sync_transport(), base_url="http://bog") as http,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        http.post("/auth/realms/bog/protocol/openid-connect/token")


def test_a_closed_sync_transport_refuses_requests(private_key_pem: bytes) -> None:
    transport = BogSandbox(private_key_pem=private_key_pem).sync_transport()
    transport.close()
    transport.close()

    with pytest.raises(RuntimeError, match="closed"):
        transport.handle_request(httpx.Request("GET", "http://bog/sandbox/counters"))
