"""Choosing gateways by configuration: a mapping, a TOML file, or the environment.

A *gateway* is a named, configured provider. One process may hold several side
by side (two BOG merchant accounts, a dummy one for tests). The shapes:

.. code-block:: toml

    # one gateway, named "default"
    provider = "bog"
    client_id = "10001"

    # or several, with a default
    default = "main"
    [gateways.main]
    provider = "bog"
    client_id = "10001"
    [gateways.test]
    provider = "dummy"

The same shapes work as a Python mapping, and inside a ``[payments]`` table.
From the environment, ``PAYMENTS_PROVIDER=bog`` selects the provider and its
settings come from variables with the provider's prefix (``BOG_CLIENT_ID``);
a named gateway uses ``PAYMENTS_<NAME>_PROVIDER`` and ``PAYMENTS_<NAME>_<SETTING>``.
``PAYMENTS_CONFIG=path.toml`` points at a file instead.

A ``journal`` key (beside ``provider``, beside ``gateways`` for all of them, or
inside one gateway's table) names the database of the durable journal
(``journal = "sqlite:///payments.db"``); ``PAYMENTS_JOURNAL`` overrides it for
every gateway, and alone gives a journal to a gateway from the environment.

A file and the environment work together: a gateway described in a file takes
each setting from, in order of precedence,

1. a keyword given to the facade (``Payments.from_config(path, client_secret=...)``);
2. the environment: ``PAYMENTS_<NAME>_<SETTING>`` for a gateway named in a
   ``[gateways.<name>]`` table, then the provider's prefix (``BOG_CLIENT_SECRET``),
   which applies only when no other gateway of the file uses that provider;
3. a secrets directory (``PAYMENTS_SECRETS_DIR`` or ``secrets_dir=``): a file
   named like the variable (``bog_client_secret``, any case) holds the value, one
   trailing newline removed;
4. the file itself.

A mapping passed in code is taken as written: the environment and a secrets
directory are read for it only when ``environ=`` or ``secrets_dir=`` is given.
Provider names match whatever their case (``provider = "BOG"``).

Each provider validates its own settings; this module only finds them, and
refuses any shape it cannot read (a file that is not UTF-8 TOML, a ``default``
that is not a gateway's name, a gateway without a provider) with a
:class:`~payments_core.errors.ConfigurationError` naming what to fix. A required
setting found nowhere is reported by :func:`require_settings` with the variable
to set.
"""

from payments_core.config.environment import (
    CONFIG_ENV,
    JOURNAL_ENV,
    MAX_SECRET_BYTES,
    PROVIDER_ENV,
    SECRETS_DIR_ENV,
)
from payments_core.config.loading import MAX_CONFIG_BYTES, load_config, load_env
from payments_core.config.model import (
    DEFAULT_GATEWAY,
    GatewayConfig,
    GatewayTable,
    require_settings,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_GATEWAY",
    "JOURNAL_ENV",
    "MAX_CONFIG_BYTES",
    "MAX_SECRET_BYTES",
    "PROVIDER_ENV",
    "SECRETS_DIR_ENV",
    "GatewayConfig",
    "GatewayTable",
    "load_config",
    "load_env",
    "require_settings",
]
