"""TBC's error bodies: RFC 7807 problem details (reference §14).

Members: ``type`` (``https://developers.tbcbank.ge/docs/error-type-<status>``),
``title``, ``status``, ``detail``, ``systemCode`` (``System code for problem is
<service>.<http>.<nnn>``) and, on some business 400s, ``resultCode``. The checkout
documentation's 401 sample carries ``status`` as a string (``"401"``) while the error
page shows numbers, so the emulator answers 401s with a string and every other status
with a number: a client has to read both.

The titles, details and ``nnn`` numbers are the emulator's own ([INF]); only the
member set, the 401 "Invalid Api Key" sample and the 404 ``InvalidPayment`` /
``PaymentNotFound`` pair (from TBC's QR documentation) come from the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from http import HTTPStatus
from typing import Any, Final

TYPE_PREFIX: Final = "https://developers.tbcbank.ge/docs/error-type-"
SERVER_ERROR_DETAIL: Final = "An error occurred while processing your request"


class Problem(IntEnum):
    """The ``nnn`` of ``systemCode``: which rule a request broke."""

    INVALID_REQUEST = 1
    OPERATION_REFUSED = 2
    AMOUNT_EXCEEDED = 3
    PARTIAL_CANCEL_LIMIT = 4
    COMPLETION_WINDOW = 5
    SAVED_CARD_UNUSABLE = 6


class ApiError(Exception):
    """A request the emulated bank refuses; rendered as a problem body by the app."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        number: int = 1,
        result_code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.number = number
        self.result_code = result_code

    def body(self, service: str) -> dict[str, Any]:
        return problem(self.status, self.title, self.detail, service, self.number, self.result_code)


def invalid(detail: str) -> ApiError:
    """A 400 for a request that breaks a validation rule."""
    return ApiError(400, "Bad Request", detail, Problem.INVALID_REQUEST)


def refused(detail: str, number: int = Problem.OPERATION_REFUSED) -> ApiError:
    """A 400 for a well-formed request the payment's state does not allow.

    Carries ``resultCode: decline_general``, like the reference's fixture 10b.
    """
    return ApiError(400, "Bad Request", detail, number, "decline_general")


def not_found(title: str, detail: str) -> ApiError:
    return ApiError(404, title, detail, 1)


def payment_not_found() -> ApiError:
    return not_found("InvalidPayment", "PaymentNotFound")


@dataclass(frozen=True, slots=True)
class Unauthorized:
    title: str
    detail: str
    number: int


INVALID_API_KEY: Final = Unauthorized("Invalid Api Key", "Please make sure api key is valid", 1)
INVALID_TOKEN: Final = Unauthorized(
    "Unauthorized", "Access token is missing, invalid or expired", 2
)
INVALID_CLIENT: Final = Unauthorized(
    "Invalid client credentials", "Please make sure client_id and client_secret are valid", 3
)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    title: str | None,
    detail: str,
    service: str,
    number: int = 1,
    result_code: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{status}",
        "title": title or _title(status),
        "status": str(status) if status == 401 else status,
        "detail": detail,
        "systemCode": f"System code for problem is {service}.{status}.{number:03d}",
    }
    if result_code is not None:
        body["resultCode"] = result_code
    return body


def unauthorized(reason: Unauthorized, service: str) -> dict[str, Any]:
    return problem(401, reason.title, reason.detail, service, reason.number)
