"""The base classes of the public models: typed errors instead of pydantic's.

Every model of the library reports bad input as an
:class:`~payments_core.errors.InvalidRequestError` naming the field. Results are
frozen snapshots that ignore fields added later; requests stay checked however
they are changed.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.validation import findings, summary

__all__ = ["RequestModel", "ResultModel", "validation_error_to_payment_error"]


_ERROR_CODES = frozenset(code.value for code in ErrorCode)


def validation_error_to_payment_error(
    exc: ValidationError, *, what: str, code: ErrorCode = ErrorCode.INVALID_REQUEST
) -> InvalidRequestError:
    """Turn a pydantic ``ValidationError`` into one readable, typed error.

    The message names every failing field (``items.0.quantity: ...``) so the
    caller can fix the input without reading a pydantic traceback.
    """
    found = findings(exc, what=what)
    if code is ErrorCode.INVALID_REQUEST:
        code = next(
            (ErrorCode(f.type) for f in found if f.type in _ERROR_CODES), ErrorCode.INVALID_REQUEST
        )
    return InvalidRequestError(
        f"invalid {what}: " + summary(found),
        code=code,
        field=found[0].field if found else None,
    )


class _Model(BaseModel):
    """Base of the public models: typed errors instead of pydantic's."""

    # Built on first use, not at import: most processes touch a few of these models
    # (subclasses inherit it; pydantic builds a deferred model the first time it validates).
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=type(self).__name__) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=cls.__name__) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=cls.__name__) from None


class ResultModel(_Model):
    """Results are snapshots: frozen, and lenient about fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)


class RequestModel(_Model):
    """Requests stay checked however they are changed.

    ``validate_assignment`` refuses a bad value when it is assigned
    (``item.quantity = -3``). ``revalidate_instances`` makes every validation of a
    request re-check the line items and buyer inside it, instead of trusting them
    because they are already model instances: whatever was changed in place
    since they were built is caught when the facade validates the request again.
    """

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        validate_assignment=True,
        revalidate_instances="always",
    )

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise validation_error_to_payment_error(exc, what=type(self).__name__) from None
