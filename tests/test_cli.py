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
        "journal",
    ]
    assert steps[-1]["status"] == "refunded"
    assert "create_payment succeeded, refund succeeded, refund succeeded" in steps[-1]["detail"]


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


# -- a first day's rough edges ------------------------------------------------------------------


def create_args(config_file: Path, callback_url: str, *extra: str) -> list[str]:
    return [
        "create",
        "--config",
        str(config_file),
        "--external-id",
        f"o-{uuid.uuid4().hex[:8]}",
        "--amount",
        "5.00",
        "--currency",
        "GEL",
        "--callback-url",
        callback_url,
        *extra,
    ]


LOCAL_CALLBACK = "http://127.0.0.1:8000/payments/callback"


def test_create_takes_a_loopback_http_callback_with_allow_insecure_callback(
    runner: CliRunner, config_file: Path
) -> None:
    result = run(runner, *create_args(config_file, LOCAL_CALLBACK, "--allow-insecure-callback"))
    assert result.exit_code == 0, result.output
    assert "pending" in result.stdout


def test_library_warnings_are_notes_on_stderr_and_json_stays_clean(
    runner: CliRunner, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from payments_dummy import DummyProvider

    payment_id = paid(config_file, "GEL")
    read = DummyProvider.get_payment

    def warn_then_read(self: DummyProvider, payment_id: str) -> object:
        logging.getLogger("payments_dummy").warning("the gateway answered oddly")
        return read(self, payment_id)

    monkeypatch.setattr(DummyProvider, "get_payment", warn_then_read)
    result = run(runner, "status", "--config", str(config_file), payment_id, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "captured"
    assert result.stderr == "  note: the gateway answered oddly\n"


def test_a_refused_http_callback_points_at_the_flag(runner: CliRunner, config_file: Path) -> None:
    result = run(runner, *create_args(config_file, LOCAL_CALLBACK))
    assert result.exit_code == 1
    assert "pass --allow-insecure-callback" in result.output
    assert "[invalid_url]" in result.output


def test_the_flag_does_not_open_a_public_host_to_plain_http(
    runner: CliRunner, config_file: Path
) -> None:
    result = run(
        runner,
        *create_args(config_file, "http://shop.example/cb", "--allow-insecure-callback"),
    )
    assert result.exit_code == 1
    assert "[invalid_url]" in result.output


def test_the_provider_setting_alone_allows_a_loopback_http_callback(
    runner: CliRunner, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUMMY_ALLOW_INSECURE_CALLBACK_URL", "true")
    result = run(runner, *create_args(config_file, LOCAL_CALLBACK, "--json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "pending"  # notes stay off stdout


def paid(config_file: Path, currency: str, **fields: object) -> str:
    from payments_core import LineItem, PaymentRequest

    with Payments.from_config(config_file) as payments:
        return payments.create_payment(
            PaymentRequest(
                external_id=f"o-{uuid.uuid4().hex[:8]}",
                amount=Money("20.00", currency),
                items=[LineItem(product_id="x", quantity=1, unit_price=Money("20.00", currency))],
                callback_url="https://shop.example/cb",
                provider_options={"outcome": "succeed"},
                **fields,  # type: ignore[arg-type]
            )
        ).id


def test_refund_of_an_amount_takes_the_payments_currency(
    runner: CliRunner, config_file: Path
) -> None:
    payment_id = paid(config_file, "USD")
    result = run(runner, "refund", "--config", str(config_file), payment_id, "--amount", "5.00")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("refund 5.00 USD: succeeded")


def test_capture_of_an_amount_takes_the_payments_currency(
    runner: CliRunner, config_file: Path
) -> None:
    payment_id = paid(config_file, "EUR", capture="manual")
    result = run(runner, "capture", "--config", str(config_file), payment_id, "--amount", "5")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("capture 5.00 EUR: succeeded")


def test_an_amount_with_its_currency_is_checked_before_the_gateway_opens(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.toml"
    result = run(
        runner, "refund", "--config", str(missing), "p-1", "--amount", "1.001", "--currency", "GEL"
    )
    assert result.exit_code == 1
    assert "[invalid_amount]" in result.output


def test_a_missing_secret_names_the_variable_to_set(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BOG_CLIENT_SECRET", "PAYMENTS_MAIN_CLIENT_SECRET", "PAYMENTS_SECRETS_DIR"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "payments.toml"
    path.write_text('[gateways.main]\nprovider = "bog"\nclient_id = "10001"\n')
    result = run(runner, "status", "--config", str(path), "p-1")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert (
        "client_secret is missing: set BOG_CLIENT_SECRET (or PAYMENTS_MAIN_CLIENT_SECRET) "
        "or add client_secret to the [gateways.main] table"
    ) in result.output
    assert "[invalid_settings]" in result.output


def test_the_secret_may_come_from_the_environment_beside_the_file(
    runner: CliRunner, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file names the gateway; the environment holds its webhook secret."""
    from payments_core import LineItem, PaymentRequest

    store = config_file.read_text().split('store = "')[1].split('"')[0]
    with Payments("dummy", store=store, webhook_secret="from-the-vault") as signer:
        payment = signer.create_payment(
            PaymentRequest(
                external_id="o-9",
                amount=Money("7.00", "GEL"),
                items=[LineItem(product_id="x", quantity=1, unit_price=Money("7.00", "GEL"))],
                callback_url="https://shop.example/cb",
            )
        )
        headers, body = signer.provider.webhook_for(payment.id)  # type: ignore[attr-defined]
    (tmp_path / "headers.json").write_text(json.dumps(headers))
    (tmp_path / "body.bin").write_bytes(body)
    args = ["webhook", "verify", "--config", str(config_file)]
    args += ["--headers", str(tmp_path / "headers.json"), "--body", str(tmp_path / "body.bin")]

    assert run(runner, *args).exit_code == 1  # the file's default secret does not match
    monkeypatch.setenv("DUMMY_WEBHOOK_SECRET", "from-the-vault")
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    assert "signature OK" in result.output
