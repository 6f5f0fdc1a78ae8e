"""The TBC guide and the gateway comparison are checked against the code, row by row.

``docs/providers/tbc.md`` lists what ``payments_tbc`` defines: its settings and their
``TBC_*`` variables, the ``provider_options`` fields, the payment-method codes, the
status table (``payments_tbc.statuses``) and the result-code table
(``payments_tbc.codes``), how each RFC 7807 error answer is raised
(``payments_tbc.errors``) and the emulator's test cards.
``docs/guides/gateways.md`` lists each provider's capabilities and the attributes
that set them apart. Each table is parsed from the Markdown and compared with the
code, so neither can drift from the other. (The pages' Python samples run in
``tests/test_docs.py``, like every page's.)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_bog import BogProvider
from payments_dummy import DummyProvider
from payments_tbc import TbcOptions, TbcProvider, TbcSettings
from payments_tbc.checkout import prepare_payment
from payments_tbc.codes import METHOD_CODES, METHOD_NAMES, RESULT_CODES
from payments_tbc.errors import error_for_response
from payments_tbc.statuses import STATUS_TABLE
from pydantic_core import PydanticUndefined

from payments_core import LineItem, Money, PaymentRequest
from payments_core.errors import DeclineCode, PaymentDeclinedError
from payments_core.provider import Capability, PaymentProvider
from payments_core.status import PaymentStatus
from tests.test_docs import code_spans, page_text, table_rows

GUIDE = "providers/tbc.md"
COMPARISON = "guides/gateways.md"

CALLBACK_STATUSES = frozenset({"Succeeded", "Failed", "Expired", "WaitingConfirm"})
"""The statuses TBC documents calling back for (reference §8, [DOC])."""


def _guide_rows(first_header: str) -> list[list[str]]:
    rows = table_rows(page_text(GUIDE), first_header)
    assert rows, f"the table {first_header!r} of docs/{GUIDE} is empty"
    return rows


def _only_span(cell: str) -> str:
    spans = code_spans(cell)
    assert len(spans) == 1, f"expected one code span in {cell!r}"
    return spans[0]


# -- settings --------------------------------------------------------------------------------


def test_every_setting_is_documented_with_its_variable() -> None:
    documented: list[str] = []
    for cells in _guide_rows("setting"):
        names, variables = code_spans(cells[0]), code_spans(cells[1])
        assert variables == [f"{TbcProvider.env_prefix}{name.upper()}" for name in names], cells
        documented += names
    assert len(documented) == len(set(documented)), "a setting is listed twice"
    assert set(documented) == set(TbcSettings.model_fields)


def _shown_default(value: Any) -> list[str]:
    if isinstance(value, tuple):
        return [str(part) for part in value]
    if isinstance(value, bool):
        return [str(value).lower()]
    return [str(value)]


def test_the_settings_defaults_are_the_code_s() -> None:
    for cells in _guide_rows("setting"):
        names = code_spans(cells[0])
        if len(names) != 1:
            continue  # the core's retry settings, described on their own page
        field = TbcSettings.model_fields[names[0]]
        if field.default is PydanticUndefined:
            assert cells[2] == "required", f"{names[0]} is required"
        else:
            assert code_spans(cells[2]) == _shown_default(field.default), names[0]


# -- provider_options -----------------------------------------------------------------------


def _request(**fields: Any) -> PaymentRequest:
    values: dict[str, Any] = {
        "external_id": "ORD-DOCS-1",
        "amount": Money("42.50", "GEL"),
        "items": [LineItem(product_id="tea-01", quantity=1, unit_price=Money("37.50", "GEL"))],
        "callback_url": "https://shop.example/tbc/callback",
        "success_url": "https://shop.example/orders/ORD-DOCS-1",
    }
    values.update(fields)
    return PaymentRequest(**values)


OPTION_EXAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # option -> (provider_options, other request fields) that make TBC's field appear
    "description": ({"description": "Gift box"}, {}),
    "tax": ({"tax": "5.00"}, {}),
    "save_card": ({"save_card": True}, {}),
    "save_card_to_date": ({"save_card": True, "save_card_to_date": "1044"}, {}),
    "extra": ({"extra": "ORD-DOCS-1"}, {}),
    "extra2": ({"extra2": "42.50"}, {}),
    "user_ip_address": ({"user_ip_address": "203.0.113.7"}, {}),
    "skip_info_message": ({"skip_info_message": True}, {}),
    "installment_products": (
        {"installment_products": [{"name": "Tea", "price": "42.50", "quantity": 1}]},
        {"payment_methods": ["installment"]},
    ),
}


def _sent(body: dict[str, Any], dotted: str) -> bool:
    node: Any = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_every_option_is_documented() -> None:
    documented = [_only_span(cells[0]) for cells in _guide_rows("option")]
    assert sorted(documented) == sorted(TbcOptions.model_fields)


@pytest.mark.parametrize("cells", _guide_rows("option"), ids=lambda cells: cells[0].strip("`"))
def test_each_option_is_sent_as_the_documented_tbc_field(cells: list[str]) -> None:
    option, tbc_field = _only_span(cells[0]), _only_span(cells[1])
    options, fields = OPTION_EXAMPLES[option]
    settings = TbcSettings(api_key="k", client_id="7001234", client_secret="s")
    request = _request(provider_options=options, **fields)
    assert option in TbcOptions(**options).to_provider_options()
    assert _sent(prepare_payment(request, settings).body, tbc_field), (option, tbc_field)


# -- codes ----------------------------------------------------------------------------------


def test_the_payment_method_table_matches_the_code() -> None:
    rows = _guide_rows("method")
    documented = {_only_span(cells[0]): int(_only_span(cells[1])) for cells in rows}
    assert len(documented) == len(rows)
    assert documented == dict(METHOD_CODES)


def test_the_payment_method_answers_table_matches_the_code() -> None:
    rows = _guide_rows("TBC `paymentMethod`")
    documented = {int(_only_span(cells[0])): _only_span(cells[1]) for cells in rows}
    assert len(documented) == len(rows)
    assert documented == dict(METHOD_NAMES)


def test_the_status_table_matches_the_code() -> None:
    rows = _guide_rows("TBC `status`")
    documented = {_only_span(cells[0]): PaymentStatus(_only_span(cells[1])) for cells in rows}
    assert len(documented) == len(rows), "a status is listed twice"
    assert documented == dict(STATUS_TABLE)


def test_the_status_table_says_which_statuses_tbc_calls_back_for() -> None:
    calls_back = {
        _only_span(cells[0]) for cells in _guide_rows("TBC `status`") if cells[2] == "yes"
    }
    others = {cells[2] for cells in _guide_rows("TBC `status`") if cells[2] != "yes"}
    assert calls_back == CALLBACK_STATUSES
    assert others == {"no"}


def test_the_result_code_table_matches_the_code() -> None:
    rows = _guide_rows("`resultCode`")
    documented: dict[str, str | None] = {}
    for cells in rows:
        assert cells[1], f"{cells[0]} has no meaning"
        decline = code_spans(cells[2])
        documented[_only_span(cells[0])] = decline[0] if decline else None
        if not decline:
            assert cells[2] == "success", cells
    assert len(documented) == len(rows)
    expected = {code: (d.value if d else None) for code, d in RESULT_CODES.items()}
    assert documented == expected


# -- errors ---------------------------------------------------------------------------------

DECLINING_CODES = [code for code, decline in RESULT_CODES.items() if decline is not None]


def _bodies(cell: str) -> list[str | None]:
    """The ``resultCode`` values (None: no such member) a "problem body" cell stands for."""
    if cell == "any":
        return [None, "decline_general"]
    if cell.startswith("with a `resultCode`"):
        return [*DECLINING_CODES, "decline_never_documented"]
    if cell.startswith("without a `resultCode`"):
        return [None, "approved"]
    raise AssertionError(f"unexpected problem body cell {cell!r}")


def _statuses(cell: str, exact: set[int]) -> list[int]:
    """The HTTP statuses a row stands for: exact ones, "any other 4xx", or "5xx"."""
    if cell == "any other `4xx`":
        return [status for status in range(400, 500) if status not in exact]
    if cell == "`5xx`":
        return list(range(500, 600))
    return [int(span) for span in code_spans(cell)]


def _problem(status: int, result_code: str | None) -> httpx.Response:
    body: dict[str, Any] = {
        "type": f"https://developers.tbcbank.ge/docs/error-type-{status}",
        "title": "Problem",
        "status": status,
        "detail": "Something about the request",
        "systemCode": f"System code for problem is tpay-payments.{status}.001",
    }
    if result_code is not None:
        body["resultCode"] = result_code
    request = httpx.Request("POST", "https://api.tbcbank.ge/v1/tpay/payments")
    return httpx.Response(status, json=body, request=request)


def _error_rows() -> list[Any]:
    """One ``pytest.param(statuses, bodies, error class, error code)`` per table row."""
    rows = _guide_rows("HTTP status")
    exact = {int(span) for cells in rows for span in code_spans(cells[0]) if span.isdigit()}
    return [
        pytest.param(
            _statuses(cells[0], exact),
            _bodies(cells[1]),
            _only_span(cells[2]),
            _only_span(cells[3]),
            id=f"{cells[0]} {cells[1]}".replace("`", ""),
        )
        for cells in rows
    ]


def test_the_error_table_covers_every_error_status_once() -> None:
    covered: list[tuple[int, str | None]] = [
        (status, code)
        for row in _error_rows()
        for status in row.values[0]
        for code in row.values[1]
    ]
    assert len(covered) == len(set(covered)), "a status and body are listed twice"
    assert {status for status, _ in covered} == set(range(400, 600))


@pytest.mark.parametrize(
    ("statuses", "bodies", "error_class", "error_code"),
    _error_rows(),
)
def test_each_error_row_is_what_the_provider_raises(
    statuses: list[int], bodies: list[str | None], error_class: str, error_code: str
) -> None:
    for status in statuses:
        for result_code in bodies:
            error = error_for_response(_problem(status, result_code))
            where = f"HTTP {status}, resultCode {result_code!r}"
            assert type(error).__name__ == error_class, where
            assert error.code.value == error_code, where
            assert error.http_status == status, where
            if isinstance(error, PaymentDeclinedError):
                assert result_code is not None
                expected = RESULT_CODES.get(result_code, DeclineCode.UNKNOWN)
                assert error.decline_code is expected, where
                assert error.provider_code == result_code, where


# -- the emulator ---------------------------------------------------------------------------


def test_the_test_cards_table_matches_the_emulator() -> None:
    from payments_tbc.sandbox import TEST_CARDS

    documented = {}
    for cells in _guide_rows("card number"):
        number = _only_span(cells[0]).replace(" ", "")
        result = code_spans(cells[2])
        documented[number] = (cells[1], result[0] if result else None, cells[3])
    expected = {
        number: (
            card.outcome.value,
            card.result_code.value if card.result_code is not None else None,
            card.label_en,
        )
        for number, card in TEST_CARDS.items()
    }
    assert documented == expected


# -- the gateway comparison -----------------------------------------------------------------

PROVIDERS: dict[str, type[PaymentProvider]] = {
    "dummy": DummyProvider,
    "bog": BogProvider,
    "tbc": TbcProvider,
}


def _comparison_header(first_header: str) -> list[str]:
    for line in page_text(COMPARISON).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.strip().startswith("|") and cells[0] == first_header:
            return cells[1:]
    raise AssertionError(f"no table with first column {first_header!r}")


def test_the_comparison_names_the_providers_in_order() -> None:
    for first_header in ("capability", "provider attribute"):
        assert _comparison_header(first_header) == list(PROVIDERS)
    for provider, cls in PROVIDERS.items():
        assert cls.name == provider


def test_the_capability_table_matches_the_providers() -> None:
    rows = table_rows(page_text(COMPARISON), "capability")
    documented = {}
    for cells in rows:
        capability = Capability(_only_span(cells[0]))
        assert set(cells[1:]) <= {"yes", "no"}, cells
        documented[capability] = [cell == "yes" for cell in cells[1:]]
    assert list(documented) == list(Capability), "one row per capability, in the enum's order"
    expected = {
        capability: [capability in cls.capabilities for cls in PROVIDERS.values()]
        for capability in Capability
    }
    assert documented == expected


def test_the_provider_attribute_table_matches_the_providers() -> None:
    rows = table_rows(page_text(COMPARISON), "provider attribute")
    assert rows
    for cells in rows:
        attribute = _only_span(cells[0])
        shown = [_only_span(cell) for cell in cells[1:]]
        assert shown == [str(getattr(cls, attribute)) for cls in PROVIDERS.values()], attribute
