"""Conventions every ``anxinma`` command keeps (issue 10 "Must show", item 9).

The test walks the whole command tree (so a new command is covered the day it
is added) and checks, for every command and subcommand:

- ``--help`` shows an example: an indented line running that very command;
- a usage error is exactly one line on standard error, nothing on standard
  output, exit 2;
- every option and argument, given an empty, huge, negative, out-of-range,
  not-a-number or non-UTF-8 value, ends in an ordinary exit (0, 1, 2 or 3):
  never a traceback or an "internal error"; and an exit 2 is one line.

The boundary sweep starts from a working invocation of each command (``BASES``)
and replaces one value at a time, so that each value reaches the code behind
the option, not just the parser.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from anxinma.cli import main

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "examples" / "workers" / "reference.json"
TSV = REPO / "examples" / "enterprises.tsv"
NOW = "2026-03-01T10:00:00+08:00"
OTHER_ID = "330203198503150039"

#: Values every option and argument is given in turn (item 9): empty, negative, zero, huge
#: numbers, not-a-number, a long text, non-UTF-8 (as Python sees undecodable argv bytes), a
#: folder where a file belongs, standard input, and times at the edges of the format.
BOUNDARY = (
    "",
    "-1",
    "0",
    "9" * 400,
    "-" + "9" * 30,
    "1e999",
    "nan",
    "x" * 100_000,
    "\udcff\udcfe-not-utf-8",
    "{folder}",
    "-",
    "9999-12-31T23:59:59Z",
)

#: Commands the sweep must not run with arbitrary values, and why (none today).
NO_SWEEP: dict[tuple[str, ...], str] = {}


Found = Iterator[tuple[tuple[str, ...], click.Command]]


def commands() -> Found:
    """Every command, as click finds them (``anxinma`` loads a command's module when it is looked up)."""

    def walk(command: click.Command, path: tuple[str, ...]) -> Found:
        yield path, command
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{' '.join(path)} lists {name!r} and has no such command"
                yield from walk(sub, (*path, name))

    return walk(main, ())


ALL = list(commands())
IDS = [" ".join(path) or "anxinma" for path, _ in ALL]


def invoke(*args: object, stdin: str = "") -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def problems_of(result: Result) -> list[str]:
    """What is wrong with how an invocation ended (empty: it kept the conventions)."""
    out: list[str] = []
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        out.append(f"raised {type(result.exception).__name__}: {result.exception}")
    if "Traceback" in text or "internal error" in text:
        out.append("traceback or internal error: " + text[-300:])
    if result.exit_code not in (0, 1, 2, 3):
        out.append(f"exit {result.exit_code}")
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("anxinma: error: "):
            out.append(f"exit 2 with stderr {lines[:3]!r}")
        if result.stdout:
            out.append(f"exit 2 with stdout {result.stdout[:120]!r}")
    return out


# -- help and usage errors ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_help_shows_an_example_of_the_command(path: tuple[str, ...], command: click.Command) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0 and result.stderr == ""
    runs = " ".join(("anxinma", *path))
    examples = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert any(re.match(rf"{re.escape(runs)}(\s|$)", line) for line in examples), (
        f"'{runs} --help' has no example line starting with '{runs}'"
    )


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_a_usage_error_is_one_line_exit_2(path: tuple[str, ...], command: click.Command) -> None:
    for args in ((*path, "--no-such-option"), (*path, "--no-such-option=1", "extra")):
        result = invoke(*args)
        assert not problems_of(result), problems_of(result)
        assert result.exit_code == 2
        assert "--no-such-option" in result.stderr
    required = [p for p in command.params if p.required]
    if required:
        missing = invoke(*path)
        assert missing.exit_code == 2 and not problems_of(missing), missing.output


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_the_time_paragraph_is_said_once(path: tuple[str, ...], command: click.Command) -> None:
    text = invoke(*path, "--help").stdout
    if path:
        assert "never guessed" not in text  # the paragraph lives in 'anxinma --help' only
        if any(p.name == "now" for p in command.params):
            assert "see 'anxinma --help'" in " ".join(text.split())
    else:
        assert "never guessed" in text and "2106-02-07T06:28:15Z" in text


def test_every_group_without_a_command_prints_its_help() -> None:
    for path, command in ALL:
        if isinstance(command, click.Group):
            result = invoke(*path)
            assert result.exit_code == 0 and result.stderr == "", (path, result.output)
            assert "Commands:" in result.stdout


# -- the boundary sweep (item 9) ------------------------------------------------------------------


class World:
    """A verifier's and an issuer's files, made once, in which every command has a working base."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "folder"
        self.folder.mkdir()
        for name in ("root", "a", "b"):
            self.ok("keygen", "--out-dir", root / "k", "--name", name)
        self.key, self.pub = root / "k" / "a.key.pem", root / "k" / "a.pub.pem"
        self.root_key, self.root_pub = root / "k" / "root.key.pem", root / "k" / "root.pub.pem"
        source = root / "trust.json"
        self.ok("trust", "init", "--out", source)
        add = ("trust", "add", source, "--issuer", "nb", "--name", "宁波", "--regions", "3302")
        start = ("--valid-from", "2026-01-01T00:00:00+08:00")
        self.kid = self.ok(*add, "--pub", self.pub, *start).stdout.strip()
        sign = ("trust", "sign", source, "--root-key", self.root_key, "--out", root / "trust.cwt")
        self.ok(*sign, "--now", NOW)
        self.ok("status", "new", "--db", root / "issuer.db")
        issue = ("issue", REFERENCE, "--key", self.key, "--db", root / "issuer.db", "--now", NOW)
        self.code = self.ok(*issue).stdout.strip()
        other = json.loads(REFERENCE.read_text("utf-8")) | {"card_no": "NB2021000999", "id_number": OTHER_ID}
        (root / "other.json").write_text(json.dumps(other, ensure_ascii=False), "utf-8")
        self.ok("issue", root / "other.json", "--key", self.key, "--db", root / "issuer.db", "--now", NOW)
        self.ok("status", "publish", "--db", root / "issuer.db", "--key", self.key, "--issuer", "nb",
                "--out", root / "status-0.cwt", "--now", NOW)  # fmt: skip
        self.ok("directory", "build", TSV, "--root-key", self.root_key, "--out", root / "directory.cwt",
                "--now", NOW)  # fmt: skip
        self.ok("population", "--out", root / "workers.csv", "--count", "3", "--bad-rate", "0")
        self.ok("render", self.code, "--out", root / "qr.png")
        self.ok("web", "build", "--demo", "--out", root / "site")
        files = {
            "registered.csv": "id_number,name,enterprise_uscc\n330203198503150020,王秀英,"
            "91330203MA2H123450\n",
            "firms.csv": "enterprise_uscc,enterprise_name,district\n91330203MA2H123450,宁波某家政,海曙区\n",
            "orders.csv": "order_id,card_no,service_date\nO-1,NB2021000123,2026-03-01\n",
        }
        for name, text in files.items():
            (root / name).write_text(text, "utf-8")
        for command in ("add", "compromise", "remove", "retire", "sign"):  # one source each to edit
            shutil.copyfile(source, root / f"scratch-{command}.json")

    def ok(self, *args: object) -> Result:
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        return result


#: A working invocation of every command ({r}: the world's folder; {held}: a verifier's documents).
BASES: dict[tuple[str, ...], str] = {
    (): "",
    ("batch",): "{r}/workers.csv --key {key} --db {r}/issuer.db --out {r}/batch --format svg --cards "
    "--jobs 1 --list-id 0 --valid-days 30 --directory {r}/directory.cwt --root {root_pub} --encoding utf-8 "
    "--now {now} --chunk-size 10",
    ("demo",): "--out-dir {r}/demo",
    ("directory",): "",
    ("directory", "build"): "{tsv} --root-key {root_key} --out {r}/dir2.cwt --valid-days 30 --sequence 2 "
    "--encoding utf-8 --now {now}",
    ("directory", "show"): "{r}/directory.cwt --root {root_pub} --uscc 91330203MA2H123450 --now {now}",
    ("inspect",): "{code}",
    ("orders",): "",
    ("orders", "import"): "{r}/orders.csv --db {r}/issuer.db --now {now}",
    ("roster",): "",
    ("roster", "import"): "{r}/registered.csv --db {r}/issuer.db --enterprises {r}/firms.csv --now {now}",
    ("serve",): "--db {r}/issuer.db --site {r}/folder --host 127.0.0.1 --port 0 --workers 1 "
    "--cors-origin https://example.org --max-age-days 30 --flood-limit 100 --address-rate 20 "
    "--device-rate 0.5",
    ("issue",): "{reference} --key {key} --valid-days 30 --db {r}/issuer.db --list-id 0 --replace "
    "--trust {r}/trust.cwt --root {root_pub} --now {now}",
    ("keygen",): "--out-dir {r}/keys2 --name k",
    ("population",): "--out {r}/pop.csv --count 3 --seed 1 --enterprises {tsv} --encoding utf-8 "
    "--as-of 2026-12-01 --bad-rate 0.1",
    ("render",): "{code} --out {r}/r.svg --scale 2 --border 1",
    ("report",): "",
    ("report", "coverage"): "--db {r}/issuer.db --directory {r}/directory.cwt --root {root_pub} "
    "--format text --now {now}",
    ("report", "display-rate"): "--db {r}/issuer.db --directory {r}/directory.cwt --root {root_pub} "
    "--format text --from 2026-01-01 --to 2026-12-31 --now {now}",
    ("report", "ratings"): "--db {r}/issuer.db --directory {r}/directory.cwt --root {root_pub} "
    "--format text --now {now}",
    ("report", "ranking"): "--db {r}/issuer.db --directory {r}/directory.cwt --root {root_pub} "
    "--format text --district 海曙区 --top 3 --now {now}",
    ("scan",): "{r}/qr.png {held}",
    ("status",): "",
    ("status", "new"): "--db {r}/new.db --list-id 1 --size 131072",
    ("status", "publish"): "--db {r}/issuer.db --key {key} --issuer nb --out {r}/s.cwt --list-id 0 "
    "--valid-days 7 --ttl 3600 --now {now}",
    ("status", "reinstate"): "--db {r}/issuer.db NB2021000123 --now {now}",
    ("status", "revoke"): "--db {r}/issuer.db NB2021000999 --now {now}",  # final: not the others' card
    ("status", "suspend"): "--db {r}/issuer.db NB2021000123 --now {now}",
    ("status", "show"): "{r}/status-0.cwt --trust {r}/trust.cwt --root {root_pub} --now {now}",
    ("trust",): "",
    ("trust", "add"): "{r}/scratch-add.json --issuer hz --name 杭州 --regions 3301 --pub {r}/k/b.pub.pem "
    "--valid-from {now} --db {r}/issuer.db --now {now}",
    ("trust", "compromise"): "{r}/scratch-compromise.json --kid {kid}",
    ("trust", "init"): "--out {r}/t-new.json --root {root_pub}",
    ("trust", "remove"): "{r}/scratch-remove.json --kid {kid}",
    ("trust", "retire"): "{r}/scratch-retire.json --kid {kid} --at {now} --now {now}",
    ("trust", "show"): "{r}/trust.cwt --root {root_pub} --now {now}",
    ("trust", "sign"): "{r}/scratch-sign.json --root-key {root_key} --out {r}/t3.cwt --valid-days 30 "
    "--now {now}",
    ("verify",): "{code} {held}",
    ("web",): "",
    ("web", "build"): "--out {r}/site2 --root {root_pub} --trust {r}/trust.cwt --status {r}/status-0.cwt "
    "--directory {r}/directory.cwt --verifier-url https://verify.example.cn/ --max-status-age 24 "
    "--stale yellow --unchecked yellow --unlisted red --now {now}",
    ("web", "serve"): "{r}/site --port 0",
    ("worker",): "",
    ("worker", "show"): "NB2021000123 --db {r}/issuer.db",
}
HELD = (
    "--trust {r}/trust.cwt --root {root_pub} --status {r}/status-0.cwt --directory {r}/directory.cwt "
    "--trust-min-sequence 1 --max-status-age 24 --stale yellow --now {now} --id-number 330203198503150020"
)


def base(
    w: World, path: tuple[str, ...], command: click.Command
) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The base invocation of ``path``: its positional arguments and its options (a flag's value: None)."""
    names = {"r": w.root, "key": w.key, "root_key": w.root_key, "root_pub": w.root_pub, "code": w.code,
             "kid": w.kid, "now": NOW, "tsv": TSV, "reference": REFERENCE}  # fmt: skip
    template = BASES.get(path, "").replace("{held}", HELD)
    flags = {o for p in command.params if isinstance(p, click.Option) and p.is_flag for o in p.opts}
    tokens = [token.format(**names) for token in template.split()]  # a code may hold spaces
    positionals: list[str] = []
    options: list[tuple[str, str | None]] = []
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--"):
            positionals.append(token)
        elif token in flags:
            options.append((token, None))
        else:
            options.append((token, tokens.pop(0)))
    return positionals, options


def args_of(positionals: list[str], options: list[tuple[str, str | None]]) -> list[str]:
    out = list(positionals)
    for name, value in options:
        out += [name] if value is None else [name, value]
    return out


def variants(
    command: click.Command, positionals: list[str], options: list[tuple[str, str | None]], value: str
) -> Iterator[tuple[str, list[str]]]:
    """The base invocation with ``value`` in place of each argument and option value in turn."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    for n, param in enumerate(arguments):
        if n < len(positionals):
            changed = [*positionals[:n], value, *positionals[n + 1 :]]
            yield str(param.human_readable_name), args_of(changed, options)
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag:
            continue
        name = max(param.opts, key=len)
        kept = [(n, v) for n, v in options if n not in param.opts]
        yield name, args_of(positionals, [*kept, (name, value)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("world"))


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """'anxinma serve' checks its options and the database, then would serve until stopped: here
    it returns at that point instead; so does 'anxinma web serve' (its socket bound, then closed)."""
    import http.server

    monkeypatch.setattr(http.server.ThreadingHTTPServer, "serve_forever", lambda self, *args: None)
    try:
        import anxinma.server.run as run_module
    except ImportError:  # no server extra: serve stops at once with one line (also a convention)
        return
    monkeypatch.setattr(run_module, "serve", lambda *args, **kwargs: None)


def test_every_command_has_a_base_invocation(world: World) -> None:
    missing = [" ".join(path) for path, _ in ALL if path not in BASES and path not in NO_SWEEP]
    assert not missing, f"add a working invocation to BASES in {__file__} for: {missing}"
    for path, command in ALL:
        if path in NO_SWEEP or isinstance(command, click.Group):
            continue
        result = invoke(*path, *args_of(*base(world, path, command)))
        assert result.exit_code in (0, 1, 3), (path, result.output)  # it runs (1: a red verdict)


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_boundary_values_of_every_option_never_crash(
    world: World, path: tuple[str, ...], command: click.Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path in NO_SWEEP:
        pytest.skip(NO_SWEEP[path])
    monkeypatch.chdir(world.folder)  # an empty path means '.': keep what it writes in here
    positionals, options = base(world, path, command)
    found: list[str] = []
    for template in BOUNDARY:
        value = template.format(folder=world.folder) if "{" in template else template
        for where, args in variants(command, positionals, options, value):
            result = invoke(*path, *args)
            found += [f"{' '.join(path)} {where}={value[:30]!r}: {p}" for p in problems_of(result)]
    assert not found, "\n".join(found[:20])


def test_non_utf8_bytes_in_argv_through_the_real_entry_point(world: World, tmp_path: Path) -> None:
    """Undecodable argv bytes (a path from another locale) end in one line, never a traceback."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONWARNINGS": "error"}
    for args in (
        [b"verify", b"AXM1:\xff\xfe", b"--trust", bytes(world.pub)],
        [b"verify", world.code.encode(), b"--trust", b"\xff\xfe.pem"],
        [b"issue", b"\xff.json", b"--key", bytes(world.key)],
        [b"render", world.code.encode(), b"--out", bytes(tmp_path) + b"/\xff.svg"],
        [b"trust", b"show", b"\xff\xfe"],
        [b"population", b"--out", bytes(tmp_path) + b"/p.csv", b"--count", b"\xff"],
    ):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"anxinma", *args], capture_output=True,
                              timeout=60, env=env, check=False)  # fmt: skip
        assert proc.returncode in (0, 1, 2), (args, proc.stderr)
        assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr, proc.stderr
        if proc.returncode == 2:
            assert len(proc.stderr.splitlines()) == 1, proc.stderr


def test_the_sweep_values_include_the_clock_edges() -> None:
    latest = dt.datetime(2106, 2, 7, 6, 28, 15, tzinfo=dt.UTC)
    assert any(v.startswith("9999") for v in BOUNDARY)
    assert dt.datetime.fromisoformat("9999-12-31T23:59:59+00:00") > latest
