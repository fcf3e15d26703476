"""The ``anxinma`` group loads a command's module only when the command is looked up.

``anxinma --help`` lists every command from the summaries in
:data:`anxinma.cli.COMMANDS`, without importing a command module; a command
imports what it needs and nothing of the others (cold start: bench/coldstart.py,
the ``cli`` program).  These tests keep the summaries true to the commands and
the verify command's imports lean.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import anxinma
from anxinma import _demo
from anxinma.cli import COMMANDS, main

from .conftest import NOW

REPO = Path(__file__).resolve().parents[1]
KEYS = REPO / "keys"

#: What ``anxinma verify`` never needs: other commands' modules, the issuing side and the servers.
NOT_FOR_VERIFY = (
    "anxinma.batch",
    "anxinma.card",
    "anxinma.fonts",
    "anxinma.issuerdb",
    "anxinma.qr",
    "anxinma.report",
    "anxinma.roster",
    "anxinma.scan",
    "anxinma.server",
    "anxinma.visit",
    "anxinma.visitdb",
    "anxinma.web",
    "anxinma._demo",
    "anxinma.cli.batch",
    "anxinma.cli.codes",
    "anxinma.cli.demo",
    "anxinma.cli.directory",
    "anxinma.cli.keys",
    "anxinma.cli.report",
    "anxinma.cli.roster",
    "anxinma.cli.scan",
    "anxinma.cli.serve",
    "anxinma.cli.status",
    "anxinma.cli.trust",
    "anxinma.cli.web",
    "anxinma.cli.worker",
    "sqlite3",
    "segno",
    "starlette",
    "uvicorn",
    "unicodedata2",
    "regex",
    "multiprocessing",
    "http.server",
    "PIL",
    "zxingcpp",
    "cairosvg",
)


def imported_by(*args: str, module: bool = False) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a fresh ``anxinma ARGS`` process has imported when it ends, and the process;
    ``module``: run as ``python -m anxinma`` (by :mod:`runpy`, as ``-m`` does)."""
    run = (
        "runpy.run_module('anxinma', run_name='__main__')"
        if module
        else "from anxinma.cli import main; main()"
    )
    script = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('MODULES', *sorted(sys.modules)))\n"
        f"sys.argv = ['anxinma', *{list(args)!r}]\n"
        f"{run}\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    found = re.findall(r"^MODULES (.*)$", done.stdout, re.MULTILINE)
    assert found, done.stderr[-500:]
    return set(found[-1].split()), done


def loaded(names: set[str], watched: tuple[str, ...]) -> list[str]:
    return sorted(m for m in names for w in watched if m == w or m.startswith(w + "."))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_commands_own(name: str) -> None:
    module, attribute, summary = COMMANDS[name]
    command = getattr(importlib.import_module(f"anxinma.cli.{module}"), attribute)
    assert isinstance(command, click.Command) and command.name == name
    assert command.help is not None and " ".join(command.help.partition("\n\n")[0].split()) == summary
    stand_in = click.Command(name, help=summary)
    for limit in range(0, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), limit
    assert not command.hidden and not command.deprecated and command.short_help is None


def test_help_lists_every_command_without_loading_one() -> None:
    names, done = imported_by("--help")
    assert done.returncode == 0
    assert loaded(names, tuple(f"anxinma.cli.{module}" for module, _, _ in COMMANDS.values())) == []
    listed = re.findall(r"^  (\S+)  ", done.stdout.split("\nCommands:\n")[1], re.MULTILINE)
    assert listed == sorted(COMMANDS)


@pytest.mark.parametrize("columns", ["40", "80", "132"])
def test_help_lists_the_commands_as_click_would_once_they_are_loaded(columns: str) -> None:
    """The listing from the summaries is the listing click makes from the loaded commands."""
    script = (
        "import click; from anxinma.cli import main\n"
        "def text(): return main.get_help(click.Context(main, info_name='anxinma'))\n"
        "lazy = text()\n"
        "for name in main.list_commands(click.Context(main)): main.get_command(click.Context(main), name)\n"
        "assert len(main.commands) == 18, sorted(main.commands)\n"
        "loaded = text()\n"
        "assert lazy == loaded, (lazy, loaded)\n"
        "print(loaded)\n"
    )
    env = {"COLUMNS": columns, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "  verify " in done.stdout and "  batch " in done.stdout


def demo_code() -> str:
    worker = anxinma.parse_worker(_demo.reference_record())
    return anxinma.issue(worker, _demo.private_key(), now=NOW, status=_demo.STATUS_REF)


@pytest.mark.parametrize("module", [False, True], ids=["anxinma", "python -m anxinma"])
def test_verify_imports_only_what_verify_needs(module: bool) -> None:
    args = (
        "verify",
        demo_code(),
        "--root",
        str(KEYS / "demo-root.pub.pem"),
        "--trust",
        str(KEYS / "demo-trust.cwt"),
        "--status",
        str(KEYS / "demo-status-0.cwt"),
        "--directory",
        str(KEYS / "demo-directory.cwt"),
        "--now",
        NOW.isoformat(),
        "--max-status-age",
        str(24 * 3650),  # the DEMO status list is months old at NOW
        "--json",
    )
    names, done = imported_by(*args, module=module)
    assert done.returncode == 0, done.stderr[-500:]
    assert '"color": "green"' in done.stdout
    assert "anxinma.cli.verify" in names and "anxinma.status" in names
    assert loaded(names, NOT_FOR_VERIFY) == []


def test_verify_with_bare_keys_imports_only_what_verify_needs() -> None:
    bare = ("verify", demo_code(), "--trust", str(KEYS / "demo-issuer.pub.pem"), "--now", NOW.isoformat())
    names, done = imported_by(*bare)
    assert done.returncode == 3, done.stderr[-500:]  # yellow: a bare key never checks revocation
    assert loaded(names, NOT_FOR_VERIFY) == []


def test_a_command_that_needs_more_still_gets_it() -> None:
    names, done = imported_by("demo", "--help")
    assert done.returncode == 0 and "anxinma.cli.demo" in names
    assert main.get_command(click.Context(main), "no-such-command") is None


@pytest.mark.skipif(
    not hasattr(click.exceptions, "NoSuchCommand"), reason="click < 8.4 suggests no command names"
)
def test_a_mistyped_command_is_matched_against_every_command_loaded_or_not() -> None:
    for typed, meant in (("verfy", "verify"), ("stats", "status"), ("popluation", "population")):
        names, done = imported_by(typed)  # a fresh process: no command module loaded
        assert done.returncode == 2
        hint = f"Did you mean {meant!r}? (see 'anxinma --help')"
        assert done.stderr == f"anxinma: error: usage: no such command {typed!r}. {hint}\n"
        assert loaded(names, tuple(f"anxinma.cli.{module}" for module, _, _ in COMMANDS.values())) == []
