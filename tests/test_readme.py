"""The README's promises: two Quick start lines, the second one run verbatim by .ci/run."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block[1].splitlines() if line.strip()]


def test_quick_start_has_exactly_two_command_lines() -> None:
    lines = quick_start_lines()
    assert len(lines) == 2
    assert lines[0].endswith("anxinma demo")
    assert lines[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_line_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quick_start_lines()[1] in ci
    assert "set -euo pipefail" in ci


def library_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The library in ten lines", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None
    return block[1]


def test_the_library_snippet_runs_as_written(tmp_path: Path) -> None:
    """With worker.json and the keygen example's key pair in the folder (as the README says),
    the snippet runs unchanged, with every warning an error (an unclosed file is one)."""
    import shutil
    import subprocess
    import sys

    snippet = library_snippet()
    assert len([line for line in snippet.splitlines() if line.strip()]) <= 10
    readme = (ROOT / "README.md").read_text("utf-8")
    keygen = re.search(r"anxinma keygen --out-dir (\S+) --name (\S+)", readme)
    assert keygen is not None and f"{keygen[1]}/{keygen[2]}.key.pem" in snippet
    shutil.copyfile(ROOT / "examples" / "workers" / "reference.json", tmp_path / "worker.json")
    env = {**os.environ, "PYTHONWARNINGS": "error", "PYTHONDEVMODE": "1"}
    command = [sys.executable, "-m", "anxinma", "keygen", "--out-dir", keygen[1], "--name", keygen[2]]
    made = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, env=env)
    assert made.returncode == 0, made.stderr
    ran = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True,
                         check=False, env=env)  # fmt: skip
    assert ran.returncode == 0 and ran.stderr == "", ran.stderr
    assert ran.stdout.split(" ", 1)[0] in ("green", "yellow")  # the reference record's dates decide
    assert "王秀英" in ran.stdout
