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

The package: :mod:`~payments_core.registry.discovery` reads entry points,
:mod:`~payments_core.registry.declared` reads the common case without
``importlib.metadata`` (a look-up by name, the hook plugins at start),
:mod:`~payments_core.registry.declarations` checks what a provider class declares,
and :mod:`~payments_core.registry.registry` holds :class:`ProviderRegistry`; every
name is imported from here.
"""

from typing import TYPE_CHECKING

from payments_core.exports import lazy
from payments_core.registry.declarations import ProviderInfo
from payments_core.registry.declared import one_reading
from payments_core.registry.registry import (
    PROVIDERS_NAMESPACE,
    ProviderRegistry,
    default_registry,
)

if TYPE_CHECKING:
    from payments_core.registry.discovery import find_entry_points, load_entry_point

__all__ = [
    "PROVIDERS_NAMESPACE",
    "ProviderInfo",
    "ProviderRegistry",
    "default_registry",
    "find_entry_points",
    "load_entry_point",
    "one_reading",
]

# ``importlib.metadata`` comes with these two, on first use: looking one provider up
# by name reads the distributions' files without it (see ``declared``).
_EXPORTS = {
    "find_entry_points": "payments_core.registry.discovery",
    "load_entry_point": "payments_core.registry.discovery",
}


__getattr__, __dir__ = lazy(__name__, _EXPORTS)
