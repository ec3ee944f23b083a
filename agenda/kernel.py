"""The per-partition kernel: whole documents in, their coded table and per-document sums out.

This is the boundary a Dask worker, a job of a SLURM array and the single-process path share:

    code_partition(docs, codebook, unit, long, keep_text, date_column) -> (table, documents)

docs is a frame of whole documents (doc_id, text, metadata), as `agenda.Corpus` yields them;
table is the coded table of those documents (wide, or long with long=True), the same rows that
`agenda.code` gives for them; documents has one row a document of docs: doc_id, its metadata,
and, for the wide table, the sums that merge by concatenation (documents are never split):
units, n_words, and per item the units and words coded for it and the units it is primary in
(the sums `agenda.shares` reads, for every measure) and its hits. Summed over documents they give
the shares and the coverage table of the whole corpus, whatever the partitioning.
"""

from __future__ import annotations

import polars as pl

from agenda.code import code_documents
from agenda.codebook import Codebook
from agenda.errors import AgendaError
from agenda.shares import document_sums as shares_sums


def code_partition(
    docs: pl.DataFrame,
    codebook: Codebook,
    unit: str | None = None,
    long: bool = False,
    keep_text: bool = False,
    date_column: str | None = None,
    dropped: dict[str, int] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Code a frame of whole documents: (the coded table, the per-document sums); see the module.

    The units dropped (empty, boilerplate, min_words) are counted by reason into `dropped` when given.
    """
    split = unit or codebook.units["split"]
    parts = code_documents(docs, codebook, split, long, keep_text, date_column, dropped=dropped)
    table = pl.concat([table for table, _, _ in parts])
    return table, document_sums(docs, table, codebook, long)


def document_sums(docs: pl.DataFrame, table: pl.DataFrame, codebook: Codebook, long: bool) -> pl.DataFrame:
    """One row a document of docs: doc_id, metadata and (for a wide table) its sums; 0 for a document without units.

    The sums are those of `agenda.shares.document_sums`, and per item `hits_<item>` and
    `units_<item>` (units coded for the item itself), for the coverage table.
    """
    meta = docs.drop("text")
    if long:
        return meta
    ids = codebook.item_ids
    own = table.group_by("doc_id", maintain_order=True).agg(
        *[pl.col(i).sum().alias(f"hits_{i}") for i in ids],
        *[(pl.col(i) > 0).sum().cast(pl.Int64).alias(f"units_{i}") for i in ids],
    )
    sums = shares_sums(table, codebook).join(own, on="doc_id", how="left", maintain_order="left")
    counts = [c for c in sums.columns if c != "doc_id"]
    clash = [c for c in counts if c in meta.columns]
    if clash:
        raise AgendaError(f"corpus column {clash[0]!r} has the name of a per-document sum; rename the corpus column")
    return meta.join(sums, on="doc_id", how="left", maintain_order="left").with_columns(pl.col(counts).fill_null(0))


def coverage_of(documents: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Per item: units coded, their share of all units, and hits, from per-document sums (as `agenda.code.coverage`)."""
    ids = codebook.item_ids
    total = int(documents["units"].sum())
    return pl.DataFrame(
        {
            "item": ids,
            "label": [item.label for item in codebook.items],
            "units": [int(documents[f"units_{i}"].sum()) for i in ids],
            "share": [round(int(documents[f"units_{i}"].sum()) / total, 3) if total else 0.0 for i in ids],
            "hits": [documents[f"hits_{i}"].sum() for i in ids],
        }
    )
