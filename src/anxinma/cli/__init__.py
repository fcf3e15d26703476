"""The ``anxinma`` command line: keys, codes, trust lists, status lists and the directory.

Commands: ``keygen``, ``issue``, ``verify``, ``inspect``, ``render``, ``demo``,
``scan``, ``batch``, ``population``, and the groups ``trust`` (edit and sign a
trust list, spec §15.2), ``status`` (the issuer's status lists: revoke,
suspend, reinstate, publish, spec §15.3), ``directory`` (the root-signed
enterprise directory, spec §15.4), ``report`` (coverage, rankings, display rate,
ratings), ``roster`` and ``orders`` (imports), ``serve`` (the endpoint for visit
records, spec/visit-v1.md), ``worker`` (one file per card) and ``web`` (the
household verifier page: build, serve).

This package is the one place of anxinma that reads the clock, files and the
environment; the library core gets time and keys passed in.  The exit status
says what happened (spec §10.2 for the colours):

- 0: done; for ``verify``, green
- 3: ``verify`` says yellow (authentic, but a health exam or insurance is
  missing or lapsed, revocation was not checked or the status list held is
  stale, or the enterprise is not in the directory held)
- 1: ``verify`` says red (including text that is not a code at all), or a
  command failed at run time: an output file or folder could not be written
  (the message names it, never the temporary file it was written through)
- 2: nothing was done: a usage error or an invalid input file (a bad worker
  record, key or option, or a trust list, status list or directory that fails
  to load; ``verify`` and ``scan`` stop only for the trust list and report the
  others), including an output that must be new and exists already

Every failure is one line on standard error, ``anxinma: error: <where>: <what>``,
naming the option, field, line/column, byte or document (with its
:class:`~anxinma.DocumentReason`) at fault; never a traceback, and a private
key is never printed.  Files are written atomically: a new key never replaces
an existing file; a trust list source, a signed document or a status list
replaces its previous version in one rename.

The modules: one per command or group (:mod:`.keys`, :mod:`.codes`,
:mod:`.verify`, :mod:`.demo`, :mod:`.trust`, :mod:`.status`,
:mod:`.directory`, :mod:`.batch`, :mod:`.report`, :mod:`.scan`, :mod:`.roster`,
:mod:`.serve`, :mod:`.worker`, :mod:`.web`), each defining
its commands without knowing :func:`main`, on shared ones: :mod:`.common`
(exit statuses, :class:`~.common.CliError`, the group class, the clock, common
options), :mod:`.files` (reading and writing files), :mod:`.documents` (the
signed documents a verifier holds), :mod:`.verifier` (the options ``verify``
and ``scan`` share), :mod:`.statefile` (``--state``) and :mod:`.show`
(printing a verdict).
Only this module builds :func:`main` and adds the commands to it, each when it
is looked up (run, its help shown, completed): ``anxinma verify`` imports the
verify command's modules, never the batch, card, web or server ones
(bench/coldstart.py, the ``cli`` program).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from .common import EXIT_HELP, EXIT_OK, EXIT_RED, EXIT_USAGE, EXIT_YELLOW, TIME_HELP, Cli

if TYPE_CHECKING:
    from .directory import enterprises_from_tsv

__all__ = ["EXIT_OK", "EXIT_RED", "EXIT_USAGE", "EXIT_YELLOW", "enterprises_from_tsv", "main"]

#: Every command of ``anxinma``: its name, the module of this package that defines it, the
#: command's name in that module, and the summary ``anxinma --help`` lists (the first paragraph
#: of the command's help, which click shortens to the terminal's width).  tests/test_cli_lazy.py
#: checks each summary against the command's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "batch": (
        "batch",
        "batch_command",
        "Issue a code for every worker in a CSV or JSONL file, on every core.",
    ),
    "demo": (
        "demo",
        "demo_command",
        "Issue, show, save and verify a code for the reference worker, on the bundled DEMO keys.",
    ),
    "directory": (
        "directory",
        "directory_group",
        "Build and show the root-signed enterprise directory (spec §15.4).",
    ),
    "inspect": (
        "codes",
        "inspect_command",
        "Show what a code contains WITHOUT checking its signature (never a verdict).",
    ),
    "issue": (
        "codes",
        "issue_command",
        "Issue a code for the worker record WORKER.json (- for stdin); print its text.",
    ),
    "keygen": ("keys", "keygen_command", "Make an Ed25519 issuer key pair; print its key id (kid) in hex."),
    "orders": ("roster", "orders_group", "Service orders reported by enterprises (亮证率's denominator)."),
    "population": (
        "batch",
        "population_command",
        "Write a deterministic SYNTHETIC population of workers as CSV (made-up people, valid but "
        "made-up ID numbers, card numbers SYNB...), for tests, benchmarks and demos.",
    ),
    "render": (
        "codes",
        "render_command",
        "Render a code as a QR symbol (error level M): to an SVG or PNG file and/or the terminal.",
    ),
    "report": (
        "report",
        "report_group",
        "Coverage (持证率), rankings, display rate (亮证率) and ratings from an issuer database.",
    ),
    "roster": (
        "roster",
        "roster_group",
        "The workers and enterprises registered on the national platform (持证率's denominator).",
    ),
    "scan": (
        "scan",
        "scan_command",
        "Verify every QR code in each photo (JPEG, PNG, WEBP...; - for stdin) and show the verdicts.",
    ),
    "serve": (
        "serve",
        "serve_command",
        "Accept visit records from households' phones and serve the web verifier.",
    ),
    "status": (
        "status",
        "status_group",
        "The issuer's status lists: revoke, suspend, reinstate and publish (spec §15.3).",
    ),
    "trust": (
        "trust",
        "trust_group",
        "Edit and sign a trust list: the root's list of issuers, their regions and keys (spec §15.2).",
    ),
    "verify": (
        "verify",
        "verify_command",
        "Verify a code offline (CODE, or - to read it from stdin) and show the verdict.",
    ),
    "web": (
        "web",
        "web_group",
        "The household verifier page: a static, offline-capable web page that scans and verifies codes "
        "(build it for your root key and documents; serve it locally to look at it).",
    ),
    "worker": (
        "worker",
        "worker_group",
        "A worker's file: who, which credentials, what happened, what households said.",
    ),
}


class _Anxinma(Cli):
    """The ``anxinma`` group: lists every command of :data:`COMMANDS` with its summary, and imports
    a command's module only when the command is looked up (click does that to run it, show its
    help or complete it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, name, _ = COMMANDS[cmd_name]
            command = getattr(import_module(f".{module}", __name__), name)
            self.add_command(command, cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, with "Did you mean 'verify'?" (click >= 8.4) drawn from every command,
        loaded or not (click draws it from the loaded ones)."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            unknown = getattr(click.exceptions, "NoSuchCommand", None)
            if unknown is None or not isinstance(exc, unknown):
                raise
            raise unknown(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands" section exactly as click writes it (each summary shortened to the width
        left beside the longest name), from the summaries of :data:`COMMANDS`: no module loaded."""
        shown = [(name, self._listed(name)) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in shown if not command.hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown])

    def _listed(self, name: str) -> click.Command:
        """The command if it is loaded, else a stand-in carrying its summary as help."""
        return self.commands.get(name) or click.Command(name, help=COMMANDS[name][2])


def __getattr__(name: str) -> Any:
    """``enterprises_from_tsv`` (used by examples/make_demo_documents.py), loaded on first use."""
    if name == "enterprises_from_tsv":
        from .directory import enterprises_from_tsv  # noqa: PLC0415

        return enterprises_from_tsv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "enterprises_from_tsv"})


_MAIN_HELP = f"""安心码 anxinma: signed, offline-verifiable QR credentials for household-service workers.

\b
Example (a code on the bundled DEMO keys, then your own):
  anxinma demo
  anxinma keygen --out-dir keys --name ningbo-2026
  anxinma issue worker.json --key keys/ningbo-2026.key.pem > code.txt
  anxinma verify - --trust keys/ningbo-2026.pub.pem < code.txt

{TIME_HELP}

Files: outputs are written atomically (a complete temporary file renamed into
place); documents and public keys with mode 0644, private keys, the issuer
database and files with a worker's personal data (batch outputs, render) 0600.
'anxinma COMMAND --help' shows each command's options and an example.
"""


@click.group(
    cls=_Anxinma,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_MAIN_HELP,
    epilog=EXIT_HELP,
)
@click.version_option(__version__, prog_name="anxinma")
@click.pass_context
def main(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
