"""What an installed agenda finds by itself: shipped codebooks by name, the engine it runs, and CI's rule on skips.

The installed wheel itself is tried by .ci/run (a fresh venv outside the checkout, run from /tmp).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from test_cli import run

import agenda
from agenda.cli import main
from agenda.shares import resolve_codebook, scan_coded
from agenda.shipped import CODEBOOKS, CORPUS
from conftest import REPO

TALK = "The two sides discussed arms control.\n\nUkraine and Ukraine again.\n\nNothing of note was said today.\n"


def test_the_shipped_codebooks_are_listed_as_their_files_say():
    files = sorted(CODEBOOKS.glob("*.yaml"))
    assert "us-russia-2021.yaml" in [f.name for f in files]
    expected = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["codebook"] == path.stem  # the id is the name -c takes
        expected.append((data["codebook"], str(data["version"]), data["title"], len(data["items"]), str(path)))
    assert agenda.codebooks().rows() == expected


def test_the_old_repository_paths_lead_to_the_shipped_files():
    shipped = CODEBOOKS / "us-russia-2021.yaml"
    assert (REPO / "codebook" / "us-russia-2021.yaml").read_bytes() == shipped.read_bytes()
    names = sorted(p.name for p in CORPUS.iterdir())
    assert sorted(p.name for p in (REPO / "examples" / "corpus").iterdir()) == names
    assert "metadata.csv" in names and "2021-12-07-kremlin-readout-ru.txt" in names


def test_a_shipped_codebook_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shipped = CODEBOOKS / "us-russia-2021.yaml"
    codebook = agenda.load_codebook("us-russia-2021")
    assert codebook.sha256 == hashlib.sha256(shipped.read_bytes()).hexdigest()
    (tmp_path / "talk.txt").write_text(TALK, encoding="utf-8")
    result = run("code", "talk.txt", "-c", "us-russia-2021", "-o", "by-name.csv", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    by_name = pl.read_csv(tmp_path / "by-name.csv")
    # Counted by hand: "arms control" once, "Ukraine" twice, nothing in the third paragraph.
    assert by_name.select("unit", "strategic_stability", "ukraine", "n_items").rows() == [
        (1, 1, 0, 1),
        (2, 0, 2, 1),
        (3, 0, 0, 0),
    ]
    assert run("code", "talk.txt", "-c", str(shipped), "-o", "by-path.csv", "-q", cwd=tmp_path).returncode == 0
    assert (tmp_path / "by-name.csv").read_bytes() == (tmp_path / "by-path.csv").read_bytes()


def test_a_file_of_that_name_comes_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "us-russia-2021").write_text(
        "codebook: local\nversion: '1'\nitems:\n  - {id: x, code: 1, label: X, terms: [x]}\n", encoding="utf-8"
    )
    assert agenda.load_codebook("us-russia-2021").id == "local"


def test_an_unknown_name_is_one_line_naming_the_shipped_ones(tmp_path):
    (tmp_path / "talk.txt").write_text(TALK, encoding="utf-8")
    result = run("code", "talk.txt", "-c", "us-russia", "-o", "out.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "agenda: error: us-russia: no such codebook file, nor a shipped codebook of that name "
        "(shipped: us-russia-2021)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.txt"]
    missing = run("code", "talk.txt", "-c", "cb/missing.yaml", "-o", "out.csv", cwd=tmp_path)
    assert missing.returncode == 2 and "cb/missing.yaml: no such file or folder" in missing.stderr


def test_the_codebooks_command_prints_the_table(tmp_path, monkeypatch):
    # As installed in a venv deep in the tree: the path, over 160 characters, is printed whole on one line.
    deep = tmp_path.joinpath(*["site-packages-of-a-long-venv-name"] * 5)
    deep.mkdir(parents=True)
    shipped = deep / "us-russia-2021.yaml"
    shipped.write_bytes((CODEBOOKS / "us-russia-2021.yaml").read_bytes())
    monkeypatch.setattr("agenda.shipped.CODEBOOKS", deep)
    result = CliRunner().invoke(main, ["codebooks"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3 and len(str(shipped)) > 160
    assert [cell.strip() for cell in lines[0].split("|")[1:-1]] == ["id", "version", "title", "items", "path"]
    row = [cell.strip() for cell in lines[2].split("|")[1:-1]]
    assert row == ["us-russia-2021", *[str(v) for v in agenda.codebooks().row(0)[1:4]], str(shipped)]


@pytest.mark.parametrize(
    ("native", "engine"), [("1", "native (agenda.engine._scan, with polars)"), ("0", "polars (AGENDA_NATIVE=0)")]
)
def test_version_names_the_engine(native, engine):
    result = run("--version", env={"AGENDA_NATIVE": native})
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"agenda {agenda.__version__} (agenda-codebook), engine: {engine}\n"


def test_no_skip_rule_turns_a_skip_into_an_error(tmp_path):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "test_skipping.py").write_text(
        textwrap.dedent(
            """
            import pytest

            def test_skipped():
                pytest.skip("no data here")

            @pytest.mark.skipif(True, reason="never here")
            def test_marked():
                pass

            @pytest.mark.xfail(reason="known")
            def test_expected_to_fail():
                assert False
            """
        ),
        encoding="utf-8",
    )

    def pytest_run(no_skip: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "AGENDA_NO_SKIP": no_skip, "PYTHONPATH": str(Path(__file__).parent)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", "tmp"]
        return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env)

    allowed = pytest_run("0")
    assert allowed.returncode == 0, allowed.stdout
    assert "2 skipped, 1 xfailed" in allowed.stdout
    strict = pytest_run("1")
    assert strict.returncode == 1, strict.stdout
    assert "1 failed, 1 xfailed, 1 error" in strict.stdout
    assert "AGENDA_NO_SKIP=1 allows no skip: Skipped: no data here" in strict.stdout
    assert "AGENDA_NO_SKIP=1 allows no skip: Skipped: never here" in strict.stdout


def test_a_table_coded_with_a_shipped_codebook_finds_it_again(tmp_path, monkeypatch):
    # No codebook beside the table nor in ./codebook: its provenance (id and sha256) leads to the shipped one.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talk.txt").write_text(TALK, encoding="utf-8")
    assert run("code", "talk.txt", "-c", "us-russia-2021", "-o", "coded.csv", "-q", cwd=tmp_path).returncode == 0
    frame, provenance = scan_coded(tmp_path / "coded.csv")
    found = resolve_codebook(None, frame.collect_schema().names(), provenance, tmp_path / "coded.csv")
    assert Path(found.source) == CODEBOOKS / "us-russia-2021.yaml"
