"""TBC's JSON answers as private pydantic models, read leniently.

Nothing here leaves the package: the provider turns these shapes into the core's
models. The readers tolerate what TBC's answers are known to vary in (reference
§3, §4):

* amounts arrive as numbers in major units (``12.5``), sometimes as strings, or
  ``null``; they are read as :class:`~decimal.Decimal`, never through ``float``;
* property names are matched case-insensitively ([INF] TBC binds request
  properties case-insensitively and its samples mix ``RRN``/``rrn``);
* unknown properties are ignored, so TBC adding one breaks nothing;
* the envelope trio (``httpStatusCode``, ``developerMessage``, ``userMessage``)
  may come with any answer, or not at all.

A body that cannot be read raises
:class:`~payments_core.errors.ProviderResponseError` naming the fields, never
their values. The driver turns that into an unknown outcome when the request
moved money, so a flow never raises ``KeyError`` or a pydantic error.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Final, TypeVar

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from payments_core import wire as core_wire
from payments_core.errors import ProviderResponseError
from payments_core.validation import field_names
from payments_tbc import PROVIDER

__all__ = [
    "CompletionAnswer",
    "CreateAnswer",
    "Details",
    "Envelope",
    "Link",
    "Problem",
    "RecurringCard",
    "acknowledgement",
    "json_object",
    "optional_json_object",
    "read",
]

MAX_BODY: Final = 1024 * 1024
"""Largest answer read; TBC's are a few hundred bytes."""

Model = TypeVar("Model", bound=BaseModel)


# -- lenient scalars ----------------------------------------------------------------


def _integer(value: object) -> int | None:
    """An int, or a string of digits (``"5"``), or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("not an integer")


def _flag(value: object) -> bool | None:
    """A JSON boolean, or ``"true"``/``"false"`` in any case, or null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("not a boolean")


def _text(value: object) -> str | None:
    """A string (blank → None); numbers become their text (ids sent as numbers)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise ValueError("not a string")


def _lenient(reader: Callable[[object], object]) -> Callable[[object], object]:
    """``reader``, but a value it cannot read is ``None``: for error bodies, read best-effort."""

    def read_or_none(value: object) -> object:
        try:
            return reader(value)
        except ValueError:
            return None

    return read_or_none


Amount = Annotated[Decimal | None, BeforeValidator(core_wire.lenient_decimal)]
Integer = Annotated[int | None, BeforeValidator(_integer)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
Text = Annotated[str | None, BeforeValidator(_text)]


class _Read(BaseModel):
    """An answer: lenient about extra fields, property-name casing and nulls."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _fold(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """``data`` with its keys renamed to the model's spelling, compared case-insensitively.

    When TBC sends one property twice in different casings, the documented
    spelling wins.
    """
    names = {name.lower(): name for name in model.model_fields}
    folded: dict[str, Any] = {}
    for key, value in data.items():
        name = names.get(key.lower()) if isinstance(key, str) else None
        if name is None:
            continue
        if name in folded and key != name:
            continue
        folded[name] = value
    return folded


class Envelope(_Read):
    """The trio many of TBC's answers carry."""

    httpStatusCode: Integer = None
    developerMessage: Text = None
    userMessage: Text = None


class Link(_Read):
    uri: Text = None
    method: Text = None
    rel: Text = None


def _links(value: object) -> object:
    """``links`` is a list, ``null`` or ``[]``; entries that are not objects are dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_fold(item, Link) for item in value if isinstance(item, dict)]
    raise ValueError("links must be a list")


Links = Annotated[list[Link], BeforeValidator(_links)]


class RecurringCard(_Read):
    """``recurringCard``: the saved card of a payment (reference §4C, §13)."""

    recId: Text = None
    cardMask: Text = None
    expiryDate: Text = None


def _card(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, dict):
        return _fold(value, RecurringCard)
    raise ValueError("recurringCard must be an object")


class CreateAnswer(Envelope):
    """The answer to ``POST /payments`` (reference §4B)."""

    payId: Text = None
    status: Text = None
    currency: Text = None
    amount: Amount = None
    links: Links = []
    transactionId: Text = None
    recId: Text = None
    preAuth: Flag = None
    expirationMinutes: Integer = None


class Details(Envelope):
    """The answer to ``GET /payments/{payId}``, and to a saved-card charge (§4C, §4F)."""

    payId: Text = None
    status: Text = None
    currency: Text = None
    amount: Amount = None
    confirmedAmount: Amount = None
    returnedAmount: Amount = None
    links: Links = []
    transactionId: Text = None
    recurringCard: Annotated[RecurringCard | None, BeforeValidator(_card)] = None
    paymentMethod: Integer = None
    preAuth: Flag = None
    resultCode: Text = None
    merchantPaymentId: Text = None
    rrn: Text = None


class CompletionAnswer(Envelope):
    """The answer to ``POST /payments/{payId}/completion`` (reference §4E)."""

    status: Text = None
    amount: Amount = None
    confirmedAmount: Amount = None


AnyText = Annotated[str | None, BeforeValidator(_lenient(_text))]
AnyInteger = Annotated[int | None, BeforeValidator(_lenient(_integer))]


class Problem(_Read):
    """An RFC 7807 problem body (reference §14), read best-effort: a member of an
    unexpected type is ``None``, never a failure. ``status`` may be a number or a string."""

    type: AnyText = None
    title: AnyText = None
    status: AnyInteger = None
    detail: AnyText = None
    systemCode: AnyText = None
    resultCode: AnyText = None
    code: AnyText = None
    traceId: AnyText = None


# -- reading bodies ---------------------------------------------------------------------


def _content(source: httpx.Response | bytes) -> bytes:
    return source.content if isinstance(source, httpx.Response) else source


def optional_json_object(source: httpx.Response | bytes, what: str) -> dict[str, Any] | None:
    """The body as a JSON object, or ``None`` when it is empty (an acknowledgement)."""
    content = _content(source)
    if not content.strip():
        return None
    return json_object(content, what)


def json_object(source: httpx.Response | bytes, what: str) -> dict[str, Any]:
    """The body as a JSON object, or ProviderResponseError saying why it is not one."""
    return core_wire.json_object(source, what, provider=PROVIDER, max_bytes=MAX_BODY)


def read(model: type[Model], data: dict[str, Any], what: str) -> Model:
    """Validate ``data`` into ``model``; failures name the fields, never the values."""
    try:
        return model.model_validate(_fold(data, model))
    except ValidationError as exc:
        fields = field_names(exc, what=what)
        raise ProviderResponseError(
            f"TBC's {what} has unreadable fields: {', '.join(fields)}", provider=PROVIDER
        ) from None


def acknowledgement(response: httpx.Response, what: str) -> dict[str, Any] | None:
    """An acknowledgement: empty, or a JSON object whose envelope does not say "error".

    [INF] TBC answers a cancel or a delete with HTTP 200 and nothing or the
    envelope only (reference §4D, §4G); a completion adds its result to the
    envelope (§4E). An envelope claiming an error status under a 200 is not an
    answer we can act on: it is unreadable, and the outcome unknown.
    """
    data = optional_json_object(response, what)
    if data is None:
        return None
    envelope = read(Envelope, data, what)
    if envelope.httpStatusCode is not None and envelope.httpStatusCode >= 400:
        raise ProviderResponseError(
            f"TBC's {what} came with HTTP 200 but says {envelope.httpStatusCode}",
            provider=PROVIDER,
        )
    return data
