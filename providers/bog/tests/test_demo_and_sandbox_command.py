"""`payments demo` on the BOG emulator, and `payments sandbox bog` as a real server."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
        "refunded",  # the journal's record of it
    ]
    assert steps[-1]["step"] == "journal"
    assert "create_payment succeeded" in steps[-1]["detail"]
    assert steps[-1]["elapsed"] < 10


@contextmanager
def sandbox_process(*options: str) -> Iterator[str]:
    """``payments sandbox bog --port 0`` in a subprocess; yields what it printed up to
    "Press Ctrl+C", and stops it with SIGTERM (as a process manager would)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "payments_core.cli", "sandbox", "bog", "--port", "0", *options],
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
            if "Press Ctrl+C" in line or not line:
                break
        yield "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sandbox_command_serves_the_emulator_on_loopback() -> None:
    with sandbox_process() as output:
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
    # Each start makes a new key: its temporary file goes when the emulator stops.
    assert not Path(key_file.group(1)).exists()


def test_sandbox_command_writes_the_key_where_asked_and_keeps_it(tmp_path: Path) -> None:
    wanted = tmp_path / "bog-key.pem"
    with sandbox_process("--key-file", str(wanted)) as output:
        assert f"BOG_CALLBACK_PUBLIC_KEY={wanted}" in output, output
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", output)
        assert url, output
        published = httpx.get(f"{url.group(1)}/sandbox/public-key", timeout=5).text
    assert wanted.read_text().strip() == published.strip()


def test_sandbox_command_refuses_an_impossible_port() -> None:
    result = CliRunner().invoke(main, ["sandbox", "bog", "--port", "99999"])
    assert result.exit_code == 2
    assert "0<=x<=65535" in result.output
    assert "Traceback" not in result.output


def test_sandbox_command_names_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["sandbox", "bog", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_the_packages_warnings_stay_out_of_a_programs_output() -> None:
    """Without logging configured, Python prints warnings of a logger with no handler
    on stderr (its last resort); the package's NullHandler keeps them out."""
    script = (
        "import logging, payments_bog; "
        "logging.getLogger('payments_bog.orders').warning('a library warning')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""


def test_sandbox_command_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(main, ["sandbox", "bog", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "loopback only" in result.output
