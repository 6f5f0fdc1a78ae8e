"""``declared_entry_points`` answers what ``importlib.metadata.entry_points`` answers.

A facade looks its provider and its hook plugins up without importing
``importlib.metadata``; these checks hold that reader to the standard one (the same
entries, in the same order, the first install of a distribution winning) and check
that whatever it does not read the standard way is handed back (``None``).
"""

from __future__ import annotations

import sys
import zipfile
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest

from payments_core.registry import (
    PROVIDERS_NAMESPACE,
    ProviderRegistry,
    declared,
    find_entry_points,
    one_reading,
)
from payments_core.registry.declared import (
    ImportAborted,
    declared_entry_points,
    load_declared,
)
from tests.conftest import TempDistributions


def _standard(group: str, name: str | None = None) -> list[tuple[str, str]]:
    selected = entry_points(group=group) if name is None else entry_points(group=group, name=name)
    return [(ep.name, ep.value) for ep in selected]


def _same(group: str, name: str | None = None) -> None:
    assert declared_entry_points(group, name) == _standard(group, name)


@pytest.mark.parametrize(
    ("group", "name"),
    [
        (PROVIDERS_NAMESPACE, None),
        (PROVIDERS_NAMESPACE, "bog"),
        (PROVIDERS_NAMESPACE, "no-such-provider"),
        ("payments_core.plugins", None),
        ("payments_core.sandboxes", "bog"),
        ("console_scripts", None),
        ("pydantic", None),
        ("no.such.group", None),
    ],
)
def test_the_installed_entry_points_are_read_as_the_standard_function_reads_them(
    group: str, name: str | None
) -> None:
    _same(group, name)


def test_the_first_of_two_installs_wins_and_a_group_only_mentioned_does_not_match(
    temp_dists: TempDistributions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp_dists.distribution("twice-installed", {"payments_test.group": {"a": "first:A"}})
    temp_dists.distribution(
        "mentions", {"other": {"payments_test.group": "pkg:payments_test.group"}}
    )
    later = tmp_path / "later-site"
    later.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(later)])
    TempDistributions(later).distribution(
        "twice_installed", {"payments_test.group": {"a": "second:A", "b": "second:B"}}
    )

    _same("payments_test.group")
    _same("payments_test.group", "b")
    assert declared_entry_points("payments_test.group") == [("a", "first:A")]


def test_the_files_are_parsed_by_the_standard_rules(temp_dists: TempDistributions) -> None:
    info = temp_dists.root / "odd_lines-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text(
        "# a comment\nbefore = any:Section\n\n[payments_test.odd]\n"
        "  spaced  =  mod.sub : attr.inner  [extra]  \n# between\n"
        "same = a:B\nsame = a:C\nwith=equals = x:Y\n[[payments_test.odd]]\nbracketed = b:B\n"
        "[payments_test.other]\nelse = c:C\n"
    )

    crlf = temp_dists.root / "crlf_lines-1.0.dist-info"
    crlf.mkdir()
    (crlf / "entry_points.txt").write_bytes(b"[payments_test.odd]\r\ncr = c:R\r\rlone = l:R\r")

    _same("payments_test.odd")
    _same("payments_test.odd", "same")
    _same("payments_test.other")
    assert ("lone", "l:R") in (declared_entry_points("payments_test.odd") or [])


def test_an_info_file_shadows_a_later_distribution_of_its_name(
    temp_dists: TempDistributions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (temp_dists.root / "shadowing-1.0.egg-info").write_text("Name: shadowing\n")
    later = tmp_path / "later-site"
    later.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(later)])
    TempDistributions(later).distribution("shadowing", {"payments_test.shadow": {"a": "x:A"}})

    _same("payments_test.shadow")
    assert declared_entry_points("payments_test.shadow") == []


def test_a_file_with_a_line_the_standard_reader_refuses_is_handed_back(
    temp_dists: TempDistributions,
) -> None:
    info = temp_dists.root / "broken-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text("[payments_test.broken]\nno equals sign\n")

    assert declared_entry_points("payments_test.broken") is None
    with pytest.raises((TypeError, ValueError)):  # which one depends on the Python
        _standard("payments_test.broken")
    # a file that does not mention the group is not parsed, as by find_entry_points
    assert declared_entry_points("payments_test.elsewhere") == [
        (ep.name, ep.value) for ep in find_entry_points("payments_test.elsewhere")
    ]


def test_a_suffix_the_standard_reader_names_from_metadata_is_handed_back(
    temp_dists: TempDistributions,
) -> None:
    (temp_dists.root / "Upper-1.0.DIST-INFO").mkdir()

    assert declared_entry_points("payments_test.any") is None


def test_a_zip_or_an_egg_on_the_path_is_handed_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
        bundle.writestr("zipped-1.0.dist-info/entry_points.txt", "[payments_test.zip]\na = z:A\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(archive)])
    assert declared_entry_points("payments_test.zip") is None
    assert _standard("payments_test.zip") == [("a", "z:A")]

    egg = tmp_path / "thing-1.0.egg"
    egg.mkdir()
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(archive)] + [str(egg)])
    assert declared_entry_points("payments_test.zip") is None


def test_another_finder_offering_distributions_is_handed_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Finder:
        @staticmethod
        def find_distributions(*_: Any, **__: Any) -> list[Any]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])

    assert declared_entry_points(PROVIDERS_NAMESPACE) is None


def test_a_missing_path_entry_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nowhere"), *sys.path])

    _same(PROVIDERS_NAMESPACE)


def test_the_value_pattern_is_the_standard_one() -> None:
    assert declared.VALUE_PATTERN.pattern == EntryPoint.pattern.pattern


@pytest.mark.parametrize(
    "value",
    ["payments_core", "payments_core.registry:ProviderRegistry", "payments_core:registry.declared"],
)
def test_a_value_loads_what_the_standard_entry_point_loads(value: str) -> None:
    assert load_declared(value) == (True, EntryPoint("x", value, "g").load())


def test_a_value_the_pattern_does_not_recognise_is_handed_back() -> None:
    assert load_declared("not a value!") == (False, None)


def test_an_import_that_fails_fails_the_same_way(temp_dists: TempDistributions) -> None:
    module = temp_dists.module("broken_plugin", "raise RuntimeError('boom')\n")
    with pytest.raises(RuntimeError, match="boom"):
        load_declared(f"{module}:X")
    asserting = temp_dists.module("asserting_plugin", "assert False, 'no'\n")
    with pytest.raises(ImportAborted, match="AssertionError: no"):
        load_declared(f"{asserting}:X")
    with pytest.raises(ModuleNotFoundError):
        load_declared("payments_no_such_module:X")
    with pytest.raises(AttributeError):
        load_declared("payments_core:NoSuchName")


def test_one_reading_reads_the_files_once_and_forgets_them_after(
    temp_dists: TempDistributions, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = 0
    plain = declared._plain_texts

    def counted() -> list[str] | None:
        nonlocal reads
        reads += 1
        return plain()

    monkeypatch.setattr(declared, "_plain_texts", counted)
    with one_reading():
        declared_entry_points(PROVIDERS_NAMESPACE, "bog")
        declared_entry_points("payments_core.plugins")
        with one_reading():
            declared_entry_points("payments_test.late")
    assert reads == 1

    temp_dists.distribution("late", {"payments_test.late": {"a": "late:A"}})
    assert declared_entry_points("payments_test.late") == [("a", "late:A")]
    assert reads == 2


def test_a_registry_loads_a_provider_by_name_as_before(temp_dists: TempDistributions) -> None:
    module = temp_dists.module(
        "named_provider",
        "from payments_core.provider import PaymentProvider\n"
        "class Named(PaymentProvider):\n    name = 'named-test'\n",
    )
    temp_dists.distribution("named-test", {PROVIDERS_NAMESPACE: {"named-test": f"{module}:Named"}})
    registry = ProviderRegistry()

    provider_class = registry.get("named-test")

    assert provider_class.__module__ == module
    assert registry.get("named-test") is provider_class
