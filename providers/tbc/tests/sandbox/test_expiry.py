"""Checkout sessions end after expirationMinutes on the sandbox clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import ApiError, TbcSandbox


async def test_a_session_is_open_until_its_last_second(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id(expirationMinutes=5)
    sandbox.advance_clock(5 * 60 - 1)

    assert (await tbc.details(pay_id))["status"] == "Created"


async def test_a_session_expires_after_expiration_minutes(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id(expirationMinutes=5)
    sandbox.advance_clock(5 * 60)

    assert (await tbc.details(pay_id))["status"] == "Expired"
    assert sandbox.counters.payments_expired == 1


async def test_expiry_sends_the_callback(tbc: Any, sandbox: TbcSandbox, receiver: Any) -> None:
    pay_id = await tbc.create_id()
    sandbox.advance_clock(12 * 60)

    await tbc.details(pay_id)

    assert receiver.pay_ids() == [pay_id]


async def test_tick_expires_due_sessions_without_a_request(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    pay_id = await tbc.create_id()
    sandbox.advance_clock(12 * 60)

    assert await sandbox.tick() == 1

    assert sandbox.payments[pay_id].status == "Expired"
    assert receiver.pay_ids() == [pay_id]


async def test_expire_helper_ends_a_session_at_once(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id(expirationMinutes=60)

    details = await sandbox.expire(pay_id)

    assert details["status"] == "Expired"
    assert details["resultCode"] is None


async def test_expire_helper_refuses_a_paid_payment(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()

    with pytest.raises(ApiError, match="no longer open"):
        await sandbox.expire(pay_id)


async def test_an_expired_session_cannot_be_paid(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()
    sandbox.advance_clock(12 * 60)

    with pytest.raises(ApiError, match="expired"):
        await sandbox.pay(pay_id)


def test_expire_sync_works_from_sync_code(sandbox: TbcSandbox) -> None:
    pay_id = _create_sync(sandbox)

    assert sandbox.expire_sync(pay_id)["status"] == "Expired"


def _create_sync(sandbox: TbcSandbox) -> str:
    with httpx.Client(transport=sandbox.sync_transport(), base_url="http://tbc") as http:
        token = http.post(
            "/v1/tpay/access-token",
            data={"client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
            headers={"apikey": sandbox.api_key},
        ).json()["access_token"]
        created = http.post(
            "/v1/tpay/payments",
            json={"amount": {"currency": "GEL", "total": 5}, "returnurl": "https://shop.example/"},
            headers={"apikey": sandbox.api_key, "Authorization": f"Bearer {token}"},
        )
    return str(created.json()["payId"])
