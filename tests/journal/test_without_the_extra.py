"""Without the journal extra, payments-core works as before and says what to install.

Each check runs in a fresh interpreter where SQLAlchemy cannot be imported (as on
an install without ``payments-core[journal]``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK_SQLALCHEMY = "import sys; sys.modules['sqlalchemy'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_SQLALCHEMY + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_facade_runs_a_payment_without_sqlalchemy() -> None:
    result = _run(
        """
        from payments_core import LineItem, Money, PaymentRequest, Payments
        with Payments("dummy", store="no-extra", autoload_plugins=False) as payments:
            assert payments.journal is None
            payment = payments.create_payment(PaymentRequest(
                external_id="o-1",
                amount=Money("5.00", "GEL"),
                items=[LineItem(product_id="p", quantity=1, unit_price=Money("5.00", "GEL"))],
                callback_url="https://shop.example/cb",
            ))
            payments.provider.complete(payment.id)
            print(payments.refund(payment.id).status.value)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("succeeded", "pending")


def test_asking_for_a_journal_without_sqlalchemy_names_the_extra() -> None:
    result = _run(
        """
        from payments_core import ConfigurationError, Payments
        try:
            Payments("dummy", journal="sqlite:///payments.db", autoload_plugins=False)
        except ConfigurationError as error:
            print(error.message)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'payments-core[journal]'" in result.stdout


def test_the_command_line_starts_and_runs_without_a_journal() -> None:
    result = _run(
        """
        import os
        os.environ.pop("PAYMENTS_JOURNAL", None)
        from payments_core.cli import main
        from payments_core.journal import default_journal
        assert default_journal(None) is None
        main(["journal", "--help"], standalone_mode=False)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "reconcile" in result.stdout
