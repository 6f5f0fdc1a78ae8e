"""``shop.toml``, the choice of gateway, and what ``python -m examples.shop`` starts."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from payments_dummy import DummyProvider

from examples.shop.__main__ import main, open_gateway
from examples.shop.config import DEFAULT_CONFIG, load_shop_config
from payments_core import ConfigurationError, Payments


def test_the_default_gateway_is_bog_with_the_emulator() -> None:
    config = load_shop_config(environ={})
    assert config.gateway.name == "bog"
    assert config.gateway.provider == "bog"
    assert config.uses_bog_emulator
    assert (config.port, config.emulator_port) == (8000, 8086)


def test_shop_gateway_in_the_environment_picks_the_dummy() -> None:
    config = load_shop_config(environ={"SHOP_GATEWAY": "dummy"})
    assert config.gateway.provider == "dummy"
    assert not config.uses_bog_emulator


def test_the_command_line_wins_over_the_environment() -> None:
    config = load_shop_config(gateway="bog", environ={"SHOP_GATEWAY": "dummy"})
    assert config.gateway.name == "bog"


def test_an_unknown_gateway_names_the_configured_ones() -> None:
    with pytest.raises(ConfigurationError, match="configured gateways: bog, dummy, tbc"):
        load_shop_config(gateway="paypal", environ={})


def test_a_bad_port_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text('[shop]\nport = "eighty"\n[payments]\nprovider = "dummy"\n')
    with pytest.raises(ConfigurationError, match="port"):
        load_shop_config(path, environ={})


def test_the_payments_table_is_payments_cores_own_format() -> None:
    with Payments.from_config(DEFAULT_CONFIG, gateway="dummy") as payments:
        assert payments.provider.name == "dummy"


def test_the_dummy_gateway_points_its_hosted_page_at_the_shop() -> None:
    config = load_shop_config(gateway="dummy", environ={})
    with ExitStack() as stack:
        payments, lines = open_gateway(config, "http://127.0.0.1:8123", stack)
        assert isinstance(payments.provider, DummyProvider)
        assert payments.provider.settings.hosted_page_url == "http://127.0.0.1:8123/dummy-pay"
        assert "dummy-pay" in lines[0]
        asyncio.run(payments.aclose())


def test_the_bog_gateway_starts_the_emulator_and_uses_it() -> None:
    config = load_shop_config(environ={})
    config = type(config)(config.gateway, config.port, 0, config.bog_emulator)  # any free port
    with ExitStack() as stack:
        payments, lines = open_gateway(config, "http://127.0.0.1:8123", stack)
        settings = payments.provider.settings
        base = str(getattr(settings, "api_base_url", ""))
        assert base.startswith("http://127.0.0.1:")
        assert "BOG emulator" in lines[0]
        token = httpx.post(
            str(getattr(settings, "token_url", "")),
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
            timeout=5,
        )
        assert token.status_code == 200
        asyncio.run(payments.aclose())


def test_shop_gateway_tbc_starts_the_tbc_emulator_on_its_own_port() -> None:
    config = load_shop_config(environ={"SHOP_GATEWAY": "tbc"})
    assert config.gateway.provider == "tbc"
    assert config.uses_tbc_emulator
    assert not config.uses_bog_emulator
    assert config.tbc_emulator_port == 8087
    moved = config.with_emulator_port(9001)
    assert (moved.tbc_emulator_port, moved.emulator_port) == (9001, 8086)
    bog = load_shop_config(environ={})
    assert bog.with_emulator_port(9001).emulator_port == 9001


def test_the_tbc_emulator_port_and_switch_come_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(
        "[shop]\ntbc_emulator_port = 9087\ntbc_emulator = false\n"
        '[payments.gateways.tbc]\nprovider = "tbc"\n'
    )
    config = load_shop_config(path, environ={})
    assert config.tbc_emulator_port == 9087
    assert not config.uses_tbc_emulator
    path.write_text('[shop]\ntbc_emulator_port = 70000\n[payments]\nprovider = "tbc"\n')
    with pytest.raises(ConfigurationError, match="tbc_emulator_port"):
        load_shop_config(path, environ={})


def test_the_tbc_gateway_starts_the_emulator_and_uses_it() -> None:
    config = load_shop_config(gateway="tbc", environ={}).with_emulator_port(0)  # any free port
    with ExitStack() as stack:
        payments, lines = open_gateway(config, "http://127.0.0.1:8123", stack)
        settings = payments.provider.settings
        base = str(getattr(settings, "api_base_url", ""))
        assert base.startswith("http://127.0.0.1:")
        assert base != "http://127.0.0.1:0"
        assert "TBC emulator" in lines[0]
        callers = [str(net) for net in getattr(settings, "callback_addresses", [])]
        assert callers == ["127.0.0.1"]  # where the emulator's callbacks come from
        token = httpx.post(
            f"{base}/v1/tpay/access-token",
            headers={"apikey": "sandbox-apikey"},
            data={"client_id": "7001234", "client_secret": "sandbox-secret"},
            timeout=5,
        )
        assert token.status_code == 200
        asyncio.run(payments.aclose())


def test_main_reports_a_bad_gateway_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--gateway", "paypal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no gateway named 'paypal'")
    assert "Traceback" not in err


@pytest.mark.parametrize("gateway", ["bog", "tbc", "dummy"])
def test_python_m_examples_shop_starts_serves_and_stops_on_ctrl_c(gateway: str) -> None:
    root = Path(__file__).resolve().parents[3]
    command = [sys.executable, "-m", "examples.shop", "--port", "0", "--emulator-port", "0"]
    process = subprocess.Popen(
        [*command, "--gateway", gateway],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C stops."):
                break
        banner = "".join(printed)
        shop_url = re.search(r"example shop +(http://127\.0\.0\.1:\d+)/", banner)
        assert shop_url is not None, banner
        assert ("BOG emulator" in banner) is (gateway == "bog")
        assert ("TBC emulator" in banner) is (gateway == "tbc")
        page = httpx.get(f"{shop_url.group(1)}/", timeout=5)
        assert page.status_code == 200
        assert "Add to cart" in page.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
