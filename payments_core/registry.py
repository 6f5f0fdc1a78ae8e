"""Finding providers: installed distributions announce them under an entry-point group.

A provider package declares, in its own ``pyproject.toml``::

    [project.entry-points."payments_core.providers"]
    mygateway = "my_package:MyGatewayProvider"

The registry loads these with stevedore, one by one: a provider whose import
fails is listed with its error and the others keep working. Providers can also
be registered at run time (:meth:`ProviderRegistry.register`), which tests and
applications with an in-house gateway use without packaging it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from stevedore import ExtensionManager

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.provider import Capability, PaymentProvider

__all__ = [
    "PROVIDERS_NAMESPACE",
    "ProviderInfo",
    "ProviderRegistry",
    "default_registry",
    "load_entry_point",
]

PROVIDERS_NAMESPACE = "payments_core.providers"

logger = logging.getLogger("payments_core.registry")


@dataclass(frozen=True)
class ProviderInfo:
    """A discovered provider: its class and capabilities, or why it failed to load."""

    name: str
    provider_class: type[PaymentProvider] | None
    source: str
    """The entry point's target (``payments_bog:BogProvider``) or ``runtime``."""
    error: str | None = None
    capabilities: frozenset[Capability] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return self.error is None


def _info_for(name: str, obj: Any, source: str) -> ProviderInfo:
    if not (isinstance(obj, type) and issubclass(obj, PaymentProvider)):
        return ProviderInfo(name, None, source, error=f"{source} is not a PaymentProvider subclass")
    return ProviderInfo(name, obj, source, capabilities=frozenset(obj.capabilities))


class ProviderRegistry:
    """Providers by name: discovered through entry points, plus any registered at run time."""

    def __init__(self, namespace: str = PROVIDERS_NAMESPACE) -> None:
        self.namespace = namespace
        self._lock = threading.Lock()
        self._discovered: dict[str, ProviderInfo] | None = None
        self._runtime: dict[str, ProviderInfo] = {}

    def _discover(self) -> dict[str, ProviderInfo]:
        found: dict[str, ProviderInfo] = {}

        def on_failure(_manager: Any, entrypoint: Any, exc: BaseException) -> None:
            name = getattr(entrypoint, "name", str(entrypoint))
            source = getattr(entrypoint, "value", str(entrypoint))
            found[name] = ProviderInfo(name, None, source, error=f"{type(exc).__name__}: {exc}")
            logger.warning("provider %s (%s) failed to load: %s", name, source, exc)

        # stevedore caches entry points per namespace for the life of the process
        # (and per sys.path); hand it a fresh read so that a new registry, or
        # refresh(), sees distributions installed since the first look.
        ExtensionManager.ENTRY_POINT_CACHE[self.namespace] = list(
            entry_points(group=self.namespace)
        )
        manager = ExtensionManager(
            self.namespace,
            invoke_on_load=False,
            on_load_failure_callback=on_failure,
        )
        for extension in manager.extensions:
            found[extension.name] = _info_for(
                extension.name, extension.plugin, extension.entry_point.value
            )
        return dict(sorted(found.items()))

    def refresh(self) -> None:
        """Forget what was discovered, so the next look-up scans entry points again."""
        with self._lock:
            self._discovered = None

    def providers(self) -> list[ProviderInfo]:
        """Every known provider, loadable or not, sorted by name."""
        with self._lock:
            if self._discovered is None:
                self._discovered = self._discover()
            merged = {**self._discovered, **self._runtime}
        return [merged[name] for name in sorted(merged)]

    def register(self, provider_class: type[PaymentProvider], name: str | None = None) -> None:
        """Make a provider class available by name without an entry point."""
        info = _info_for(
            name or str(getattr(provider_class, "name", "")), provider_class, "runtime"
        )
        if info.error or not info.name:
            raise ConfigurationError(
                f"cannot register {provider_class!r}: {info.error or 'it has no name'}"
            )
        with self._lock:
            self._runtime[info.name] = info

    def unregister(self, name: str) -> None:
        with self._lock:
            self._runtime.pop(name, None)

    def get(self, name: str) -> type[PaymentProvider]:
        """The provider class called ``name``; a clear ConfigurationError otherwise."""
        known = {info.name: info for info in self.providers()}
        info = known.get(name)
        if info is None:
            available = (
                ", ".join(n if i.ok else f"{n} (failed to load)" for n, i in known.items())
                or "none"
            )
            raise ConfigurationError(
                f"unknown payment provider {name!r}; installed providers: {available}",
                code=ErrorCode.PROVIDER_NOT_FOUND,
                provider=name,
            )
        if info.provider_class is None:
            raise ConfigurationError(
                f"payment provider {name!r} is installed but failed to load: {info.error}",
                code=ErrorCode.PLUGIN_LOAD_FAILED,
                provider=name,
            )
        return info.provider_class


def load_entry_point(group: str, name: str, what: str) -> Any | None:
    """Load the entry point ``name`` of ``group``, or ``None`` when none has that name.

    ``what`` names the kind of plugin in the error a failed import becomes.
    """
    for ep in entry_points(group=group, name=name):
        try:
            return ep.load()
        except Exception as exc:
            raise ConfigurationError(
                f"the {name} {what} failed to load: {type(exc).__name__}: {exc}",
                code=ErrorCode.PLUGIN_LOAD_FAILED,
                provider=name,
            ) from exc
    return None


default_registry = ProviderRegistry()
"""The process-wide registry the facades use unless given another."""
