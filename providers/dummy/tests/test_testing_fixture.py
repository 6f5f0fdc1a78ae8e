"""payments_dummy.testing: the fixtures and typed helpers a shop's test suite uses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import pytest
from payments_dummy import DummyProvider

from payments_core import (
    AsyncPayments,
    CaptureMode,
    ConfigurationError,
    DeclineCode,
    LineItem,
    Money,
    PaymentRequest,
    Payments,
    PaymentStatus,
)

if TYPE_CHECKING:
    from payments_dummy.testing import AsyncDummyPayments, DummyPayments

# Until the pytest11 entry point is installed, this is how a suite loads the plugin.
# (The module itself is imported in the tests below, not up here: pytest must be the
# first to import a plugin, to rewrite its asserts.)
pytest_plugins = ["payments_dummy.testing", "pytester"]

HELPERS = ("complete", "decline", "expire", "signed_callback")


def order(external_id: str = "order-1", **fields: Any) -> PaymentRequest:
    return PaymentRequest(
        external_id=external_id,
        amount=Money("20.00", "GEL"),
        items=[LineItem(product_id="tea-01", quantity=2, unit_price=Money("10.00", "GEL"))],
        callback_url="https://shop.example/payments/callback",
        **fields,
    )


def test_the_fixture_is_a_payments_on_a_store_of_its_own(
    dummy_payments: DummyPayments, dummy_store: str
) -> None:
    assert isinstance(dummy_payments, Payments)
    assert isinstance(dummy_payments.provider, DummyProvider)
    assert dummy_payments.provider.settings.store == dummy_store
    assert len(dummy_payments.provider.store) == 0


def test_complete_pays_and_the_signed_callback_verifies(dummy_payments: DummyPayments) -> None:
    payment = dummy_payments.create_payment(order())
    paid = dummy_payments.complete(payment.id)
    assert paid.status is PaymentStatus.CAPTURED

    headers, body = dummy_payments.signed_callback(payment.id)
    assert isinstance(body, bytes)
    event = dummy_payments.parse_webhook(headers, body)
    assert event.payment.id == payment.id
    assert event.payment.status is PaymentStatus.CAPTURED


def test_complete_of_a_manual_capture_authorizes(dummy_payments: DummyPayments) -> None:
    payment = dummy_payments.create_payment(order(capture=CaptureMode.MANUAL))
    assert dummy_payments.complete(payment.id).status is PaymentStatus.AUTHORIZED


def test_decline_carries_the_code(dummy_payments: DummyPayments) -> None:
    payment = dummy_payments.create_payment(order())
    declined = dummy_payments.decline(payment.id, DeclineCode.INSUFFICIENT_FUNDS)
    assert declined.status is PaymentStatus.DECLINED
    assert declined.decline is not None
    assert declined.decline.code is DeclineCode.INSUFFICIENT_FUNDS
    seen = dummy_payments.get_payment(payment.id)
    assert seen.decline is not None
    assert seen.decline.code is DeclineCode.INSUFFICIENT_FUNDS


def test_decline_defaults_to_a_generic_decline(dummy_payments: DummyPayments) -> None:
    payment = dummy_payments.create_payment(order())
    declined = dummy_payments.decline(payment.id)
    assert declined.decline is not None
    assert declined.decline.code is DeclineCode.GENERIC_DECLINE


def test_expire(dummy_payments: DummyPayments) -> None:
    payment = dummy_payments.create_payment(order())
    assert dummy_payments.expire(payment.id).status is PaymentStatus.EXPIRED
    assert dummy_payments.get_payment(payment.id).status is PaymentStatus.EXPIRED


async def test_the_async_fixture_runs_the_same_story(
    async_dummy_payments: AsyncDummyPayments,
) -> None:
    assert isinstance(async_dummy_payments, AsyncPayments)
    payment = await async_dummy_payments.create_payment(order())
    async_dummy_payments.complete(payment.id)
    headers, body = async_dummy_payments.signed_callback(payment.id)
    event = await async_dummy_payments.parse_webhook(headers, body)
    assert event.payment.status is PaymentStatus.CAPTURED
    refund = await async_dummy_payments.refund(payment.id, Money("5.00", "GEL"))
    assert refund.amount == Money("5.00", "GEL")


async def test_both_fixtures_of_one_test_share_the_store(
    dummy_payments: DummyPayments, async_dummy_payments: AsyncDummyPayments
) -> None:
    payment = dummy_payments.create_payment(order())
    async_dummy_payments.complete(payment.id)
    assert dummy_payments.get_payment(payment.id).status is PaymentStatus.CAPTURED
    assert (await async_dummy_payments.get_payment(payment.id)).is_paid


def test_code_that_opens_its_own_facade_sees_the_same_payments(
    dummy_payments: DummyPayments, dummy_store: str
) -> None:
    from payments_dummy.testing import dummy_of

    payment = dummy_payments.create_payment(order())
    with Payments.from_config({"provider": "dummy", "store": dummy_store}) as shop_payments:
        dummy_of(shop_payments).complete(payment.id)
    assert dummy_payments.get_payment(payment.id).is_paid


def test_the_fixture_sends_nothing_over_the_network(dummy_payments: DummyPayments) -> None:
    with pytest.raises(AssertionError, match="sends no HTTP"):
        dummy_payments.http_client.get("https://example.invalid/")


def test_dummy_of_refuses_another_provider() -> None:
    from payments_dummy.testing import dummy_of

    with (
        Payments("bog", client_id="10001", client_secret="x", autoload_plugins=False) as bog,
        pytest.raises(ConfigurationError, match="not the dummy") as caught,
    ):
        dummy_of(bog)
    assert caught.value.provider == "bog"


def test_dummy_payments_refuses_another_provider() -> None:
    from payments_dummy.testing import DummyPayments

    with pytest.raises(ConfigurationError, match="not 'bog'"):
        DummyPayments("bog", client_id="10001", client_secret="x", autoload_plugins=False)


@pytest.mark.parametrize("facade", [Payments, AsyncPayments])
def test_the_helpers_shadow_no_facade_method(facade: type) -> None:
    """A facade method of the same name would silently become the helper under test."""
    assert [name for name in HELPERS if hasattr(facade, name)] == []


def test_the_helpers_import_without_pytest() -> None:
    """dummy_of serves scripts and the README, where pytest may not be installed."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["pytest"] = None  # as if it were not installed
        from payments_core import Payments
        from payments_dummy.testing import DummyPayments, dummy_of
        import payments_dummy.testing as testing
        assert not hasattr(testing, "dummy_payments")
        with Payments("dummy") as payments:
            print(type(dummy_of(payments)).__name__)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DummyProvider"


def test_the_plugin_gives_a_shop_suite_its_fixtures(pytester: pytest.Pytester) -> None:
    """As the pytest11 entry point loads it: by module name, nothing else configured."""
    pytester.makepyfile(
        test_shop="""
        import asyncio

        from payments_core import LineItem, Money, PaymentRequest, Payments, PaymentStatus

        def order():
            return PaymentRequest(
                external_id="o-1",
                amount=Money("5.00", "GEL"),
                items=[LineItem(product_id="x", quantity=1, unit_price=Money("5.00", "GEL"))],
                callback_url="https://shop.example/cb",
            )

        def test_sync(dummy_payments):
            assert isinstance(dummy_payments, Payments)
            payment = dummy_payments.create_payment(order())
            assert dummy_payments.complete(payment.id).status is PaymentStatus.CAPTURED

        def test_async_without_any_async_plugin(async_dummy_payments):
            async def story():
                payment = await async_dummy_payments.create_payment(order())
                async_dummy_payments.expire(payment.id)
                return await async_dummy_payments.get_payment(payment.id)

            assert asyncio.run(story()).status is PaymentStatus.EXPIRED
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "payments_dummy.testing", "-p", "no:asyncio", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)


def test_the_packages_warnings_stay_out_of_a_programs_output() -> None:
    """Without logging configured, Python prints warnings of a logger with no handler
    on stderr (its last resort); the package's NullHandler keeps them out."""
    script = (
        "import logging, payments_dummy; "
        "logging.getLogger('payments_dummy.store').warning('a library warning')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""
