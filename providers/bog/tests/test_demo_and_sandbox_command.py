"""`payments demo` on the BOG emulator, and `payments sandbox bog` as a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from payments_core.cli import main


def test_bog_demo_ends_refunded_with_a_verified_callback() -> None:
    result = CliRunner().invoke(main, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "payments demo: provider bog" in result.output
    assert "callback verified  captured" in result.output
    assert "partial refund     partially_refunded" in result.output
    assert result.output.rstrip().endswith("payment is refunded")


def test_bog_demo_json_reports_each_status() -> None:
    result = CliRunner().invoke(main, ["demo", "--json"], catch_exceptions=False)
    steps = json.loads(result.output[result.output.index("[") :])
    assert [s["status"] for s in steps] == [
        "pending",
        None,
        "captured",
        "captured",
        "partially_refunded",
        "refunded",
    ]
    assert steps[-1]["elapsed"] < 10


def test_sandbox_command_serves_the_emulator_on_loopback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "payments_core.cli", "sandbox", "bog", "--port", "0"],
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
        key_file = re.search(r"BOG_CALLBACK_PUBLIC_KEY=(\S+)", output)
        assert key_file, output
        published = httpx.get(f"{url.group(1)}/sandbox/public-key", timeout=5).text
        assert published.strip() == Path(key_file.group(1)).read_text().strip()
        assert "BEGIN PUBLIC KEY" in published
        token = httpx.post(
            f"{url.group(1)}/auth/realms/bog/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
            timeout=5,
        )
        assert token.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sandbox_command_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(main, ["sandbox", "bog", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "loopback only" in result.output
