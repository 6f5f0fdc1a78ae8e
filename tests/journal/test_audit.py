"""The audit trail and the journal's rows never hold a secret: no client secret, no API
key, no access token, no full card number, after a whole payment's life."""

from __future__ import annotations

import base64
import json

import pytest
import sqlalchemy as sa
from payments_bog.sandbox import Fault as BogFault
from payments_tbc.sandbox import Fault as TbcFault

from payments_core import OutcomeUnknownError, Payments
from payments_core.journal import Journal, reconcile_once
from payments_core.journal import schema as journal_schema
from tests.journal.support import (
    CARD_OK,
    GATEWAY,
    JOURNAL_TABLES,
    Bog,
    Tbc,
    callback_headers,
    gel,
    rows_of,
    stored_tokens,
)

EVERY_TABLE_BUT_TOKENS = sorted(JOURNAL_TABLES - {"payments_journal_tokens"})
"""The token table holds the shared access token by design; nothing else may."""


def secrets_found(journal: Journal, secrets: dict[str, str]) -> list[str]:
    """``table: what`` for each secret found in a row of a table other than the tokens'
    (kept request bodies decoded: they are stored base64)."""
    url = journal.url.render_as_string(hide_password=False)
    texts = {table: "\n".join(rows) for table, rows in rows_of(url, EVERY_TABLE_BUT_TOKENS).items()}
    texts["kept request bodies"] = "\n".join(kept_bodies(journal))
    return [
        f"{table}: {what}"
        for table, text in texts.items()
        for what, secret in secrets.items()
        if secret in text
    ]


def kept_bodies(journal: Journal) -> list[str]:
    ops = journal_schema.operations

    def step(connection: sa.Connection) -> list[str]:
        query = sa.select(ops.c.sent).where(ops.c.sent.is_not(None))
        return [str(sent) for sent in connection.execute(query).scalars()]

    return [
        base64.b64decode(json.loads(sent)["content"]).decode("utf-8", "replace")
        for sent in journal.run(step)
    ]


def kept_request(journal: Journal, key: str) -> str | None:
    """The request bytes the journal keeps for a repeat of the operation under ``key``."""
    ops = journal_schema.operations

    def step(connection: sa.Connection) -> str | None:
        query = sa.select(ops.c.sent).where(ops.c.idempotency_key == key)
        sent: str | None = connection.execute(query).scalar()
        return sent

    return journal.run(step)


def lose_a_refund(bog: Bog, facade: Payments, payment_id: str, key: str) -> None:
    """A refund BOG carries out whose answer never arrives."""
    bog.sandbox.add_fault(BogFault("refund", "drop", when="after", times=None))
    try:
        with pytest.raises(OutcomeUnknownError):
            facade.refund(payment_id, gel("5.00"), idempotency_key=key)
    finally:
        bog.sandbox.clear_faults()


def basic(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_a_bog_payments_whole_life_leaves_no_secret_in_the_journal(bog: Bog, url: str) -> None:
    journal = bog.journal(url)
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    delivery = bog.callbacks_for(payment.id)[0]
    facade.parse_webhook(callback_headers(delivery), delivery.body)
    facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    lose_a_refund(bog, facade, payment.id, "lost-then-reconciled")
    reconcile_once(journal, {GATEWAY: facade})
    lose_a_refund(bog, facade, payment.id, "lost-and-kept")
    assert kept_request(journal, "lost-and-kept")  # the bytes are kept: the search is real
    facade.get_payment(payment.id)
    [token] = stored_tokens(url)
    settings = bog.settings()

    assert (
        secrets_found(
            journal,
            {
                "client secret": settings["client_secret"],
                "basic credentials": basic(settings["client_id"], settings["client_secret"]),
                "access token": token,
                "bearer header": "Bearer ",
                "card number": CARD_OK,
            },
        )
        == []
    )
    kinds = {event.kind for event in journal.history(payment.id).events}
    assert kinds == {"operation", "payment", "callback", "reconcile"}  # the trail is whole


def test_a_kept_request_of_a_keyless_gateway_holds_no_api_key_or_token(tbc: Tbc, url: str) -> None:
    journal = tbc.journal(url)
    facade = tbc.facade(journal)
    payment = tbc.paid(facade)
    tbc.sandbox.add_fault(TbcFault("cancel", "drop", when="after"))
    with pytest.raises(OutcomeUnknownError):
        facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    assert kept_request(journal, "refund-1")  # the bytes are kept: the search is real
    [token] = stored_tokens(url)
    settings = tbc.settings()

    assert (
        secrets_found(
            journal,
            {
                "api key": settings["api_key"],
                "client secret": settings["client_secret"],
                "access token": token,
                "bearer header": "Bearer ",
                "card number": CARD_OK,
            },
        )
        == []
    )


def test_the_audit_trail_names_who_made_each_change(bog: Bog, url: str) -> None:
    journal = bog.journal(url)
    payment = bog.facade(journal).create_payment(bog.checkout())
    actors = {event.actor for event in journal.history(payment.id, GATEWAY).events}
    assert len(actors) == 1
    [actor] = actors
    assert actor is not None
    host, _, pid = actor.rpartition(":")
    assert host
    assert pid.isdigit()
