"""TBC's error answers (RFC 7807 problem bodies) → the core's error tree.

TBC answers errors with ``{"type", "title", "status", "detail", "systemCode"}``
and, on some 400s, a ``resultCode`` (reference §14). How they map:

=============================================  =====================================
TBC answers                                    raised
=============================================  =====================================
400 with a ``resultCode`` other than approved  :class:`PaymentDeclinedError`, the
                                               decline from :data:`~payments_tbc.codes.RESULT_CODES`
other 400                                      :class:`InvalidRequestError`
401, 403                                       :class:`AuthenticationError`
404                                            :class:`NotFoundError`
429                                            :class:`RateLimitedError` (``Retry-After``)
5xx                                            :class:`ProviderUnavailableError`
=============================================  =====================================

The HTTP status decides the class; the body's ``status`` (a number, or a string
such as ``"401"`` in TBC's own sample) is only read. The message is TBC's
``detail``, else ``systemCode``, else ``title`` (what TBC's clients show). The
code kept as ``provider_code`` is the system code's ``service.status.nnn`` part
(``tpay-access-token.401.001``). A body that is not a problem document leaves
the status alone to decide. Request headers and bodies never go into an error.
"""

from __future__ import annotations

import re
from typing import Final

import httpx

from payments_core.errors import (
    PaymentDeclinedError,
    PaymentError,
    ProviderResponseError,
)
from payments_core.provider import error_for_status
from payments_tbc import PROVIDER
from payments_tbc.codes import decline_code
from payments_tbc.wire import Problem, json_object, read

__all__ = ["error_for_response", "system_code"]

MAX_MESSAGE: Final = 300
"""TBC's text is cut to this many characters in our message."""

_SYSTEM_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.\d{3}\.\d{3}")


def system_code(text: str | None) -> str | None:
    """``tpay-access-token.401.001`` out of ``"System code for problem is tpay-..."``."""
    if text is None:
        return None
    found = _SYSTEM_CODE.search(text)
    return found.group(0) if found else text[:MAX_MESSAGE]


def _problem(response: httpx.Response) -> Problem:
    if not response.content:
        return Problem()
    try:
        return read(Problem, json_object(response, "error answer"), "error answer")
    except ProviderResponseError:
        return Problem()


def error_for_response(response: httpx.Response) -> PaymentError:
    """The typed error for one of TBC's error answers (table in the module docs)."""
    problem = _problem(response)
    status = response.status_code
    message = problem.detail or problem.systemCode or problem.title
    code = system_code(problem.systemCode) or problem.code
    text = f"TBC answered HTTP {status}"
    if problem.title and problem.title != message:
        text += f" ({problem.title[:MAX_MESSAGE]})"
    if message:
        text += f": {message[:MAX_MESSAGE]}"
    declined = decline_code(problem.resultCode) if status == 400 else None
    request_id = problem.traceId or response.headers.get("x-request-id")
    if declined is not None:
        return PaymentDeclinedError(
            text,
            decline_code=declined,
            provider=PROVIDER,
            provider_code=problem.resultCode,
            provider_message=message,
            request_id=request_id,
            http_status=status,
        )
    # The core decides the class from the status; the error is then built whole
    # with TBC's sentence and trace id (PaymentError.replace), never patched.
    by_status = error_for_status(response, provider=PROVIDER, message=message, provider_code=code)
    return by_status.replace(text, request_id=request_id)
