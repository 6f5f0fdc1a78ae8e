"""A griffe extension: read the code's reStructuredText-flavoured docstrings as Markdown.

The docstrings of payments-core are written for readers of the source: Sphinx roles
(``:class:`~payments_core.Money```), literal blocks introduced by ``::`` and
``.. code-block:: toml``. mkdocstrings renders Markdown, so before rendering:

* a role becomes an optional cross-reference: a link when the target is on the
  API pages, plain code otherwise (never a broken link, never a build warning);
* a literal block becomes a fenced code block (Python when it parses as Python).

Only the rendering changes; the docstrings in the code stay as they are.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`(?P<target>[^`]+)`")
DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\. code-block::\s*(?P<lang>\S+)\s*$")


def _role(match: re.Match[str], obj: griffe.Object) -> str:
    target = match["target"].strip()
    short = target.startswith("~")
    target = target.lstrip("~")
    title = target.rsplit(".", 1)[-1] if short else target
    identifier = target
    if "." not in target or not target.startswith(("payments_core", "payments_bog")):
        try:
            identifier = obj.resolve(target.split(".", 1)[0]) + (
                "." + target.split(".", 1)[1] if "." in target else ""
            )
        except Exception:  # an unknown name stays as written: an optional reference
            identifier = target
    return (
        f'<autoref identifier="{html.escape(identifier)}" optional>'
        f"<code>{html.escape(title)}</code></autoref>"
    )


def _language(block: str) -> str:
    try:
        ast.parse(block)
    except SyntaxError:
        return "text"
    return "python"


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _literal_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        opens = directive is not None or line.rstrip().endswith("::")
        if not opens:
            out.append(line)
            index += 1
            continue
        base = _indent_of(line)
        if directive is None:
            head = line.rstrip()[:-2].rstrip()
            if head:
                out.append(head + ":")
        start = index + 1
        end = start
        while end < len(lines) and (not lines[end].strip() or _indent_of(lines[end]) > base):
            end += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        block = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
        if not block:
            index += 1
            continue
        language = directive["lang"] if directive is not None else _language(block)
        pad = " " * base
        out.append("")
        out.append(f"{pad}```{language}")
        out.extend(f"{pad}{row}" if row else "" for row in block.splitlines())
        out.append(f"{pad}```")
        out.append("")
        index = end
    return "\n".join(out)


class SphinxRoles(griffe.Extension):
    """Rewrite each docstring once, when griffe loads the object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None:
            return
        text = _literal_blocks(docstring.value)
        docstring.value = ROLE.sub(lambda match: _role(match, obj), text)
