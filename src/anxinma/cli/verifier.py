"""The options ``verify`` and ``scan`` share, defined once: what the verifier holds, its policy.

:func:`verifier_options` adds to a command the options naming the documents a
field verifier holds (``--trust``, ``--root``, ``--status``, ``--directory``,
``--trust-min-sequence``, ``--state``), which reach the command as one
:class:`~anxinma.cli.documents.Sources` (``sources``), and the verdict policy
options (spec §10.6: ``--max-status-age``, ``--stale``, ``--unchecked``,
``--unlisted``), which reach it as one :class:`~anxinma.Policy` (``policy``);
and ``--now`` and ``--id-number`` (checked here: a typed number that is not a
valid GB 11643 number is a usage error, exit 2).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from .. import gbcodes
from ..idcheck import normalize_id_number
from .common import NOW_OPTION, POLICY_OPTIONS, CliError, policy_of
from .documents import Sources
from .statefile import STATE_OPTION, state_path

__all__ = ["verifier_options"]

_DOCUMENT_OPTIONS = (
    click.option(
        "--trust",
        "trust_paths",
        multiple=True,
        metavar="TRUST.cwt|PUB.pem",
        help="A root-signed trust list (needs --root), or, for quick tests, a trusted issuer public key "
        "(repeat for several; bare keys never check revocation). A .cwt file or COSE content is a "
        "trust list; anything else a PEM key.",
    ),
    click.option(
        "--root",
        "root_paths",
        multiple=True,
        metavar="ROOT.pub.pem",
        help="The pinned root public key that signs the trust list and the directory; repeat for several.",
    ),
    click.option(
        "--status",
        "status_paths",
        multiple=True,
        metavar="STATUS.cwt",
        help="A status list of an issuer (checked against the trust list); repeat for several.",
    ),
    click.option(
        "--directory", "directory_path", metavar="DIR.cwt", help="The root-signed enterprise directory."
    ),
    click.option(
        "--trust-min-sequence",
        "min_sequence",
        type=click.IntRange(0),
        metavar="N",
        help="Refuse a trust list older than sequence N (the newest one seen: no rollback).",
    ),
)


def _id_number(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        problem = gbcodes.id_number_problem(normalize_id_number(value))
        if problem is not None:
            raise CliError("--id-number", problem)
    return value


_CODE_OPTIONS = (
    NOW_OPTION,
    click.option(
        "--id-number",
        metavar="ID",
        callback=_id_number,
        help="The number on the worker's ID card, checked against each code.",
    ),
)


def verifier_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared options to ``command``, which takes ``sources`` and ``policy`` instead."""

    @functools.wraps(command)
    def run(*args: Any, **options: Any) -> Any:
        sources = Sources(
            trust=options.pop("trust_paths"),
            roots=options.pop("root_paths"),
            status=options.pop("status_paths"),
            directory=options.pop("directory_path"),
            min_sequence=options.pop("min_sequence"),
            state=state_path(options.pop("state")),
        )
        policy = policy_of(
            max_status_age=options.pop("max_status_age"),
            stale=options.pop("stale"),
            unchecked=options.pop("unchecked"),
            unlisted=options.pop("unlisted"),
        )
        return command(*args, sources=sources, policy=policy, **options)

    for option in reversed((*_DOCUMENT_OPTIONS, STATE_OPTION, *POLICY_OPTIONS, *_CODE_OPTIONS)):
        run = option(run)
    return run
