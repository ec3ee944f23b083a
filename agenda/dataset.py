"""A coded dataset: a folder of Parquet files, one a partition, and a manifest written last.

    OUT_DIR/coded/part-000000.parquet      the coded table of partition 0 (wide or long)
    OUT_DIR/documents/part-000000.parquet  its documents with their sums (agenda.kernel)
    OUT_DIR/manifest.json                  provenance, options, the partitions, their rows and dropped units

A partition's two files are one group of agenda.safe_write.Replacement: the coded file is renamed
into place last, so it is there only when its documents are. Its Parquet metadata holds the
codebook's provenance and the partition's key (input, range, options), so a rerun skips a
partition already coded from the same bytes with the same codebook sha256. A folder without the
manifest is a run that did not finish: `shares` and `merge` refuse it, and a rerun finishes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from agenda.engine.segment import DROP_REASONS, dropped_provenance
from agenda.errors import AgendaError
from agenda.safe_write import Replacement, write_atomic, writing

MANIFEST = "manifest.json"
_DROPPED_KEY = f"dropped_{DROP_REASONS[0]}"  # in the metadata of every partition that counts its dropped units
FORMAT = "agenda-coded-dataset/1"


def part_paths(out_dir: Path, index: int) -> tuple[Path, Path]:
    """The coded file and the documents file of partition index."""
    name = f"part-{index:06d}.parquet"
    return out_dir / "coded" / name, out_dir / "documents" / name


def write_partition(
    out_dir: Path,
    index: int,
    key: str,
    table: pl.DataFrame,
    documents: pl.DataFrame,
    provenance: dict[str, str],
    dropped: dict[str, int],
) -> None:
    """Write a partition's coded table and documents as one group, the coded file renamed last.

    dropped (units dropped by reason) goes into the metadata, where `partition_dropped` reads it.
    """
    coded_path, documents_path = part_paths(out_dir, index)
    metadata = {**dict(sorted(provenance.items())), **dropped_provenance(dropped), "partition": key}
    for folder in (coded_path.parent, documents_path.parent):
        with writing(folder):
            folder.mkdir(exist_ok=True)
    with Replacement() as group:
        group.write(coded_path, lambda tmp: table.write_parquet(tmp, compression="lz4", metadata=metadata))
        group.write(documents_path, lambda tmp: documents.write_parquet(tmp, compression="lz4", metadata=metadata))


def partition_done(out_dir: Path, index: int, key: str, sha256: str) -> bool:
    """Whether partition index is written, from the same key and codebook sha256."""
    coded_path, documents_path = part_paths(out_dir, index)
    if not (coded_path.is_file() and documents_path.is_file()):
        return False
    try:
        meta = pl.read_parquet_metadata(coded_path)
    except Exception:  # an unreadable file is coded again
        return False
    # A partition written before its dropped units were counted is coded again.
    return meta.get("partition") == key and meta.get("codebook_sha256") == sha256 and _DROPPED_KEY in meta


def partition_dropped(coded_path: Path) -> dict[str, int]:
    """The units a written partition dropped, by reason (from its Parquet metadata; see write_partition)."""
    meta = pl.read_parquet_metadata(coded_path)
    return {r: int(meta.get(f"dropped_{r}", 0)) for r in DROP_REASONS}


def total_dropped(partitions: list[dict]) -> dict[str, int]:
    """The units dropped by reason in a manifest's partitions (0 for a partition that does not say)."""
    return {r: sum(p.get("dropped", {}).get(r, 0) for p in partitions) for r in DROP_REASONS}


def remove_other_parts(out_dir: Path, indexes: set[int]) -> None:
    """Remove the part files of partitions not in indexes (left by a run with another plan)."""
    for folder in ("coded", "documents"):
        for path in (out_dir / folder).glob("part-*.parquet"):
            number = path.name.removeprefix("part-").removesuffix(".parquet")
            if number.isdigit() and int(number) not in indexes:
                with writing(path):
                    path.unlink()


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    """Write the manifest (last: it makes the folder a dataset)."""
    path = out_dir / MANIFEST
    text = json.dumps({"format": FORMAT, **manifest}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, "utf-8"))
    return path


def read_manifest(out_dir: str | Path) -> dict:
    """The manifest of a coded dataset; an AgendaError when the folder is not one, or its run did not finish."""
    path = Path(out_dir) / MANIFEST
    if not Path(out_dir).is_dir():
        raise AgendaError(f"{out_dir}: no such folder")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise AgendaError(
            f"{out_dir}: no {MANIFEST}: not a coded dataset, or its run did not finish (run it again to finish it)"
        ) from None
    except (OSError, ValueError) as exc:
        raise AgendaError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AgendaError(f"{path}: not the manifest of a coded dataset ({FORMAT})")
    return manifest


def dataset_parts(out_dir: str | Path, manifest: dict, which: str = "coded") -> list[Path]:
    """The files of a dataset's partitions ("coded" or "documents"), each checked to be there."""
    out_dir = Path(out_dir)
    paths = []
    for part in manifest["partitions"]:
        path = part_paths(out_dir, part["index"])[0 if which == "coded" else 1]
        if not path.is_file():
            raise AgendaError(f"{path}: missing; the dataset {out_dir} is not whole (code it again)")
        paths.append(path)
    return paths


def scan_dataset(out_dir: str | Path) -> tuple[pl.LazyFrame, dict[str, str]]:
    """A dataset's coded table (its partitions in order, empty ones left out), with its provenance."""
    manifest = read_manifest(out_dir)
    paths = [p for p, part in zip(dataset_parts(out_dir, manifest), manifest["partitions"]) if part["rows"]]
    if not paths:
        raise AgendaError(f"{out_dir}: the dataset has no rows")
    provenance = {k: str(v) for k, v in manifest["provenance"].items()}
    provenance |= dropped_provenance(total_dropped(manifest["partitions"]))
    provenance["items"] = json.dumps(manifest["items"], ensure_ascii=False)
    return pl.scan_parquet(paths), provenance


def scan_sums(out_dir: str | Path) -> pl.LazyFrame | None:
    """A dataset's per-document sums (agenda.kernel), for shares; None for a long table's dataset."""
    manifest = read_manifest(out_dir)
    if manifest["options"]["long"] or not manifest["partitions"]:
        return None
    return pl.scan_parquet(dataset_parts(out_dir, manifest, "documents"))
