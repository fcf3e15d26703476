"""``anxinma trust``: edit a trust list source (JSON) and sign it with the root key (spec §15.2)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import click

from ..errors import UsageError
from ..keys import kid_of, raw_public_key
from ..model import CST
from ..trust import (
    MAX_TRUST_LIST_BYTES,
    IssuerKey,
    KeyState,
    TrustedIssuer,
    TrustList,
    trust_from_source,
    trust_source,
)
from .common import (
    NOW_OPTION,
    PASSPHRASE_OPTION,
    CliError,
    check_expiry,
    clock,
    command_group,
    now_in_cst,
    out_option,
    parse_time,
    plural,
    say,
    valid_days_option,
)
from .documents import check_issuer_id, load_trust, read_roots, self_check
from .files import (
    json_bytes,
    load_json,
    not_same_file,
    open_db,
    read_bytes,
    read_private_key,
    read_public_key,
    replace_file,
    write_new,
)
from .show import lifetime, when

__all__ = ["trust_group"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _parse_kid(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    """``--kid``: a key id, 16 hex digits as ``anxinma keygen`` prints it."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9A-Fa-f]{16}", value):
        raise click.BadParameter(f"{value!r} is not a key id (16 hex digits, as keygen prints)", ctx, param)
    return bytes.fromhex(value)


trust_group = command_group(
    "trust",
    """Edit and sign a trust list: the root's list of issuers, their regions and keys (spec §15.2).

    The list is edited as a JSON source (trust init, add, retire, compromise),
    then signed with the root key (trust sign) into TRUST.cwt, which verifiers
    load with the pinned root public key:

    \b
    Example:
      anxinma trust init --out trust.json --root root.pub.pem
      anxinma trust add trust.json --issuer nb --name 宁波市家政服务中心 --regions 3302 --pub nb.pub.pem
      anxinma trust sign trust.json --root-key root.key.pem --out trust.cwt
      anxinma verify CODE --trust trust.cwt --root root.pub.pem

    Rotation: add the new key, then retire the old one (its codes stay valid
    until they expire; it issues no more).  A key marked compromised makes
    every code it ever signed red.  A key added by mistake is taken out with
    'trust remove'.  The root key only signs the list: it is never an issuer
    key (roles never mix).
    """,
)


_SOURCE_ARG = click.argument("source", metavar="TRUST.json")


def _is_json(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


#: The source's list of the root keys that sign it (kids in hex): kept by ``trust init --root`` and
#: ``trust sign``, so that ``trust add`` refuses a root key as an issuer key (roles never mix).
_ROOTS = "root_kids"


def _trust_from_json(data: bytes, path: str) -> TrustList:
    """The trust list in an editable JSON source (``trust_source`` form, and the kids of the root
    keys that sign it); times are placeholders."""
    source = load_json(data, path)
    if not isinstance(source, dict):
        raise CliError(path, "a trust list source is a JSON object with sequence and issuers")
    roots = _root_kids(source.get(_ROOTS, []), path)
    try:
        trust = trust_from_source(source, issued_at=_EPOCH, expires_at=_EPOCH)
    except UsageError as exc:
        raise CliError(path, str(exc)) from None
    except AttributeError:  # an issuer or key entry that is not an object
        raise CliError(path, "trust list source: every issuer and key must be a JSON object") from None
    _check_source(trust, path)
    return dataclasses.replace(trust, root_kids=roots)


def _root_kids(value: object, path: str) -> frozenset[bytes]:
    if not isinstance(value, list) or not all(
        isinstance(k, str) and re.fullmatch(r"[0-9a-f]{16}", k) for k in value
    ):
        raise CliError(path, f"{_ROOTS} must be a list of key ids (16 lowercase hex digits)")
    return frozenset(bytes.fromhex(k) for k in value)


def _check_source(trust: TrustList, path: str) -> None:
    """What ``trust_from_source`` leaves to its caller: unique ids and kids, times with offsets."""
    ids = [i.id for i in trust.issuers]
    kids = [k.kid for i in trust.issuers for k in i.keys]
    if len(set(ids)) != len(ids) or len(set(kids)) != len(kids):
        raise CliError(path, "two issuers share an id, or two keys share a kid")
    for issuer in trust.issuers:
        for key in issuer.keys:
            if any(t is not None and t.tzinfo is None for t in (key.valid_from, key.valid_until)):
                raise CliError(path, f"issuer {issuer.id}, key {key.kid.hex()}: a time has no UTC offset")


def _read_source(path: str) -> TrustList:
    return _trust_from_json(read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list source"), path)


def _source_bytes(trust: TrustList) -> bytes:
    source = trust_source(trust)
    if trust.root_kids:
        source[_ROOTS] = sorted(k.hex() for k in trust.root_kids)
    return json_bytes(source)


def _write_source(path: str, trust: TrustList) -> None:
    replace_file(Path(path), _source_bytes(trust))


@trust_group.command("init")
@click.option(
    "--out",
    "out_path",
    required=True,
    metavar="TRUST.json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new source file (an existing file is never overwritten).",
)
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The root public key that will sign the list: 'trust add' then refuses it as an issuer key. "
    "(trust sign records it too.)",
)
def trust_init_command(out_path: Path, root_paths: tuple[str, ...]) -> None:
    """Start a trust list source: no issuers, sequence 0.

    \b
    Example:
      anxinma trust init --out trust.json --root root.pub.pem
    """
    roots = frozenset(kid_of(k) for k in read_roots(root_paths))
    empty = TrustList(sequence=0, issued_at=_EPOCH, expires_at=_EPOCH, issuers=(), root_kids=roots)
    write_new(out_path, _source_bytes(empty), mode=0o644)
    say(f"wrote {out_path}: an empty trust list source; add issuers with 'anxinma trust add'", err=True)


def _regions(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(","))


def _edited_issuer(
    found: TrustedIssuer | None, issuer_id: str, name: str | None, regions: str | None
) -> TrustedIssuer:
    """The issuer ``issuer_id`` as it is, with a new name or regions, or new (both required)."""
    check_issuer_id(issuer_id, "--issuer")
    if found is None:
        if name is None or regions is None:
            option = "--name" if name is None else "--regions"
            raise CliError(option, f"is required for a new issuer ({issuer_id})")
        found = TrustedIssuer(id=issuer_id, name=name, regions=("33",))
    if name is not None and not name.strip():
        raise CliError("--name", "is empty")
    try:
        return dataclasses.replace(
            found,
            name=found.name if name is None else name.strip(),
            regions=found.regions if regions is None else _regions(regions),
        )
    except UsageError as exc:
        raise CliError("--regions", str(exc)) from None


@trust_group.command("add")
@_SOURCE_ARG
@click.option("--issuer", "issuer_id", required=True, metavar="ID", help="Issuer id: 1-32 of a-z, 0-9, '-'.")
@click.option("--name", metavar="NAME", help="Display name (required for a new issuer; else renames it).")
@click.option(
    "--regions",
    metavar="PREFIXES",
    help="GB/T 2260 prefixes the issuer may issue for, comma-separated, e.g. 3302,3301 "
    "(required for a new issuer; else replaces its regions).",
)
@click.option("--pub", "pub_path", required=True, metavar="KEY.pub.pem", help="The issuer's new public key.")
@click.option(
    "--valid-from",
    metavar="ISO8601",
    callback=parse_time,
    help="When the key may start issuing, with a UTC offset; codes it signed earlier verify red "
    "(issued_outside_key_window). [default: now]",
)
@click.option(
    "--db",
    "db_path",
    metavar="ISSUER.db",
    help="The issuer's database: warn when the key already signed codes there before --valid-from.",
)
@NOW_OPTION
def trust_add_command(
    source: str,
    issuer_id: str,
    name: str | None,
    regions: str | None,
    pub_path: str,
    valid_from: dt.datetime | None,
    db_path: str | None,
    now: dt.datetime | None,
) -> None:
    """Add an issuer key (and the issuer, if new) to TRUST.json; print the key's kid.

    A root key of the list (known from 'trust init --root' or an earlier
    'trust sign') is refused: the root only signs the list.

    \b
    Example:
      anxinma trust add trust.json --issuer nb --name 宁波市家政服务中心 --regions 3302 \\
          --pub nb.pub.pem --valid-from 2026-03-01T00:00:00+08:00 --db issuer.db
    """
    trust = _read_source(source)
    start = (valid_from or now_in_cst(now)).astimezone(CST).replace(microsecond=0)
    key = IssuerKey(public_key=raw_public_key(read_public_key(pub_path, option="--pub")), valid_from=start)
    kid = key.kid.hex()
    if key.kid in trust.root_kids:
        raise CliError(
            "--pub",
            f"{pub_path} is root key {kid}, which signs {source}; an issuer needs a key of its own "
            f"(anxinma keygen) for issuer {issuer_id}: roles never mix",
        )
    known = trust.lookup(key.kid)
    if known is not None and known.issuer is not None:
        raise CliError(
            "--pub",
            f"key {kid} is already in the list (issuer {known.issuer.id}, {known.key.state.value}); to "
            f"change when it may start issuing: anxinma trust remove {source} --kid {kid}, then add it "
            "again with --valid-from",
        )
    issuer = _edited_issuer(trust.issuer(issuer_id), issuer_id, name, regions)
    trust = trust.with_issuer(dataclasses.replace(issuer, keys=(*issuer.keys, key)))
    early = _signed_before(db_path, key.kid, start) if db_path is not None else None
    _write_source(source, trust)
    click.echo(kid)
    say(
        f"{source}: issuer {issuer.id} ({issuer.name}, regions {','.join(issuer.regions)}) has key "
        f"{kid}, active from {when(start)}; publish with 'anxinma trust sign'",
        err=True,
    )
    if early is not None:
        count, first = early
        say(
            f"anxinma: warning: key {kid} signed {plural(count, 'code')} in {db_path} before its window "
            f"opens ({when(start)}), the first at {when(first)}: verifiers will show "
            f"{'it' if count == 1 else 'them'} red (issued_outside_key_window); fix: anxinma trust "
            f"remove {source} --kid {kid}, then trust add ... --valid-from {first.isoformat()}",
            err=True,
        )


def _signed_before(db_path: str, kid: bytes, start: dt.datetime) -> tuple[int, dt.datetime] | None:
    """How many codes key ``kid`` signed in the issuer database before ``start``, and the first one's time."""
    with open_db(db_path) as db:
        times = [c.iat for c in db.credentials() if c.kid == kid.hex()]
    early = sorted(t for t in times if t < start.timestamp())
    if not early:
        return None
    return len(early), dt.datetime.fromtimestamp(early[0], CST)


def _found_key(trust: TrustList, kid: bytes, source: str) -> tuple[IssuerKey, TrustedIssuer]:
    found = trust.lookup(kid)
    if found is None or found.issuer is None:
        raise CliError("--kid", f"no key {kid.hex()} in {source}")
    return found.key, found.issuer


@trust_group.command("remove")
@_SOURCE_ARG
@click.option("--kid", required=True, metavar="HEX", callback=_parse_kid, help="The key id (16 hex digits).")
def trust_remove_command(source: str, kid: bytes) -> None:
    """Take a key out of TRUST.json (a key added by mistake, e.g. the root key as an issuer key).

    Once the list is signed and published, codes the key signed verify red
    (unknown_key).  To stop a key that was in use, retire it, or mark it
    compromised, instead.  An issuer left with no key is taken out too.

    \b
    Example:
      anxinma trust remove trust.json --kid 02334e17b73904c6
    """
    trust = _read_source(source)
    _, issuer = _found_key(trust, kid, source)
    keys = tuple(k for k in issuer.keys if k.kid != kid)
    others = tuple(i for i in trust.issuers if i.id != issuer.id)
    kept = (*others, dataclasses.replace(issuer, keys=keys)) if keys else others
    _write_source(source, dataclasses.replace(trust, issuers=kept))
    gone = "" if keys else f"; issuer {issuer.id} had no other key and was taken out too"
    say(f"{source}: key {kid.hex()} of issuer {issuer.id} removed{gone}; sign and publish the list", err=True)


@trust_group.command("retire")
@_SOURCE_ARG
@click.option("--kid", required=True, metavar="HEX", callback=_parse_kid, help="The key id (16 hex digits).")
@click.option(
    "--at",
    metavar="ISO8601",
    callback=parse_time,
    help="When the key's issuing window closes, with a UTC offset. [default: now]",
)
@NOW_OPTION
def trust_retire_command(source: str, kid: bytes, at: dt.datetime | None, now: dt.datetime | None) -> None:
    """Retire a key: it issues no more; the codes it signed before stay valid until they expire.

    \b
    Example:
      anxinma trust retire trust.json --kid 02334e17b73904c6 --at 2026-06-30T23:59:59+08:00
    """
    trust = _read_source(source)
    key, issuer = _found_key(trust, kid, source)
    if key.state is KeyState.COMPROMISED:
        raise CliError("--kid", f"key {kid.hex()} is marked compromised; a compromised key stays so")
    closes = (at or now_in_cst(now)).astimezone(CST).replace(microsecond=0)
    try:
        trust = trust.with_key_state(kid, KeyState.RETIRED, at=closes)
    except UsageError as exc:
        raise CliError("--at", str(exc)) from None
    _write_source(source, trust)
    until = _found_key(trust, kid, source)[0].valid_until or closes
    say(
        f"{source}: key {kid.hex()} of {issuer.id} retired; its issuing window closed at {when(until)}",
        err=True,
    )


@trust_group.command("compromise")
@_SOURCE_ARG
@click.option("--kid", required=True, metavar="HEX", callback=_parse_kid, help="The key id (16 hex digits).")
def trust_compromise_command(source: str, kid: bytes) -> None:
    """Mark a key compromised: every code it ever signed verifies red (key_compromised).

    \b
    Example:
      anxinma trust compromise trust.json --kid 02334e17b73904c6
    """
    trust = _read_source(source)
    _, issuer = _found_key(trust, kid, source)
    _write_source(source, trust.with_key_state(kid, KeyState.COMPROMISED))
    say(
        f"{source}: key {kid.hex()} of {issuer.id} marked COMPROMISED; sign and publish the list now",
        err=True,
    )


def _issuer_lines(trust: TrustList) -> list[str]:
    lines = []
    for issuer in trust.issuers:
        lines.append(f"issuer {issuer.id}: {issuer.name}, regions {', '.join(issuer.regions)}")
        for key in issuer.keys:
            until = "" if key.valid_until is None else f" until {when(key.valid_until)}"
            lines.append(f"  key {key.kid.hex()}  {key.state.value:<11} from {when(key.valid_from)}{until}")
    return lines or ["no issuers"]


@trust_group.command("show")
@click.argument("path", metavar="TRUST.json|TRUST.cwt")
@click.option(
    "--root",
    "root_paths",
    multiple=True,
    metavar="ROOT.pub.pem",
    help="The pinned root public key; required for a signed list (it is verified before it is shown).",
)
@NOW_OPTION
def trust_show_command(path: str, root_paths: tuple[str, ...], now: dt.datetime | None) -> None:
    """Show a trust list: the JSON source, or a signed list verified with the root key.

    \b
    Examples:
      anxinma trust show trust.json
      anxinma trust show trust.cwt --root root.pub.pem
    """
    data = read_bytes(path, limit=MAX_TRUST_LIST_BYTES, what="trust list")
    if _is_json(data):
        trust = _trust_from_json(data, path)
        after = trust.sequence + 1
        say(f"{path}: trust list source (unsigned), sequence {trust.sequence}; 'trust sign' makes {after}")
    else:
        moment = now or clock()
        trust = load_trust(path, data, read_roots(root_paths), now=moment)
        say(f"{path}: trust list sequence {trust.sequence}, signature verified with the root key")
        say(lifetime(trust.issued_at, trust.expires_at, moment))
    for line in _issuer_lines(trust):
        say(line)


@trust_group.command("sign")
@_SOURCE_ARG
@click.option(
    "--root-key", "root_key_path", required=True, metavar="ROOT.key.pem", help="The root private key."
)
@out_option("TRUST.cwt")
@valid_days_option(30)
@PASSPHRASE_OPTION
@NOW_OPTION
def trust_sign_command(
    source: str,
    root_key_path: str,
    out_path: Path,
    valid_days: int,
    passphrase_env: str | None,
    now: dt.datetime | None,
) -> None:
    """Sign TRUST.json with the root key into TRUST.cwt; the sequence goes up by one.

    TRUST.json is updated with the new sequence (and notes the root key, so that
    'trust add' refuses it as an issuer key), then TRUST.cwt is written; each
    in one atomic rename.  A root key that is also listed as an issuer key is
    refused (roles never mix, spec §15.5).

    \b
    Example:
      anxinma trust sign trust.json --root-key root.key.pem --out trust.cwt --valid-days 30
    """
    not_same_file(out_path, source, "--out")
    trust = _read_source(source)
    root = read_private_key(root_key_path, passphrase_env, option="--root-key")
    issued = now_in_cst(now)
    check_expiry(issued, valid_days)
    root_kid = kid_of(root)
    listed = trust.lookup(root_kid)
    if listed is not None and listed.issuer is not None:
        raise CliError(
            "--root-key",
            f"{root_key_path} is key {root_kid.hex()} of issuer {listed.issuer.id} in {source}; roles never "
            f"mix: sign with the root key, or take the key out (anxinma trust remove {source} --kid "
            f"{root_kid.hex()})",
        )
    signed = dataclasses.replace(
        trust,
        sequence=trust.sequence + 1,
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=valid_days),
        root_kids=trust.root_kids | {root_kid},
    )
    try:
        data = signed.sign(root)
    except UsageError as exc:
        raise CliError("--root-key", str(exc)) from None
    self_check(out_path, lambda: TrustList.load(data, [root.public_key()], now=issued))
    _write_source(source, signed)
    replace_file(out_path, data)
    keys = sum(len(i.keys) for i in signed.issuers)
    say(
        f"wrote {out_path}: trust list sequence {signed.sequence}, {plural(len(signed.issuers), 'issuer')}, "
        f"{plural(keys, 'key')}, valid until {when(signed.expires_at)}; {source} now holds sequence "
        f"{signed.sequence}",
        err=True,
    )
