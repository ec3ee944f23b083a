"""Code a corpus into a coded dataset (agenda.dataset), on a Dask cluster or as one shard of a job array.

The corpus is planned into partitions of whole documents (agenda.partition); each is read and
coded by the kernel (agenda.kernel) on a Dask worker (`dask=`: a scheduler's address, a scheduler
file, `local:N` for a cluster of N processes on this machine, or a `distributed.Client`), or in
this process for the partitions of one shard (`shard=(i, N)`: partitions i-1, i-1+N, ...). Dask
runs a partition again when its worker dies; each partition is written whole or not at all, and
the manifest last, when every partition is there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import signal
import warnings
from collections.abc import Callable
from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, load_codebook
from agenda.corpus import BATCH_BYTES, Corpus, text_bytes
from agenda.dataset import (
    dataset_parts,
    part_paths,
    partition_done,
    partition_dropped,
    remove_other_parts,
    total_dropped,
    write_manifest,
    write_partition,
)
from agenda.errors import AgendaError
from agenda.export import Written, item_labels
from agenda.kernel import code_partition, coverage_of
from agenda.partition import PARTITION_BYTES, Partition, plan_partitions, read_partition
from agenda.safe_write import remove_stale_in, writing_elsewhere

MAX_LOCAL_WORKERS = 256


def parse_shard(shard: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """`i/N` (1 <= i <= N), or a pair, as (i, N); None stays None."""
    if shard is None:
        return None
    if isinstance(shard, str):
        found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", shard)
        if not found:
            raise AgendaError(f"--shard {shard!r}: give it as I/N, e.g. 3/10 for the third of ten shards")
        shard = int(found[1]), int(found[2])
    i, n = shard
    if not 1 <= i <= n:
        raise AgendaError(f"--shard {i}/{n}: I must lie between 1 and N")
    return i, n


def code_dataset(
    corpus: str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    out_dir: str | Path,
    dask=None,
    shard: str | tuple[int, int] | None = None,
    unit: str | None = None,
    long: bool = False,
    keep_text: bool = False,
    date_column: str | None = None,
    partition_bytes: int = PARTITION_BYTES,
    progress: Callable[[int, int, int], None] | None = None,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str = "utf-8",
    infer_types: bool = False,
) -> Written:
    """Code a corpus into the coded dataset out_dir (see agenda.dataset), on Dask or as one shard.

    Partitions already in out_dir from the same input bytes, options and codebook sha256 are
    skipped. progress(partitions_done, partitions, bytes_done) is called as partitions finish.
    Returns the manifest's path, with `.rows`, `.codebook`, `.coverage` (None for the long
    table), `.partitions` (coded in this run) and `.skipped`.

    >>> agenda.code_dataset("archive.csv", "codebook/us-russia-2021.yaml", "coded/", dask="local:2")
    """
    from agenda.safe_write import check_outputs

    if dask is not None and shard is not None:
        raise AgendaError("give --dask or --shard, not both (a shard is one job of an array, without Dask)")
    shard = parse_shard(shard)
    paths = [Path(p) for p in (corpus if isinstance(corpus, list) else [corpus])]
    if str(out_dir) == "-":
        raise AgendaError("a coded dataset (--dask, --shard) is a folder: give its name with -o, not -")
    out_dir = Path(out_dir)
    check_outputs([out_dir], [*paths, codebook if isinstance(codebook, (str, Path)) else None])
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    reader = Corpus(paths, text_column, id_column, encoding, BATCH_BYTES, infer_types)
    plan = plan_partitions(reader, (text_column, id_column, encoding, infer_types), partition_bytes)
    coding = {"unit": unit, "long": long, "keep_text": keep_text, "date_column": date_column}
    keys = [f"{p.key}|{json.dumps(coding, sort_keys=True)}" for p in plan]
    if out_dir.exists() and not out_dir.is_dir():
        raise AgendaError(f"{out_dir}: exists and is not a folder; a coded dataset is a folder")
    if not out_dir.parent.is_dir():
        raise AgendaError(f"{out_dir}: folder {out_dir.parent} does not exist")
    client, cluster = connect(dask) if dask is not None else (None, None)  # reached before anything is written
    try:
        out_dir.mkdir(exist_ok=True)
        return _code_partitions(out_dir, codebook, reader, plan, keys, shard, coding, paths, client, progress)
    finally:
        if cluster is not None or isinstance(dask, str):
            client.close()
        if cluster is not None:
            cluster.close()


def _code_partitions(out_dir, codebook, reader, plan, keys, shard, coding, paths, client, progress) -> Written:
    """Code the partitions of this run not yet in out_dir (on Dask when client), then write the manifest."""
    mine = [p for p in plan if shard is None or p.index % shard[1] == shard[0] - 1]
    sha = codebook.sha256
    todo = [p for p in mine if not partition_done(out_dir, p.index, keys[p.index], sha)]
    names = ", ".join(map(str, paths))
    task = (reader.schema, names, codebook, coding, out_dir, codebook.provenance())
    if client is None:
        done_bytes = 0
        for n, partition in enumerate(todo, 1):
            done_bytes += _code_one(partition, keys[partition.index], *task)
            if progress:
                progress(n, len(todo), done_bytes)
    else:
        with writing_elsewhere(lambda: _stop_on_interrupt(client, out_dir)):
            _run_on_dask(client, todo, keys, task, progress)
    return _finish(out_dir, codebook, plan, keys, mine, shard, coding, paths, len(todo))


def _stop_on_interrupt(client, out_dir: Path) -> str | None:
    """On Ctrl-C: stop the local cluster's workers, remove their temporaries, and say what they wrote into out_dir.

    A worker of another machine's cluster writes on; its temporaries are removed by the next run.
    """
    logging.disable(logging.CRITICAL)  # the scheduler and nannies (threads of this process) would report the kills
    cluster = getattr(client, "cluster", None)  # a LocalCluster of this process, or None
    if cluster is not None:
        for nanny in cluster.workers.values():
            nanny.close_gracefully(reason="agenda-interrupted")  # else it starts a worker anew, dying with agenda
        for worker in multiprocessing.active_children():  # the nannies' worker processes
            worker.kill()
            worker.join(5)
    for folder in ("coded", "documents"):
        remove_stale_in(out_dir / folder)
    n = len(list((out_dir / "coded").glob("part-*.parquet")))
    return f"{n} partition{'' if n == 1 else 's'} in {out_dir} (the same command codes the rest)" if n else None


def _code_one(
    partition: Partition,
    key: str,
    schema: pl.Schema,
    names: str,
    codebook: Codebook,
    coding: dict,
    out_dir: Path,
    provenance: dict[str, str],
) -> int:
    """Read, code and write one partition (on a worker); returns its bytes of text."""
    docs = read_partition(partition, schema, names)
    dropped: dict[str, int] = {}
    table, documents = code_partition(docs, codebook, **coding, dropped=dropped)
    write_partition(out_dir, partition.index, key, table, documents, provenance, dropped)
    return text_bytes(docs)


def connect(dask):
    """A distributed.Client for dask (see code_dataset), and the LocalCluster made for it, if any."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AgendaError("--dask needs Dask: pip install 'agenda-codebook[dask]'") from None
    if not isinstance(dask, str):
        return dask, None
    local = re.fullmatch(r"local:(\d+)", dask)
    if local:
        workers = int(local[1])
        if not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise AgendaError(f"--dask {dask}: a local cluster has 1 to {MAX_LOCAL_WORKERS} workers")
        # Each worker codes one partition at a time, with its share of the cores for polars.
        threads = os.environ.get("POLARS_MAX_THREADS") or str(max(1, (os.cpu_count() or 1) // workers))
        _quiet_resource_tracker()
        # The workers start with Ctrl-C blocked (a mask their processes inherit): agenda's own process
        # answers it for them, and they end with it. A Ctrl-C meanwhile reaches agenda once unblocked.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        with warnings.catch_warnings():  # the scheduler's HTTP server takes another port when 8787 is taken: no news
            warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
            try:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    env={"POLARS_MAX_THREADS": threads},
                )
                client = Client(cluster)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return client, cluster
    try:
        if dask.endswith(".json"):
            if not Path(dask).is_file():
                raise AgendaError(f"--dask {dask}: no such scheduler file")
            return Client(scheduler_file=dask), None
        return Client(dask), None
    except AgendaError:
        raise
    except (OSError, TimeoutError, ValueError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise AgendaError(f"cannot reach the Dask scheduler at {dask}: {why}") from None


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker without its warning about leaked semaphores.

    Ctrl-C ends agenda at once (agenda.safe_write.interrupt), and the tracker, which outlives the
    local cluster's workers, would then print two lines of that warning after agenda's own one
    line (it still removes the semaphores).
    """
    from multiprocessing import resource_tracker

    before = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [before, "ignore:resource_tracker:UserWarning"]))
    try:
        resource_tracker.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = before


def _run_on_dask(client, todo: list[Partition], keys: list[str], task: tuple, progress) -> None:
    """Code the partitions on a Dask cluster; a worker that dies has its partition run again elsewhere."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    if todo:
        schema, names, codebook, coding, out_dir, provenance = task
        shared = client.scatter([codebook], broadcast=True)[0]  # once to every worker, not once a task
        futures = client.map(
            _code_one,
            todo,
            [keys[p.index] for p in todo],
            schema=schema,
            names=names,
            codebook=shared,
            coding=coding,
            out_dir=out_dir,
            provenance=provenance,
            pure=False,
        )
        index = {f.key: p.index for f, p in zip(futures, todo)}
        done_bytes = 0
        try:
            for n, future in enumerate(as_completed(futures), 1):
                done_bytes += future.result()
                if progress:
                    progress(n, len(todo), done_bytes)
        except KilledWorker as exc:
            raise AgendaError(
                f"partition {index.get(exc.task, '?')}: its workers died again and again ({exc}); "
                "give the workers more memory or smaller partitions"
            ) from None
        finally:
            client.cancel(futures)


def _finish(
    out_dir: Path,
    codebook: Codebook,
    plan: list[Partition],
    keys: list[str],
    mine: list[Partition],
    shard: tuple[int, int] | None,
    coding: dict,
    paths: list[Path],
    coded: int,
) -> Written:
    """Check the partitions written (doc_ids once, units), then write the manifest; returns it."""
    parts = []
    for partition in mine:
        coded_path, documents_path = part_paths(out_dir, partition.index)
        rows = pl.scan_parquet(coded_path).select(pl.len()).collect().item()
        docs = pl.scan_parquet(documents_path).select(pl.len()).collect().item()
        dropped = partition_dropped(coded_path)
        parts.append(
            {
                "index": partition.index,
                "rows": rows,
                "documents": docs,
                "key": keys[partition.index],
                "dropped": dropped,
            }
        )
    manifest = {
        "provenance": codebook.provenance(),
        "items": item_labels(codebook),
        "options": coding,
        "inputs": [str(p) for p in paths],
        "plan": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
        "planned_partitions": len(plan),
        "shard": list(shard) if shard else None,
        "rows": sum(p["rows"] for p in parts),
        "documents": sum(p["documents"] for p in parts),
        "partitions": parts,
    }
    documents = check_documents([out_dir], [manifest], whole=shard is None)
    remove_other_parts(out_dir, {p.index for p in mine})
    written = Written([write_manifest(out_dir, manifest)])
    return describe_written(written, manifest, codebook, documents, coded, len(mine) - coded)


def check_documents(folders: list[Path], manifests: list[dict], whole: bool) -> pl.DataFrame:
    """The documents of datasets, each doc_id once; for a whole corpus (whole=True), at least one unit."""
    files = [f for folder, m in zip(folders, manifests) for f in dataset_parts(folder, m, "documents")]
    if not files:
        return pl.DataFrame()
    documents = pl.concat([pl.read_parquet(f) for f in files], how="vertical")
    repeated = documents["doc_id"].is_duplicated()
    if repeated.any():
        names = ", ".join(dict.fromkeys(i for m in manifests for i in m["inputs"]))
        raise AgendaError(f"{names}: duplicate doc_id {documents['doc_id'].filter(repeated)[0]!r}")
    if whole and documents.height == 0:
        raise AgendaError("the corpus is empty (no documents)")
    if whole and "units" in documents.columns and documents["units"].sum() == 0:
        raise AgendaError("the corpus is empty: no units left after splitting and dropping boilerplate")
    return documents


def describe_written(
    written: Written, manifest: dict, codebook: Codebook, documents: pl.DataFrame, coded: int, skipped: int
):
    written.rows = manifest["rows"]
    written.dropped = total_dropped(manifest.get("partitions", []))
    written.codebook = codebook
    written.coverage = None if manifest["options"]["long"] or documents.is_empty() else coverage_of(documents, codebook)
    written.partitions = coded
    written.skipped = skipped
    return written
