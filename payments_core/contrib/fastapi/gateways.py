"""Facades built from configuration, opened and closed with the application: :class:`Gateways`.

This module imports no web framework: :meth:`Gateways.lifespan` has the shape
FastAPI and Starlette expect of a ``lifespan``, and ``async with gateways:`` works
anywhere.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

from payments_core.config import GatewayConfig, load_config
from payments_core.gateway import AsyncPayments
from payments_core.registry import ProviderRegistry

__all__ = ["Gateways"]


class Gateways(Mapping[str, AsyncPayments]):
    """One :class:`~payments_core.AsyncPayments` per configured gateway, by name.

    ``config`` is anything :meth:`AsyncPayments.from_config
    <payments_core.AsyncPayments.from_config>` reads: a mapping (one gateway, or
    ``gateways`` with a ``default``, or either inside ``payments``) or the path of
    a TOML file. It is checked at once, so a malformed configuration fails when the
    application is built, not at its first callback. ``options`` go to every facade
    (``plugins=``, ``retry=``, ``autoload_plugins=``...).

    The facades are built when the application starts (``lifespan``, or ``async
    with gateways``), which also checks each provider's settings, and closed when
    it stops; a facade asked for before that is built then. After a close the next
    start builds fresh ones, so look facades up here (``gateways.default``,
    ``gateways["main"]``) rather than keeping them.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | str | os.PathLike[str],
        *,
        registry: ProviderRegistry | None = None,
        **options: Any,
    ) -> None:
        table = load_config(config)
        self._configs: dict[str, GatewayConfig] = dict(table.gateways)
        self.default_name: str = table.default
        """The name of the default gateway."""
        self._registry = registry
        self._options = options
        self._open: dict[str, AsyncPayments] = {}

    def __repr__(self) -> str:
        return f"<Gateways {sorted(self._configs)} default={self.default_name!r}>"

    # -- the mapping ------------------------------------------------------------------

    def __getitem__(self, name: str) -> AsyncPayments:
        facade = self._open.get(name)
        if facade is None:
            config = self._configs[name]  # KeyError for a gateway that is not configured
            facade = AsyncPayments(
                config.provider,
                name=config.name,
                provider_settings=config.settings,
                registry=self._registry,
                **self._options,
            )
            self._open[name] = facade
        return facade

    def __contains__(self, name: object) -> bool:
        return name in self._configs

    def __iter__(self) -> Iterator[str]:
        return iter(self._configs)

    def __len__(self) -> int:
        return len(self._configs)

    @property
    def default(self) -> AsyncPayments:
        """The default gateway's facade."""
        return self[self.default_name]

    # -- opening and closing ------------------------------------------------------------

    async def open(self) -> None:
        """Build every facade now (each provider checks its settings); idempotent."""
        try:
            for name in self._configs:
                self[name]
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Close every facade built so far; the next use builds new ones."""
        opened, self._open = self._open, {}
        failed: list[Exception] = []
        for facade in opened.values():
            try:
                await facade.aclose()
            except Exception as exc:  # close the others all the same
                failed.append(exc)
        if failed:
            raise failed[0]

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @asynccontextmanager
    async def lifespan(self, app: object = None) -> AsyncIterator[None]:
        """An application lifespan: ``FastAPI(lifespan=gateways.lifespan)``.

        Inside your own lifespan, ``async with gateways:`` does the same.
        """
        async with self:
            yield
