"""The documentation is tested like code.

* Every ```python block in ``docs/**/*.md`` and ``README.md`` runs: a page's blocks
  in order, in one namespace (a fresh module per page), in a temporary working
  directory. A fenced block with a ``title="name"`` attribute in another language
  (``toml``, ``text``...) is written to that file first, so a page can show a
  ``payments.toml`` and then load it. A python block preceded by the line
  ``<!-- no-run -->`` is shown but not run. Nothing may reach the internet: DNS and
  sockets are limited to loopback while samples run.
* The pages that list things the code defines are checked against the code: the
  status transition table, every error and decline code, every hook and its
  arguments, every command and option of ``payments``, BOG's status and response
  code tables and the emulator's test cards.
* ``mkdocs build --strict`` passes (skipped when the ``docs`` extra is not installed).
"""

from __future__ import annotations

import inspect
import ipaddress
import os
import re
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

import payments_core.hookspecs
from payments_core.cli import main as cli_main
from payments_core.errors import DeclineCode, ErrorCode, PaymentError
from payments_core.status import TRANSITIONS, PaymentStatus

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]

NO_RUN = "<!-- no-run -->"
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
TITLE = re.compile(r"""title=["'](?P<title>[^"']+)["']""")
PYTHON = frozenset({"python", "py", "python3"})
ENV_PREFIXES = ("PAYMENTS_", "BOG_", "TBC_", "DUMMY_")

# -- reading pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    path: Path
    line: int
    """1-based line number of the opening fence."""
    language: str
    title: str | None
    code: str
    no_run: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown page, indented ones (inside tabs) included."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            stripped = lines[end].strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                break
            row = lines[end]
            body.append(row[len(indent) :] if row.startswith(indent) else row.lstrip())
            end += 1
        words = info.lstrip("{").lstrip(".").split()
        language = words[0].lower() if words else ""
        title = TITLE.search(info)
        previous = next(
            (lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), ""
        )
        blocks.append(
            Block(
                path=path,
                line=index + 1,
                language=language,
                title=title["title"] if title else None,
                code="\n".join(body) + "\n",
                no_run=previous == NO_RUN,
            )
        )
        index = end + 1
    return blocks


def page_text(relative: str) -> str:
    return (DOCS / relative).read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    """Heading text → the text under it, up to the next heading of the same or a higher level.

    Lines inside fenced code blocks are never headings (``# a comment`` in a shell sample).
    """
    headings: list[tuple[int, str, int]] = []  # (level, title, line index)
    lines = text.splitlines()
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = FENCE_OPEN.match(line)
        if fence is None and opening is not None:
            fence = opening["fence"]
            continue
        if fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            continue
        heading = re.match(r"^(?P<level>#{1,6})\s+(?P<title>.+?)\s*$", line)
        if heading:
            headings.append((len(heading["level"]), heading["title"], index))
    found: dict[str, str] = {}
    for position, (level, title, start) in enumerate(headings):
        end = len(lines)
        for later_level, _, later_start in headings[position + 1 :]:
            if later_level <= level:
                end = later_start
                break
        found[title] = "\n".join(lines[start + 1 : end])
    return found


def table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose first header cell is ``first_header``."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_header and index + 1 < len(lines):
            if not set(lines[index + 1].replace("|", "").strip()) <= set("-: "):
                continue
            rows = []
            for row in lines[index + 2 :]:
                if not row.strip().startswith("|"):
                    break
                rows.append(_cells(row))
            return rows
    raise AssertionError(f"no table with first column {first_header!r}")


def _cells(line: str) -> list[str]:
    line = line.strip()
    if not line.startswith("|"):
        return []
    return [cell.strip() for cell in line.strip("|").split("|")]


def code_spans(text: str) -> list[str]:
    """The contents of inline code spans (one line each; fences are not spans)."""
    return re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)


# -- running samples ----------------------------------------------------------------------

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "testserver"})


def _loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): a local bind
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text in LOOPBACK_NAMES or text.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse DNS look-ups and connections beyond loopback while samples run."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            raise OSError(f"a documentation sample tried to reach {host!r} (not loopback)")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OSError(f"a documentation sample tried to connect to {address!r}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PAYMENTS_*/BOG_*/DUMMY_* variables from the outside, and a scratch directory."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runnable(path: Path) -> bool:
    return any(b.language in PYTHON and not b.no_run for b in fenced_blocks(path))


def _page_params() -> Iterator[Any]:
    for path in PAGES:
        if not _runnable(path):
            continue
        yield pytest.param(path, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path", list(_page_params()))
@pytest.mark.usefixtures("offline")
def test_every_python_sample_of_the_page_runs(path: Path, clean_environment: Path) -> None:
    blocks = fenced_blocks(path)
    for block in blocks:
        if block.title and block.language not in PYTHON:
            target = clean_environment / block.title
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
    name = "docs_sample_" + re.sub(r"\W", "_", str(path.relative_to(ROOT)))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    environment = dict(os.environ)  # samples may set variables, as a deployment would
    try:
        for block in blocks:
            if block.language not in PYTHON or block.no_run:
                continue
            code = compile(block.code, block.where, "exec")
            try:
                exec(code, module.__dict__)
            except Exception as exc:
                raise AssertionError(
                    f"the sample at {block.where} failed: {type(exc).__name__}: {exc}"
                ) from exc
    finally:
        del sys.modules[name]
        os.environ.clear()
        os.environ.update(environment)


def test_no_run_markers_sit_right_before_a_python_block() -> None:
    for path in PAGES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if line.strip() != NO_RUN:
                continue
            following = next((row for row in lines[number:] if row.strip()), "")
            opening = FENCE_OPEN.match(following)
            where = f"{path.relative_to(ROOT)}:{number}"
            assert opening is not None, f"{where}: {NO_RUN} is not followed by a code block"
            language = (opening["info"].strip().split() or [""])[0]
            assert language in PYTHON, f"{where}: {NO_RUN} is not followed by a python block"


def test_python_samples_fit_in_100_columns() -> None:
    """The project's line length: samples read without scrolling, and copy cleanly."""
    long_lines = [
        f"{block.where} (+{number})"
        for path in PAGES
        for block in fenced_blocks(path)
        if block.language in PYTHON
        for number, line in enumerate(block.code.splitlines(), start=1)
        if len(line) > 100
    ]
    assert not long_lines, long_lines


# -- pages that list what the code defines ------------------------------------------------


def test_the_transition_table_matches_the_code() -> None:
    rows = table_rows(page_text("concepts/statuses.md"), "from")
    documented = {}
    for cells in rows:
        (source,) = code_spans(cells[0])
        moves = frozenset(PaymentStatus(s) for s in code_spans(cells[1]))
        documented[PaymentStatus(source)] = moves
    assert documented == dict(TRANSITIONS)


def test_every_status_is_described() -> None:
    text = page_text("concepts/statuses.md")
    rows = table_rows(text, "status")
    described = {PaymentStatus(code_spans(cells[0])[0]) for cells in rows}
    assert described == set(PaymentStatus)


def test_every_error_code_and_decline_code_is_on_the_errors_page() -> None:
    spans = set(code_spans(page_text("concepts/errors.md")))
    missing = [code.value for code in [*ErrorCode, *DeclineCode] if code.value not in spans]
    assert not missing, f"missing from docs/concepts/errors.md: {missing}"


def test_every_error_class_is_on_the_errors_page() -> None:
    import payments_core.errors as errors

    text = page_text("concepts/errors.md")
    classes = [
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), PaymentError)
    ]
    missing = [name for name in classes if f"`{name}`" not in text]
    assert not missing, f"missing from docs/concepts/errors.md: {missing}"


def _hookspecs() -> dict[str, list[str]]:
    specs = {}
    for name, function in inspect.getmembers(payments_core.hookspecs, inspect.isfunction):
        if name.startswith("payments_") and hasattr(function, "payments_core_spec"):
            specs[name] = list(inspect.signature(function).parameters)
    return specs


def test_the_hookspecs_are_found() -> None:
    assert "payments_before_operation" in _hookspecs()


@pytest.mark.parametrize("hook", sorted(_hookspecs()))
def test_every_hook_and_its_arguments_are_documented(hook: str) -> None:
    found = sections(page_text("extending/hooks.md"))
    title = next((t for t in found if t.strip("`").split("(")[0] == hook), None)
    assert title is not None, f"docs/extending/hooks.md has no heading for {hook}"
    body = found[title]
    missing = [arg for arg in _hookspecs()[hook] if f"`{arg}`" not in body]
    assert not missing, f"{hook}: arguments not documented: {missing}"


def test_the_hooks_page_documents_no_hook_that_does_not_exist() -> None:
    found = sections(page_text("extending/hooks.md"))
    documented = {t.strip("`").split("(")[0] for t in found if t.startswith("`payments_")}
    assert documented == set(_hookspecs())


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    """Every command under ``group``, including those a group loads from entry points."""
    context = click.Context(group, info_name=prefix.rsplit(" ", 1)[-1])
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None:
            continue
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = dict(_commands(cli_main, "payments"))


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_and_option_is_documented(path: str) -> None:
    found = sections(page_text("reference/cli.md"))
    assert f"`{path}`" in found, f"docs/reference/cli.md has no heading `{path}`"
    body = found[f"`{path}`"]
    for param in COMMANDS[path].params:
        if isinstance(param, click.Option):
            names = [n for n in param.opts if n.startswith("--")]
            assert any(n in body for n in names), f"{path}: option {param.opts} not documented"
        elif isinstance(param, click.Argument):
            assert param.human_readable_name in body, f"{path}: argument {param.name} missing"


def test_the_cli_page_documents_no_command_that_does_not_exist() -> None:
    found = sections(page_text("reference/cli.md"))
    documented = {t.strip("`") for t in found if t.startswith("`payments ")}
    assert documented <= set(COMMANDS), documented - set(COMMANDS)


def test_bog_status_table_matches_the_code() -> None:
    from payments_bog.statuses import STATUS_TABLE

    rows = table_rows(page_text("providers/bog.md"), "BOG `order_status.key`")
    documented = {code_spans(c[0])[0]: PaymentStatus(code_spans(c[1])[0]) for c in rows}
    assert documented == dict(STATUS_TABLE)


def test_bog_payment_codes_table_matches_the_code() -> None:
    from payments_bog.codes import PAYMENT_CODES

    rows = table_rows(page_text("providers/bog.md"), "payment code")
    documented = {}
    for cells in rows:
        decline = code_spans(cells[2])
        documented[cells[0].strip("`")] = (cells[1], decline[0] if decline else None)
    expected = {
        code: (row.description, row.decline.value if row.decline else None)
        for code, row in PAYMENT_CODES.items()
    }
    assert documented == expected


def test_bog_action_codes_table_matches_the_code() -> None:
    from payments_bog.codes import ACTION_CODES

    rows = table_rows(page_text("providers/bog.md"), "action code")
    documented = {
        cells[0].strip("`"): (
            cells[1],
            code_spans(cells[2])[0],
            code_spans(cells[3])[0],
            code_spans(cells[4])[0],
        )
        for cells in rows
    }
    expected = {
        code: (row.description, row.error_class.__name__, row.error_code.value, row.decline.value)
        for code, row in ACTION_CODES.items()
    }
    assert documented == expected


def test_bog_test_cards_table_matches_the_emulator() -> None:
    from payments_bog.sandbox import TEST_CARDS

    rows = table_rows(page_text("providers/bog.md"), "card number")
    documented = {
        cells[0].strip("`").replace(" ", ""): (cells[1], cells[2].strip("`"), cells[3])
        for cells in rows
    }
    expected = {
        number: (card.brand.value, card.code, card.label_en) for number, card in TEST_CARDS.items()
    }
    assert documented == expected


# -- the site builds ----------------------------------------------------------------------


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="install the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    command = [str(mkdocs)] if mkdocs.exists() else [sys.executable, "-m", "mkdocs"]
    result = subprocess.run(
        [*command, "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A page left out of the nav is only an INFO line, even in strict mode.
    assert 'not included in the "nav"' not in result.stdout + result.stderr
