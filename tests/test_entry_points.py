"""``find_entry_points`` answers what ``importlib.metadata.entry_points`` answers.

The registry looks a provider up with it because it parses only the distributions
whose ``entry_points.txt`` mentions the group; these checks hold it to the
standard function's answer: the same entry points, in the same order, the same
distribution winning when one is installed twice on ``sys.path``.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from payments_core.registry import PROVIDERS_NAMESPACE, find_entry_points
from tests.conftest import TempDistributions


def _same(group: str, name: str | None = None) -> None:
    expected = entry_points(group=group) if name is None else entry_points(group=group, name=name)
    found = find_entry_points(group, name)
    assert [(ep.name, ep.value, ep.group) for ep in found] == [
        (ep.name, ep.value, ep.group) for ep in expected
    ]
    assert [ep.dist.name if ep.dist else None for ep in found] == [
        ep.dist.name if ep.dist else None for ep in expected
    ]


@pytest.mark.parametrize(
    ("group", "name"),
    [
        (PROVIDERS_NAMESPACE, None),
        (PROVIDERS_NAMESPACE, "bog"),
        (PROVIDERS_NAMESPACE, "no-such-provider"),
        ("payments_core.plugins", None),
        ("console_scripts", None),
        ("pydantic", None),
        ("no.such.group", None),
    ],
)
def test_the_installed_entry_points_are_found_as_the_standard_function_finds_them(
    group: str, name: str | None
) -> None:
    _same(group, name)


def test_the_first_of_two_installs_of_a_distribution_wins(
    temp_dists: TempDistributions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp_dists.distribution("twice-installed", {"payments_test.group": {"a": "first:A"}})
    later = tmp_path / "later-site"
    later.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(later)])
    TempDistributions(later).distribution(
        "twice-installed", {"payments_test.group": {"a": "second:A", "b": "second:B"}}
    )

    _same("payments_test.group")
    assert [ep.value for ep in find_entry_points("payments_test.group")] == ["first:A"]


def test_a_group_named_only_in_another_groups_text_is_not_a_match(
    temp_dists: TempDistributions,
) -> None:
    temp_dists.distribution(
        "mentions-it", {"other.group": {"payments_test.mentioned": "pkg:payments_test.mentioned"}}
    )
    temp_dists.distribution("declares-it", {"payments_test.mentioned": {"x": "pkg:X"}})

    _same("payments_test.mentioned")
    _same("payments_test.mentioned", "x")
    assert [ep.value for ep in find_entry_points("payments_test.mentioned")] == ["pkg:X"]
