"""``payments journal``: migrate the schema, show a payment's history, reconcile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from payments_bog.sandbox import Fault

from payments_core import OutcomeUnknownError
from payments_core.cli import main
from payments_core.journal import Journal, migrations
from tests.journal.support import GATEWAY, Bog, gel, migrated

CLEAN_ENV: dict[str, str | None] = {"PAYMENTS_JOURNAL": None, "PAYMENTS_CONFIG": None}
"""The variables the commands read, unset: each test says where its journal is."""


def payments(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run ``payments ARGS`` as a shell would, with only ``env`` set of its variables."""
    return CliRunner(env={**CLEAN_ENV, **(env or {})}).invoke(main, list(args))


def config_file(path: Path, settings: dict[str, Any]) -> Path:
    """A TOML file with one BOG gateway and ``settings`` (no journal: it comes from the env)."""
    lines = ['provider = "bog"']
    for name, value in settings.items():
        shown = ("true" if value else "false") if isinstance(value, bool) else json.dumps(value)
        lines.append(f"{name} = {shown}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def operation_lines(output: str) -> dict[str, tuple[str, str]]:
    """``show``'s operation lines: key -> (operation, state word)."""
    found: dict[str, tuple[str, str]] = {}
    for line in output.split("operations:\n")[1].split("history:")[0].splitlines():
        parts = line.strip().split("  ")  # "refund 5.00 GEL", "succeeded -> pending", "key K"
        found[parts[2].split()[1]] = (parts[0].split()[0], parts[1].split()[0])
    return found


def facade_key(journal: Journal, payment_id: str) -> str:
    """The key the create of ``payment_id`` was made with."""
    [create] = [
        r for r in journal.history(payment_id).operations if r.operation == "create_payment"
    ]
    return create.idempotency_key


def test_migrate_creates_the_schema_and_prints_the_version(journal_url: str) -> None:
    result = payments("journal", "migrate", "--journal", journal_url)
    assert result.exit_code == 0, result.output
    assert f"schema version 0 -> {migrations.CURRENT}" in result.output
    journal = Journal(journal_url)
    try:
        assert journal.schema_version() == migrations.CURRENT
    finally:
        journal.close()


def test_migrate_again_says_the_schema_is_already_current(journal_url: str) -> None:
    payments("journal", "migrate", "--journal", journal_url)
    result = payments("journal", "migrate", env={"PAYMENTS_JOURNAL": journal_url})
    assert result.exit_code == 0, result.output
    assert f"schema already at version {migrations.CURRENT}" in result.output


def test_migrate_hides_the_databases_password() -> None:
    result = payments(
        "journal", "migrate", "--journal", "postgresql://app:Pa55-w0rd@127.0.0.1:1/payments"
    )
    assert result.exit_code == 1
    assert "Pa55-w0rd" not in result.output
    assert "journal_unavailable" in result.output


def test_a_journal_url_that_cannot_work_is_one_line_and_exit_1() -> None:
    result = payments("journal", "migrate", "--journal", "sqlite:///:memory:")
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_show_prints_each_operations_state_word(bog: Bog, journal_url: str) -> None:
    journal = bog.journal(migrated(journal_url))
    facade = bog.facade(journal)
    payment = bog.paid(facade)
    facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
    bog.sandbox.add_fault(Fault("refund", "drop", when="after", times=None))
    with pytest.raises(OutcomeUnknownError):
        facade.refund(payment.id, gel("6.00"), idempotency_key="refund-2")

    result = payments("journal", "show", payment.id, "--journal", journal_url)

    assert result.exit_code == 0, result.output
    shown = operation_lines(result.output)
    assert shown == {
        facade_key(journal, payment.id): ("create_payment", "succeeded"),
        "refund-1": ("refund", "succeeded"),
        "refund-2": ("refund", "unknown"),
    }
    trail = result.output.split("history:")[1]
    for word in ("intended", "sending", "succeeded", "unknown"):
        assert word in trail


def test_show_json_is_data(bog: Bog, journal_url: str) -> None:
    facade = bog.facade(bog.journal(migrated(journal_url)))
    payment = bog.paid(facade)
    facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")

    result = payments("journal", "show", payment.id, "--json", "--journal", journal_url)

    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["payment_id"] == payment.id
    assert [(op["operation"], op["state"]) for op in shown["operations"]] == [
        ("create_payment", "succeeded"),
        ("refund", "succeeded"),
    ]
    assert shown["states"][GATEWAY]["id"] == payment.id


def test_show_of_a_payment_the_journal_does_not_know_exits_1(journal_url: str) -> None:
    migrated(journal_url)
    result = payments("journal", "show", "no-such-payment", "--journal", journal_url)
    assert result.exit_code == 1
    assert "no-such-payment" in result.output


def test_show_on_a_database_without_a_journal_names_the_migrate_command(
    journal_url: str,
) -> None:
    result = payments("journal", "show", "any", "--journal", journal_url)
    assert result.exit_code == 1
    assert "payments journal migrate" in result.output


def test_reconcile_with_nothing_due_says_so(journal_url: str) -> None:
    migrated(journal_url)
    result = payments("journal", "reconcile", env={"PAYMENTS_JOURNAL": journal_url})
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output


def test_reconcile_settles_a_lost_refund_through_the_configured_gateway(
    bog: Bog, journal_url: str, tmp_path: Path
) -> None:
    with bog.sandbox.serve():  # the command talks to the emulator over loopback
        journal = bog.journal(migrated(journal_url))
        facade = bog.facade(journal)
        payment = bog.paid(facade)
        bog.sandbox.add_fault(Fault("refund", "drop", when="after", times=None))
        with pytest.raises(OutcomeUnknownError):
            facade.refund(payment.id, gel("5.00"), idempotency_key="refund-1")
        bog.sandbox.clear_faults()
        config = config_file(tmp_path / "payments.toml", bog.settings())

        result = payments(
            "journal", "reconcile", "--config", str(config), env={"PAYMENTS_JOURNAL": journal_url}
        )

    assert result.exit_code == 0, result.output
    assert "refund key refund-1: unknown -> " in result.output
    assert "1 due" in result.output
    record = journal.operation(GATEWAY, "refund-1")
    assert record is not None
    assert record.state == "reconciled"
    assert bog.refunds("refund-1") == 1
