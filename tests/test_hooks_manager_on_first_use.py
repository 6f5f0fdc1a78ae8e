"""The hooks' pluggy manager is made with the first plugin, and nothing else changes.

A facade nobody hooks into never loads pluggy: its hook calls return at once. These
checks hold such a facade to what a manager without plugins answers, and the
observer hooks' list to the specs it stands for.
"""

from __future__ import annotations

from typing import Any

import pytest

from payments_core import hookimpl, hookspecs
from payments_core.errors import ConfigurationError, OperationVetoedError
from payments_core.hooks import OBSERVER_HOOKS, VETO_HOOK, Hooks


def test_the_observer_hooks_are_every_spec_but_the_veto() -> None:
    specs = {name for name in vars(hookspecs) if name.startswith("payments_")}

    assert VETO_HOOK in specs
    assert specs - {VETO_HOOK} == OBSERVER_HOOKS


def test_hooks_without_a_plugin_make_no_manager_and_answer_as_an_empty_one() -> None:
    hooks = Hooks(autoload=False)
    empty = Hooks(autoload=False)
    assert empty.manager.get_plugins() == set()  # an empty manager, for comparison

    assert hooks._manager is None
    assert hooks.has_operation_hooks() is empty.has_operation_hooks() is False
    assert hooks.has_http_hooks() is empty.has_http_hooks() is False
    for both in (hooks, empty):
        both.before_operation("create_payment", "dummy", "default", object())
        both.after_operation("create_payment", "dummy", "default", object())
        both.operation_failed("refund", "dummy", "default", ConfigurationError("x"))
        both.webhook_received(object())  # type: ignore[arg-type]
        both.http_request(object())  # type: ignore[arg-type]
        both.http_response(object(), 200, 0.1)  # type: ignore[arg-type]
    assert hooks._manager is None


def test_the_manager_is_made_on_first_look_and_kept() -> None:
    hooks = Hooks(autoload=False)

    manager = hooks.manager

    assert hooks.manager is manager
    assert manager.project_name == hookspecs.PROJECT
    assert manager.hook.payments_http_response.spec is not None


def test_a_plugin_registered_later_is_called() -> None:
    seen: list[Any] = []

    class Audit:
        @hookimpl
        def payments_http_request(self, request: Any) -> None:
            seen.append(request)

    hooks = Hooks(autoload=False)
    hooks.register(Audit(), name="audit")

    assert hooks.has_http_hooks()
    hooks.http_request("exchange")  # type: ignore[arg-type]
    assert seen == ["exchange"]


def test_a_plugin_registered_on_the_manager_directly_is_seen() -> None:
    class Veto:
        @hookimpl
        def payments_before_operation(self) -> None:
            raise RuntimeError("no")

    hooks = Hooks(autoload=False)
    hooks.manager.register(Veto())

    assert hooks.has_operation_hooks()
    with pytest.raises(OperationVetoedError, match="vetoed"):
        hooks.before_operation("create_payment", "dummy", "default", object())


def test_unregistering_an_unknown_plugin_fails_as_before() -> None:
    with pytest.raises(AssertionError):
        Hooks(autoload=False).unregister(object())
