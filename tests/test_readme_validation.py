"""The README's validation walk-through runs as written on examples/, and prints what it shows."""

import os
import subprocess
import sys

import pytest

from conftest import REPO

SECTION = "### A validation study, end to end"


def steps() -> list[tuple[str, list[str]]]:
    """Each `$ ` command of the section with the output lines shown under it ('...' lines left out)."""
    text = (REPO / "README.md").read_text("utf-8")
    body = text[text.index(SECTION) :]
    end = body.find("\n## ", 1)
    body = body if end < 0 else body[:end]
    found: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("    $ "):
            found.append((line[6:], []))
        elif line.startswith("    ") and found and line.strip() != "...":
            found[-1][1].append(line[4:].rstrip())
        elif not line.startswith("    ") and line.strip() and found:
            found.append(("", []))  # prose ends the block: output lines belong to no command
    return [(command, shown) for command, shown in found if command]


def test_the_walk_through_is_there():
    commands = [command.split()[1] for command, _ in steps() if command.startswith("agenda ")]
    assert commands == [
        *["sample", "sample-size", "agree", "agree", "rule-precision", "alpha", "diff"],
        *["code", "shares", "corrected-shares"],
    ]


@pytest.mark.skipif(not (REPO / "examples" / "corpus").exists(), reason="needs examples/ of a checkout")
def test_the_walk_through_runs_as_written(tmp_path):
    for name in ("examples", "codebook"):
        (tmp_path / name).symlink_to(REPO / name)
    env = {**os.environ, "PY": sys.executable}
    for command, shown in steps():
        script = 'agenda() { "$PY" -m agenda "$@"; }\n' + command
        run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
        expected = 1 if command.startswith("agenda diff") else 0  # diff: 1 when anything changes
        assert run.returncode == expected, f"{command}\n{run.stderr}"
        printed = {line.rstrip() for line in (run.stdout + run.stderr).splitlines()}
        for line in shown:
            assert line in printed, f"{command}\nREADME shows: {line}\nprinted:\n{run.stdout}{run.stderr}"
    assert (tmp_path / "sheet.csv").exists() and (tmp_path / "confusion.png").exists()
