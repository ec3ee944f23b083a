"""The command line as a user runs it: exit codes, one-line errors, atomic and reproducible outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

CODEBOOK = """codebook: cli-test
version: 0.1.0
units: {min_words: 2, drop: ['^Related Posts$']}
items:
  - {id: ukraine, code: 1, label: Ukraine, terms: [Ukrain*, Kyiv, Украин*]}
  - {id: arms, code: 2, label: Arms control, terms: [arms control, New START*, ДСНВ]}
"""
CORPUS = "Ukraine and arms control.\n\nRelated Posts\n\nKyiv said little.\n\nНовый ДСНВ и Украина.\n"


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agenda", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def project(write):
    write("cb.yaml", CODEBOOK)
    return write("doc.txt", CORPUS).parent


def test_code_wide_csv_with_meta(project):
    result = run("code", "doc.txt", "-c", "cb.yaml", "-o", "out.csv", cwd=project)
    assert result.returncode == 0, result.stderr
    table = pl.read_csv(project / "out.csv")
    assert table.columns == ["doc_id", "unit", "n_words", "ukraine", "arms", "n_items", "primary"]
    assert table["unit"].to_list() == [1, 3, 4]  # paragraph 2 is boilerplate, numbers stay
    assert table["ukraine"].to_list() == [1, 1, 1]
    assert table["arms"].to_list() == [1, 0, 1]
    meta = json.loads((project / "out.csv.meta.json").read_text())
    assert meta["codebook"] == "cli-test" and meta["codebook_version"] == "0.1.0"
    assert len(meta["codebook_sha256"]) == 64 and meta["agenda_version"]


def test_code_long_parquet_with_provenance(project):
    assert run("code", "doc.txt", "-c", "cb.yaml", "-o", "out.parquet", "--long", cwd=project).returncode == 0
    table = pl.read_parquet(project / "out.parquet")
    assert table.rows() == [
        ("doc", 1, "ukraine", 1, "ukraine"),
        ("doc", 1, "arms", 1, "arms control"),
        ("doc", 3, "ukraine", 1, "kyiv"),
        ("doc", 4, "ukraine", 1, "украина"),
        ("doc", 4, "arms", 1, "дснв"),
    ]
    meta = pl.read_parquet_metadata(project / "out.parquet")
    assert meta["codebook"] == "cli-test" and len(meta["codebook_sha256"]) == 64


def test_stdout(project):
    result = run("code", "doc.txt", "-c", "cb.yaml", "-o", "-", "-q", cwd=project)
    assert result.stdout.splitlines()[0] == "doc_id,unit,n_words,ukraine,arms,n_items,primary"
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args, files, message",
    [
        (["code", "doc.txt", "-c", "broken.yaml"], {"broken.yaml": "items: [\n"}, "broken.yaml: line 2"),
        (["code", "doc.txt", "-c", "schema.yaml"], {"schema.yaml": "codebook: x\nversion: '1'\nitems: []\n"}, "items"),
        (
            ["code", "doc.txt", "-c", "regex.yaml"],
            {"regex.yaml": "codebook: x\nversion: '1'\nitems:\n  - {id: a, code: 1, label: A, patterns: ['(']}\n"},
            "item 'a': invalid pattern '('",
        ),
        (
            ["code", "t.csv", "-c", "cb.yaml", "--text-column", "body"],
            {"t.csv": "doc_id,text\na,b\n"},
            "no text column",
        ),
        (["code", "bad.txt", "-c", "cb.yaml"], {"bad.txt": b"ok \xff\xfe"}, "bad.txt: not valid utf-8 at byte 3"),
        (["code", "empty.txt", "-c", "cb.yaml"], {"empty.txt": "\n\n"}, "the corpus is empty"),
        (["code", "missing.txt", "-c", "cb.yaml"], {}, "missing.txt: no such file"),
        (["code", "doc.txt", "-c", "cb.yaml", "-o", "x.xlsx"], {}, "unknown output format '.xlsx'"),
    ],
)
def test_bad_input_one_line_exit_2_no_output(project, write, args, files, message):
    for name, content in files.items():
        write(name, content)
    out = project / "out.csv"
    if "-o" not in args:
        args = [*args, "-o", str(out)]
    result = run(*args, cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("agenda: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(project.glob(".out*"))


def test_debug_shows_traceback(project, write):
    write("broken.yaml", "items: [\n")
    result = run("--debug", "code", "doc.txt", "-c", "broken.yaml", "-o", "o.csv", cwd=project)
    assert "Traceback" in result.stderr


def test_outputs_are_byte_identical_across_runs_and_threads(project):
    for name, env in (("a", {}), ("b", {}), ("c", {"POLARS_MAX_THREADS": "1"})):
        for suffix in ("csv", "parquet"):
            args = ["code", "doc.txt", "-c", "cb.yaml", "-o", f"{name}.{suffix}", "-q"]
            assert run(*args, env=env, cwd=project).returncode == 0
    for suffix in ("csv", "parquet", "csv.meta.json"):
        data = {(project / f"{n}.{suffix}").read_bytes() for n in "abc"}
        assert len(data) == 1, suffix


def test_failed_write_leaves_existing_output_untouched(project, monkeypatch):
    import agenda
    from agenda.export import write_table

    out = project / "out.csv"
    out.write_text("previous results\n")

    def explode(self, file):
        Path(file).write_text("doc_id,unit\npartial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_csv", explode)
    table = agenda.code(project / "doc.txt", project / "cb.yaml")
    with pytest.raises(KeyboardInterrupt):
        write_table(table, out, {})
    assert out.read_text() == "previous results\n"
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []


def test_killed_run_never_leaves_a_truncated_table(write, project):
    big = "\n\n".join(f"Paragraph {i} on Ukraine and arms control, with Kyiv." for i in range(300_000))
    write("big.txt", big)
    out = project / "out.csv"
    out.write_text("previous results\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenda", "code", "big.txt", "-c", "cb.yaml", "-o", "out.csv"], cwd=project
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    content = out.read_text()
    # Killed before the rename: the old file; after it: the whole table, never a part of it.
    assert content == "previous results\n" or pl.read_csv(out).height == 300_000
