"""The demo: code the bundled example corpus, compute shares by source and by month, draw charts, write the report."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from agenda.code import code
from agenda.codebook import Codebook, load_codebook
from agenda.errors import AgendaError
from agenda.export import output_files, write_table
from agenda.safe_write import check_outputs
from agenda.shares import shares, shares_provenance
from agenda.shipped import CORPUS
from agenda.shipped import FLAGSHIP as CODEBOOK

SHARES = (
    ("shares-by-source.csv", {"by": ["source"]}),
    ("shares-by-month.csv", {"period": "month", "date_column": "date"}),
)
CHARTS = ("shares-by-source.png", "sources-heatmap.png", "timeline.png")
REPORT = "report.html"


def demo(
    out_dir: str | Path = "agenda-demo",
    corpus: str | Path | None = None,
    codebook: str | Path | Codebook | None = None,
    seed: int = 0,
) -> list[tuple[Path, str]]:
    """Code the example corpus and write the coded table, shares, charts and the report into out_dir.

    Returns (file, what it holds) for every file written. corpus and codebook default to
    the example corpus and the flagship codebook shipped in the package (agenda/data/).

    >>> for path, what in agenda.demo("agenda-demo"): print(path, what)
    """
    corpus = Path(corpus) if corpus is not None else CORPUS
    if not corpus.exists():
        raise AgendaError(f"{corpus}: the example corpus is missing")
    out = Path(out_dir)
    path = None
    if not isinstance(codebook, Codebook):
        path = Path(codebook) if codebook is not None else CODEBOOK
        if not path.is_file():
            raise AgendaError(f"{path}: the example codebook is missing")
    tables = ["coded.csv", *(name for name, _ in SHARES)]
    check_outputs(
        [f for name in tables for f in output_files(out / name)] + [out / n for n in (*CHARTS, REPORT)], [corpus, path]
    )
    if path is not None:
        codebook = load_codebook(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AgendaError(f"{out}: cannot create the folder: {exc.strerror}") from None
    written: list[tuple[Path, str]] = []

    coded = code(corpus, codebook)
    for path in write_table(coded, out / "coded.csv", codebook.provenance(), codebook=codebook):
        written.append((Path(path), f"coded table, {coded.height} units x {len(codebook.items)} items"))
    for name, options in SHARES:
        table = shares(coded, codebook, seed=seed, **options)
        provenance = shares_provenance(codebook, measure="units", ci="bootstrap", resamples=1000, seed=seed, **options)
        what = "agenda shares by " + (options.get("period") or "source") + ", 95% bootstrap over documents"
        written += [(Path(p), what) for p in write_table(table, out / name, provenance)]
    from agenda.plot import plot_shares  # matplotlib loads only here

    sources = coded["source"].unique().to_list() if "source" in coded.columns else []
    pair = [s for s in ("Kremlin", "White House") if s in sources]
    readouts = coded.filter(pl.col("source").is_in(pair)) if len(pair) == 2 else coded
    charts = [
        (readouts, "grouped", ["source"], None, "grouped bar chart: " + " vs ".join(pair)),
        (coded, "heatmap", ["source"], None, "heatmap: shares by source"),
        (coded, "timeline", [], "month", "timeline: shares by month"),
    ]
    if len(pair) < 2:
        charts[0] = (*charts[0][:-1], "grouped bar chart: shares by source")
    for name, (table, kind, by, period, what) in zip(CHARTS, charts):
        fig = plot_shares(table, out / name, codebook, kind=kind, by=by, period=period, seed=seed)
        fig.clear()
        written.append((out / name, what))
    from agenda.report import report

    page = report(coded, codebook, out / REPORT, corpus=corpus, seed=seed)
    written.append((page, "the report: one HTML page of shares, rules, matches in context and overlap"))
    return written
