"""Finding providers: installed distributions announce them under an entry-point group.

A provider package declares, in its own ``pyproject.toml``::

    [project.entry-points."payments_core.providers"]
    mygateway = "my_package:MyGatewayProvider"

Listing the providers loads them all with stevedore, one by one: a provider whose import
fails, or whose class declares something the core cannot use (``capabilities``
that are not capabilities, a ``settings_model`` that is not a settings model),
is listed with its error and the others keep working. Providers can also
be registered at run time (:meth:`ProviderRegistry.register`), which tests and
applications with an in-house gateway use without packaging it.

Looking one provider up by its exact name (:meth:`ProviderRegistry.get`, which
``Payments("bog")`` uses) loads only that provider's entry point, so a process
that uses one gateway does not import every installed one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, distributions, entry_points
from typing import Any

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.provider import Capability, PaymentProvider, ProviderSettings

__all__ = [
    "PROVIDERS_NAMESPACE",
    "ProviderInfo",
    "ProviderRegistry",
    "default_registry",
    "find_entry_points",
    "load_entry_point",
]

PROVIDERS_NAMESPACE = "payments_core.providers"

logger = logging.getLogger("payments_core.registry")


def find_entry_points(group: str, name: str | None = None) -> list[EntryPoint]:
    """``importlib.metadata.entry_points(group=group[, name=name])``, parsing less.

    The standard function parses the ``entry_points.txt`` of every installed
    distribution (several milliseconds in an environment of a hundred) to keep the
    few entries of one group. This reads each file and parses only those that
    mention ``group``; distributions are taken in the same order and de-duplicated
    the same way (the first of a name on ``sys.path`` wins), so the answer is the same.
    """
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for dist in distributions():
        key = getattr(dist, "_normalized_name", None)
        if not isinstance(key, str):  # not the standard library's Distribution: ask it
            selected = (
                entry_points(group=group) if name is None else entry_points(group=group, name=name)
            )
            return list(selected)
        if key in seen:
            continue
        seen.add(key)
        text = dist.read_text("entry_points.txt")
        if not text or group not in text:
            continue
        found.extend(
            ep
            for ep in dist.entry_points
            if ep.group == group and (name is None or ep.name == name)
        )
    return found


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


class _MalformedProvider(Exception):
    """A provider class whose declarations the core cannot use."""


_COLLECTIONS = (set, frozenset, list, tuple)


def _capabilities_of(obj: type[PaymentProvider]) -> frozenset[Capability]:
    declared = obj.capabilities
    if not isinstance(declared, _COLLECTIONS):
        raise _MalformedProvider(
            f"capabilities must be a frozenset of Capability, not {type(declared).__name__}"
        )
    capabilities: set[Capability] = set()
    unknown: list[str] = []
    for item in declared:
        try:
            capabilities.add(Capability(item))
        except (ValueError, TypeError):
            unknown.append(repr(item))
    if unknown:
        known = ", ".join(c.value for c in Capability)
        raise _MalformedProvider(
            f"capabilities holds {', '.join(unknown)}, which are not capabilities (known: {known})"
        )
    return frozenset(capabilities)


def _check_declarations(obj: type[PaymentProvider]) -> None:
    name = getattr(obj, "name", None)
    if name is None or name == "":
        raise _MalformedProvider("it has no name: set the class attribute name = '<provider>'")
    if not isinstance(name, str):
        raise _MalformedProvider(f"name must be a string, not {type(name).__name__}")
    model = obj.settings_model
    if not (isinstance(model, type) and issubclass(model, ProviderSettings)):
        raise _MalformedProvider(
            f"settings_model must be a ProviderSettings subclass, not {model!r}"
        )
    if obj.env_prefix is not None and not isinstance(obj.env_prefix, str):
        raise _MalformedProvider(
            f"env_prefix must be a string or None, not {type(obj.env_prefix).__name__}"
        )
    if not isinstance(obj.idempotency_header, str) or not obj.idempotency_header:
        raise _MalformedProvider("idempotency_header must be a header name (a non-empty string)")
    options = obj.sensitive_options
    if not isinstance(options, _COLLECTIONS) or not all(isinstance(o, str) for o in options):
        raise _MalformedProvider("sensitive_options must be a frozenset of option names (strings)")


def _info_for(name: str, obj: Any, source: str) -> ProviderInfo:
    """Check what a provider class declares; a bad declaration breaks only that provider.

    Everything the core later reads from the class without guarding is checked
    here, so that a malformed plugin is listed with its error instead of raising
    from every look-up of every provider.
    """
    if not (isinstance(obj, type) and issubclass(obj, PaymentProvider)):
        return ProviderInfo(name, None, source, error=f"{source} is not a PaymentProvider subclass")
    where = obj.__qualname__ if source == "runtime" else source
    try:
        _check_declarations(obj)
        capabilities = _capabilities_of(obj)
    except _MalformedProvider as exc:
        return ProviderInfo(name, None, source, error=f"{where}: {exc}")
    except Exception as exc:  # a class attribute that raises when read
        return ProviderInfo(
            name, None, source, error=f"{where}: reading it raised {type(exc).__name__}: {exc}"
        )
    return ProviderInfo(name, obj, source, capabilities=capabilities)


class _GuardedEntryPoint(EntryPoint):
    """An entry point whose failed import is always an ordinary ``Exception``.

    stevedore isolates a plugin that raises ``Exception`` at import, but lets
    ``AssertionError`` (and ``SystemExit``, not an ``Exception``) through, which
    would stop every provider from loading because of one.
    """

    @classmethod
    def of(cls, entry_point: EntryPoint) -> _GuardedEntryPoint:
        return cls(entry_point.name, entry_point.value, entry_point.group)

    def load(self) -> Any:
        try:
            return super().load()
        except (AssertionError, SystemExit) as exc:
            raise _ImportAborted(f"{type(exc).__name__}: {exc}") from exc


class _ImportAborted(Exception):
    """A plugin's import raised something stevedore would not isolate."""


def _failure(name: str, source: str, exc: BaseException) -> ProviderInfo:
    reason = str(exc) if isinstance(exc, _ImportAborted) else f"{type(exc).__name__}: {exc}"
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
        from stevedore import ExtensionManager  # only listing needs it: a look-up loads one

        found: dict[str, ProviderInfo] = {}

        def on_failure(_manager: Any, entrypoint: Any, exc: BaseException) -> None:
            name = getattr(entrypoint, "name", str(entrypoint))
            source = getattr(entrypoint, "value", str(entrypoint))
            found[name] = _failure(name, source, exc)

        # stevedore caches entry points per namespace for the life of the process
        # (and per sys.path); hand it a fresh read so that a new registry, or
        # refresh(), sees distributions installed since the first look.
        ExtensionManager.ENTRY_POINT_CACHE[self.namespace] = [
            _GuardedEntryPoint.of(ep) for ep in entry_points(group=self.namespace)
        ]
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
        for ep in find_entry_points(self.namespace, name):
            try:
                obj = _GuardedEntryPoint.of(ep).load()
            except Exception as exc:
                return _failure(name, ep.value, exc)
            return _info_for(name, obj, ep.value)
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
        found = find_entry_points(self.namespace, name)
        if len(found) != 1:
            return None
        ep = found[0]
        # a provider module that calls back into the registry while it imports
        # gets the answers it would get during a full discovery
        outer = self._discovering_here()
        self._local.discovering = True
        try:
            obj = _GuardedEntryPoint.of(ep).load()
        except Exception as exc:
            info = _failure(name, ep.value, exc)
        else:
            info = _info_for(name, obj, ep.value)
        finally:
            self._local.discovering = outer
        with self._lock:
            if self._generation == generation:
                self._single[name] = info
            runtime = self._runtime.get(name)  # registered meanwhile: it wins, as in get()
        return runtime if runtime is not None else info

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
        info = _info_for(name or "", provider_class, "runtime")
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


def load_entry_point(group: str, name: str, what: str) -> Any | None:
    """Load the entry point ``name`` of ``group``, or ``None`` when none has that name.

    ``what`` names the kind of plugin in the error a failed import becomes.
    """
    for ep in entry_points(group=group, name=name):
        try:
            return ep.load()
        except Exception as exc:
            message = f"the {name} {what} failed to load: {type(exc).__name__}: {exc}"
            hint = _missing_extra_hint(exc, ep)
            if hint:
                message += f"; {hint}"
            raise ConfigurationError(
                message, code=ErrorCode.PLUGIN_LOAD_FAILED, provider=name
            ) from exc
    return None


_SANDBOX_MODULES = frozenset({"starlette", "uvicorn"})
"""What the emulators need and production installs leave out (the ``[sandbox]`` extra)."""


def _missing_extra_hint(exc: Exception, ep: EntryPoint) -> str | None:
    """The install command for an emulator whose ``[sandbox]`` extra is missing."""
    if not isinstance(exc, ModuleNotFoundError) or exc.name is None:
        return None
    if exc.name.split(".")[0] not in _SANDBOX_MODULES:
        return None
    dist = ep.dist.name if ep.dist is not None else None
    if dist is None:
        return None
    return f'the emulator needs its extra: pip install "{dist}[sandbox]"'


default_registry = ProviderRegistry()
"""The process-wide registry the facades use unless given another."""
