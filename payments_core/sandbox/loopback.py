"""Which hosts count as this machine for an emulator: where it listens, whom it calls in the clear.

An emulator has no authentication on its page and controls, so it listens on loopback
only; and it calls a merchant back over plain ``http`` only on loopback, where a local
receiver (a test, ``payments demo``) has no certificate. Both decisions rest on one
reading of a host: ``localhost`` in any letter case, an IPv4 literal in
``127.0.0.0/8`` or the IPv6 loopback ``::1`` (with or without brackets). Nothing
else: ``shop.localhost`` or ``127.attacker.example`` are names any DNS server may
point anywhere.

These are the hosts on which the client (``payments_core.urls.is_loopback_host``)
lets a shop ask for plain-http callbacks; the reading is written again here, not
imported, so that an emulator shares no code with the client it tests.
"""

from __future__ import annotations

import ipaddress


def _is_this_machine(host: str | None) -> bool:
    if not host or not host.isascii():
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
        return address.is_loopback
    return address == ipaddress.IPv6Address("::1")


def is_loopback_callback_host(host: str | None) -> bool:
    """Whether a callback to ``host`` stays on this machine, so it may go over plain http.

    ``host`` is a URL's host as :func:`urllib.parse.urlsplit` gives it (``None`` when
    the URL has none).
    """
    return _is_this_machine(host)


def check_listen_host(host: str) -> None:
    """Refuse (``ValueError``) to serve an emulator anywhere but on loopback."""
    if not _is_this_machine(host):
        raise ValueError(f"the sandbox serves on loopback only, not on {host!r}")
