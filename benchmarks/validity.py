"""Validity of a codebook against human coding: per item precision, recall and F1 on a gold set.

    .venv/bin/python benchmarks/validity.py                          # ../shared/realdev/, the flagship
    .venv/bin/python benchmarks/validity.py benchmarks/probes/dev
    .venv/bin/python benchmarks/validity.py corpus.csv gold.csv -c my-codebook.yaml

A gold set is a directory holding corpus.csv (doc_id, text with paragraphs joined by a blank
line, metadata) and gold.csv (doc_id, unit, one 0/1 column per item, and optionally `context`,
the `;`-separated items whose code depends on the neighbouring units), or those two files named.
The corpus is coded with agenda.code and compared with agenda.agree (intervals: percentile
bootstrap over documents) on all units and on the self-contained ones (empty `context`). When the
coded table carries `<item>_context` columns (the hits that came from context rules), every
figure is given again without those hits: a unit then counts as coded only when its other hits
still reach the item's min_hits. The summary comes last (the before-stop hook shows 8 lines).
Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

import agenda
from agenda.agree import format_agreement
from agenda.corpus import read_table
from agenda.export import table_format

REPO = Path(__file__).resolve().parents[1]
REALDEV = REPO.parent / "shared" / "realdev"
FLAGSHIP = REPO / "codebook" / "us-russia-2021.yaml"
CONTEXT = "_context"  # suffix of the wide table's column of context hits per item


def gold_set(paths: list[str]) -> tuple[Path, Path]:
    """corpus.csv and gold.csv of a directory, or the two files given; realdev when none."""
    if len(paths) > 2:
        raise agenda.AgendaError(f"give a gold set directory or a corpus and a gold file, not {len(paths)} paths")
    if len(paths) == 2:
        corpus, gold = map(Path, paths)
    elif paths:
        corpus, gold = Path(paths[0]) / "corpus.csv", Path(paths[0]) / "gold.csv"
    elif REALDEV.is_dir():
        corpus, gold = REALDEV / "corpus.csv", REALDEV / "gold.csv"
    else:
        raise agenda.AgendaError(f"{REALDEV}: not there; give a gold set directory, or a corpus and a gold file")
    for path in (corpus, gold):
        if not path.is_file():
            raise agenda.AgendaError(f"{path}: no such file")
    return corpus, gold


def self_contained(gold: pl.DataFrame, source: str, items: list[str]) -> pl.DataFrame | None:
    """The gold units with an empty context column; None when the table has no such column."""
    if "context" not in gold.columns:
        return None
    named = gold.select(pl.col("context").cast(pl.String).str.split(";").explode().str.strip_chars()).to_series()
    unknown = sorted(set(named.drop_nulls()) - set(items) - {""})
    if unknown:
        raise agenda.AgendaError(f"{source}: column 'context' names {unknown[0]!r}, not an item of the codebook")
    return gold.filter(pl.col("context").cast(pl.String).str.strip_chars().fill_null("") == "")


def without_context_hits(coded: pl.DataFrame, codebook: agenda.Codebook) -> pl.DataFrame | None:
    """The coded table with each item's context hits taken off; None when it has none to take.

    A unit stays coded for an item when the hits left reach the item's min_hits; a missing
    value in `<item>_context` is no context hit.
    """
    columns = []
    for item in codebook.items:
        name = item.id + CONTEXT
        if name not in coded.columns:
            continue
        if not coded.schema[name].is_numeric():
            raise agenda.AgendaError(f"coded table: column {name!r} holds {coded.schema[name]}, not a count of hits")
        left = pl.col(item.id) - pl.col(name).cast(pl.Int64).fill_null(0)
        columns.append(pl.when(left >= item.min_hits).then(left).otherwise(0).alias(item.id))
    return coded.with_columns(columns) if columns else None


def micro(result: agenda.Agreement) -> tuple[float | None, float | None]:
    """Pooled precision and recall over the items (the counts micro-F1 pools)."""
    both, coded, gold = (result.items[c].sum() for c in ("both", "coded", "gold"))
    return (both / coded if coded else None), (both / gold if gold else None)


def number(value: float | None, lo: float | None = None, hi: float | None = None) -> str:
    """A figure to 3 decimals, with its interval to 2 when there is one."""
    if value is None:
        return "-"
    return f"{value:.3f}" + (f" [{lo:.2f}, {hi:.2f}]" if lo is not None else "")


def validity(
    corpus: Path, gold_path: Path, codebook: agenda.Codebook, bootstrap: int = 1000, seed: int = 1
) -> tuple[list[str], list[str], pl.DataFrame]:
    """The report's detail lines, its summary lines, and the disagreements on all units.

    The disagreements (doc_id, unit, item, gold, coded, hits, terms, text) carry gold's context
    and note columns when it has them.
    """
    coded = agenda.code(corpus, codebook, keep_text=True)
    gold = read_table(gold_path, text_column=None, id_column="doc_id", infer_types=True)  # as agenda.agree reads it
    contained = self_contained(gold, str(gold_path), codebook.item_ids)
    stripped = without_context_hits(coded, codebook)
    variants = [("", coded)] + ([(", without context hits", stripped)] if stripped is not None else [])
    slices = [("all units", gold)] + ([("self-contained units", contained)] if contained is not None else [])

    detail, rows = [], []
    for slice_name, units in slices:
        for variant, table in variants:
            result = agenda.agree(table, units, codebook, bootstrap=bootstrap, seed=seed)
            detail += [f"== {slice_name}{variant}", format_agreement(result), ""]
            rows.append((slice_name + variant, result))
    first = rows[0][1]  # all units, as coded
    summary = [
        f"validity: {codebook.id} {codebook.version} on {corpus.resolve().parent.name} ({first.units} units,"
        f" {first.documents} documents; {bootstrap} resamples of documents)",
        f"{'units':<44} {'n':>4}  {'micro-F1 [95%]':<22} {'precision':>9} {'recall':>7}",
    ]
    for label, result in rows:
        f1 = result.overall.row(0, named=True)  # micro-F1
        precision, recall = micro(result)
        summary.append(
            f"{label:<44} {result.units:>4}  {number(f1['value'], f1['lo'], f1['hi']):<22}"
            f" {number(precision):>9} {number(recall):>7}"
        )
    per_item = ", ".join(f"{r['item']} {number(r['f1'])}" for r in first.items.iter_rows(named=True))
    summary.append(f"F1, all units: {per_item}")
    if stripped is None:
        summary.append(f"context hits: the coded table has no <item>{CONTEXT} column, so none are told apart")
    if first.only_gold.height or first.only_coded.height:
        where = (first.only_gold if first.only_gold.height else first.only_coded).row(0)
        summary.append(
            f"warning: {first.only_gold.height} gold units not coded, {first.only_coded.height} coded units not in"
            f" the gold table (first: {where[0]}:{where[1]}); figures compare the units in both"
        )
    notes = [c for c in ("context", "note") if c in gold.columns]
    keyed = gold.select(pl.col("doc_id").cast(pl.String), pl.col("unit").cast(pl.Int64), *notes)
    return detail, summary, first.disagreements.join(keyed, on=["doc_id", "unit"], how="left", maintain_order="left")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="a gold set directory, or CORPUS GOLD (default: ../shared/realdev)")
    parser.add_argument("-c", "--codebook", type=Path, default=FLAGSHIP, help="default: the flagship codebook")
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamples of documents (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--disagreements", type=Path, help="write the disagreements on all units (.csv, .parquet)")
    args = parser.parse_args(argv)
    try:
        corpus, gold = gold_set(args.paths)
        if args.disagreements:
            table_format(args.disagreements, None)  # a bad suffix fails before the work
        codebook = agenda.load_codebook(args.codebook)
        detail, summary, disagreements = validity(corpus, gold, codebook, args.bootstrap, args.seed)
        if args.disagreements:
            agenda.write_table(disagreements, args.disagreements, codebook.provenance())
    except agenda.AgendaError as error:
        print(f"validity: error: {error}", file=sys.stderr)
        return 2
    print("\n".join(detail + summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
