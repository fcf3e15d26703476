"""``anxinma keygen``: an Ed25519 issuer key pair in two new files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from ..keys import generate_private_key, kid_of, private_key_pem, public_key_pem
from .common import CliError, say
from .files import make_dir, read_passphrase, write_new

__all__ = ["keygen_command"]

_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@click.command("keygen")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory.")
@click.option("--name", required=True, help="Base name: writes NAME.key.pem and NAME.pub.pem.")
@click.option(
    "--passphrase-env",
    metavar="VAR",
    help="Encrypt the private key with the passphrase in environment variable VAR.",
)
def keygen_command(out_dir: Path, name: str, passphrase_env: str | None) -> None:
    """Make an Ed25519 issuer key pair; print its key id (kid) in hex.

    The private key (PKCS#8 PEM, mode 0600) and the public key are new files:
    existing files are never overwritten.

    \b
    Examples:
      anxinma keygen --out-dir keys --name ningbo-2026
      AXM_PASS='...' anxinma keygen --out-dir keys --name root --passphrase-env AXM_PASS
    """
    if not _KEY_NAME.fullmatch(name):
        raise CliError("--name", "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    password = read_passphrase(passphrase_env)
    private_path, public_path = out_dir / f"{name}.key.pem", out_dir / f"{name}.pub.pem"
    for path in (private_path, public_path):
        if os.path.lexists(path):
            raise CliError(str(path), "already exists; refusing to overwrite it")
    make_dir(out_dir)
    key = generate_private_key()
    write_new(private_path, private_key_pem(key, password=password), mode=0o600)
    try:
        write_new(public_path, public_key_pem(key), mode=0o644)
    except BaseException:
        private_path.unlink()
        raise
    click.echo(kid_of(key).hex())
    sealed = ", encrypted" if password else ""
    say(f"wrote {private_path} (PRIVATE key, mode 0600{sealed}): keep it secret", err=True)
    say(f"wrote {public_path} (public key): share it (trust add --pub, verify --root or --trust)", err=True)
