"""`payments demo --provider tbc` on the TBC emulator, and `payments sandbox tbc` as a server."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from payments_core.cli import main


def test_tbc_demo_ends_refunded_with_a_callback_read_back() -> None:
    result = CliRunner().invoke(main, ["demo", "--provider", "tbc"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "payments demo: provider tbc" in result.output
    assert "callback verified  captured" in result.output
    assert "partial refund     partially_refunded" in result.output
    assert result.output.rstrip().endswith("payment is refunded")


def test_tbc_demo_json_reports_each_status() -> None:
    result = CliRunner().invoke(main, ["demo", "--provider", "tbc", "--json"])
    steps = json.loads(result.output[result.output.index("[") :])
    assert [s["status"] for s in steps] == [
        "pending",
        None,
        "captured",
        "captured",
        "partially_refunded",
        "refunded",
        "refunded",  # the journal's record of it
    ]
    assert steps[-1]["step"] == "journal"
    assert "create_payment succeeded" in steps[-1]["detail"]


def test_sandbox_command_serves_the_emulator_on_loopback() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "payments_core.cli", "sandbox", "tbc", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        output = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", output)
        assert url, output
        assert f"TBC_API_BASE_URL={url.group(1)}" in output
        token = httpx.post(
            f"{url.group(1)}/v1/tpay/access-token",
            data={"client_id": "7001234", "client_secret": "sandbox-secret"},
            headers={"apikey": "sandbox-apikey"},
            timeout=5,
        )
        assert token.status_code == 200
        assert token.json()["token_type"] == "Bearer"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sandbox_command_refuses_an_impossible_port() -> None:
    result = CliRunner().invoke(main, ["sandbox", "tbc", "--port", "99999"])
    assert result.exit_code == 2
    assert "0<=x<=65535" in result.output
    assert "Traceback" not in result.output


def test_sandbox_command_names_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["sandbox", "tbc", "--port", str(port)])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output


def test_the_packages_warnings_stay_out_of_a_programs_output() -> None:
    """Without logging configured, Python prints warnings of a logger with no handler
    on stderr (its last resort); the package's NullHandler keeps them out."""
    script = (
        "import logging, payments_tbc; "
        "logging.getLogger('payments_tbc.checkout').warning('a library warning')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""
