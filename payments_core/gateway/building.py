"""Building a facade: its provider, plugins, idempotency store and journal.

A facade is built from a provider name and its settings, a built provider, a
configuration mapping or file (:meth:`FacadeBase.from_config`) or the
environment (:meth:`FacadeBase.from_env`). What it learns about its store here
(which optional arguments the store takes, whether it must hear of each request
before it leaves) is worked out once, not per call.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Self

from payments_core.errors import ConfigurationError
from payments_core.hooks import Hooks
from payments_core.idempotency import IdempotencyStore, MemoryIdempotencyStore
from payments_core.provider import Capability, PaymentProvider
from payments_core.registry import ProviderRegistry, default_registry, one_reading
from payments_core.retry import RetryPolicy

if TYPE_CHECKING:
    from payments_core.config import GatewayConfig
    from payments_core.drivers import AsyncDriver, SyncDriver
    from payments_core.journal import Journal

__all__ = ["FacadeBase"]


class FacadeBase:
    """What both facades are made of, and the ways to build one."""

    _driver: SyncDriver | AsyncDriver
    """Set by each facade; holds what is derived once from the provider (redaction)."""
    _calls_store: Any
    """The idempotency store as the facade calls it (awaitable methods when async)."""

    def __init__(
        self,
        provider: str | PaymentProvider,
        /,
        *,
        name: str = "default",
        plugins: Iterable[object] = (),
        registry: ProviderRegistry | None = None,
        autoload_plugins: bool | None = None,
        retry: RetryPolicy | None = None,
        idempotency_store: IdempotencyStore | None = None,
        journal: Any = None,
        provider_settings: Mapping[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        # Settings from a config file arrive as one mapping, so that a setting
        # can never be mistaken for one of the facade's own keyword arguments.
        settings = {**(provider_settings or {}), **settings}
        # the provider's entry point and the hook plugins' come from one pass over the
        # installed distributions
        with one_reading():
            if isinstance(provider, PaymentProvider):
                if settings:
                    raise ConfigurationError(
                        "pass settings either to the provider or to the facade, not both"
                    )
                self.provider = provider
            elif isinstance(provider, str):
                provider_class = (registry or default_registry).get(provider)
                self.provider = provider_class.from_settings(settings)
            else:
                raise ConfigurationError(
                    f"provider must be a name or a PaymentProvider, not {type(provider).__name__}"
                )
            self.hooks = Hooks(autoload=autoload_plugins)
        self.name = name
        for plugin in plugins:
            self.hooks.register(plugin)
        self._retry = retry
        self.journal: Journal | None = None
        """The durable journal this facade records to, if it was given one."""
        self._owns_journal = False
        if journal is not None:
            self._use_journal(journal)
        if idempotency_store is not None and (
            isinstance(idempotency_store, type)
            or not isinstance(idempotency_store, IdempotencyStore)
        ):
            raise ConfigurationError(
                "idempotency_store must implement payments_core.idempotency.IdempotencyStore"
            )
        if idempotency_store is None:
            idempotency_store = (
                MemoryIdempotencyStore() if self.journal is None else self._journal_store()
            )
        self.idempotency_store: IdempotencyStore = idempotency_store
        """Where this facade keeps idempotency keys: in memory, or the journal's table."""
        # What this store takes besides the protocol's own arguments: the call's details
        # (kept by a durable store to reconcile it), the payment id an unknown create named.
        self._details = "details" in inspect.signature(idempotency_store.claim).parameters
        self._unknown_takes_id = (
            "payment_id" in inspect.signature(idempotency_store.unknown).parameters
        )
        # The in-memory store needs the bytes sent only to repeat them under a key; any
        # other store (the journal) records "sending" before every request leaves.
        self._tells_sending = self.provider.honours_idempotency_keys or not isinstance(
            idempotency_store, MemoryIdempotencyStore
        )

    def _use_journal(self, journal: object) -> None:
        from payments_core.auth import OAuth2ClientCredentials
        from payments_core.journal import Journal

        self._owns_journal = not isinstance(journal, Journal)
        self.journal = Journal.of(journal)
        auth = self.provider.auth
        if isinstance(auth, OAuth2ClientCredentials):
            auth.share(self.journal.token_cache())

    def _journal_store(self) -> IdempotencyStore:
        assert self.journal is not None
        return self.journal.idempotency_store(lease=self._deadline())

    def _deadline(self) -> float:
        """How long one call may take in all: also how long a key may be held."""
        if self._retry is not None:
            return self._retry.deadline
        return self.provider.settings.deadline

    @classmethod
    def _from_gateway_config(
        cls, config: GatewayConfig, *, registry: ProviderRegistry | None, **kwargs: Any
    ) -> Self:
        # the configuration readers load only for a facade built from configuration
        from payments_core.config import require_settings

        # A required setting found nowhere is named with the variable, secret file or
        # table to put it in; one given here as a keyword counts as found.
        provider_class = (registry or default_registry).get(config.provider)
        require_settings(config, provider_class, given=kwargs.keys())
        if config.journal is not None:
            kwargs.setdefault("journal", config.journal)
        return cls(
            config.provider,
            name=config.name,
            provider_settings=config.settings,
            registry=registry,
            **kwargs,
        )

    @classmethod
    def from_config(
        cls,
        source: Mapping[str, Any] | str | Any,
        *,
        gateway: str | None = None,
        registry: ProviderRegistry | None = None,
        environ: Mapping[str, str] | None = None,
        secrets_dir: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from a mapping or TOML file; ``gateway`` picks one of several.

        A file's gateways take settings they lack from the environment and a
        secrets directory (see :mod:`payments_core.config`); ``environ`` and
        ``secrets_dir`` stand in for ``os.environ`` and ``PAYMENTS_SECRETS_DIR``,
        and make a mapping read them too. Keywords that are the provider's
        settings win over all of these.
        """
        from payments_core.config import load_config

        table = load_config(source, environ=environ, secrets_dir=secrets_dir, registry=registry)
        return cls._from_gateway_config(table.get(gateway), registry=registry, **kwargs)

    @classmethod
    def from_env(
        cls,
        gateway: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        registry: ProviderRegistry | None = None,
        secrets_dir: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from ``PAYMENTS_PROVIDER`` and the provider's prefixed variables
        (and files of the same names in ``secrets_dir`` / ``PAYMENTS_SECRETS_DIR``)."""
        from payments_core.config import load_env

        config = load_env(registry or default_registry, gateway, environ, secrets_dir=secrets_dir)
        return cls._from_gateway_config(config, registry=registry, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} gateway={self.name!r} provider={self.provider.name!r}>"

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this gateway's provider can do."""
        return frozenset(self.provider.capabilities)

    def register_plugin(self, plugin: object, name: str | None = None) -> None:
        """Add a hook plugin at run time (see :mod:`payments_core.hookspecs`)."""
        self.hooks.register(plugin, name=name)
