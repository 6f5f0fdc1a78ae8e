"""The registry: providers by name, from entry points and from run-time registrations.

Listing loads every provider (stevedore, one by one, each failure isolated);
looking one up by its exact name loads only that one. Both may run while a
provider module imports and asks the registry something back.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.provider import PaymentProvider
from payments_core.registry.declarations import ProviderInfo, info_for
from payments_core.registry.declared import ImportAborted, declared_entry_points, load_declared

__all__ = ["PROVIDERS_NAMESPACE", "ProviderRegistry", "default_registry"]

PROVIDERS_NAMESPACE = "payments_core.providers"

logger = logging.getLogger("payments_core.registry")


def _failure(name: str, source: str, exc: BaseException) -> ProviderInfo:
    reason = str(exc) if isinstance(exc, ImportAborted) else f"{type(exc).__name__}: {exc}"
    logger.warning("provider %s (%s) failed to load: %s", name, source, reason)
    return ProviderInfo(name, None, source, error=reason)


class ProviderRegistry:
    """Providers by name: discovered through entry points, plus any registered at run time.

    Discovery imports plugins, and an import may call back into the registry
    (a provider module asking which providers exist). So no lock is held while
    plugins import: the lock only guards the registry's own dictionaries. A call
    made from inside discovery, on the discovering thread, answers from what is
    known without starting another discovery; another thread that asks meanwhile
    runs its own (the result is the same, and nothing waits on anything).
    """

    def __init__(self, namespace: str = PROVIDERS_NAMESPACE) -> None:
        self.namespace = namespace
        self._lock = threading.Lock()
        self._discovered: dict[str, ProviderInfo] | None = None
        self._generation = 0
        self._runtime: dict[str, ProviderInfo] = {}
        self._single: dict[str, ProviderInfo] = {}
        """Providers loaded alone by exact name, before (or without) a full discovery."""
        self._local = threading.local()

    def _discovering_here(self) -> bool:
        return bool(getattr(self._local, "discovering", False))

    def _discover(self) -> dict[str, ProviderInfo]:
        from importlib.metadata import entry_points

        from stevedore import ExtensionManager  # only listing needs it: a look-up loads one

        from payments_core.registry.discovery import GuardedEntryPoint

        found: dict[str, ProviderInfo] = {}

        def on_failure(_manager: Any, entrypoint: Any, exc: BaseException) -> None:
            name = getattr(entrypoint, "name", str(entrypoint))
            source = getattr(entrypoint, "value", str(entrypoint))
            found[name] = _failure(name, source, exc)

        # stevedore caches entry points per namespace for the life of the process
        # (and per sys.path); hand it a fresh read so that a new registry, or
        # refresh(), sees distributions installed since the first look.
        ExtensionManager.ENTRY_POINT_CACHE[self.namespace] = [
            GuardedEntryPoint.of(ep) for ep in entry_points(group=self.namespace)
        ]
        manager = ExtensionManager(
            self.namespace,
            invoke_on_load=False,
            on_load_failure_callback=on_failure,
        )
        for extension in manager.extensions:
            found[extension.name] = info_for(
                extension.name, extension.plugin, extension.entry_point.value
            )
        return dict(sorted(found.items()))

    def _known(self) -> dict[str, ProviderInfo]:
        """Discovered and run-time providers by name, discovering first if needed."""
        with self._lock:
            discovered, generation = self._discovered, self._generation
        if discovered is None and not self._discovering_here():
            self._local.discovering = True
            try:
                discovered = self._discover()
            except Exception as exc:  # unreadable distribution metadata, not one plugin
                raise ConfigurationError(
                    f"cannot list the installed providers: {type(exc).__name__}: {exc}",
                    code=ErrorCode.PLUGIN_LOAD_FAILED,
                ) from exc
            finally:
                self._local.discovering = False
            with self._lock:
                # a refresh() meanwhile may have made this scan stale: use it, keep it not
                if self._generation == generation:
                    self._discovered = discovered
        with self._lock:
            return {**(discovered or {}), **self._runtime}

    def _load_one(self, name: str) -> ProviderInfo | None:
        """Load the entry point ``name`` alone (a look-up made while discovery runs)."""
        from payments_core.registry.discovery import GuardedEntryPoint, find_entry_points

        for ep in find_entry_points(self.namespace, name):
            try:
                obj = GuardedEntryPoint.of(ep).load()
            except Exception as exc:
                return _failure(name, ep.value, exc)
            return info_for(name, obj, ep.value)
        return None

    def _get_exact(self, name: str) -> ProviderInfo | None:
        """The provider called exactly ``name``, loading only its entry point.

        ``None`` means "ask the full discovery": the name is not an entry point's
        exact name, or several distributions declare it (discovery decides which
        wins). What a full discovery would answer is kept: a run-time registration
        shadows an entry point, a discovery already made is used as it is, and a
        provider that fails to load is reported with the same error.
        """
        with self._lock:
            runtime = self._runtime.get(name)
            if runtime is not None:
                return runtime
            if self._discovered is not None:
                return None  # a full scan is at hand: let it answer
            known = self._single.get(name)
            generation = self._generation
        if known is not None:
            return known
        found = self._values_named(name)
        if len(found) != 1:
            return None
        value = found[0]
        # a provider module that calls back into the registry while it imports
        # gets the answers it would get during a full discovery
        outer = self._discovering_here()
        self._local.discovering = True
        try:
            obj = self._load_value(name, value)
        except Exception as exc:
            info = _failure(name, value, exc)
        else:
            info = info_for(name, obj, value)
        finally:
            self._local.discovering = outer
        with self._lock:
            if self._generation == generation:
                self._single[name] = info
            runtime = self._runtime.get(name)  # registered meanwhile: it wins, as in get()
        return runtime if runtime is not None else info

    def _values_named(self, name: str) -> list[str]:
        """The values of the entry points called ``name``, read without
        ``importlib.metadata`` where :mod:`~payments_core.registry.declared` can."""
        declared = declared_entry_points(self.namespace, name)
        if declared is not None:
            return [value for _, value in declared]
        from payments_core.registry.discovery import find_entry_points

        return [ep.value for ep in find_entry_points(self.namespace, name)]

    def _load_value(self, name: str, value: str) -> Any:
        loaded, obj = load_declared(value)
        if loaded:
            return obj
        from payments_core.registry.discovery import GuardedEntryPoint

        return GuardedEntryPoint(name, value, self.namespace).load()

    def refresh(self) -> None:
        """Forget what was discovered, so the next look-up scans entry points again."""
        with self._lock:
            self._discovered = None
            self._single.clear()
            self._generation += 1

    def providers(self) -> list[ProviderInfo]:
        """Every known provider, loadable or not, sorted by name."""
        merged = self._known()
        return [merged[name] for name in sorted(merged)]

    def names(self) -> list[str]:
        """The names of every known provider, loadable or not, sorted."""
        return sorted(self._known())

    def register(self, provider_class: type[PaymentProvider], name: str | None = None) -> None:
        """Make a provider class available by name without an entry point."""
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigurationError(
                f"cannot register {provider_class!r}: the name must be a non-empty string"
            )
        info = info_for(name or "", provider_class, "runtime")
        if info.error is None and not name:
            info = ProviderInfo(
                provider_class.name, provider_class, "runtime", capabilities=info.capabilities
            )
        if info.error is not None or info.provider_class is None:
            raise ConfigurationError(f"cannot register {provider_class!r}: {info.error}")
        with self._lock:
            self._runtime[info.name] = info

    def unregister(self, name: str) -> None:
        with self._lock:
            self._runtime.pop(name, None)

    def get(self, name: str) -> type[PaymentProvider]:
        """The provider class called ``name`` (in any case: ``"BOG"`` finds ``bog``).

        An unknown name, or one that failed to load, is a clear ConfigurationError.
        """
        if not isinstance(name, str):
            raise ConfigurationError(
                f"a provider is named by a string, not {type(name).__name__}",
                code=ErrorCode.PROVIDER_NOT_FOUND,
            )
        if not self._discovering_here():
            exact = self._get_exact(name)
            if exact is not None:
                return self._class_of(name, exact)
        known = self._known()
        info = known.get(name)
        if info is None:
            # "BOG" in a TOML file or PAYMENTS_PROVIDER means bog: names are matched
            # regardless of case, unless two providers differ only in case.
            same = [i for n, i in known.items() if n.casefold() == name.strip().casefold()]
            info = same[0] if len(same) == 1 else None
        if info is None and self._discovering_here():
            # Asked while a provider module imports: the scan is not finished,
            # so load the one wanted instead of reporting it missing.
            info = self._load_one(name)
        if info is None:
            available = (
                ", ".join(n if i.ok else f"{n} (failed to load)" for n, i in known.items())
                or "none"
            )
            if self._discovering_here():
                available += " (so far: called while providers are still being discovered)"
            raise ConfigurationError(
                f"unknown payment provider {name!r}; installed providers: {available}",
                code=ErrorCode.PROVIDER_NOT_FOUND,
                provider=name,
            )
        return self._class_of(name, info)

    @staticmethod
    def _class_of(name: str, info: ProviderInfo) -> type[PaymentProvider]:
        if info.provider_class is None:
            raise ConfigurationError(
                f"payment provider {name!r} is installed but failed to load: {info.error}",
                code=ErrorCode.PLUGIN_LOAD_FAILED,
                provider=name,
            )
        return info.provider_class


default_registry = ProviderRegistry()
"""The process-wide registry the facades use unless given another."""
