"""What the sandbox counts, and that the counts hold no secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from payments_tbc.sandbox import Counters, TbcSandbox


async def test_requests_are_counted_per_endpoint(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()
    await tbc.details(pay_id)
    await tbc.details(pay_id)
    await tbc.cancel(pay_id)

    assert sandbox.counters.requests == {
        "token": 1,
        "create_payment": 1,
        "get_payment": 2,
        "cancel": 1,
    }


async def test_the_request_log_includes_page_requests(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()
    await tbc.http.get(f"/checkout/{pay_id}")

    assert sandbox.counters.request_log[-1] == ("GET", f"/checkout/{pay_id}")


async def test_operations_are_counted(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()
    await tbc.cancel(pay_id, 5)
    held = await tbc.paid(preAuth=True)
    await tbc.complete(held, 10)
    released = await tbc.paid(preAuth=True)
    await tbc.cancel(released)
    rec_id = await tbc.saved_card()
    await tbc.execute(rec_id)
    await tbc.delete_card(rec_id)

    counts = sandbox.counters.as_dict()
    assert counts["payments_created"] == 4
    assert counts["payments_paid"] == 4
    assert counts["cancels"] == 2
    assert (counts["refunds"], counts["partial_refunds"], counts["releases"]) == (1, 1, 1)
    assert (counts["completions"], counts["executions"], counts["cards_deleted"]) == (1, 1, 1)
    # Four page payments call back; the execution has no dashboard URL to call.
    assert counts["callbacks_sent"] == counts["callbacks_delivered"] == 4


async def test_counters_hold_no_token_or_secret(tbc: Any, sandbox: TbcSandbox) -> None:
    await tbc.paid()

    text = json.dumps(sandbox.counters.as_dict()) + repr(sandbox.counters)

    for secret in (tbc.token, sandbox.client_secret, sandbox.api_key):
        assert secret not in text


def test_an_unknown_counter_name_is_an_error() -> None:
    with pytest.raises(AttributeError, match="refundz"):
        Counters().add("refundz")


def test_reprs_hold_no_secret() -> None:
    sandbox = TbcSandbox(api_key="apikey-5e1f", client_secret="secret-9c2d")

    text = repr(sandbox) + repr(sandbox.bank) + repr(sandbox.bank.tokens)

    assert "apikey-5e1f" not in text
    assert "secret-9c2d" not in text
