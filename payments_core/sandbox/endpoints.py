"""From a request's method and path to the name of the gateway endpoint it is for.

Each emulator names its endpoints in a table (name -> method and path template, such
as ``"/payments/{pay_id}"``); faults, idempotency records and request counters refer
to those names. :func:`endpoint_matcher` turns a table into the function that names
the endpoint of a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

EndpointName = Callable[[str, str], str | None]
"""``(method, path) -> endpoint name``, or ``None`` for anything else (page, controls)."""


def endpoint_matcher(endpoints: Mapping[str, tuple[str, str]]) -> EndpointName:
    """The function naming the endpoint of ``endpoints`` a request is for.

    A ``{placeholder}`` in a template matches one path segment.
    """
    patterns = tuple(
        (name, method, re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))))
        for name, (method, template) in endpoints.items()
    )

    def endpoint_name(method: str, path: str) -> str | None:
        for name, expected, pattern in patterns:
            if method == expected and pattern.fullmatch(path):
                return name
        return None

    return endpoint_name
