"""`agenda report`: one self-contained HTML page that shows a coded corpus before its tables are read.

Provenance, an overview, each item's share (overall, by group, by period) with its interval, its
rules by hits and a sample of its matches in context (with the corpus), the rules that never
fired, the items' overlap, and (with gold codes) precision, recall and F1. The charts are those of
`agenda plot`, inline as SVG; every table's rows are embedded as JSON; nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, load_codebook
from agenda.errors import AgendaError
from agenda.export import input_files
from agenda.report import sections
from agenda.report.page import Section, Table, Text, render_page
from agenda.safe_write import check_outputs, write_atomic
from agenda.shares import _bad_file, check_coded, scan_coded

KWIC_LINES = 10
SAMPLE_MB = 0.5  # MB of corpus text that rules and kwic lines match again (0: all of it)
DISAGREEMENTS = 10  # of each kind (false positive, false negative) per item


def run_date() -> str:
    """Now in UTC to the second, or the time SOURCE_DATE_EPOCH names (for byte-identical rebuilds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _files(paths: list[Path]) -> list[tuple[str, int]]:
    """Each input with its size in bytes (a folder: its files' total)."""
    out = []
    for path in paths:
        if path.is_dir():
            out.append((f"{path}/", sum(f.stat().st_size for f in path.rglob("*") if f.is_file())))
        else:
            out.append((str(path), path.stat().st_size if path.exists() else 0))
    return out


def provenance_section(
    coded_path: Path | None,
    recorded: dict[str, str],
    codebook: Codebook,
    corpus: list[Path],
    gold: Path | None,
    options,
) -> Section:
    from agenda import __version__

    rows = [("agenda version of this report", __version__)]
    if coded_path is not None:
        rows.append(("coded table", str(coded_path)))
    rows.append(("coded by agenda version", recorded.get("agenda_version", "(not recorded)")))
    rows += [
        ("codebook", codebook.id),
        ("codebook version", codebook.version),
        ("codebook sha256", codebook.sha256 or "(not known)"),
        ("codebook file", codebook.source),
    ]
    notes = []
    sha = recorded.get("codebook_sha256")
    if sha and codebook.sha256 and sha != codebook.sha256:
        rows.append(("codebook sha256 recorded in the coded table", sha))
        notes.append(
            Text(
                f"The coded table was coded with another codebook file (sha256 {sha[:12]}, not {codebook.sha256[:12]})."
            )
        )
    for name, size in _files(corpus):
        rows.append(("corpus", f"{name} ({size:,} bytes)"))
    if gold is not None:
        rows.append(("gold codes", f"{gold} (sha256 {hashlib.sha256(gold.read_bytes()).hexdigest()})"))
    rows += [(f"option {k}", str(v)) for k, v in options.items()]
    frame = pl.DataFrame(rows, schema={"field": pl.String, "value": pl.String}, orient="row")
    return Section("provenance", "Provenance", [Table("provenance", "What made this page", frame), *notes])


def corpus_views(corpus, codebook: Codebook, unit, kwic_lines, sample_mb, seed, gold, progress, read_options):
    """What the corpus adds: the dropped units, the rules by hits, kwic lines per item, a note on the
    sample, and the documents of the gold codes (for the disagreements' text).

    The corpus is read in batches. Rules and kwic lines match it again, which costs far more than
    coding it: past `sample_mb` MB they come from a seeded random sample of whole documents of about that size.
    """
    from agenda.corpus import Corpus, read_table
    from agenda.kwic import kwic
    from agenda.rules import rules

    progress("reading the corpus")
    source = Corpus(corpus, **read_options)
    share = 1.0 if not sample_mb else min(1.0, sample_mb * 1e6 / max(source.size, 1))
    gold_docs = None
    if gold is not None:
        gold_docs = read_table(Path(gold), text_column=None, infer_types=True)["doc_id"].cast(pl.String).implode()
    split = unit or codebook.units["split"]
    counts, kept, golden, first = [], [], [], None
    for batch in source:
        first = batch.head(1) if first is None else first
        counts.append(sections.dropped_counts(batch, codebook, split))
        kept.append(batch if share >= 1 else batch.filter(sections.drawn(share, seed)))
        if gold_docs is not None:
            golden.append(batch.filter(pl.col("doc_id").is_in(gold_docs)))
    sample = pl.concat(kept)
    if sample.height == 0:  # a tiny share of few documents: the first one
        sample = first
    note = sections.sample_note(sample, source.documents, source.size, seed) if share < 1 else ""
    progress("rules: hits per rule" + (" (in a sample of the documents)" if note else ""))
    rule_table = rules(sample, codebook, unit=unit, decisive=False).drop("decisive")
    lines = None
    if kwic_lines:
        progress("kwic: a sample of matches per item")
        lines = kwic(sample, codebook, sample=kwic_lines, per_item=True, seed=seed, unit=unit)
        lines = lines.with_columns(sections.cut(c, sections.MAX_KWIC) for c in ("left", "match", "right", "term"))
    gold_frame = pl.concat(golden) if golden else None
    return sections.dropped_units(counts, codebook), rule_table, lines, note, gold_frame


def build_report(
    coded: pl.DataFrame | str | Path,
    codebook: Codebook | str | Path,
    corpus: str | Path | list[str | Path] | None = None,
    gold: str | Path | None = None,
    by: Sequence[str] | str | None = None,
    period: str | None = None,
    date_column: str = "date",
    kwic_lines: int = KWIC_LINES,
    sample_mb: float = SAMPLE_MB,
    resamples: int = 1000,
    seed: int = 0,
    unit: str | None = None,
    progress: Callable[[str], None] | None = None,
    **read_options: str,
) -> list[Section]:
    """The report's sections (see `report`), to render or to inspect."""
    if not 0 <= kwic_lines <= 1000:
        raise AgendaError(f"--kwic must lie between 0 and 1000 lines per item, not {kwic_lines}")
    if not sample_mb >= 0:
        raise AgendaError(f"--sample-mb must be 0 (all) or more, not {sample_mb}")
    progress = progress or (lambda message: None)
    recorded: dict[str, str] = {}
    coded_path = None
    if isinstance(coded, (str, Path)):
        coded_path = Path(coded)
        lazy, recorded = scan_coded(coded_path)
        try:
            coded = lazy.collect()
        except Exception as exc:  # a malformed CSV shows itself only when it is read
            raise _bad_file(coded_path, exc) from None
    source = str(coded_path or "coded table")
    check_coded(coded.columns, source)
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    missing = [i for i in codebook.item_ids if i not in coded.columns]
    if missing:
        raise AgendaError(
            f"{source}: no column for item {missing[0]!r} of {codebook.source}; coded with another codebook?"
        )
    if coded.height == 0:
        raise AgendaError(f"{source}: the coded table has no units")
    corpus_paths = [Path(p) for p in ([corpus] if isinstance(corpus, (str, Path)) else corpus or [])]
    by = sections.pick_by(coded, by)
    if gold is not None and not Path(gold).is_file():
        raise AgendaError(f"{gold}: no such file")
    if period and date_column not in coded.columns:
        raise AgendaError(f"--period {period}: the coded table has no date column {date_column!r}")
    options = {"seed": seed, "bootstrap resamples": resamples, "kwic lines per item": kwic_lines}
    if corpus_paths:
        options["corpus sample for rules and kwic (MB)"] = sample_mb or "all"
    if by:
        options["groups"] = ", ".join(by)
    provenance = provenance_section(coded_path, recorded, codebook, corpus_paths, Path(gold) if gold else None, options)
    result: list[Section] = []

    frame = rule_table = lines = dropped = None
    sampled = ""
    if corpus_paths:
        dropped, rule_table, lines, sampled, frame = corpus_views(
            corpus_paths, codebook, unit, kwic_lines, sample_mb, seed, gold, progress, read_options
        )
    result.append(sections.overview(coded, dropped, sections.unit_gaps(coded)))
    items, groups, totals = sections.shares_sections(
        coded, codebook, by, period, date_column, resamples, seed, progress
    )
    result += [items, groups, sections.item_sections(codebook, totals, rule_table, lines, kwic_lines, seed, sampled)]
    if rule_table is not None:
        result.append(sections.never_fired(rule_table, sampled))
    result.append(sections.overlap_section(coded, codebook))
    if gold is not None:
        from agenda.agree import agree

        progress("agreement with the gold codes")
        agreement = agree(coded, gold, codebook, bootstrap=resamples, seed=seed, corpus=frame)
        result.append(sections.agreement_section(agreement, seed, DISAGREEMENTS))
    return [*result, provenance]


def report(
    coded: pl.DataFrame | str | Path,
    codebook: Codebook | str | Path,
    out: str | Path = "report.html",
    title: str | None = None,
    **options,
) -> Path:
    """Write one self-contained HTML page about a wide coded table; returns its path.

    The page needs no server and fetches nothing: inline styles and script, charts as inline SVG
    (drawn by agenda.plot), each table's rows embedded as JSON. With `corpus`, each item's rules by
    hits, a seeded sample of `kwic_lines` matches in context, the rules that never fired and the
    units dropped by reason; with `gold` (human 0/1 codes per doc_id and unit), precision, recall
    and F1 per item. Rules and kwic lines match the corpus again (far slower than coding it): past
    `sample_mb` MB of text (0: never) they come from a seeded random sample of whole documents,
    and the page says so. `by` defaults to the column source when there is one; `period` to the finest
    of month, quarter and year that gives at most 60 periods of `date_column`. options: those of
    `build_report` (corpus, gold, by, period, date_column, kwic_lines, sample_mb, resamples, seed,
    unit, progress, and the corpus's read options: text_column, id_column, encoding, infer_types).

    >>> agenda.report("coded.csv", "codebook/us-russia-2021.yaml", "report.html", corpus="examples/corpus")
    """
    out = Path(out)
    corpus = options.get("corpus")
    corpus_paths = [corpus] if isinstance(corpus, (str, Path)) else list(corpus or [])
    coded_inputs = input_files(coded) if isinstance(coded, (str, Path)) else []
    named = codebook if isinstance(codebook, (str, Path)) else None
    check_outputs([out], [*coded_inputs, named, *corpus_paths, options.get("gold")])
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    found = build_report(coded, codebook, **options)
    what = f"Codebook {codebook.id} {codebook.version}".strip()
    page = render_page(title or f"agenda report: {codebook.title or codebook.id}", what, run_date(), found)
    write_atomic(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return out
