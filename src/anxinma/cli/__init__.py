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
:mod:`.serve`, :mod:`.worker`), each defining
its commands without knowing :func:`main`, on shared ones: :mod:`.common`
(exit statuses, :class:`~.common.CliError`, the group class, the clock, common
options), :mod:`.files` (reading and writing files), :mod:`.documents` (the
signed documents a verifier holds), :mod:`.verifier` (the options ``verify``
and ``scan`` share), :mod:`.statefile` (``--state``) and :mod:`.show`
(printing a verdict).
Only this module builds :func:`main` and adds the commands to it.
"""

from __future__ import annotations

import click

from .. import __version__
from .batch import batch_command, population_command
from .codes import inspect_command, issue_command, render_command
from .common import EXIT_HELP, EXIT_OK, EXIT_RED, EXIT_USAGE, EXIT_YELLOW, TIME_HELP, Cli
from .demo import demo_command
from .directory import directory_group, enterprises_from_tsv
from .keys import keygen_command
from .report import report_group
from .roster import orders_group, roster_group
from .scan import scan_command
from .serve import serve_command
from .status import status_group
from .trust import trust_group
from .verify import verify_command
from .web import web_group
from .worker import worker_group

__all__ = ["EXIT_OK", "EXIT_RED", "EXIT_USAGE", "EXIT_YELLOW", "enterprises_from_tsv", "main"]


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
    cls=Cli,
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


for _command in (
    keygen_command,
    issue_command,
    verify_command,
    inspect_command,
    render_command,
    demo_command,
    trust_group,
    status_group,
    directory_group,
    batch_command,
    report_group,
    population_command,
    scan_command,
    roster_group,
    orders_group,
    serve_command,
    worker_group,
    web_group,
):
    main.add_command(_command)
