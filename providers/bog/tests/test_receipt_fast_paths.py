"""The faster reading of BOG's receipts gives what the plain reading gave.

Reading a receipt runs for every callback and three times in a payment's life
(create's answer, a get, a refund's check), so its steps were made cheaper:
lenient field types that leave ``null`` to pydantic and check a reader's result
once, numeric text read without ``lenient_decimal``'s type checks, one validator
call per answer, and a receipt turned into a Payment with fewer steps. Each is
checked here against the code it replaced (copied below as the reference), on
chosen values and on many random receipts, seeded so a failure repeats.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

import pytest
from payments_bog import PROVIDER
from payments_bog.codes import payment_code
from payments_bog.receipt import (
    _CARD_METHODS,
    _CARD_NUMBER_METHODS,
    _MAX_VISIBLE_DIGITS,
    _completed,
    _currency,
    _operation,
    _sum,
    money,
    payment_from_receipt,
)
from payments_bog.statuses import EXPIRATION, STATUS_FACTS, OrderFacts, payment_status
from payments_bog.wire import lenient
from payments_bog.wire.answers import (
    PaymentDetail,
    Receipt,
    ReceiptAction,
    WebhookEnvelope,
    read,
)
from pydantic import BaseModel, BeforeValidator, ConfigDict, GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema

from payments_core.errors import (
    DeclineCode,
    InvalidRequestError,
    PaymentError,
    ProviderResponseError,
)
from payments_core.models import CaptureMode, CardDetails, Decline, OperationKind, Payment
from payments_core.plausibility import payment_problems
from payments_core.status import PaymentStatus
from payments_core.wire import lenient_decimal

# -- the reference: the field types and the receipt reading before the fast paths --------


class _OldTextType:
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.str_schema(strict=True),
                core_schema.none_schema(),
                core_schema.no_info_plain_validator_function(lenient._text),
            ],
            mode="left_to_right",
            custom_error_type="bog_text",
            custom_error_message="expected text",
        )


class _OldFields(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    amount: Annotated[Decimal | None, BeforeValidator(lenient._amount)] = None
    number: Annotated[Decimal | None, BeforeValidator(lenient_decimal)] = None
    zoned: Annotated[datetime | None, BeforeValidator(lenient._zoned)] = None
    local: Annotated[datetime | None, BeforeValidator(lenient._local)] = None
    text: Annotated[str | None, _OldTextType] = None


class _NewFields(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    amount: lenient.Amount = None
    number: lenient.Number = None
    zoned: lenient.ZonedTime = None
    local: lenient.LocalTime = None
    text: lenient.Text = None


def _old_order_facts(receipt: Receipt) -> OrderFacts:
    key = receipt.status_key
    units = receipt.purchase_units
    requested = units.request_amount if units else None
    transfer = units.transfer_amount if units else None
    refund = (units.refund_amount if units else None) or Decimal(0)
    manual = receipt.is_manual
    hold_cancelled = bool(_completed(receipt, OperationKind.VOID))
    approvals = [a.amount for a in _completed(receipt, OperationKind.CAPTURE) if a.amount]
    authorized: Decimal | None
    captured: Decimal | None
    refunded: Decimal | None
    row = STATUS_FACTS.get(key or "")
    if row is None:
        authorized = captured = refunded = None
    elif row.held:
        authorized = transfer if transfer is not None else requested
        captured, refunded = Decimal(0), Decimal(0)
    elif row.paid:
        if manual and approvals:
            captured = _sum(approvals)
        elif transfer is not None:
            captured = transfer + refund
        else:
            captured = requested
        refunded = refund
        if manual and hold_cancelled and not approvals:
            captured = refunded = Decimal(0)
        authorized = requested if manual else captured
        if authorized is not None and captured is not None and captured > authorized:
            authorized = captured
    else:
        authorized = captured = refunded = Decimal(0)
    return OrderFacts(
        key=key,
        manual=manual,
        reject_reason=receipt.reject_reason,
        authorized=authorized,
        captured=captured,
        refunded=refunded,
        hold_cancelled=hold_cancelled,
    )


def _old_card(detail: PaymentDetail | None) -> CardDetails | None:
    if detail is None or detail.method not in _CARD_METHODS:
        return None
    masked = detail.payer_identifier if detail.method in _CARD_NUMBER_METHODS else None
    if masked is not None and sum(map(str.isdigit, masked)) > _MAX_VISIBLE_DIGITS:
        masked = None
    if masked is None and detail.card_type is None and detail.card_expiry_date is None:
        return None
    return CardDetails(masked_number=masked, brand=detail.card_type, expiry=detail.card_expiry_date)


def _old_decline(receipt: Receipt, status: PaymentStatus) -> Decline | None:
    if status not in (PaymentStatus.DECLINED, PaymentStatus.EXPIRED):
        return None
    detail = receipt.payment_detail
    info = payment_code(detail.code if detail else None)
    expired = (receipt.reject_reason or "").strip().lower() == EXPIRATION
    if info is not None and not info.is_success:
        assert info.decline is not None
        code = info.decline
    elif expired:
        code = DeclineCode.SESSION_EXPIRED
    else:
        code = DeclineCode.UNKNOWN
    message = (
        (detail.code_description if detail else None)
        or (info.description if info else None)
        or receipt.reject_reason
    )
    return Decline(code=code, provider_code=info.code if info else None, message=message)


def _old_capture_mode(receipt: Receipt) -> CaptureMode | None:
    value = (receipt.capture or "").strip().lower()
    return CaptureMode(value) if value in ("automatic", "manual") else None


def _old_payment(receipt: Receipt, raw: dict[str, Any] | None, redirect_url: str | None) -> Payment:
    currency = _currency(receipt)
    units = receipt.purchase_units
    requested = units.request_amount if units else None
    if requested is None and units is not None and units.transfer_amount is not None:
        requested = units.transfer_amount + (units.refund_amount or Decimal(0))
    if requested is None:
        raise ProviderResponseError(
            "BOG's receipt has no purchase_units.request_amount", provider=PROVIDER
        )
    if requested <= 0:
        raise ProviderResponseError("BOG's receipt has an order amount of zero", provider=PROVIDER)
    facts = _old_order_facts(receipt)
    status = payment_status(facts)
    made: dict[Decimal, Any] = {}

    def amount_of(value: Decimal) -> Any:
        if value not in made:
            made[value] = money(value, currency)
        return made[value]

    def amount_or_none(value: Decimal | None) -> Any:
        return amount_of(value) if value is not None else None

    detail = receipt.payment_detail
    operations = tuple(
        op
        for op in (_operation(a, receipt.order_id, currency) for a in receipt.actions)
        if op is not None
    )
    return Payment(
        id=receipt.order_id,
        provider=PROVIDER,
        status=status,
        amount=amount_of(requested),
        external_id=receipt.external_order_id,
        authorized_amount=amount_or_none(facts.authorized),
        captured_amount=amount_or_none(facts.captured),
        refunded_amount=amount_or_none(facts.refunded),
        redirect_url=redirect_url,
        method=detail.method if detail else None,
        card=_old_card(detail),
        decline=_old_decline(receipt, status),
        capture=_old_capture_mode(receipt),
        created_at=receipt.created_at,
        expires_at=receipt.expires_at,
        provider_transaction_id=detail.transaction_id if detail else None,
        operations=operations,
        raw=raw,
    )


def _old_payment_from_receipt(
    receipt: Receipt, raw: dict[str, Any] | None = None, *, redirect_url: str | None = None
) -> Payment:
    try:
        payment = _old_payment(receipt, raw, redirect_url)
    except InvalidRequestError as exc:
        raise ProviderResponseError(
            f"BOG's receipt does not make a valid payment ({exc.field or 'payment'})",
            provider=PROVIDER,
            payment_id=receipt.order_id,
        ) from None
    except ProviderResponseError as exc:
        if exc.payment_id is not None:
            raise
        raise ProviderResponseError(
            exc.message, code=exc.code, provider=PROVIDER, payment_id=receipt.order_id
        ) from None
    problems = payment_problems(payment)
    if problems:
        raise ProviderResponseError(
            f"BOG's receipt for {receipt.order_id} shows an impossible payment: "
            + "; ".join(problems),
            provider=PROVIDER,
            payment_id=receipt.order_id,
        )
    return payment


# -- outcomes ------------------------------------------------------------------------------


def _outcome(call: Callable[..., Any], *args: Any, **keywords: Any) -> Any:
    """What a call gave, comparable: its value, or its error's type, message and ids."""
    try:
        return ("value", call(*args, **keywords))
    except PaymentError as exc:
        return ("error", type(exc), exc.message, exc.code, exc.payment_id)


def _fields_outcome(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        made = model.model_validate(data)
    except ValidationError as exc:
        return sorted((str(e["loc"]), e["type"], e["msg"]) for e in exc.errors())
    values = tuple(getattr(made, name) for name in _NewFields.model_fields)
    # the exact objects too: a tz-aware datetime keeps its tzinfo, a Decimal its digits
    shapes = tuple((type(v), repr(v)) for v in values)
    return (values, shapes, made.model_dump(), made.model_dump(mode="json"), made.model_dump_json())


# -- the field types -----------------------------------------------------------------------

ODD_VALUES: list[Any] = [
    None,
    "",
    "   ",
    "10.00",
    " 1.5 ",
    "1E+3",
    "-0",
    "-0.00",
    "-1",
    "0.000001",
    "1_000",
    "\u0661\u0662",  # Arabic-Indic digits: Decimal reads them
    "NaN",
    "sNaN",
    "-Infinity",
    "x",
    "1,5",
    True,
    False,
    0,
    7,
    -3,
    10**30,
    1.5,
    Decimal("2.50"),
    Decimal("-0"),
    Decimal("1E+2"),
    Decimal("NaN"),
    [1],
    {"a": 1},
    b"10",
    "2026-11-30T17:09:19.624874Z",
    "2026-11-30T21:09:19",
    "2026-11-30T21:09:19+04:00",
    " 2026-11-30T17:09:19Z ",
    "2026-11-30",
    "30.11.2026",
    datetime(2026, 1, 1),
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=3))),
]


class _Text(str):
    """A str subclass: must read as the old field types read it."""


class _Decimal(Decimal):
    """A Decimal subclass: pydantic's check made an exact Decimal of it."""


class _DateTime(datetime):
    """A datetime subclass."""


SUBCLASSED: list[Any] = [
    _Text("4.20"),
    _Text("2026-01-01T00:00:00"),
    _Decimal("1.50"),
    _Decimal("-2"),
    _DateTime(2026, 1, 1),
    _DateTime(2026, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("value", [*ODD_VALUES, *SUBCLASSED])
def test_the_field_types_read_every_value_as_before(value: Any) -> None:
    for name in _NewFields.model_fields:
        data = {name: value}
        assert _fields_outcome(_NewFields, data) == _fields_outcome(_OldFields, data), name
    every = dict.fromkeys(_NewFields.model_fields, value)
    assert _fields_outcome(_NewFields, every) == _fields_outcome(_OldFields, every)


@pytest.mark.parametrize("seed", range(5))
def test_numeric_text_reads_as_lenient_decimal_reads_it(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "0123456789.-+eE _,\u0661\u0966\uff11NaInfity\t"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        for value in (text, _Text(text)):
            assert _outcome_of(lenient._number, value) == _outcome_of(lenient_decimal, value)


def _outcome_of(read: Callable[[Any], Any], value: Any) -> Any:
    try:
        number = read(value)
    except ValueError as exc:
        return ("refused", str(exc))
    return ("read", number, repr(number))


def test_a_model_is_read_as_model_validate_reads_it() -> None:
    good = {"order_id": "o", "purchase_units": {"request_amount": "1.00"}}
    assert read(Receipt, good, "receipt") == Receipt.model_validate(good)
    bad = {"order_id": 5, "purchase_units": {"request_amount": "-1", "items": [{"vat": "x"}]}}
    with pytest.raises(ValidationError) as caught:
        Receipt.model_validate(bad)
    names = sorted({".".join(map(str, e["loc"])) for e in caught.value.errors()})
    with pytest.raises(ProviderResponseError) as refused:
        read(Receipt, bad, "receipt")
    assert refused.value.message == f"BOG's receipt cannot be read (fields: {', '.join(names)})"


# -- random receipts -----------------------------------------------------------------------

KEYS = [*STATUS_FACTS, "COMPLETED", " blocked ", "chargeback", "", None, 7]
AMOUNTS: list[Any] = ["10.00", "10", "5.5", "0.0", "2.50", Decimal("3.20"), None]
ODD_AMOUNTS: list[Any] = ["", "0", "12.345", "-1", "1" + "0" * 20, "x"]
METHODS = ["card", "google_pay", "apple_pay", "bog_p2p", "", " Card ", None]
IDENTIFIERS = ["400000xxxxxx0001", "4111111111111111", "****1234", "", None]
CODES = ["100", "107", "108", "200", "999", None, 100]
ACTIONS = [
    "authorize",
    "partial_authorize",
    "capture",
    "cancel_authorize",
    "refund",
    "partial_refund",
    "x",
]
ACTION_STATUSES = ["completed", "rejected", "in_progress", " COMPLETED ", None]


def _pick(rng: random.Random, values: list[Any]) -> Any:
    return rng.choice(values)


def _amount(rng: random.Random) -> Any:
    return rng.choice(ODD_AMOUNTS if rng.random() < 0.1 else AMOUNTS)


def random_receipt(rng: random.Random) -> dict[str, Any]:
    receipt: dict[str, Any] = {"order_id": f"ord-{rng.randint(1, 9)}"}
    if rng.random() < 0.9:
        receipt["order_status"] = {"key": _pick(rng, KEYS), "value": "ვალუტა"}
    receipt["capture"] = _pick(rng, ["automatic", "manual", "MANUAL", None, "later"])
    if rng.random() < 0.9:
        requested = _amount(rng)
        receipt["purchase_units"] = {
            "request_amount": requested,
            "transfer_amount": requested if rng.random() < 0.5 else _amount(rng),
            "refund_amount": _pick(rng, ["0.0", None]) if rng.random() < 0.5 else _amount(rng),
            "currency_code": _pick(rng, ["GEL", "GEL", "GEL", "usd", None, " eur ", "XYZ"]),
            "items": _pick(rng, [None, [], [{"quantity": "1", "unit_price": "10.00"}]]),
        }
    if rng.random() < 0.8:
        receipt["payment_detail"] = {
            "transfer_method": _pick(rng, [None, {"key": _pick(rng, METHODS), "value": "x"}]),
            "payer_identifier": _pick(rng, IDENTIFIERS),
            "card_type": _pick(rng, ["visa", None]),
            "card_expiry_date": _pick(rng, ["12/30", None]),
            "code": _pick(rng, CODES),
            "code_description": _pick(rng, ["Declined", None]),
            "transaction_id": _pick(rng, ["484549793549", None]),
        }
    if rng.random() < 0.5:
        receipt["actions"] = [
            {
                "action_id": f"a{n}",
                "action": _pick(rng, ACTIONS),
                "status": _pick(rng, ACTION_STATUSES),
                "amount": _amount(rng),
                "zoned_action_date": "2026-11-30T17:09:19Z",
                "code": _pick(rng, [None, "200", "7"]),
            }
            for n in range(rng.randint(0, 3))
        ]
    elif rng.random() < 0.5:
        receipt["actions"] = None
    receipt["reject_reason"] = _pick(rng, [None, "expiration", " Expiration ", "other"])
    receipt["zoned_create_date"] = _pick(rng, ["2026-11-30T17:09:19.624874Z", None, "bad"])
    receipt["expire_date"] = _pick(rng, ["2026-11-30T21:24:19.624874", None])
    return receipt


@pytest.mark.parametrize("seed", range(20))
def test_random_receipts_make_the_payments_they_made_before(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        data = random_receipt(rng)
        try:
            receipt = read(Receipt, data, "receipt")
        except ProviderResponseError:
            continue
        redirect = _pick(rng, [None, "https://pay.example/x"])
        fast = _outcome(payment_from_receipt, receipt, data, redirect_url=redirect)
        slow = _outcome(_old_payment_from_receipt, receipt, data, redirect_url=redirect)
        assert fast == slow, data
        if fast[0] == "value":
            assert fast[1].model_fields_set == slow[1].model_fields_set
            assert repr(fast[1]) == repr(slow[1])


def test_the_callback_envelope_reads_as_before() -> None:
    rng = random.Random(7)
    for _ in range(200):
        body = random_receipt(rng)
        data = {
            "event": "order_payment",
            "zoned_request_time": "2026-11-30T17:09:19Z",
            "body": body,
        }
        try:
            envelope = read(WebhookEnvelope, data, "callback")
        except ProviderResponseError:
            continue
        assert envelope == WebhookEnvelope.model_validate(data)
        fast = _outcome(payment_from_receipt, envelope.body, body)
        slow = _outcome(_old_payment_from_receipt, envelope.body, body)
        assert fast == slow


def test_an_action_dumps_as_before() -> None:
    """An operation keeps its action's JSON dump as ``raw``: the field types dump alike."""
    data = {
        "action_id": "a",
        "zoned_action_date": "2026-11-30T17:09:19.624874Z",
        "action_date": "2026-11-30T21:09:19",
        "amount": "1.50",
    }

    class OldAction(BaseModel):
        model_config = ConfigDict(extra="ignore", frozen=True)
        action_id: Annotated[str | None, BeforeValidator(lenient._text)] = None
        zoned_action_date: Annotated[datetime | None, BeforeValidator(lenient._zoned)] = None
        action_date: Annotated[datetime | None, BeforeValidator(lenient._local)] = None
        amount: Annotated[Decimal | None, BeforeValidator(lenient._amount)] = None

    new = ReceiptAction.model_validate(data).model_dump(mode="json")
    old = OldAction.model_validate(data).model_dump(mode="json")
    assert {key: new[key] for key in old} == old


# -- OrderFacts: its own __init__ does what the dataclass's did ---------------------------


@dataclass(frozen=True)
class _OldOrderFacts:
    key: str | None
    manual: bool = False
    reject_reason: str | None = None
    authorized: Decimal | None = None
    captured: Decimal | None = None
    refunded: Decimal | None = None
    hold_cancelled: bool = False


@pytest.mark.parametrize(
    ("args", "keywords"),
    [
        (("completed",), {}),
        ((None,), {"hold_cancelled": True}),
        (("blocked", True, "x", Decimal(1), Decimal(2), Decimal(3), True), {}),
        ((), {"key": "rejected", "reject_reason": "expiration", "captured": Decimal(0)}),
    ],
)
def test_order_facts_are_made_as_the_dataclass_made_them(
    args: tuple[Any, ...], keywords: dict[str, Any]
) -> None:
    new, old = OrderFacts(*args, **keywords), _OldOrderFacts(*args, **keywords)
    assert list(vars(new).items()) == list(vars(old).items())
    assert repr(new) == repr(old).replace("_OldOrderFacts", "OrderFacts")
    assert hash(new) == hash(OrderFacts(*args, **keywords))
    assert inspect.signature(OrderFacts).parameters == inspect.signature(_OldOrderFacts).parameters
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.key = "other"  # type: ignore[misc]
    assert dataclasses.replace(new, manual=True) == OrderFacts(
        **{**dataclasses.asdict(new), "manual": True}
    )
