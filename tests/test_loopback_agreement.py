"""The client and the emulators read "this machine" alike.

The emulators keep their own copy of the loopback rule (an emulator shares no code
with the client it tests), so this table holds the two copies to one answer.
"""

from __future__ import annotations

import pytest

from payments_core.sandbox.loopback import is_loopback_callback_host
from payments_core.urls import is_loopback_host

HOSTS = [
    ("127.0.0.1", True),
    ("127.8.9.10", True),
    ("localhost", True),
    ("LocalHost", True),
    ("::1", True),
    ("[::1]", True),
    ("::1%eth0", False),
    ("shop.localhost", False),
    ("127.attacker.example", False),
    ("0x7f.1", False),
    ("127.000.0.1", False),
    ("10.0.0.1", False),
    ("::2", False),
    ("shop.example", False),
    ("l\u043ecalhost", False),  # with a Cyrillic o
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("host", "loopback"), HOSTS)
def test_the_client_and_the_emulators_agree_on_loopback_hosts(
    host: str | None, loopback: bool
) -> None:
    assert is_loopback_host(host) is loopback
    assert is_loopback_callback_host(host) is loopback
