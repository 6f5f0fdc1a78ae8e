"""The Django guide shows this project's code: each of its titled blocks is copied from
the file it names (``django_shop/<path>``), so the page cannot drift from tested code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "guides" / "django.md"
BLOCK = re.compile(
    r'^<!-- no-run -->\n```python title="(?P<title>django_shop/[^"]+)"\n(?P<code>.*?)^```$',
    re.MULTILINE | re.DOTALL,
)


def _blocks() -> list[tuple[str, str]]:
    return [(m["title"], m["code"]) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def test_the_guide_shows_the_projects_files() -> None:
    titles = {title for title, _ in _blocks()}
    assert titles >= {
        "django_shop/settings.py",
        "django_shop/urls.py",
        "django_shop/orders/views.py",
        "django_shop/orders/receivers.py",
        "django_shop/orders/apps.py",
        "django_shop/tests/test_checkout.py",
    }


@pytest.mark.parametrize(("title", "code"), _blocks(), ids=[t for t, _ in _blocks()])
def test_each_block_is_copied_from_its_file(title: str, code: str) -> None:
    source = (ROOT / "examples" / title).read_text(encoding="utf-8")
    assert code in source, f"docs/guides/django.md shows {title} differently from the file"
