"""Settings every test of the repository shares.

The ``payments`` command and the demos record to a journal, by default
``./payments.db`` in the working directory. Each test gets a file of its own
(``PAYMENTS_JOURNAL``) so that tests never share idempotency keys, tokens or
payment states through the repository's directory.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _journal_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("journal") / "payments.db"
    monkeypatch.setenv("PAYMENTS_JOURNAL", f"sqlite:///{path}")
