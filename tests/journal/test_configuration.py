"""Giving a gateway its journal by configuration: a ``journal`` key, or ``PAYMENTS_JOURNAL``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from payments_core import ConfigurationError, LineItem, Money, PaymentRequest, Payments
from tests.journal.support import GATEWAY


def dummy(**settings: Any) -> dict[str, Any]:
    """A dummy gateway with a store of its own (dummy payments live in memory)."""
    return {"provider": "dummy", "store": f"journal-test-{uuid.uuid4().hex[:8]}", **settings}


def request(key: str) -> PaymentRequest:
    amount = Money("12.50", "GEL")
    return PaymentRequest(
        external_id="order-1",
        amount=amount,
        items=[LineItem(product_id="sku-1", quantity=1, unit_price=amount)],
        callback_url="https://shop.test/payments/callback",
        idempotency_key=key,
    )


@pytest.fixture
def opened() -> Iterator[Callable[[Payments], Payments]]:
    """``opened(facade)``: the facade, closed after the test."""
    facades: list[Payments] = []

    def keep(facade: Payments) -> Payments:
        facades.append(facade)
        return facade

    yield keep
    for facade in facades:
        facade.close()


def records(facade: Payments, key: str) -> bool:
    """Whether a create through ``facade`` is written to its journal."""
    facade.create_payment(request(key))
    assert facade.journal is not None
    record = facade.journal.operation(facade.name, key)
    return record is not None and record.state == "succeeded"


def test_a_journal_key_beside_the_provider_gives_the_gateway_its_journal(
    url: str, opened: Callable[[Payments], Payments]
) -> None:
    facade = opened(Payments.from_config(dummy(journal=url), autoload_plugins=False))
    assert facade.journal is not None
    assert records(facade, "checkout-1")


def test_payments_journal_gives_a_gateway_from_the_environment_its_journal(
    url: str, opened: Callable[[Payments], Payments]
) -> None:
    environ = {"PAYMENTS_PROVIDER": "dummy", "PAYMENTS_JOURNAL": url}
    facade = opened(Payments.from_env(environ=environ, autoload_plugins=False))
    assert records(facade, "checkout-1")


def test_a_gateway_without_a_journal_has_none(opened: Callable[[Payments], Payments]) -> None:
    facade = opened(Payments.from_env(environ={"PAYMENTS_PROVIDER": "dummy"}))
    assert facade.journal is None


def test_payments_journal_wins_over_the_configured_journal(
    url: str, tmp_path: Path, opened: Callable[[Payments], Payments]
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    facade = opened(
        Payments.from_config(
            dummy(journal=elsewhere), environ={"PAYMENTS_JOURNAL": url}, autoload_plugins=False
        )
    )
    assert records(facade, "checkout-1")
    assert not (tmp_path / "elsewhere.db").exists()


def test_a_journal_beside_the_gateways_serves_each_of_them(
    url: str, opened: Callable[[Payments], Payments]
) -> None:
    config = {"gateways": {"main": dummy(), "backup": dummy()}, "journal": url}
    main = opened(Payments.from_config(config, gateway="main", autoload_plugins=False))
    backup = opened(Payments.from_config(config, gateway="backup", autoload_plugins=False))
    assert records(main, "checkout-1")
    assert records(backup, "checkout-2")
    assert main.journal is not None
    assert main.journal.operation("backup", "checkout-2") is not None  # one database


def test_a_gateways_own_journal_wins_over_the_shared_one(
    url: str, tmp_path: Path, opened: Callable[[Payments], Payments]
) -> None:
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    config = {"gateways": {"main": dummy(journal=url)}, "journal": shared}
    facade = opened(Payments.from_config(config, gateway="main", autoload_plugins=False))
    assert records(facade, "checkout-1")
    assert not (tmp_path / "shared.db").exists()


def test_a_file_with_a_journal_beside_its_gateways_is_read(
    url: str, tmp_path: Path, opened: Callable[[Payments], Payments]
) -> None:
    path = tmp_path / "payments.toml"
    path.write_text(
        f'default = "main"\njournal = "{url}"\n\n[gateways.main]\nprovider = "dummy"\n',
        encoding="utf-8",
    )
    facade = opened(Payments.from_config(path, environ={}, autoload_plugins=False))
    assert records(facade, "checkout-1")


@pytest.mark.parametrize("value", [5432, True, ["sqlite:///payments.db"], {"url": "x"}])
@pytest.mark.parametrize(
    "place",
    [
        pytest.param(lambda value: {"provider": "dummy", "journal": value}, id="beside-provider"),
        pytest.param(
            lambda value: {"gateways": {"main": {"provider": "dummy"}}, "journal": value},
            id="beside-gateways",
        ),
        pytest.param(
            lambda value: {"gateways": {"main": {"provider": "dummy", "journal": value}}},
            id="in-a-gateway",
        ),
    ],
)
def test_a_journal_value_that_is_not_a_string_is_a_configuration_error(
    value: object, place: Callable[[object], dict[str, Any]]
) -> None:
    with pytest.raises(ConfigurationError, match="journal"):
        Payments.from_config(place(value), autoload_plugins=False)


@pytest.mark.parametrize("journal", ["sqlite:///:memory:", "mysql://payments@127.0.0.1/payments"])
def test_a_configured_journal_that_cannot_work_is_a_configuration_error(journal: str) -> None:
    with pytest.raises(ConfigurationError):
        Payments.from_config(dummy(journal=journal), autoload_plugins=False)


def test_an_empty_payments_journal_gives_no_journal(
    opened: Callable[[Payments], Payments],
) -> None:
    environ = {"PAYMENTS_PROVIDER": "dummy", "PAYMENTS_JOURNAL": ""}
    facade = opened(Payments.from_env(environ=environ, autoload_plugins=False))
    assert facade.journal is None
    assert facade.name == GATEWAY
