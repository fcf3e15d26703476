"""Issue 9 items 12 and 13, CLI side: the clock's range, and files that are not what they seem.

FIFOs, symbolic links and setuid modes planted where the command reads or
writes: never a hang, never a write through a link, never a mode from a link's
target.  Each test failed on the code before the fix (cd653c9); the ones that
hung there run the command in a subprocess with a timeout.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import REFERENCE, assert_one_error, run
from .test_cli_trust import Story, at, keys, nb_with_key_a, story

__all__ = ["keys", "story"]

TIMEOUT = 30


def anxinma(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command in its own process, which must end (a FIFO read would block it forever)."""
    return subprocess.run(
        [sys.executable, "-m", "anxinma", *map(str, args)],
        capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=cwd,
    )  # fmt: skip


def one_line(proc: subprocess.CompletedProcess[str], code: int, where: str) -> None:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"anxinma: error: {where}"), lines[0]


# -- item 12: the clock's range ----------------------------------------------------------------------

OUT_OF_RANGE = [
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2106-02-07T06:28:16Z",
    "2106-03-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
]


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_item12_a_now_outside_the_formats_range_is_a_usage_error(story: Story, moment: str) -> None:
    nb_with_key_a(story)
    code = story.issue("a", at())
    for args in (
        ("issue", REFERENCE, "--key", story.key("a")),
        ("verify", code, *story.held()),
        ("trust", "sign", story.source, "--root-key", story.key("root"), "--out", story.work / "t.cwt"),
        ("trust", "add", story.source, "--issuer", "nb", "--pub", story.pub("b")),
        ("trust", "show", story.signed, "--root", story.pub("root")),
        ("status", "revoke", "--db", story.db, "NB2021000123"),
        ("report", "coverage", "--db", story.db),
    ):
        result = run(*args, "--now", moment)
        assert_one_error(result, 2, "--now")
        assert "outside the range" in result.stderr and "internal error" not in result.stderr
    for option in ("--valid-from", "--at"):
        command = "add" if option == "--valid-from" else "retire"
        extra = ("--issuer", "nb", "--pub", story.pub("b")) if command == "add" else ("--kid", story.kid("a"))
        assert_one_error(run("trust", command, story.source, *extra, option, moment), 2, option)


def test_item12_a_validity_past_2106_is_a_usage_error(story: Story) -> None:
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    late = "2106-01-01T00:00:00Z"
    issue = run("issue", REFERENCE, "--key", story.key("a"), "--now", late, "--valid-days", "365")
    assert_one_error(issue, 2, "--valid-days")
    assert "2106-02-07T06:28:15Z" in issue.stderr
    month = run("issue", REFERENCE, "--key", story.key("a"), "--now", late, "--valid-days", "30")
    assert month.exit_code == 0
    for args in (
        ("trust", "sign", story.source, "--root-key", story.key("root"), "--out", story.work / "t.cwt"),
        ("status", "publish", "--db", story.db, "--key", story.key("a"), "--issuer", "nb",
         "--out", story.work / "s.cwt", "--valid-days", "400"),
    ):  # fmt: skip
        assert_one_error(run(*args, "--now", late, "--valid-days", "400"), 2, "--valid-days")


def test_item12_the_edges_of_the_range_are_accepted(story: Story) -> None:
    nb_with_key_a(story)
    code = story.issue("a", at())
    for moment, reason in (("1970-01-01T00:00:00Z", "not_yet_valid"), ("2106-02-07T06:28:15Z", "expired")):
        result = run("verify", code, "--trust", story.pub("a"), "--now", moment, "--json")
        assert result.exit_code == 1 and result.stderr == "", result.output
        assert reason in json.loads(result.stdout)["reasons"]


# -- item 13: FIFOs never hang a command ---------------------------------------------------------------


def test_item13_a_fifo_as_key_record_or_document_is_refused_without_hanging(story: Story) -> None:
    nb_with_key_a(story)
    fifo = story.work / "pipe.pem"
    os.mkfifo(fifo, 0o600)
    one_line(anxinma("issue", REFERENCE, "--key", fifo), 2, str(fifo))
    one_line(anxinma("issue", fifo, "--key", story.key("a")), 2, str(fifo))
    code = story.issue("a", at())
    one_line(anxinma("verify", code, "--trust", fifo), 2, str(fifo))
    one_line(anxinma("verify", code, *story.held(), "--status", fifo, "--now", at(hours=1)), 2, str(fifo))
    result = anxinma("issue", REFERENCE, "--key", fifo)
    assert "named pipe" in result.stderr


def test_item13_a_folder_as_key_is_one_line(story: Story) -> None:
    assert_one_error(run("issue", REFERENCE, "--key", story.work), 2, str(story.work))


# -- item 13: photos stay in the CSV's folder ---------------------------------------------------------


def photo_batch(story: Story, photos: list[str]) -> tuple[Path, tuple[object, ...]]:
    from anxinma.card import qr_png, qr_symbol

    story.ok("status", "new", "--db", story.db)
    workers = story.work / "in" / "workers.csv"
    workers.parent.mkdir()
    (workers.parent / "sub").mkdir()
    png = qr_png(qr_symbol("PHOTO"))
    (workers.parent / "me.png").write_bytes(png)
    (workers.parent / "sub" / "me.png").write_bytes(png)
    story.ok("population", "--out", story.work / "p.csv", "--count", len(photos), "--bad-rate", "0")
    header, *rows = (story.work / "p.csv").read_text("utf-8").splitlines()
    lines = [header + ",photo"] + [f"{row},{photo}" for row, photo in zip(rows, photos, strict=True)]
    workers.write_text("\n".join(lines) + "\n", "utf-8")
    return workers, ("--key", story.key("a"), "--db", story.db, "--out", story.work / "out", "--cards")


def bad_rows(out: Path) -> dict[int, str]:
    lines = (out / "errors.csv").read_text("utf-8").splitlines()[1:]
    return {int(line.split(",")[0]): line for line in lines}


def test_item13_batch_photos_stay_in_the_csvs_folder(story: Story, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"  # a PNG elsewhere on the machine
    from anxinma.card import qr_png, qr_symbol

    secret.write_bytes(qr_png(qr_symbol("SECRET")))
    photos = ["me.png", "sub/me.png", str(secret), "../secret.png", "sub/../../secret.png", "link.png",
              "linkdir/secret.png"]  # fmt: skip
    workers, args = photo_batch(story, photos)
    (workers.parent / "link.png").symlink_to(secret)
    (workers.parent / "linkdir").symlink_to(tmp_path)
    result = run("batch", workers, *args, "--jobs", "1")
    assert result.exit_code == 1, result.output
    bad = bad_rows(story.work / "out")
    assert sorted(bad) == [4, 5, 6, 7, 8]  # rows 2 and 3 (me.png, sub/me.png) are issued
    assert "absolute path" in bad[4]
    assert "'..'" in bad[5] and "'..'" in bad[6]
    assert "symbolic link" in bad[7] and "symbolic link" in bad[8]
    cards = sorted((story.work / "out" / "cards").iterdir())
    assert len(cards) == 2 and all("data:image/png;base64," in c.read_text("utf-8") for c in cards)


def test_item13_a_fifo_photo_is_a_bad_row_not_a_hang(story: Story) -> None:
    workers, args = photo_batch(story, ["me.png", "pipe.png"])
    os.mkfifo(workers.parent / "pipe.png")
    proc = anxinma("batch", workers, *args, "--jobs", "1")
    assert proc.returncode == 1, proc.stderr
    assert "regular file" in bad_rows(story.work / "out")[3]


# -- item 13: the batch lock and the new database never follow a planted link --------------------------


def test_item13_a_planted_lock_link_is_refused_not_followed(story: Story, tmp_path: Path) -> None:
    workers, args = photo_batch(story, ["me.png"])
    victim = tmp_path / "victim"
    Path(f"{story.db}.batch-lock").symlink_to(victim)
    result = run("batch", workers, *args)
    assert_one_error(result, 2, f"{story.db}.batch-lock")
    assert "symbolic link" in result.stderr
    assert not victim.exists()
    victim.write_text("precious")
    assert run("batch", workers, *args).exit_code == 2
    assert victim.read_text() == "precious"


def test_item13_the_lock_is_keyed_on_the_databases_real_path(story: Story) -> None:
    workers, args = photo_batch(story, ["me.png"])
    alias = story.work / "alias.db"
    alias.symlink_to(story.db)
    lock = Path(f"{story.db}.batch-lock")
    lock.touch()
    with lock.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a batch is running on the real path
        args = tuple(str(alias) if a == story.db else a for a in args)
        result = run("batch", workers, *args)
    assert_one_error(result, 2, "--db")
    assert "another batch is running" in result.stderr
    assert not Path(f"{alias}.batch-lock").exists()


def test_item13_status_new_never_creates_a_database_through_a_link(story: Story, tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere" / "victim.db"
    victim.parent.mkdir()
    story.db.symlink_to(victim)
    result = run("status", "new", "--db", story.db)
    assert_one_error(result, 2, "--db")
    assert "symbolic link" in result.stderr
    assert not victim.exists()


# -- item 13: a replaced file's mode comes from lstat, masked to 0o777 ------------------------------------


def test_item13_a_replaced_output_never_takes_a_link_targets_mode(story: Story, tmp_path: Path) -> None:
    nb_with_key_a(story)
    setuid = tmp_path / "setuid-program"
    setuid.write_text("#!/bin/sh\n")
    setuid.chmod(0o4755)
    out = story.work / "trust-out.cwt"
    out.symlink_to(setuid)
    story.ok("trust", "sign", story.source, "--root-key", story.key("root"), "--out", out)
    assert not out.is_symlink()
    assert stat.S_IMODE(out.lstat().st_mode) == 0o644
    assert setuid.read_text() == "#!/bin/sh\n" and stat.S_IMODE(setuid.stat().st_mode) == 0o4755
    regular = story.work / "regular.cwt"
    regular.write_bytes(b"old")
    regular.chmod(0o2640)  # setgid on a document: never carried over
    story.ok("trust", "sign", story.source, "--root-key", story.key("root"), "--out", regular)
    assert stat.S_IMODE(regular.lstat().st_mode) == 0o640


def test_item13_trust_source_round_trip_keeps_the_root_kids(story: Story) -> None:
    nb_with_key_a(story)
    source = json.loads(story.source.read_text("utf-8"))
    assert source["root_kids"] == [story.kid("root")]
    source["root_kids"] = ["not hex"]
    story.source.write_text(json.dumps(source), "utf-8")
    assert_one_error(run("trust", "show", story.source), 2, str(story.source))
