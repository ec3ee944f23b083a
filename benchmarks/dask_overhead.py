"""The Dask path's overhead against one process, and the peak memory of each worker.

Codes one corpus twice with the same codebook: `agenda code CORPUS -o single.parquet` in a child
process (its CPU seconds and peak RSS from the operating system), then `agenda.code_dataset(...,
dask=client)` on a LocalCluster of --workers single-threaded processes made here (each worker's
CPU seconds and peak RSS read inside it with getrusage, and this process's own for the client and
scheduler). Checks that the dataset holds the rows of the single table, then prints one line each
and the overhead: (CPU of client + workers) / CPU of one process. The machine's load disturbs wall
time more than CPU time.

    .venv/bin/python benchmarks/make_corpus.py --mb 100 --formats csv
    .venv/bin/python benchmarks/dask_overhead.py benchmarks/data/corpus-100mb-s1.csv --workers 2
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
FLAGSHIP = HERE.parent / "codebook" / "us-russia-2021.yaml"


def _usage() -> dict[str, float]:
    """This process's CPU seconds and peak RSS (MB), read inside a worker."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": own.ru_utime + own.ru_stime, "rss_mb": own.ru_maxrss / 1024}


def single(corpus: Path, codebook: Path, out: Path) -> dict[str, float]:
    """One process, under the operating system's accounting of its child."""
    agenda = Path(sys.executable).with_name("agenda")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(agenda), "code", str(corpus), "-c", str(codebook), "-o", str(out), "-q"], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "rss_mb": after.ru_maxrss / 1024, "wall": wall}


def on_dask(corpus: Path, codebook: Path, out: Path, workers: int, partition_mb: int, threads: int) -> dict:
    import agenda
    from agenda.distributed import connect

    os.environ["POLARS_MAX_THREADS"] = str(threads)  # what the workers get
    started = time.perf_counter()
    client, cluster = connect(f"local:{workers}")
    up = time.perf_counter() - started
    client_before = _usage()["cpu"]
    baseline = client.run(_usage)  # workers' CPU and memory once started, before any partition
    coding = time.perf_counter()
    written = agenda.code_dataset(corpus, codebook, out, dask=client, partition_bytes=partition_mb * 2**20)
    coded = time.perf_counter() - coding
    used = client.run(_usage)
    client_cpu = _usage()["cpu"] - client_before
    client.close()
    cluster.close()
    worker_cpu = {w: used[w]["cpu"] - baseline[w]["cpu"] for w in used}
    return {
        "rows": written.rows,
        "partitions": written.partitions,
        "startup_wall": up,
        "wall": coded,
        "client_cpu": client_cpu,
        "worker_cpu": worker_cpu,
        "worker_rss_mb": {w: used[w]["rss_mb"] for w in used},
        "worker_rss_start_mb": {w: baseline[w]["rss_mb"] for w in baseline},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--codebook", type=Path, default=FLAGSHIP)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-mb", type=int, default=256)
    parser.add_argument("--polars-threads", type=int, default=1, help="POLARS_MAX_THREADS of each worker")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="agenda-dask-bench-", dir=HERE / "data"))
    try:
        one = single(args.corpus, args.codebook, work / "single.parquet")
        print(f"single process: {one['cpu']:.1f} s CPU, peak RSS {one['rss_mb']:.0f} MB, {one['wall']:.1f} s wall")
        dask = on_dask(
            args.corpus, args.codebook, work / "dataset", args.workers, args.partition_mb, args.polars_threads
        )
        from agenda.dataset import scan_dataset

        same = scan_dataset(work / "dataset")[0].collect().equals(pl.read_parquet(work / "single.parquet"))
        total = dask["client_cpu"] + sum(dask["worker_cpu"].values())
        print(
            f"dask, {args.workers} workers ({args.polars_threads} polars threads each), "
            f"{dask['partitions']} partitions of {args.partition_mb} MB: "
            f"{total:.1f} s CPU (client and scheduler {dask['client_cpu']:.1f}, workers "
            + ", ".join(f"{c:.1f}" for c in dask["worker_cpu"].values())
            + f"), {dask['wall']:.1f} s wall after {dask['startup_wall']:.1f} s to start the cluster"
        )
        print(
            "peak RSS per worker: "
            + ", ".join(f"{m:.0f} MB" for m in dask["worker_rss_mb"].values())
            + " (at start: "
            + ", ".join(f"{m:.0f} MB" for m in dask["worker_rss_start_mb"].values())
            + ")"
        )
        print(f"CPU overhead: {total / one['cpu']:.2f}x one process; same rows: {same}")
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
