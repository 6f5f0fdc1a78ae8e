"""The one URL check of the library: :func:`check_url` and :func:`is_loopback_host`.

Every URL a provider is configured with (API and token endpoints) or sends to a
gateway (callback, success and fail URLs) goes through :func:`check_url`, so the
rules live in one place and every provider refuses the same inputs the same way.

Why a strict check rather than ``urllib.parse.urlsplit``: ``urlsplit`` silently
drops tabs and newlines, keeps spaces and control characters, lowercases and
strips what it sees as the host, and accepts look-alike dots such as the
full-width U+FF0E in the host. The gateway, a browser or an HTTP client may
then read the same text differently from the check that let it through: a
callback that looks like it goes to ``shop.example`` can go elsewhere, or
nowhere. So instead of repairing a URL, anything ambiguous is refused, naming
the field.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import unicodedata
from typing import Final, TypeGuard
from urllib.parse import urlsplit

from payments_core.errors import ErrorCode, InvalidRequestError

__all__ = [
    "PATH_ID",
    "check_callback_url",
    "check_url",
    "is_loopback_host",
    "is_path_id",
    "rememberable",
]

_LOOPBACK_V4: Final = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6: Final = ipaddress.IPv6Address("::1")

PATH_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
"""What a gateway's id may look like when it goes into a URL path (payment and
order ids): anything else could reach another endpoint of the gateway."""


def is_path_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a string :data:`PATH_ID` takes whole."""
    return isinstance(value, str) and PATH_ID.fullmatch(value) is not None


_SCHEME_PREFIX: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_LABEL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_NUMERIC_LABEL: Final = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")
_PORT: Final = re.compile(r"[0-9]{1,5}")
_AUTHORITY_END: Final = re.compile(r"[/?#]")
_FORBIDDEN_ASCII: Final = re.compile(r"[\x00-\x20\x7f]")
"""What :func:`_is_forbidden` refuses among ASCII characters, found in C: a URL is
almost always ASCII, and a Python call per character dominated the check."""
_NOT_ASCII: Final = (
    "must have a plain ASCII host and port (look-alike characters such as full-width "
    "dots are refused; write an internationalized domain in its xn-- form)"
)


def is_loopback_host(host: object) -> bool:
    """True only for a host that cannot leave this machine.

    That is an IPv4 literal in ``127.0.0.0/8``, the IPv6 loopback ``::1`` (with
    or without brackets), or the name ``localhost`` (in any letter case).
    Nothing else: ``127.attacker.example`` and ``shop.localhost`` are names any
    DNS server may point anywhere, and ``0x7f.1`` or ``127.000.0.1`` are not
    literals every client reads the same way. Plain ``http://`` is allowed
    only on these hosts, because secrets and payment results travel there.
    """
    if not isinstance(host, str) or not host.isascii():
        return False
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() == "localhost":
        return True
    if "%" in host:  # an IPv6 zone: not the plain ``::1``
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in _LOOPBACK_V4
    return address == _LOOPBACK_V6


def check_callback_url(
    url: object,
    *,
    provider: str,
    allow_insecure: bool,
    field: str = "callback_url",
    logger: logging.Logger | None = None,
    warn: bool = True,
) -> str:
    """A URL a gateway posts payment results to: HTTPS, or http on loopback when allowed.

    The one rule every provider applies to callback URLs. Plain http needs both
    a loopback host and the provider's ``allow_insecure_callback_url`` setting
    (for a local emulator); each such use logs a warning on ``logger`` unless
    ``warn`` is false (the facade's gate, when the provider reports it itself).
    """
    try:
        checked = check_url(url, field=field, https_only=True, allow_http_loopback=allow_insecure)
    except InvalidRequestError as exc:
        message = f"{exc.message}; {provider.upper()} posts payment results to it"
        if not allow_insecure and isinstance(url, str) and url[:5].lower() == "http:":
            message += " (http:// only for a loopback emulator with allow_insecure_callback_url)"
        raise InvalidRequestError(message, code=exc.code, field=field, provider=provider) from None
    if warn and checked[:5].lower() == "http:":
        (logger or logging.getLogger(f"payments_{provider}")).warning(
            "%s callback URL on %s uses plain http (allow_insecure_callback_url is on); "
            "use it only with a local emulator",
            provider.upper(),
            urlsplit(checked).hostname,
        )
    return checked


def check_url(
    value: object,
    *,
    field: str,
    https_only: bool = True,
    allow_http_loopback: bool = False,
    allow_fragment: bool = False,
) -> str:
    """Return ``value`` unchanged when it is an unambiguous absolute http(s) URL.

    Otherwise raise :class:`~payments_core.errors.InvalidRequestError` with code
    ``INVALID_URL`` and ``field`` set, before anything is sent. Refused:

    * anything but a non-empty ``str``; whitespace around it; a space, tab,
      CR/LF, NUL or any other control or invisible formatting character anywhere;
    * a scheme other than ``http``/``https``, a missing host, ``user:password@``;
    * a host that is not plain ASCII (full-width dots, look-alike letters: write
      an internationalized name in its ``xn--`` form), has a label with other
      characters than letters, digits and inner hyphens, or ends in a number
      without being a dotted-quad IPv4 address (``127.1``, ``0x7f.0.0.1``);
    * a port that is empty, not a number, 0 or above 65535;
    * a fragment (``#...``) unless ``allow_fragment``: a server-to-server URL
      never sends it, so it can only be a mistake. Browser redirects may have one.

    ``https_only`` requires ``https``; with ``allow_http_loopback`` plain
    ``http`` is still accepted on a loopback host (see :func:`is_loopback_host`),
    for a local emulator. Messages never repeat the URL: it may carry a token.
    """
    if not isinstance(value, str):
        problem: str | None = f"must be a string, not {type(value).__name__}"
    else:
        judge = _remembered_problem if rememberable(value) else _problem
        problem = judge(
            value,
            https_only=https_only,
            allow_http_loopback=allow_http_loopback,
            allow_fragment=allow_fragment,
        )
    if problem is not None:
        raise InvalidRequestError(f"{field} {problem}", code=ErrorCode.INVALID_URL, field=field)
    return str(value)


def rememberable(value: object) -> bool:
    """Whether what is worked out from the URL ``value`` (its check, its parse) is worth
    remembering, and harmless to.

    A platform sends the same few callback and return URLs with every payment, and
    a gateway's endpoints repeat, so their checks and parses are remembered (the
    last few hundred). Not remembered: a ``str`` subclass (it may hash or compare
    its own way), a long URL, and one with a query or user info, which may carry a
    token and is usually one payment's own.
    """
    return (
        type(value) is str
        and len(value) <= _REMEMBERED_LENGTH
        and "?" not in value
        and "@" not in value
    )


_REMEMBERED_LENGTH: Final = 512


def _problem(
    value: str, *, https_only: bool, allow_http_loopback: bool, allow_fragment: bool
) -> str | None:
    """What is wrong with ``value`` as a URL, in words; ``None`` when nothing is."""
    if not value:
        return "must not be empty"
    if value != value.strip():
        return "must not have whitespace around it"
    if (
        _FORBIDDEN_ASCII.search(value) is not None
        if value.isascii()
        else any(_is_forbidden(ch) for ch in value)
    ):
        return "must not contain spaces, control or invisible formatting characters"
    if "\\" in value:
        return "must not contain a backslash (clients disagree on what it means)"
    if not _SCHEME_PREFIX.match(value):
        return "must be an absolute http:// or https:// URL"
    authority = _AUTHORITY_END.split(value.split("://", 1)[1], maxsplit=1)[0]
    if not authority.isascii():
        return _NOT_ASCII
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket, NFKC look-alikes of '/?#@:'
        return "is not a well-formed URL"
    if parts.scheme not in ("http", "https"):
        return "must be an absolute http:// or https:// URL"
    if "#" in value and not allow_fragment:
        return "must not have a fragment (#...): it is never sent to the server"
    host_problem, host = _authority_problem(parts.netloc)
    if host_problem is not None:
        return host_problem
    if https_only and parts.scheme != "https":
        if allow_http_loopback:
            if is_loopback_host(host):
                return None
            return (
                "must use HTTPS: plain http is allowed only on a loopback host "
                "(127.0.0.0/8, ::1 or localhost)"
            )
        return "must use HTTPS"
    return None


def _is_forbidden(ch: str) -> bool:
    """Whitespace, C0/C1 controls, DEL, and invisible formatting such as bidi overrides."""
    code = ord(ch)
    if code <= 0x20 or 0x7F <= code <= 0x9F:
        return True
    if code < 0x80:
        return False
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs")


def _authority_problem(netloc: str) -> tuple[str | None, str]:
    """Check ``host[:port]``; return the problem (or ``None``) and the host as written."""
    if not netloc:
        return "must name a host", ""
    if "@" in netloc:
        return "must not contain credentials (user:password@)", ""
    if not netloc.isascii():
        return _NOT_ASCII, ""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            return "has an unclosed [ in its host", ""
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        problem = _ipv6_problem(host[1:-1])
    else:
        host, colon, after = netloc.partition(":")
        rest = colon + after
        problem = _host_problem(host)
    if problem is not None:
        return problem, host
    if rest:
        port = rest[1:] if rest.startswith(":") else None
        if port is None or not _PORT.fullmatch(port) or not 0 < int(port) <= 65535:
            return "must have a port between 1 and 65535", host
    return None, host


def _ipv6_problem(address: str) -> str | None:
    if "%" in address:
        return "must not have an IPv6 zone in its host"
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return "has an invalid IPv6 address as its host"
    return None


def _host_problem(host: str) -> str | None:
    if not host:
        return "must name a host"
    if len(host) > 253:
        return "has a host name longer than 253 characters"
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # Clients read a name ending in a number as an IPv4 address, in forms
        # (127.1, 0x7f.0.0.1, 2130706433) that differ from client to client.
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return "has a host that is neither a name nor a dotted-quad IPv4 address"
        return None
    for label in labels:
        if not _LABEL.fullmatch(label):
            return (
                "has an invalid host: each dot-separated label must be 1-63 letters, "
                "digits or inner hyphens"
            )
    return None


_remembered_problem = functools.lru_cache(maxsize=256)(_problem)
""":func:`_problem` for the URLs :func:`rememberable` lets it remember."""
