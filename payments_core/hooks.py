"""The plugin manager, and one typed method per hook for the rest of the core.

Nothing outside this module calls pluggy's hook relay directly: :class:`Hooks`
applies the failure rules of :mod:`payments_core.hookspecs` in one place
(veto for ``before_operation``, log-and-continue for everything else).

Plugins published under the entry-point group ``payments_core.plugins`` are
loaded one by one, so a broken plugin is reported and skipped instead of
stopping the others. Set ``PAYMENTS_DISABLE_PLUGIN_AUTOLOAD=1`` to load none.

The pluggy manager is made with the first plugin (or the first look at
:attr:`Hooks.manager`): a facade nobody hooks into never loads pluggy, and each hook
call on it returns at once.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payments_core.errors import ConfigurationError, OperationVetoedError, PaymentError
from payments_core.models import Payment, WebhookEvent
from payments_core.redact import HttpExchange
from payments_core.registry.declared import declared_entry_points

if TYPE_CHECKING:
    import pluggy

__all__ = [
    "OBSERVER_HOOKS",
    "PLUGINS_NAMESPACE",
    "VETO_HOOK",
    "Hooks",
    "PluginLoadFailure",
    "autoload_disabled",
]

PLUGINS_NAMESPACE = "payments_core.plugins"
DISABLE_AUTOLOAD_ENV = "PAYMENTS_DISABLE_PLUGIN_AUTOLOAD"

logger = logging.getLogger("payments_core.hooks")


def autoload_disabled() -> bool:
    return os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class PluginLoadFailure:
    """An entry point that could not be loaded, and why."""

    name: str
    value: str
    error: str


VETO_HOOK = "payments_before_operation"
"""The one hook pluggy calls as a whole; every other hook is an observer (see hookspecs)."""

OBSERVER_HOOKS = frozenset(
    {
        "payments_after_operation",
        "payments_operation_failed",
        "payments_payment_updated",
        "payments_webhook_received",
        "payments_http_request",
        "payments_http_response",
    }
)
"""Hooks whose implementations :class:`Hooks` calls one by one, so that one failing
observer never stops the others. A wrapper needs pluggy's own call to run, so
these refuse wrappers. Every spec of :mod:`~payments_core.hookspecs` but the veto
(tests/test_hooks_manager_on_first_use.py holds the two together)."""

_making_manager = threading.Lock()


def _new_manager() -> pluggy.PluginManager:
    """A pluggy manager with our specs."""
    import pluggy

    from payments_core import hookspecs

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    return manager


def _refuse_what_cannot_run(manager: pluggy.PluginManager, plugin: object, label: str) -> None:
    """Refuse, before registering, hook implementations that would silently never run.

    An ``async def`` would return an un-awaited coroutine. A wrapper
    (``wrapper=True`` or ``hookwrapper=True``) on an observer hook would only be
    called to make a generator nobody advances.
    """
    for attr in dir(plugin):
        opts = manager.parse_hookimpl_opts(plugin, attr)
        if opts is None and not attr.startswith("payments_"):
            continue
        hook = (opts.get("specname") if opts is not None else None) or attr
        impl = getattr(plugin, attr, None)
        if inspect.iscoroutinefunction(impl) or inspect.isasyncgenfunction(impl):
            raise ConfigurationError(
                f"hook {hook} of plugin {label} is async; hooks are called "
                "synchronously, so make it a plain function (schedule async work yourself)"
            )
        if opts is None or hook not in OBSERVER_HOOKS:
            continue
        if opts.get("wrapper") or opts.get("hookwrapper"):
            kind = "wrapper=True" if opts.get("wrapper") else "hookwrapper=True"
            raise ConfigurationError(
                f"hook {hook} of plugin {label} is marked {kind}, which observer hooks do "
                "not run (each implementation is called on its own, so one failure cannot "
                "stop the others): make it a plain @hookimpl, with tryfirst/trylast for order"
            )


class Hooks:
    """Owns a pluggy manager with our specs, and calls hooks safely."""

    def __init__(self, *, autoload: bool | None = None) -> None:
        self._manager: pluggy.PluginManager | None = None
        self.load_failures: list[PluginLoadFailure] = []
        if autoload is None:
            autoload = not autoload_disabled()
        if autoload:
            self._load_entry_points()

    @property
    def manager(self) -> pluggy.PluginManager:
        """The pluggy manager holding the plugins, made on first use."""
        manager = self._manager
        if manager is None:
            with _making_manager:
                manager = self._manager
                if manager is None:
                    manager = self._manager = _new_manager()
        return manager

    @manager.setter
    def manager(self, manager: pluggy.PluginManager) -> None:
        self._manager = manager

    def _load_entry_points(self) -> None:
        if declared_entry_points(PLUGINS_NAMESPACE) == []:
            return  # none installed: nothing to load, nor importlib.metadata to import
        from payments_core.registry.discovery import find_entry_points

        for ep in find_entry_points(PLUGINS_NAMESPACE):
            if self.manager.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must not break the others
                self.load_failures.append(
                    PluginLoadFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}")
                )
                logger.warning("plugin %s (%s) failed to load: %s", ep.name, ep.value, exc)

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register a plugin object (module, class or instance) with hook functions."""
        import pluggy

        manager = self.manager
        _refuse_what_cannot_run(manager, plugin, repr(name) if name else repr(plugin))
        try:
            manager.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise ConfigurationError(f"cannot register plugin {name or plugin!r}: {exc}") from None

    def unregister(self, plugin: object) -> None:
        self.manager.unregister(plugin)

    # -- failure rules ---------------------------------------------------------------

    def _observe(self, hook_name: str, **kwargs: Any) -> None:
        manager = self._manager
        if manager is None:
            return  # no plugin was ever registered
        impls = getattr(manager.hook, hook_name).get_hookimpls()
        # get_hookimpls() runs trylast, plain, tryfirst: reversed, tryfirst comes first,
        # and plain ones newest first, as pluggy itself would call them.
        for impl in reversed(impls):
            if impl.wrapper or impl.hookwrapper:
                # Only reachable by registering on self.manager directly, past register().
                logger.error(
                    "hook %s of plugin %s is a wrapper, which observer hooks do not run",
                    hook_name,
                    impl.plugin_name,
                )
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                impl.function(**args)
            except Exception:
                logger.exception(
                    "hook %s of plugin %s failed; continuing", hook_name, impl.plugin_name
                )

    # -- one method per hook ----------------------------------------------------------

    def before_operation(self, operation: str, provider: str, gateway: str, request: Any) -> None:
        manager = self._manager
        if manager is None:
            return
        hook = manager.hook.payments_before_operation
        if not hook.get_hookimpls():
            return  # nobody to ask: pluggy's call machinery would return [] the long way
        try:
            hook(operation=operation, provider=provider, gateway=gateway, request=request)
        except PaymentError:
            raise
        except Exception as exc:
            raise OperationVetoedError(
                f"{operation} was vetoed by a plugin: {type(exc).__name__}: {exc}",
                provider=provider,
            ) from exc

    def after_operation(self, operation: str, provider: str, gateway: str, result: Any) -> None:
        self._observe(
            "payments_after_operation",
            operation=operation,
            provider=provider,
            gateway=gateway,
            result=result,
        )

    def operation_failed(
        self, operation: str, provider: str, gateway: str, error: PaymentError
    ) -> None:
        self._observe(
            "payments_operation_failed",
            operation=operation,
            provider=provider,
            gateway=gateway,
            error=error,
        )

    def payment_updated(self, payment: Payment, source: str) -> None:
        self._observe("payments_payment_updated", payment=payment, source=source)

    def webhook_received(self, event: WebhookEvent) -> None:
        self._observe("payments_webhook_received", event=event)

    def http_request(self, request: HttpExchange) -> None:
        self._observe("payments_http_request", request=request)

    def http_response(self, request: HttpExchange, status_code: int, elapsed: float) -> None:
        self._observe(
            "payments_http_response", request=request, status_code=status_code, elapsed=elapsed
        )

    def has_operation_hooks(self) -> bool:
        """True when a ``payments_before_operation`` hook is registered: it sees the
        request before the provider does, and could change it in place."""
        manager = self._manager
        return manager is not None and bool(manager.hook.payments_before_operation.get_hookimpls())

    def has_http_hooks(self) -> bool:
        """True when an HTTP hook is registered: the driver builds the redacted view of
        a request (:class:`~payments_core.redact.HttpExchange`) only for someone who
        looks at it."""
        manager = self._manager
        if manager is None:
            return False
        hook = manager.hook
        return bool(
            hook.payments_http_request.get_hookimpls()
            or hook.payments_http_response.get_hookimpls()
        )
