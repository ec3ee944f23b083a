"""The Dask path on a LocalCluster of 2 worker processes: the rows and shares of one process, a worker killed mid-run.

The cluster is made once for the module (starting worker processes takes seconds); it listens on
127.0.0.1 only, without a dashboard. CI runs these in its first suite run (`make` installs the
[dask] extra), where AGENDA_NO_SKIP=1 makes a missing Dask a failure rather than a skip.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from test_shard import write_table_corpus

import agenda
from agenda.cli import main
from agenda.dataset import scan_dataset

distributed = pytest.importorskip("distributed", reason="needs the [dask] extra: pip install 'agenda-codebook[dask]'")
dask = pytest.importorskip("dask")

CODEBOOK = """codebook: test
version: '1'
items:
  - {id: arms, code: 1, label: Arms control, terms: {en: [arms control]}}
  - {id: ukraine, code: 2, label: Ukraine, terms: {en: [ukraine]}}
  - {id: energy, code: 3, label: Energy, terms: {en: [gas]}}
"""


@pytest.fixture(scope="module")
def client():
    from agenda.distributed import connect

    connected, cluster = connect("local:2")  # as `--dask local:2` makes it: processes, 127.0.0.1, no dashboard
    with connected:
        yield connected
    cluster.close()


@pytest.fixture()
def corpus(tmp_path):
    write_table_corpus(tmp_path, 80)
    codebook = tmp_path / "cb.yaml"
    codebook.write_text(CODEBOOK)
    return tmp_path, codebook


def test_dask_gives_the_rows_and_shares_of_one_process_and_of_shards(client, corpus):
    folder, codebook = corpus
    single = folder / "single.csv"
    agenda.code_to(folder / "news.csv", codebook, single)
    one = agenda.code_dataset(folder / "news.csv", codebook, folder / "one", dask=client, partition_bytes=2**30)
    seventh = (folder / "news.csv").stat().st_size // 7
    seven = agenda.code_dataset(folder / "news.csv", codebook, folder / "seven", dask=client, partition_bytes=seventh)
    assert one.partitions == 1 and seven.partitions == 7
    shards = [folder / f"s{i}" for i in (1, 2)]
    for i, out in enumerate(shards, 1):
        agenda.code_dataset(folder / "news.csv", codebook, out, shard=(i, 2), partition_bytes=seventh)
    agenda.merge(shards, folder / "merged.csv")
    expected = pl.read_csv(single).sort("doc_id", "unit").write_csv()
    for table in (
        scan_dataset(folder / "one")[0],
        scan_dataset(folder / "seven")[0],
        pl.scan_csv(folder / "merged.csv"),
    ):
        got = table.collect()
        got = got.with_columns(pl.col("date").cast(pl.String)) if got["date"].dtype != pl.String else got
        assert got.sort("doc_id", "unit").write_csv() == expected
    shares = [
        agenda.shares(t, by="source", seed=5).write_csv() for t in (single, folder / "seven", folder / "merged.csv")
    ]
    assert shares[0] == shares[1] == shares[2]
    assert seven.coverage.equals(agenda.code_to(folder / "news.csv", codebook, folder / "s.parquet").coverage)


class KillOnce(distributed.WorkerPlugin):
    """Ends its worker's process the first time any worker starts a partition (a marker file says it happened)."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and "_code_one" in str(key):
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return
            os._exit(1)


def test_a_worker_killed_mid_run_is_replaced_and_the_dataset_is_whole(client, corpus):
    folder, codebook = corpus
    marker = folder / "killed"
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        written = agenda.code_dataset(
            folder / "news.jsonl", codebook, folder / "out", dask=client, partition_bytes=2000
        )
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker did die, with a partition started
    assert written.partitions >= 7
    assert scan_dataset(folder / "out")[0].collect().equals(agenda.code(folder / "news.jsonl", codebook))
    assert not list((folder / "out").rglob(".*agenda-*"))  # no temporary left behind
    client.wait_for_workers(2, timeout=60)


def test_the_cli_codes_on_a_scheduler_given_by_address(client, corpus, tmp_path):
    folder, codebook = corpus
    out = tmp_path / "cli"
    args = ["code", str(folder / "news.parquet"), "-c", str(codebook), "-o", str(out), "--partition-mb", "1"]
    result = CliRunner().invoke(main, [*args, "--dask", client.scheduler.address])
    assert result.exit_code == 0, result.output
    assert "agenda: coded 240 units (1 partition)" in result.output
    assert scan_dataset(out)[0].collect().equals(agenda.code(folder / "news.parquet", codebook))
    again = CliRunner().invoke(main, [*args, "--dask", client.scheduler.address])
    assert "(0 partitions, 1 partition already coded)" in again.output


def test_a_scheduler_that_cannot_be_reached_is_one_line(corpus, tmp_path):
    folder, codebook = corpus
    out = tmp_path / "never"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(
            main, ["code", str(folder / "news.csv"), "-c", str(codebook), "-o", str(out), "--dask", "tcp://127.0.0.1:9"]
        )
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("agenda: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert not (out / "manifest.json").exists() and not list(out.rglob("*.parquet"))
    result = CliRunner().invoke(
        main, ["code", str(folder / "news.csv"), "-c", str(codebook), "-o", str(out), "--dask", "local:0"]
    )
    assert result.exit_code == 2 and "a local cluster has 1 to 256 workers" in result.output


def test_bad_bytes_found_by_a_worker_are_one_line_and_no_manifest(client, tmp_path):
    rows = [f"r{i},a few words of text number {i}" for i in range(12_000)]
    data = ("doc_id,text\n" + "\n".join(rows) + "\n").encode()
    at = data.index(b"r11000,") + 3
    (tmp_path / "big.csv").write_bytes(data[:at] + b"\xff" + data[at:])  # past the rows the client reads first
    codebook = tmp_path / "cb.yaml"
    codebook.write_text(CODEBOOK)
    out = tmp_path / "out"
    args = ["code", str(tmp_path / "big.csv"), "-c", str(codebook), "-o", str(out), "--dask", client.scheduler.address]
    result = CliRunner().invoke(main, [*args, "--partition-mb", "1"])
    assert result.exit_code == 2, result.output
    with pytest.raises(agenda.AgendaError) as single:  # what one process says of the same file
        agenda.code_to(tmp_path / "big.csv", codebook, tmp_path / "one.csv")
    assert f"not valid utf-8 at byte {at}" in str(single.value)
    assert result.output.strip().splitlines() == [f"agenda: error: {single.value}"]
    assert not (out / "manifest.json").exists() and not list(out.rglob(".*agenda-*"))


def test_local_n_makes_a_cluster_of_its_own_for_a_folder_corpus(tmp_path):
    from conftest import FLAGSHIP, REPO

    folder = REPO / "examples" / "corpus"
    args = ["code", str(folder), "-c", str(FLAGSHIP), "-o", str(tmp_path / "out"), "--dask", "local:1", "-q"]
    result = CliRunner().invoke(main, [*args, "--partition-mb", "1"])
    assert result.exit_code == 0, result.output
    assert scan_dataset(tmp_path / "out")[0].collect().equals(agenda.code(folder, FLAGSHIP))


def _children(pid: int) -> set[int]:
    """The processes whose parent is pid (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc (Linux)")
def test_ctrl_c_on_a_local_cluster_is_one_line_keeps_whole_partitions_and_a_rerun_finishes(tmp_path):
    words = "arms control talks on Ukraine and gas prices were held in Geneva by the delegations".split()
    rng = random.Random(3)
    paragraphs = (" ".join(rng.choice(words) for _ in range(60)) for _ in range(60_000))
    texts = ["\n\n".join(next(paragraphs) for _ in range(20)) for _ in range(3_000)]  # about 20 MB
    pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts}).write_csv(tmp_path / "big.csv")
    (tmp_path / "cb.yaml").write_text(CODEBOOK)
    out = tmp_path / "ds"
    args = [sys.executable, "-m", "agenda", "code", "big.csv", "-c", "cb.yaml", "-o", "ds/", "--dask", "local:2"]
    args += ["--partition-mb", "1", "-q"]
    # Its own process group, as a terminal's Ctrl-C reaches the workers too.
    proc = subprocess.Popen(args, cwd=tmp_path, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("coded/part-*.parquet")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert len(err.strip().splitlines()) == 1, err
    assert re.fullmatch(
        r"agenda: interrupted; written before the interruption: .*\d+ partitions? in ds "
        r"\(the same command codes the rest\)\n",
        err,
    ), err
    assert not (out / "manifest.json").exists()
    assert not [p for p in out.rglob("*") if ".agenda-" in p.name]
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "worker processes outlived agenda"
    kept = len(list(out.glob("coded/part-*.parquet")))
    rerun = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["partitions"]) > kept  # the interruption came before the end
    expected = agenda.code(tmp_path / "big.csv", tmp_path / "cb.yaml")
    assert scan_dataset(out)[0].collect().equals(expected)
