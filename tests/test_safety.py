"""Writing safely: outputs never replace inputs, full or read-only disks give one line and no
partial file, a CSV and its meta file are replaced together, stale temporaries are removed,
options are bounded when parsed, and Ctrl-C exits 130 with one message."""

from __future__ import annotations

import errno
import importlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda import safe_write
from agenda.cli import main
from agenda.errors import AgendaError

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = """codebook: safety
version: '1'
items:
  - {id: ukraine, code: 1, label: Ukraine, terms: [Ukrain*, Kyiv]}
  - {id: iran, code: 2, label: Iran, terms: [Iran]}
"""
ROWS = [
    ("d1", "Ukraine and Iran were discussed.\n\nKyiv said little of the weather today.", "A", "2021-12-07"),
    ("d2", "Iran again, and Iran once more.\n\nNothing else was said in the room.", "B", "2021-12-08"),
    ("d3", "Ukraine, Ukraine and the weather.\n\nA last paragraph of plain words here.", "A", "2022-01-10"),
]


def cli(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result) -> str:
    """The single stderr line of a refused command (exit status 2)."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("agenda: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def snapshot(root: Path) -> dict[str, object]:
    """Every file, link and folder under root with its bytes (or link target)."""
    seen: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[key] = "folder"
            else:
                seen[key] = (path.stat().st_ino, path.read_bytes())
    return seen


@pytest.fixture
def world(tmp_path):
    """A codebook, a table corpus, a folder corpus with metadata, a coded table, gold codes, a dictionary."""
    (tmp_path / "cb.yaml").write_text(CODEBOOK)
    pl.DataFrame(ROWS, schema=["doc_id", "text", "source", "date"], orient="row").write_csv(tmp_path / "corpus.csv")
    folder = tmp_path / "folder"
    folder.mkdir()
    for doc_id, text, *_ in ROWS:
        (folder / f"{doc_id}.txt").write_text(text)
    (folder / "metadata.csv").write_text(
        "file,source,date\n" + "".join(f"{d}.txt,{s},{t}\n" for d, _, s, t in ROWS), "utf-8"
    )
    coded = cli("code", tmp_path / "corpus.csv", "-c", tmp_path / "cb.yaml", "-o", tmp_path / "coded.csv", "-q")
    assert coded.exit_code == 0, coded.output
    cli("code", tmp_path / "corpus.csv", "-c", tmp_path / "cb.yaml", "--keep-text", "-o", tmp_path / "text.csv", "-q")
    gold = pl.read_csv(tmp_path / "coded.csv").select("doc_id", "unit", "ukraine", "iran")
    gold.with_columns(pl.col("ukraine", "iran").clip(0, 1)).write_csv(tmp_path / "gold.csv")
    shutil.copy(REPO / "tests" / "data" / "dictionaries" / "policy.yml", tmp_path / "dict.yml")
    return tmp_path


def commands(w: Path) -> dict[str, list]:
    """Every writing command, with -o OUT last (OUT filled in by the test)."""
    corpus, cb, coded = w / "corpus.csv", w / "cb.yaml", w / "coded.csv"
    return {
        "code": ["code", corpus, "-c", cb, "-o"],
        "code-folder": ["code", w / "folder", "-c", cb, "-o"],
        "shares": ["shares", coded, "-c", cb, "-o"],
        "plot": ["plot", coded, "-c", cb, "-o"],
        "kwic": ["kwic", corpus, "-c", cb, "-o"],
        "rules": ["rules", corpus, "-c", cb, "-o"],
        "suggest": ["suggest", corpus, "-c", cb, "--item", "iran", "--min-count", "1", "-o"],
        "agree": ["agree", coded, "--gold", w / "gold.csv", "-c", cb, "--bootstrap", "10", "-o"],
        "disagreements": ["agree", w / "text.csv", "--gold", w / "gold.csv", "--bootstrap", "0", "--disagreements"],
        "import": ["import", w / "dict.yml", "-q", "-o"],
        "export": ["export", coded, "-o"],
        "export-codebook": ["export-codebook", cb, "-q", "-o"],
    }


FRESH = {"plot": "fresh.png", "import": "fresh.yaml", "export-codebook": "fresh.yml"}

# (command, the output given, what the output is made of before the run)
REFUSED = [
    ("code", "corpus.csv", None),
    ("code", "same.csv", ("symlink", "corpus.csv")),
    ("code", "same.csv", ("hardlink", "corpus.csv")),
    ("code", "cb.yaml.csv", ("symlink", "cb.yaml")),
    ("code-folder", "folder/metadata.csv", None),
    ("code-folder", "folder/new.csv", None),
    ("code-folder", "folder/sub/../x.parquet", None),
    ("code-folder", "meta.csv", ("hardlink", "folder/metadata.csv")),
    ("code-folder", "into.csv", ("symlink", "folder")),
    ("shares", "coded.csv", None),
    ("shares", "same.parquet", ("symlink", "coded.csv")),
    ("plot", "chart.png", ("hardlink", "coded.csv")),
    ("plot", "chart.png", ("symlink", "cb.yaml")),
    ("kwic", "corpus.csv", None),
    ("rules", "corpus.csv", None),
    ("rules", "same.csv", ("hardlink", "corpus.csv")),
    ("suggest", "corpus.csv", None),
    ("agree", "coded.csv", None),
    ("agree", "gold.csv", None),
    ("disagreements", "text.csv", None),
    ("disagreements", "gold.csv", None),
    ("import", "dict.yml", None),
    ("import", "cb.yaml", ("hardlink", "dict.yml")),
    ("export", "coded.csv", None),
    ("export", "x.csv", ("hardlink", "coded.csv")),
    ("export-codebook", "cb.yaml", None),
    ("export-codebook", "cb.yml", ("symlink", "cb.yaml")),
]


@pytest.mark.parametrize("command, given, made", REFUSED, ids=[f"{c}:{g}" for c, g, _ in REFUSED])
def test_an_output_that_is_an_input_is_refused_and_nothing_changes(world, command, given, made):
    args = commands(world)[command]
    out = world / given
    if made:
        kind, target = made
        if out.exists() or out.is_symlink():
            out.unlink()
        (os.symlink if kind == "symlink" else os.link)(world / target, out)
    before = snapshot(world)
    line = one_line_error(cli(*args, out))
    assert "input" in line or "corpus folder" in line or "link" in line, line
    assert snapshot(world) == before  # no input changed, no file added, no temporary left
    fresh = cli(*args, world / FRESH.get(command, "fresh.csv"))  # the same command writes elsewhere
    assert fresh.exit_code == 0, fresh.output


def test_the_meta_file_beside_a_csv_output_must_not_be_an_input(world):
    cb = world / "out.csv.meta.json"
    shutil.copy(world / "cb.yaml", cb)
    line = one_line_error(cli("code", world / "corpus.csv", "-c", cb, "-o", world / "out.csv"))
    assert "out.csv.meta.json" in line and not (world / "out.csv").exists()
    read_meta = one_line_error(
        cli("shares", world / "coded.csv", "-o", world / "coded.csv.meta.json", "--format", "csv")
    )
    assert "coded.csv.meta.json" in read_meta  # shares reads coded.csv.meta.json beside the table


def test_the_two_outputs_of_agree_must_differ(world):
    args = commands(world)["disagreements"]
    line = one_line_error(cli(*args, world / "d.csv", "-o", world / "d.csv"))
    assert "named twice" in line and not (world / "d.csv").exists()


def test_demo_refuses_to_write_into_the_corpus_it_reads(world, monkeypatch):
    demo_module = importlib.import_module("agenda.demo")  # agenda.demo is the function
    corpus = world / "examples"
    shutil.copytree(REPO / "examples" / "corpus", corpus)
    monkeypatch.setattr(demo_module, "CORPUS", corpus)
    before = snapshot(world)
    line = one_line_error(cli("demo", "-o", corpus / "demo"))
    assert "inside the corpus folder" in line and snapshot(world) == before
    (world / "out").mkdir()
    shutil.copy(world / "cb.yaml", world / "out" / "coded.csv")  # a codebook where the demo writes its table
    with pytest.raises(AgendaError, match="replace an input"):
        demo_module.demo(world / "out", corpus=corpus, codebook=world / "out" / "coded.csv")


def test_the_python_api_refuses_too(world):
    with pytest.raises(AgendaError, match="replace an input"):
        agenda.code_to(world / "corpus.csv", world / "cb.yaml", world / "corpus.csv")
    with pytest.raises(AgendaError, match="inside the corpus folder"):
        agenda.code_to([world / "corpus.csv", world / "folder"], world / "cb.yaml", world / "folder" / "x.parquet")
    with pytest.raises(AgendaError, match="another name"):
        os.link(world / "coded.csv", world / "linked.csv")
        agenda.export_table(world / "coded.csv", world / "linked.csv")


# --- full disks, read-only folders -------------------------------------------------------------


@pytest.fixture
def tiny_disk():
    """A 64 KB tmpfs (root only); skipped where it cannot be mounted."""
    mount = Path(tempfile.mkdtemp(prefix="agenda-tiny-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a small tmpfs to fill: {done.stderr.decode().strip() or 'not root'}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)
    mount.rmdir()


def big_corpus(folder: Path, paragraphs: int = 4000, docs: int = 4) -> Path:
    """A corpus of `docs` documents that compresses poorly (random words), with Ukraine in every paragraph."""
    rng = random.Random(7)
    words = [f"w{rng.getrandbits(40):x}" for _ in range(5000)]
    each = paragraphs // docs
    texts = ["\n\n".join(f"On Ukraine {' '.join(rng.choices(words, k=6))}." for _ in range(each)) for _ in range(docs)]
    path = folder / "big.csv"
    pl.DataFrame({"doc_id": [f"d{i}" for i in range(docs)], "text": texts}).write_csv(path)
    return path


@pytest.mark.parametrize("suffix", ["csv", "parquet", "dta", "sav"])
def test_a_full_disk_gives_one_line_and_leaves_nothing(world, tiny_disk, suffix):
    out = tiny_disk / f"coded.{suffix}"
    keep = tiny_disk / "keep.txt"
    keep.write_text("an earlier file\n")
    result = cli("code", big_corpus(world), "-c", world / "cb.yaml", "--keep-text", "-o", out)
    line = one_line_error(result)
    assert str(out) in line and ("No space left on device" in line or "Unable to write" in line), line
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["keep.txt"]


def test_a_read_only_file_system(world):
    mount = Path(tempfile.mkdtemp(prefix="agenda-ro-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a read-only tmpfs: {done.stderr.decode().strip() or 'not root'}")
    try:
        for args, out in [
            (["code", world / "corpus.csv", "-c", world / "cb.yaml", "-o"], "c.parquet"),
            (["shares", world / "coded.csv", "-o"], "s.csv"),
            (["plot", world / "coded.csv", "-o"], "p.svg"),
            (["import", world / "dict.yml", "-o"], "d.yaml"),
            (["export-codebook", world / "cb.yaml", "-o"], "d.dic"),
            (["export", world / "coded.csv", "-o"], "e.dta"),
        ]:
            line = one_line_error(cli(*args, mount / out))
            assert f"{mount / out}: cannot write: Read-only file system" in line, line
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)
        mount.rmdir()


def test_a_folder_the_user_cannot_write(world):
    """As root every folder is writable, so the CLI runs as nobody (setpriv); skipped where it cannot."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the command line as another user")
    base = Path(tempfile.mkdtemp(prefix="agenda-perm-"))
    try:
        for name in ("corpus.csv", "cb.yaml"):
            shutil.copy(world / name, base / name)
        locked = base / "locked"
        locked.mkdir()
        (locked / "old.csv").write_text("old\n")
        for path in (base, base / "corpus.csv", base / "cb.yaml"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        locked.chmod(0o555)
        command = [setpriv, "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", sys.executable, "-m"]
        probe = subprocess.run([*command, "site"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"python cannot run as nobody here: {probe.stderr.strip()[:200]}")
        done = subprocess.run(
            [*command, "agenda", "code", "corpus.csv", "-c", "cb.yaml", "-o", "locked/old.csv"],
            capture_output=True,
            text=True,
            cwd=base,
            env={**os.environ, "HOME": str(base)},
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == "agenda: error: locked/old.csv: cannot write: Permission denied"
        assert sorted(p.name for p in locked.iterdir()) == ["old.csv"] and (locked / "old.csv").read_text() == "old\n"
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize(
    "failure, reason",
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "Disk quota exceeded"),
        (OSError("No space left on device (os error 28)"), "No space left on device"),  # as polars raises it
        (pl.exceptions.ComputeError("parquet: underlying IO error: Disk quota exceeded (os error 122)"), "quota"),
    ],
)
def test_every_os_error_of_a_writer_is_one_line(world, monkeypatch, failure, reason):
    """Without a small disk: the writers raise what polars and the OS raise on a full disk or quota."""

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(pl.DataFrame, "write_csv", fail)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", fail)
    for command in ("shares", "kwic", "rules", "agree"):
        for suffix in ("csv", "parquet"):
            out = world / f"{command}.{suffix}"
            line = one_line_error(cli(*commands(world)[command], out))
            assert line.startswith(f"agenda: error: {out}: cannot write: ") and reason in line, line
    assert not [p for p in world.iterdir() if p.name.startswith(".")]


def test_an_error_that_is_not_the_systems_stays_an_error():
    with pytest.raises(ValueError), safe_write.writing("x.csv"):
        int("not a number")


# --- a CSV and its meta file, one unit ---------------------------------------------------------


def test_the_meta_file_is_renamed_before_the_table_and_both_after_all_is_written(world, monkeypatch):
    renamed = []
    real = os.replace

    def replace(src, dst):
        assert all(not Path(d).name.startswith(".") for d in renamed)
        renamed.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    written = agenda.write_table(pl.DataFrame({"doc_id": ["a"], "unit": [1]}), world / "t.csv", {"codebook": "x"})
    assert renamed == ["t.csv.meta.json", "t.csv"] and [p.name for p in written] == ["t.csv", "t.csv.meta.json"]
    renamed.clear()
    agenda.code_to(world / "corpus.csv", world / "cb.yaml", world / "s.csv", batch_bytes=1)
    assert renamed == ["s.csv.meta.json", "s.csv"]
    meta = json.loads((world / "s.csv.meta.json").read_text())
    assert meta["rows"] == pl.read_csv(world / "s.csv").height == 6


def test_a_failed_meta_file_keeps_the_old_table(world, monkeypatch):
    out = world / "coded.csv"
    before = snapshot(world)
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if ".meta.json" in self.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(AgendaError, match=r"coded.csv.meta.json: cannot write: No space left on device"):
        agenda.code_to(world / "corpus.csv", world / "cb.yaml", out, keep_text=True)
    assert snapshot(world) == before


# --- stale temporaries -------------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_a_dead_run_are_removed_and_reported(world):
    out = world / "out.parquet"
    dead = dead_pid()
    stale_file = world / f".out.parquet.agenda-{dead}-0123abcd.tmp"
    stale_file.write_text("half a table")
    stale_parts = world / f".out.parquet.agenda-{dead}-89abcdef.parts"
    stale_parts.mkdir()
    (stale_parts / "000000.parquet").write_text("a part")
    alive = world / f".out.parquet.agenda-{os.getpid()}-00000000.tmp"  # this process: running
    alive.write_text("mine")
    other = world / f".other.csv.agenda-{dead}-0123abcd.tmp"  # another output's: not ours to touch
    other.write_text("x")
    result = cli("code", world / "corpus.csv", "-c", world / "cb.yaml", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert not stale_file.exists() and not stale_parts.exists() and alive.exists() and other.exists()
    removed = [line for line in result.stderr.splitlines() if "left by an interrupted run" in line]
    assert len(removed) == 2 and all(f"(process {dead})" in line for line in removed)


def test_a_run_killed_with_sigkill_leaves_temporaries_the_next_run_removes(tmp_path):
    (tmp_path / "cb.yaml").write_text(CODEBOOK)
    big_corpus(tmp_path, paragraphs=40_000, docs=400)
    slow = "import agenda; agenda.code_to('big.csv', 'cb.yaml', 'out.parquet', batch_bytes=2**12)"  # 400 batches
    proc = subprocess.Popen([sys.executable, "-c", slow], cwd=tmp_path)
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob(".out.parquet.agenda-*.parts/*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not list(tmp_path.glob(".out.parquet.agenda-*")):
        pytest.skip("the run finished before it could be killed")
    args = [sys.executable, "-m", "agenda", "code", "big.csv", "-c", "cb.yaml", "-o", "out.parquet", "-q"]
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"left by an interrupted run (process {proc.pid})" in again.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert pl.read_parquet(tmp_path / "out.parquet")["ukraine"].sum() == 40_000


# --- options -----------------------------------------------------------------------------------

BAD_OPTIONS = [
    ("shares", ["--seed", "-1"], "--seed"),
    ("shares", ["--resamples", "100000000"], "--resamples"),
    ("shares", ["--resamples", "0"], "--resamples"),
    ("shares", ["--level", "1.5"], "--level"),
    ("plot", ["--seed", "-1"], "--seed"),
    ("plot", ["--dpi", "2400", "--width", "40", "--height", "40"], "96,000 x 96,000 pixels"),
    ("plot", ["--dpi", "2400", "--width", "20"], "48,000 pixels wide"),
    ("plot", ["--dpi", "10"], "--dpi"),
    ("plot", ["--width", "0"], "--width"),
    ("plot", ["--height", "1e9"], "--height"),
    ("plot", ["--resamples", "-5"], "--resamples"),
    ("agree", ["--seed", "-1"], "--seed"),
    ("agree", ["--bootstrap", "100000000"], "--bootstrap"),
    ("kwic", ["--seed", "-1", "--sample", "2"], "--seed"),
    ("kwic", ["--sample", "0"], "--sample"),
    ("kwic", ["--window", "-1"], "--window"),
    ("kwic", ["--window", "100000000"], "--window"),
    ("suggest", ["--top", str(10**20)], "--top"),
    ("suggest", ["--top", "0"], "--top"),
    ("suggest", ["--min-count", "0"], "--min-count"),
    ("code", ["--encoding", "no-such-codec"], "--encoding"),
]


@pytest.mark.parametrize("command, options, named", BAD_OPTIONS, ids=[f"{c}{o}" for c, o, _ in BAD_OPTIONS])
def test_options_out_of_bounds_are_refused_when_parsed(world, command, options, named, monkeypatch):
    shares_module = importlib.import_module("agenda.shares")

    def no_work(*args, **kwargs):
        raise AssertionError("the command started work with a bad option")

    for name in ("shares", "scan_coded"):
        monkeypatch.setattr(shares_module, name, no_work)
    out = world / ("o.png" if command == "plot" else "o.csv")
    line = one_line_error(cli(*commands(world)[command], out, *options))
    assert named in line, line
    assert not out.exists()


def test_explain_unit_counts_from_one(world):
    line = one_line_error(cli("explain", world / "corpus.csv", "-c", world / "cb.yaml", "--doc", "d1", "--unit", "0"))
    assert "--unit" in line


def test_a_tall_png_by_its_content_is_refused_before_it_is_drawn(world):
    n = 600
    many = pl.DataFrame(
        {"item": [f"i{i}" for i in range(n)], "label": ["x"] * n, "units": [1] * n, "share": [0.5] * n},
    ).with_columns(ci_low=pl.lit(None, pl.Float64), ci_high=pl.lit(None, pl.Float64))
    with pytest.raises(AgendaError, match=r"the PNG would be 1,950 x \d\d,\d\d\d pixels"):
        agenda.plot_shares(many, world / "tall.png", dpi=300)
    assert not (world / "tall.png").exists()


# --- Ctrl-C ------------------------------------------------------------------------------------


def test_interrupt_removes_temporaries_and_tells_what_was_written(tmp_path, monkeypatch, capsys):
    def exit_(code):
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(safe_write, "written", [])
    group = safe_write.Replacement()
    tmp = group.temporary(tmp_path / "a.csv")
    with pytest.raises(SystemExit) as stop:
        safe_write.interrupt(signal.SIGINT, None)
    assert stop.value.code == 130 and not tmp.exists()
    assert capsys.readouterr().err == "agenda: interrupted; no output was written\n"
    safe_write.write_atomic(tmp_path / "b.csv", lambda t: t.write_text("b"))
    with pytest.raises(SystemExit):  # held back while a group is renamed, then taken
        with safe_write.hold_interrupt():
            safe_write.interrupt(signal.SIGINT, None)
            assert (tmp_path / "b.csv").read_text() == "b"
    assert capsys.readouterr().err == f"agenda: interrupted; written before the interruption: {tmp_path / 'b.csv'}\n"


def test_an_interruption_counts_many_files_and_says_what_other_processes_wrote(monkeypatch, capsys):
    def exit_(code):
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(safe_write, "written", [f"p{i}.csv" for i in range(1, 8)])
    with safe_write.writing_elsewhere(lambda: "3 partitions in ds"), pytest.raises(SystemExit):
        safe_write.interrupt(signal.SIGINT, None)
    expected = "p1.csv, p2.csv, p3.csv, 4 more, the last p7.csv, 3 partitions in ds"
    assert capsys.readouterr().err == f"agenda: interrupted; written before the interruption: {expected}\n"
    monkeypatch.setattr(safe_write, "written", [])
    with safe_write.writing_elsewhere(lambda: None), pytest.raises(SystemExit):
        safe_write.interrupt(signal.SIGINT, None)
    assert capsys.readouterr().err == "agenda: interrupted; no output was written\n"


def test_ctrl_c_exits_130_with_one_message_at_any_moment(tmp_path):
    """SIGINT at several moments of a run: one line, exit 130, and the output either absent or whole.

    Each run is interrupted a given time after its first temporary appears (the command has started;
    before that, Python is still importing polars, and Ctrl-C there is Python's own).
    """
    (tmp_path / "cb.yaml").write_text(CODEBOOK)
    rows = 60_000
    big_corpus(tmp_path, paragraphs=rows, docs=60)
    args = [sys.executable, "-m", "agenda", "code", "big.csv", "-c", "cb.yaml", "--keep-text", "-o", "out.csv", "-q"]
    outcomes = set()
    out, meta_file = tmp_path / "out.csv", tmp_path / "out.csv.meta.json"
    for delay in (0.0, 0.05, 0.2, 0.4, 0.7, 1.0, 1.5):
        out.write_text("doc_id,unit\nold,1\n")  # an earlier pair, to be replaced whole or kept whole
        meta_file.write_text('{"rows": 1}\n')
        proc = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.csv.agenda-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
        assert left == [], left
        assert "Traceback" not in err and "Exception ignored" not in err, err
        if proc.returncode == 0:
            outcomes.add("finished")
        else:
            assert proc.returncode == 130, (proc.returncode, err)
            assert len(err.strip().splitlines()) == 1, err
            if "no output was written" in err:
                assert out.read_text() == "doc_id,unit\nold,1\n" and meta_file.read_text() == '{"rows": 1}\n'
                outcomes.add("nothing")
            else:
                assert "written before the interruption" in err, err
                outcomes.add("written")
        meta = json.loads(meta_file.read_text())  # the old pair or the new one, never one of each
        assert meta["rows"] == pl.read_csv(out).height in (1, rows)
    assert "nothing" in outcomes, outcomes


def test_columns_csv_cannot_hold_are_refused_naming_the_column(world):
    table = pl.DataFrame({"doc_id": ["a"], "text": ["Ukraine"], "tags": [["x", "y"]]})
    table.write_parquet(world / "nested.parquet")
    for out in (world / "n.csv", "-"):
        line = one_line_error(cli("code", world / "nested.parquet", "-c", world / "cb.yaml", "-o", out))
        assert "column 'tags' holds List values" in line, line  # refused when the corpus is read
    assert not (world / "n.csv").exists()
    assert cli("code", world / "nested.parquet", "-c", world / "cb.yaml", "-o", world / "n.parquet").exit_code == 2
    assert not (world / "n.parquet").exists()
