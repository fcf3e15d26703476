"""verify and scan as a field verifier runs them (issue 9 items 3-6, CLI side): documents that fail
to load are reported and left out, revocation not checked is said plainly, an unlisted enterprise
is named, and a state file refuses every rolled-back document.

Every story runs on the fixed timeline of test_cli_trust (``--now``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from anxinma.directory import MAX_DIRECTORY_BYTES
from anxinma.qr import make_qr
from anxinma.status import MAX_TOKEN_BYTES

from .test_cli import assert_one_error, run
from .test_cli_trust import ENTERPRISES, HAISHU_DAZHONG, Story, at, keys, nb_with_key_a, story

__all__ = ["keys", "story"]  # the fixtures, shared with test_cli_trust

REFUSED = "(status list, left out)"
FIELD_VERIFIER = Path(__file__).resolve().parents[1] / "examples" / "field_verifier.py"


def compromised_after_publishing(story: Story) -> str:
    """A code of key a with a status entry; key a's list published; then key a marked compromised."""
    nb_with_key_a(story)
    return compromised_after_publishing_again(story)


def compromised_after_publishing_again(story: Story) -> str:
    """As :func:`compromised_after_publishing`, on a trust list already signed with key a."""
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    story.publish(now=at(hours=1))
    story.ok("trust", "compromise", story.source, "--kid", story.kid("a"))
    story.sign(at(hours=2))
    return code


def photo_of(code: str, path: Path) -> Path:
    make_qr(code).save(str(path), kind="png", scale=4, border=4)
    return path


def documents(result: Result) -> list[dict[str, object]]:
    out = json.loads(result.stdout)
    found: list[dict[str, object]] = out["documents"]
    return found


# -- item 4: a status list or directory that fails to load is reported, the code judged without it -----


def test_a_compromised_key_code_is_red_when_its_status_list_is_refused(story: Story) -> None:
    """issue 9 item 4: compromised issuer key, its status list refused -> verify shows RED
    key_compromised (not exit 2), naming the refused file and its reason, in verify, verify --image
    and scan, human and --json alike."""
    code = compromised_after_publishing(story)
    human = story.human(code, at(hours=3), status=True)
    assert human.exit_code == 1, human.output
    assert human.stdout.startswith("RED: DO NOT TRUST")
    assert (
        f"Refused       {story.status} {REFUSED}: key_compromised: signed by compromised key" in human.stdout
    )
    assert "Reasons       key_compromised, status_not_checked" in human.stdout
    assert f"(refused: {story.status}: key_compromised)" in human.stdout  # on the Status line
    status, out = story.verify(code, at(hours=3), status=True)
    assert (status, out["color"], out["reasons"]) == (1, "red", ["key_compromised", "status_not_checked"])
    assert out["documents"] == [
        {"file": str(story.signed), "kind": "trust_list", "loaded": True, "reason": None},
        {"file": str(story.status), "kind": "status_list", "loaded": False, "reason": "key_compromised"},
    ]
    photo = photo_of(code, story.work / "card.png")
    for command in (("verify", photo, "--image"), ("scan", photo)):
        shown = run(*command, *story.held(status=True), "--now", at(hours=3))
        assert shown.exit_code == 1 and "key_compromised, status_not_checked" in shown.stdout, shown.output
        assert f"Refused       {story.status} {REFUSED}: key_compromised" in shown.stdout
    scanned = run("scan", photo, *story.held(status=True), "--now", at(hours=3), "--json")
    [[found]] = [p["codes"] for p in json.loads(scanned.stdout)]
    assert found["documents"][1] == out["documents"][1] and found["color"] == "red"


def test_a_refused_directory_is_reported_and_a_failed_trust_list_still_stops(story: Story) -> None:
    """issue 9 item 4: a directory that fails to load leaves the enterprise unchecked, said so; a trust
    list that fails to load still stops with exit 2 (nothing can be trusted without it)."""
    nb_with_key_a(story)
    code = story.issue("a", at())
    forged = story.work / "forged-directory.cwt"  # signed by an issuer key, not the root
    story.ok("directory", "build", ENTERPRISES, "--root-key", story.key("a"), "--out", forged, "--now", at())
    human = run("verify", code, *story.held(), "--directory", forged, "--now", at(hours=1))
    assert human.exit_code == 0, human.output  # no status entry, no directory: nothing else in doubt
    assert f"Refused       {forged} (directory, left out): unknown_key" in human.stdout
    assert "(not checked: the directory given was refused, " in human.stdout
    out = run("verify", code, *story.held(), "--directory", forged, "--now", at(hours=1), "--json")
    assert documents(out)[1] == {
        "file": str(forged),
        "kind": "directory",
        "loaded": False,
        "reason": "unknown_key",
    }
    expired = run("verify", code, *story.held(), "--directory", forged, "--now", at(40))
    assert_one_error(expired, 2, f"{story.signed}: expired")


def test_an_oversized_status_list_or_directory_is_refused_too_large_not_an_error(story: Story) -> None:
    """issue 9 item 4: a status list or directory over its size cap (spec §15.6 too_large) is a
    refused document like any other, reported with its size and the code judged without it; not an
    exit 2 that shows the household no colour.  The headline never says "all checks pass" while a
    document given was left out."""
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    big_list, big_directory = story.work / "big-status.cwt", story.work / "big-directory.cwt"
    for path, size in ((big_list, MAX_TOKEN_BYTES + 1), (big_directory, MAX_DIRECTORY_BYTES + 1)):
        with path.open("wb") as f:
            f.truncate(size)  # sparse: the cap is judged by the file's size before a byte is read
    human = story.human(code, at(hours=1), "--status", big_list)
    assert human.exit_code == 3, human.output
    assert human.stdout.startswith("YELLOW: authentic, but revocation NOT checked")
    assert (
        f"Refused       {big_list} {REFUSED}: too_large: {MAX_TOKEN_BYTES + 1} bytes; "
        f"the limit is {MAX_TOKEN_BYTES} bytes" in human.stdout
    )
    status, out = story.verify(code, at(hours=1), "--status", big_list, "--unchecked", "red")
    assert (status, out["color"], out["reasons"]) == (1, "red", ["status_not_checked"])
    assert out["documents"][1] == {
        "file": str(big_list),
        "kind": "status_list",
        "loaded": False,
        "reason": "too_large",
    }
    plain = story.issue("a", at())  # no status entry: only the directory is in question
    shown = run("verify", plain, *story.held(), "--directory", big_directory, "--now", at(hours=1))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(
        "GREEN: verified, but a document given was refused and left out (see Refused)"
    )
    assert "all checks pass" not in shown.stdout
    assert f"{big_directory} (directory, left out): too_large: " in shown.stdout
    both = story.human(plain, at(hours=1), "--status", big_list, "--directory", big_directory)
    assert "2 documents given were refused" in both.stdout.splitlines()[0]
    missing = story.work / "no-such.cwt"  # a mistyped path is the operator's mistake: exit 2
    assert_one_error(story.human(code, at(hours=1), "--status", missing), 2, f"{missing}: No such file")


# -- item 3: revocation not checked, said plainly -----------------------------------------------------


def test_revocation_not_checked_is_said_plainly_and_never_headed_all_checks_pass(story: Story) -> None:
    """issue 9 item 3: a code with a status entry and no list held, a list refused, or bare keys only
    is not 'all checks pass': the Status line says it was not checked and why; --unchecked red makes
    it red; a code without a status entry says it has none and may be green."""
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    story.publish(now=at())
    none_held = story.human(code, at(hours=1))
    assert none_held.exit_code == 3
    assert none_held.stdout.startswith("YELLOW: authentic, but revocation NOT checked (issuer kid")
    assert "all checks pass" not in none_held.stdout
    assert (
        "Status        NOT CHECKED: the card may have been revoked; no status list 0 of issuer nb was "
        "given (--status)" in none_held.stdout
    )
    bare = run("verify", code, "--trust", story.pub("a"), "--now", at(hours=1))
    assert bare.exit_code == 3 and "all checks pass" not in bare.stdout
    assert "bare public keys (--trust PUB.pem) never check revocation" in bare.stdout
    refused = story.human(code, at(hours=1), "--status", story.signed)  # a trust list is no status list
    assert refused.exit_code == 3 and f"loaded (refused: {story.signed}: wrong_type)" in refused.stdout
    red = story.human(code, at(hours=1), "--unchecked", "red")
    assert red.exit_code == 1 and red.stdout.startswith("RED: DO NOT TRUST")
    assert "Reasons       status_not_checked" in red.stdout
    checked = story.human(code, at(hours=1), status=True)
    assert checked.exit_code == 0 and checked.stdout.startswith("GREEN: verified: all checks pass")
    plain = story.issue("a", at())  # no --db: no status entry
    no_entry = story.human(plain, at(hours=1))
    assert no_entry.exit_code == 0 and no_entry.stdout.startswith("GREEN: verified: all checks pass")
    assert "Status        none: this code has no status list entry (no list can revoke it)" in no_entry.stdout
    photo = photo_of(code, story.work / "card.png")
    scanned = run("scan", photo, *story.held(), "--now", at(hours=1), "--unchecked", "red")
    assert scanned.exit_code == 1 and "NOT CHECKED: the card may have been revoked" in scanned.stdout


# -- item 6: an unlisted enterprise -------------------------------------------------------------------


def test_an_unlisted_enterprise_is_named_and_yellow_or_red_by_policy(story: Story) -> None:
    """issue 9 item 6: with a directory held, a code whose USCC is not in it says so on the Enterprise
    line and carries enterprise_unlisted (yellow; --unlisted red makes it red)."""
    nb_with_key_a(story)
    code = story.issue("a", at())
    table = story.work / "others.tsv"
    lines = ENTERPRISES.read_text("utf-8").splitlines(keepends=True)
    table.write_text("".join(line for line in lines if "91330203MA2H123450" not in line), "utf-8")
    directory = story.work / "directory.cwt"
    story.ok("directory", "build", table, "--root-key", story.key("root"), "--out", directory, "--now", at())
    held = (*story.held(), "--directory", directory, "--now", at(hours=1))
    human = run("verify", code, *held)
    assert human.exit_code == 3, human.output
    assert (
        "Enterprise    USCC 91330203MA2H123450: NOT in the enterprise directory held (enterprise_unlisted)"
        in human.stdout
    )
    assert "Reasons       enterprise_unlisted" in human.stdout
    out = json.loads(run("verify", code, *held, "--json").stdout)
    assert (out["reasons"], out["enterprise"]) == (["enterprise_unlisted"], None)
    assert run("verify", code, *held, "--unlisted", "red").exit_code == 1
    listed = story.work / "all.cwt"
    story.ok(
        "directory", "build", ENTERPRISES, "--root-key", story.key("root"), "--out", listed, "--now", at()
    )
    found = run("verify", code, *story.held(), "--directory", listed, "--now", at(hours=1))
    assert (
        found.exit_code == 0 and f"Enterprise    {HAISHU_DAZHONG} (USCC 91330203MA2H123450)" in found.stdout
    )
    nothing = run("verify", code, *story.held(), "--now", at(hours=1))
    assert "(not checked against an enterprise directory: none given, --directory)" in nothing.stdout


# -- item 5: the verifier state ----------------------------------------------------------------------


def test_a_state_file_refuses_every_rolled_back_document(story: Story) -> None:
    """issue 9 item 5: --state FILE is created on first use and remembers the newest trust list,
    status list and directory; an older one is refused as rollback (trust list: exit 2; status list
    and directory: reported, the code judged without them); --trust-min-sequence still works."""
    nb_with_key_a(story)
    story.ok("status", "new", "--db", story.db)
    code = story.issue("a", at(), db=True)
    old_trust, old_status, old_dir, new_dir = (
        story.work / n for n in ("t1.cwt", "s1.cwt", "d1.cwt", "d2.cwt")
    )
    shutil.copy(story.signed, old_trust)
    story.publish(now=at())
    shutil.copy(story.status, old_status)
    story.sign(at(hours=1))
    story.publish(now=at(hours=1))
    for sequence, path in (("1", old_dir), ("2", new_dir)):
        story.ok("directory", "build", ENTERPRISES, "--root-key", story.key("root"), "--out", path,
                 "--sequence", sequence, "--now", at())  # fmt: skip
    state = story.work / "device" / "state.json"
    root = ("--root", story.pub("root"), "--now", at(hours=2), "--state", state)
    first = run(
        "verify", code, "--trust", story.signed, "--status", story.status, "--directory", new_dir, *root
    )
    assert first.exit_code == 0, first.output
    assert f"Trust list    sequence 2 (no older than the state in {state})" in first.stdout
    remembered = json.loads(state.read_bytes())
    assert remembered == {
        "format": 1,
        "trust_list_sequence": 2,
        "directory_sequence": 2,
        "status_lists": {"urn:anxinma:status:nb:0": int(dt.datetime.fromisoformat(at(hours=1)).timestamp())},
    }
    old = run("verify", code, "--trust", old_trust, *root)
    assert_one_error(old, 2, f"{old_trust}: rollback")
    rolled = run(
        "verify", code, "--trust", story.signed, "--status", old_status, "--directory", old_dir, *root
    )
    assert rolled.exit_code == 3, rolled.output
    assert f"Refused       {old_status} {REFUSED}: rollback" in rolled.stdout
    assert f"Refused       {old_dir} (directory, left out): rollback" in rolled.stdout
    assert "Reasons       status_not_checked" in rolled.stdout
    assert json.loads(state.read_bytes()) == remembered  # nothing older is remembered
    again = run("verify", code, "--trust", story.signed, "--status", story.status, *root)
    assert again.exit_code == 0  # the same documents again load
    legacy = run("verify", code, "--trust", old_trust, *root[:4], "--trust-min-sequence", "2")
    assert_one_error(legacy, 2, f"{old_trust}: rollback")


def test_the_state_file_is_never_lost_and_has_a_default_place(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 item 5: a file that is not a verifier state is refused (exit 2) and left as it was;
    --state alone uses $XDG_STATE_HOME/anxinma/verifier-state.json; --demo takes no state."""
    from anxinma.cli.statefile import default_path

    nb_with_key_a(story)
    code = story.issue("a", at())
    garbage = story.work / "notes.txt"
    garbage.write_text("my notes\n", "utf-8")
    refused = story.human(code, at(hours=1), "--state", garbage)
    assert_one_error(refused, 2, f"{garbage}: verifier state: not JSON")
    assert garbage.read_text("utf-8") == "my notes\n"
    home = story.work / "xdg"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    assert default_path() == home / "anxinma" / "verifier-state.json"
    done = story.human(code, at(hours=1), "--state")
    assert done.exit_code == 0, done.output
    saved = (home / "anxinma" / "verifier-state.json").read_bytes()
    assert saved == b'{"format":1,"trust_list_sequence":1,"directory_sequence":null,"status_lists":{}}\n'
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # not absolute: ignored, as XDG says
    assert default_path() == Path.home() / ".local" / "state" / "anxinma" / "verifier-state.json"
    photo = photo_of(code, story.work / "card.png")
    assert_one_error(run("scan", photo, "--demo", "--state", garbage), 2, "--state")
    assert os.path.exists(garbage)


def test_the_field_verifier_example_leaves_out_a_refused_list_and_keeps_a_state(story: Story) -> None:
    """issue 9 items 4 and 5 in examples/field_verifier.py: a refused status list is reported and
    left out (RED key_compromised, not exit 2); --state refuses an older trust list."""
    old_trust = story.work / "t1.cwt"
    nb_with_key_a(story)
    shutil.copy(story.signed, old_trust)
    code = compromised_after_publishing_again(story)
    state = story.work / "state.json"
    base = [sys.executable, str(FIELD_VERIFIER), "--now", at(hours=3), "--root", str(story.pub("root"))]
    held = ["--trust", str(story.signed), "--status", str(story.status), "--state", str(state)]
    done = subprocess.run([*base, *held, code], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    assert f"{story.status} refused, left out: key_compromised" in done.stderr
    assert "key_compromised, status_not_checked" in done.stdout
    assert "revocation NOT CHECKED" in done.stdout
    assert json.loads(state.read_bytes())["trust_list_sequence"] == 2
    old = subprocess.run([*base, "--trust", str(old_trust), "--state", str(state), code], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert old.returncode == 2 and "rollback" in old.stderr


REMEMBER = """
import datetime as dt, sys
from pathlib import Path
import anxinma
from anxinma.cli.statefile import remember
at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
list_id = int(sys.argv[2])
token = anxinma.StatusListToken("nb", list_id, at, at + dt.timedelta(days=1), anxinma.StatusList(131072))
for _ in range(5):
    remember(Path(sys.argv[1]), [token])
"""


def test_verifiers_writing_one_state_at_once_lose_nothing(tmp_path: Path) -> None:
    """issue 9 item 5: the state is re-read and written under a lock, so eight processes each
    remembering their own status list at the same time leave all eight in the file."""
    state = tmp_path / "state.json"
    runs = [
        subprocess.Popen([sys.executable, "-c", REMEMBER, str(state), str(n)], stderr=subprocess.PIPE)
        for n in range(8)
    ]
    assert [p.wait(timeout=120) for p in runs] == [0] * 8, [p.stderr.read() for p in runs if p.stderr]
    for p in runs:
        if p.stderr:
            p.stderr.close()
    remembered = json.loads(state.read_bytes())["status_lists"]
    assert sorted(remembered) == sorted(f"urn:anxinma:status:nb:{n}" for n in range(8))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left
