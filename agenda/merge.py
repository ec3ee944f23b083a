"""Merge the coded datasets of the shards of a job array (`agenda code --shard I/N`) into one.

Every shard of the array must be there once, all coded from the same plan (inputs, partition
size, options) with the same codebook sha256; a missing shard or another codebook is an error
before anything is written. The result is one table (written by the streaming writer, partitions
in input order, so it is the table `agenda code` writes for the corpus) or, for an output folder,
one coded dataset.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, Item
from agenda.dataset import dataset_parts, read_manifest, total_dropped, write_manifest, write_partition
from agenda.distributed import check_documents, describe_written
from agenda.engine.segment import dropped_provenance
from agenda.errors import AgendaError
from agenda.export import Written, output_files
from agenda.safe_write import check_outputs

SAME = ("plan", "options", "planned_partitions")


def merge(shards: list[str | Path], out: str | Path, fmt: str | None = None) -> Written:
    """Merge shard datasets into out: a table file (.csv, .parquet, .dta, .sav), or a folder (ending in /).

    >>> agenda.merge(["coded/shard-1", "coded/shard-2"], "coded.parquet")
    """
    from agenda.stream import TableSink

    if not shards:
        raise AgendaError("no shards given to merge")
    folders = [Path(s) for s in shards]
    manifests = [read_manifest(f) for f in folders]
    _check_shards(folders, manifests)
    as_folder = str(out).endswith(("/", "\\")) or Path(out).is_dir()
    check_outputs([out] if as_folder else output_files(out, fmt), folders)
    first = manifests[0]
    codebook = _codebook(first)
    documents = check_documents(folders, manifests, whole=True)
    parts = sorted(
        ((part, folder) for folder, m in zip(folders, manifests) for part in m["partitions"]),
        key=lambda pair: pair[0]["index"],
    )
    provenance = first["provenance"]
    if as_folder:
        out_dir = Path(out)
        if not out_dir.parent.is_dir():
            raise AgendaError(f"{out_dir}: folder {out_dir.parent} does not exist")
        out_dir.mkdir(exist_ok=True)
        for part, folder in parts:
            coded, docs = (pl.read_parquet(p) for p in _paths(folder, part))
            write_partition(out_dir, part["index"], part["key"], coded, docs, provenance, part.get("dropped", {}))
        merged = {k: v for k, v in first.items() if k != "format"} | {
            "shard": None,
            "inputs": list(dict.fromkeys(i for m in manifests for i in m["inputs"])),
            "rows": sum(m["rows"] for m in manifests),
            "documents": sum(m["documents"] for m in manifests),
            "partitions": [part for part, _ in parts],
        }
        written = Written([write_manifest(out_dir, merged)])
        return describe_written(written, merged, codebook, documents, len(parts), 0)
    partitions = [part for part, _ in parts]
    with TableSink(out, provenance | dropped_provenance(total_dropped(partitions)), fmt, codebook=codebook) as sink:
        for part, folder in parts:
            if part["rows"]:
                sink.write(pl.read_parquet(_paths(folder, part)[0]))
        written = sink.close()
    summary = {"rows": sink.rows, "options": first["options"], "partitions": partitions}
    return describe_written(written, summary, codebook, documents, len(parts), 0)


def _paths(folder: Path, part: dict) -> tuple[Path, Path]:
    manifest = {"partitions": [part]}
    return dataset_parts(folder, manifest, "coded")[0], dataset_parts(folder, manifest, "documents")[0]


def _check_shards(folders: list[Path], manifests: list[dict]) -> None:
    """The same codebook and plan in every shard, and every shard of the array once."""
    first, sha = manifests[0], manifests[0]["provenance"]["codebook_sha256"]
    for folder, manifest in zip(folders, manifests):
        other = manifest["provenance"]["codebook_sha256"]
        if other != sha:
            raise AgendaError(
                f"{folder}: coded with codebook {manifest['provenance']['codebook']} (sha256 {other[:12]}), "
                f"not {first['provenance']['codebook']} (sha256 {sha[:12]}) as {folders[0]}; code every shard "
                "with one codebook"
            )
        for key in SAME:
            if manifest[key] != first[key]:
                raise AgendaError(
                    f"{folder}: coded from another corpus or with other options ({key}) than {folders[0]}; "
                    "shards must be one run's"
                )
    specs = [m["shard"] for m in manifests]
    if any(s is None for s in specs):
        if len(manifests) > 1:
            raise AgendaError(
                f"{folders[specs.index(None)]}: a whole dataset (not a shard) cannot be merged with others"
            )
        return
    total = specs[0][1]
    seen: dict[int, Path] = {}
    for folder, (i, n) in zip(folders, specs):
        if n != total:
            raise AgendaError(f"{folder}: shard {i}/{n} of another array than {folders[0]} ({specs[0][0]}/{total})")
        if i in seen:
            raise AgendaError(f"{folder}: shard {i}/{n} is given twice (also {seen[i]})")
        seen[i] = folder
    missing = [i for i in range(1, total + 1) if i not in seen]
    if missing:
        given = ", ".join(f"{i}/{total}" for i in sorted(seen))
        raise AgendaError(f"shard {missing[0]}/{total} is missing (given: {given}); merge needs every shard")


def _codebook(manifest: dict) -> Codebook:
    """The codebook's description as the manifest holds it: id, version, sha256 and the items' labels."""
    provenance = manifest["provenance"]
    items = tuple(Item(id=i["id"], code=i["code"], label=i["label"]) for i in manifest["items"])
    return Codebook(
        id=provenance["codebook"],
        version=provenance["codebook_version"],
        title=provenance["codebook"],
        items=items,
        source="the manifest",
        sha256=provenance["codebook_sha256"],
    )
