"""The token exchange and the loopback server, as the provider meets them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import httpx
import pytest
from payments_bog.sandbox import BogSandbox

from payments_core import AuthenticationError, ErrorCode, PaymentRequest
from payments_core.sandbox.server import listening_socket

from .conftest import CLIENT_ID, CLIENT_SECRET, IN_PROCESS, Shop

Checkout = Callable[..., PaymentRequest]


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_secret_with_reserved_characters_authenticates_form_encoded(
    route: str, connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    assert any(ch in CLIENT_SECRET for ch in "/+=%")  # RFC 6749 §2.3.1 encodes these
    shop = connect(route)

    await shop.create_payment(checkout())

    assert sandbox.counters.tokens_issued == 1


async def test_the_raw_basic_pair_of_bogs_docs_is_accepted_too(sandbox: BogSandbox) -> None:
    async with httpx.AsyncClient(
        transport=sandbox.transport(), base_url=sandbox.public_base_url
    ) as http:
        answer = await http.post(
            sandbox.token_url,
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )

    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("route", IN_PROCESS)
async def test_a_wrong_secret_is_an_authentication_error_with_keycloaks_code(
    route: str, connect: Callable[..., Shop], sandbox: BogSandbox, checkout: Checkout
) -> None:
    shop = connect(route, client_secret="not-" + CLIENT_SECRET)

    with pytest.raises(AuthenticationError) as refused:
        await shop.create_payment(checkout())

    assert refused.value.code is ErrorCode.AUTHENTICATION_FAILED
    assert refused.value.provider_code == "invalid_client"
    assert refused.value.http_status == 401
    assert sandbox.counters.tokens_issued == 0
    assert sandbox.counters.orders_created == 0


async def test_connections_to_the_served_emulator_have_nagle_turned_off() -> None:
    # Nagle's algorithm against delayed ACKs costs ~40 ms per call on a kept-alive
    # connection when the server socket lacks TCP_NODELAY. Checked on the accepted
    # socket itself rather than by timing calls, which a busy machine would flake.
    sock = listening_socket("127.0.0.1", 0)
    nodelay: list[int] = []

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = writer.get_extra_info("socket")
        nodelay.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(200):
            if nodelay:
                break
            await asyncio.sleep(0.01)
        writer.close()
    assert nodelay == [1]
