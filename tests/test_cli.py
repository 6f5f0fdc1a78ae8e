"""The `payments` command: readable output, data with --json, one-line errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from payments_core import Money, Payments, PaymentStatus
from payments_core.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A TOML config naming a dummy gateway with a store of its own."""
    path = tmp_path / "payments.toml"
    path.write_text(f'provider = "dummy"\nstore = "cli-{uuid.uuid4().hex}"\n')
    return path


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_providers_lists_dummy_with_its_capabilities(runner: CliRunner) -> None:
    result = run(runner, "providers")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("dummy"))
    assert "refund" in line
    assert "webhooks" in line


def test_providers_json_is_data(runner: CliRunner) -> None:
    result = run(runner, "providers", "--json")
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["dummy"]["error"] is None
    assert "partial_capture" in rows["dummy"]["capabilities"]


def test_dummy_demo_ends_refunded(runner: CliRunner) -> None:
    result = run(runner, "demo", "--provider", "dummy")
    assert result.exit_code == 0, result.output
    assert "callback verified" in result.output
    assert result.output.rstrip().endswith("payment is refunded")


def test_dummy_demo_json_lists_every_step(runner: CliRunner) -> None:
    result = run(runner, "demo", "--provider", "dummy", "--json")
    steps = json.loads(result.output)
    assert [s["step"] for s in steps] == [
        "create payment",
        "customer pays",
        "callback verified",
        "payment details",
        "partial refund",
        "refund the rest",
    ]
    assert steps[-1]["status"] == "refunded"


def test_unknown_demo_is_one_line_and_exit_1(runner: CliRunner) -> None:
    result = run(runner, "demo", "--provider", "nope")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: no demo for provider 'nope'")
    assert "Traceback" not in result.output


def test_create_then_status_through_a_config_file(runner: CliRunner, config_file: Path) -> None:
    created = run(
        runner,
        "create",
        "--config",
        str(config_file),
        "--external-id",
        "o-1",
        "--amount",
        "12.50",
        "--currency",
        "GEL",
        "--callback-url",
        "https://shop.example/cb",
        "--json",
    )
    assert created.exit_code == 0, created.output
    payment = json.loads(created.output)
    assert payment["amount"] == {"amount": "12.50", "currency": "GEL"}

    status = run(runner, "status", "--config", str(config_file), payment["id"])
    assert status.exit_code == 0
    assert "pending" in status.output


def test_over_precise_amount_is_refused_before_anything_is_sent(
    runner: CliRunner, config_file: Path
) -> None:
    result = run(
        runner,
        "create",
        "--config",
        str(config_file),
        "--external-id",
        "o-2",
        "--amount",
        "12.505",
        "--currency",
        "GEL",
        "--callback-url",
        "https://shop.example/cb",
    )
    assert result.exit_code == 1
    assert "more decimals than GEL allows" in result.output
    assert "[invalid_amount]" in result.output


def test_refund_of_unpaid_payment_prints_the_error_code(
    runner: CliRunner, config_file: Path
) -> None:
    with Payments.from_config(config_file) as payments:
        created = run(
            runner,
            "create",
            "--config",
            str(config_file),
            "--external-id",
            "o-3",
            "--amount",
            "5",
            "--currency",
            "GEL",
            "--callback-url",
            "https://shop.example/cb",
            "--json",
        )
        payment_id = json.loads(created.output)["id"]
        result = run(runner, "refund", "--config", str(config_file), payment_id)
        assert result.exit_code == 1
        assert "[invalid_state]" in result.output
        assert payments.get_payment(payment_id).status is PaymentStatus.PENDING


def test_missing_configuration_names_the_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_PROVIDER", raising=False)
    monkeypatch.delenv("PAYMENTS_CONFIG", raising=False)
    result = run(runner, "status", "abc")
    assert result.exit_code == 1
    assert "PAYMENTS_PROVIDER is not set" in result.output


def test_webhook_verify_accepts_a_saved_callback_and_refuses_a_tampered_one(
    runner: CliRunner, config_file: Path, tmp_path: Path
) -> None:
    with Payments.from_config(config_file) as payments:
        from payments_core import LineItem, PaymentRequest

        payment = payments.create_payment(
            PaymentRequest(
                external_id="o-4",
                amount=Money("7.00", "GEL"),
                items=[LineItem(product_id="x", quantity=1, unit_price=Money("7.00", "GEL"))],
                callback_url="https://shop.example/cb",
                provider_options={"outcome": "succeed"},
            )
        )
        headers, body = payments.provider.webhook_for(payment.id)  # type: ignore[attr-defined]
    (tmp_path / "headers.json").write_text(json.dumps(headers))
    (tmp_path / "body.bin").write_bytes(body)
    args = [
        "webhook",
        "verify",
        "--config",
        str(config_file),
        "--headers",
        str(tmp_path / "headers.json"),
        "--body",
        str(tmp_path / "body.bin"),
    ]

    ok = run(runner, *args)
    assert ok.exit_code == 0, ok.output
    assert "signature OK" in ok.output
    assert "captured" in ok.output

    (tmp_path / "body.bin").write_bytes(body.replace(b"7.00", b"0.07"))
    bad = run(runner, *args)
    assert bad.exit_code == 1
    assert "[webhook_signature_invalid]" in bad.output
