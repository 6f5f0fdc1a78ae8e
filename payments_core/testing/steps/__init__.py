"""Steps the conformance scenarios share: create, pay, operate, look again, forge, break.

* :mod:`~payments_core.testing.steps.story`: the payment's story, each step checked;
* :mod:`~payments_core.testing.steps.forgery`: callbacks and answers the kit changes;
* :mod:`~payments_core.testing.steps.wire_faults`: the calls the kit breaks the wire
  under, and the checks of what was sent.
"""

from __future__ import annotations

from payments_core.testing.steps.forgery import (
    HTML_PAGE,
    change_one_char,
    cut_in_half,
    forge_status,
    html_instead,
    retarget,
    rewrite_amounts,
    tampered_body,
)
from payments_core.testing.steps.story import (
    BEFORE_PAYMENT,
    create,
    look,
    new_key,
    operate,
    paid_payment,
    settle,
)
from payments_core.testing.steps.wire_faults import (
    HTTP_ERROR_CASES,
    MONEY_CALLS,
    MoneyCall,
    check_keyed,
    expect_unknown_outcome,
    mapping_problem,
    money_calls,
)

__all__ = [
    "BEFORE_PAYMENT",
    "HTML_PAGE",
    "HTTP_ERROR_CASES",
    "MONEY_CALLS",
    "MoneyCall",
    "change_one_char",
    "check_keyed",
    "create",
    "cut_in_half",
    "expect_unknown_outcome",
    "forge_status",
    "html_instead",
    "look",
    "mapping_problem",
    "money_calls",
    "new_key",
    "operate",
    "paid_payment",
    "retarget",
    "rewrite_amounts",
    "settle",
    "tampered_body",
]
