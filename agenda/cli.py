"""The command line: a thin layer where every command is one call of a public function."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click
import polars as pl

from agenda.display import render
from agenda.errors import AgendaError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AgendaGroup(click.Group):
    """Turns AgendaError and a subcommand's usage errors into one line on stderr and exit status 2
    (a traceback with --debug).

    Ctrl-C (SIGINT) removes the temporaries, says whether anything was written, and exits 130
    (agenda.safe_write.interrupt).
    """

    def __call__(self, *args, **kwargs):
        """The program itself (not click's test runner): Ctrl-C is agenda.safe_write.interrupt while
        the command runs, and ignored once it has finished (Python's own exit would die of it silently)."""
        from agenda.safe_write import interrupt

        signal.signal(signal.SIGINT, interrupt)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AgendaError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"agenda: error: {one_line(str(exc))}", err=True)
            sys.exit(2)
        except click.UsageError as exc:  # a subcommand's option out of bounds, missing or unknown: one line too
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            message = one_line(exc.format_message()).rstrip(".")
            click.echo(f"agenda: error: {message} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)


def one_line(message: str) -> str:
    """The message on one line, whatever line breaks (\\r, \\x1e, \\u2028...) a file's names put in it."""
    return " ".join(message.splitlines())


# Bounds of the numeric options, checked when the command line is parsed.
SEED = click.IntRange(0, 2**32 - 1)
RESAMPLES = click.IntRange(1, 100_000)
INCHES = click.FloatRange(0.5, 40)
DPI = click.IntRange(30, 2400)
LEVEL = click.FloatRange(0, 1, min_open=True, max_open=True)
COUNT = click.IntRange(1, 10**9)
PERIOD_NAMES = ["day", "week", "month", "quarter", "year", "decade"]


def check_encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse an encoding name Python does not know, before any file is read."""
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r} (e.g. utf-8, cp1251, koi8-r, latin-1)") from None
    return value


def refuse_overwrite(outputs, inputs) -> None:
    """Refuse, before any work, outputs that would replace an input (see agenda.safe_write.check_outputs)."""
    from agenda.safe_write import check_outputs

    check_outputs(outputs, inputs)


def show(table: pl.DataFrame, err: bool = False) -> None:
    """Print a table for a reader on a terminal (on stderr with err=True)."""
    click.echo(render(table), err=err)


class Progress:
    """A one-line progress report on stderr (only when stderr is a terminal)."""

    def __init__(self, quiet: bool = False, what: str = "units"):
        self.enabled = not quiet and sys.stderr.isatty()
        self.started = time.perf_counter()
        self.what = what

    def __call__(self, done: int, total: int, done_bytes: int) -> None:
        seconds = time.perf_counter() - self.started
        if not self.enabled or seconds < 1.0:  # short runs need no progress report
            return
        eta = seconds * (total - done) / max(done, 1)
        line = (
            f"\ragenda: {done:,}/{total:,} {self.what}, {done_bytes / 1e6:,.1f} MB, "
            f"{done_bytes / 1e6 / seconds:,.1f} MB/s, {done / seconds:,.0f} {self.what}/s, ETA {eta:,.0f}s"
        )
        click.echo(line + ("\n" if done == total else ""), err=True, nl=False)


def note(message: str, quiet: bool = False) -> None:
    """A progress or summary line on stderr."""
    if not quiet:
        click.echo(message, err=True)


def report_written(written) -> None:
    """Print on stderr the columns renamed for Stata/SPSS and what else the writer changed."""
    for old, new in getattr(written, "renames", {}).items():
        click.echo(f"agenda: renamed column {old!r} -> {new} (Stata/SPSS variable name)", err=True)
    for message in getattr(written, "notes", []):
        click.echo(f"agenda: note: {message}", err=True)


codebook_option = click.option(
    "-c",
    "--codebook",
    "codebook_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The YAML codebook.",
)
read_options = [
    click.option("--text-column", default="text", show_default=True, help="Text column of a table corpus."),
    click.option(
        "--id-column",
        default="doc_id",
        show_default=True,
        help="Document id column of a table corpus (row numbers when absent).",
    ),
    click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        callback=check_encoding,
        help="Encoding of text and CSV files, e.g. cp1251.",
    ),
    click.option(
        "--infer-types",
        is_flag=True,
        help="Read numbers in CSV/TSV/JSON Lines metadata as numbers (default: text as written, so 001 stays 001).",
    ),
]


def with_read_options(command):
    for option in reversed(read_options):
        command = option(command)
    return command


def print_version(ctx: click.Context, _param, value: bool) -> None:
    """`agenda --version`: the version, and which engine codes (the native passes or polars alone)."""
    if not value or ctx.resilient_parsing:
        return
    from agenda import __version__
    from agenda.engine.scan import _scan, native

    if native():
        engine = "native (agenda.engine._scan, with polars)"
    else:
        engine = "polars (" + ("AGENDA_NATIVE=0" if _scan is not None else "agenda.engine._scan is not built") + ")"
    click.echo(f"agenda {__version__} (agenda-codebook), engine: {engine}")
    ctx.exit()


@click.group(cls=AgendaGroup, context_settings=CONTEXT)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_version,
    help="Show the version and the engine, and exit.",
)
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
def main(debug: bool) -> None:
    """Code corpora into agenda items with a YAML codebook.

    \b
    Examples:
      agenda check codebook/us-russia-2021.yaml
      agenda code examples/corpus -c codebook/us-russia-2021.yaml -o coded.csv
      agenda code news.csv --text-column body -c my.yaml -o coded.parquet --long
    """


@main.command("code")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    help="Output file (.csv, .parquet, .dta, .sav), - for CSV on stdout, or the dataset folder of --dask/--shard.",
)
@click.option("--long", is_flag=True, help="Write the tidy table: one row per unit and coded item.")
@click.option("--all-units", is_flag=True, help="With --long: a row (empty item) for each unit coded for no item.")
@click.option(
    "--keep-dropped", is_flag=True, help="Keep units dropped as boilerplate or too short: uncoded, with a reason."
)
@click.option(
    "--unit",
    type=click.Choice(["paragraph", "sentence", "document"]),
    help="Unit of coding (default: the codebook's units.split, else paragraph).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet", "dta", "sav"]), help="Output format (default: by suffix)."
)
@click.option("--keep-text", is_flag=True, help="Keep each unit's text in the wide table.")
@click.option(
    "--date-column",
    help="The corpus column of dates that rules with date bounds (from/until) read (default: date).",
)
@click.option(
    "--unit-column",
    help="A table already split into units: this column numbers each row's unit within its --id-column document.",
)
@with_read_options
@click.option(
    "--dask",
    metavar="SCHEDULER",
    help="Code on a Dask cluster into the dataset folder -o: tcp://HOST:PORT, a scheduler file (.json), "
    "or local:N for N worker processes here (needs agenda-codebook[dask]).",
)
@click.option("--shard", metavar="I/N", help="Code shard I of N (1 <= I <= N; a job array) into the dataset folder -o.")
@click.option(
    "--partition-mb",
    default=256,
    show_default=True,
    type=click.IntRange(1, 65536),
    help="Megabytes of input in a partition (--dask, --shard).",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def code_command(
    corpus,
    codebook_path,
    out,
    long,
    all_units,
    keep_dropped,
    unit,
    fmt,
    keep_text,
    date_column,
    unit_column,
    text_column,
    id_column,
    encoding,
    infer_types,
    dask,
    shard,
    partition_mb,
    quiet,
):
    """Code CORPUS (.txt files, folders of .txt, CSV/TSV/Parquet/JSONL tables) into agenda items.

    With --dask or --shard the output -o is a coded dataset: a folder of Parquet files, one a
    partition of whole documents, and a manifest written last; a rerun skips the partitions
    already coded with the same codebook. `agenda merge` joins the shards of a job array.

    \b
    Examples:
      agenda code article.txt -c codebook/us-russia-2021.yaml -o -
      agenda code examples/corpus -c codebook/us-russia-2021.yaml -o coded.parquet
      agenda code archive.csv --encoding cp1251 --text-column body -c cb.yaml -o coded.csv --long
      agenda code archive.jsonl -c cb.yaml -o coded/ --dask local:2
      agenda code archive.jsonl -c cb.yaml -o shards/$SLURM_ARRAY_TASK_ID --shard $SLURM_ARRAY_TASK_ID/10
      agenda code paragraphs.csv --id-column speech_id --unit-column paragraph -c cb.yaml -o coded.csv
    """
    from agenda.code import code_to

    started = time.perf_counter()
    if dask is not None or shard is not None:
        from agenda.distributed import code_dataset

        if fmt not in (None, "parquet"):
            raise AgendaError(f"--format {fmt}: a coded dataset (--dask, --shard) is Parquet; merge it into {fmt}")
        unsupported = {"--unit-column": unit_column, "--all-units": all_units, "--keep-dropped": keep_dropped}
        given = [option for option, value in unsupported.items() if value]
        if given:
            raise AgendaError(f"{given[0]} is not available with --dask or --shard: code without them")
        written = code_dataset(
            list(corpus),
            codebook_path,
            out,
            dask=dask,
            shard=shard,
            unit=unit,
            long=long,
            keep_text=keep_text,
            date_column=date_column,
            partition_bytes=partition_mb * 2**20,
            progress=Progress(quiet, "partitions"),
            text_column=text_column,
            id_column=id_column,
            encoding=encoding,
            infer_types=infer_types,
        )
        skipped = f", {plural(written.skipped, 'partition')} already coded" if written.skipped else ""
        summarize(written, long, started, f"{plural(written.partitions, 'partition')}{skipped}", quiet)
        note_dropped(written.dropped, False, quiet)
        return
    written = code_to(
        list(corpus),
        codebook_path,
        out,
        fmt,
        unit=unit,
        long=long,
        keep_text=keep_text,
        date_column=date_column,
        text_column=text_column,
        id_column=id_column,
        encoding=encoding,
        infer_types=infer_types,
        progress=Progress(quiet),
        **({"unit_column": unit_column} if unit_column else {}),
        **({"all_units": True} if all_units else {}),
        **({"keep_dropped": True} if keep_dropped else {}),
    )
    report_written(written)
    summarize(written, long, started, "", quiet)
    note_dropped(written.dropped, keep_dropped, quiet)


def note_dropped(dropped: dict[str, int], keep_dropped: bool, quiet: bool) -> None:
    """The line on stderr that says how many units were dropped, and why."""
    if sum(dropped.values()):
        reasons = ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in dropped.items() if n)
        kept = (
            "kept as rows with a `dropped` reason" if keep_dropped else "not in the table (--keep-dropped keeps them)"
        )
        note(f"agenda: dropped {sum(dropped.values()):,} units ({reasons}): {kept}", quiet)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summarize(written, long: bool, started: float, extra: str, quiet: bool, verb: str = "coded") -> None:
    """The summary line of code and merge on stderr, and the coverage table of a wide table."""
    seconds = time.perf_counter() - started
    shape = "item rows" if long else "units"
    target = ", ".join(map(str, written)) or "stdout"
    codebook = written.codebook
    extra = f" ({extra})" if extra else ""
    note(
        f"agenda: {verb} {written.rows} {shape}{extra} with {codebook.id} {codebook.version} in {seconds:.2f}s -> "
        f"{target}",
        quiet,
    )
    if written.coverage is not None and not quiet:
        show(written.coverage, err=True)


@main.command("merge")
@click.argument("shards", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    help="The table (.csv, .parquet, .dta, .sav), or a dataset folder (ending in /).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet", "dta", "sav"]), help="Output format (default: by suffix)."
)
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def merge_command(shards, out, fmt, quiet):
    """Merge the datasets of the shards of a job array (agenda code --shard I/N) into one table.

    Every shard must be there, coded from the same corpus with the same codebook.

    \b
    Examples:
      agenda merge shards/* -o coded.parquet
      agenda merge shards/* -o coded.dta
      agenda merge shards/* -o coded/
    """
    from agenda.merge import merge

    started = time.perf_counter()
    written = merge(list(shards), out, fmt)
    report_written(written)
    summarize(written, bool(written.coverage is None), started, "", quiet, verb="merged")


@main.command("export")
@click.argument("coded", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, help="Output file: .dta, .sav, .parquet or .csv.")
@click.option(
    "-c",
    "--codebook",
    "codebook_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The codebook for labels (default: the items recorded with the coded table).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet", "dta", "sav"]), help="Output format (default: by suffix)."
)
def export_command(coded, out, codebook_path, fmt):
    """Convert CODED (a coded table in .csv or .parquet) to Stata, SPSS, Parquet or CSV.

    Stata and SPSS files get variable labels from the codebook and the primary item as a
    labelled numeric code; columns renamed to fit their naming rules are listed on stderr.

    \b
    Examples:
      agenda export coded.parquet -o coded.dta
      agenda export coded.csv -c codebook/us-russia-2021.yaml -o coded.sav
    """
    from agenda.export import export_table

    written = export_table(coded, out, codebook_path, fmt)
    report_written(written)
    note(f"agenda: exported {coded} -> {', '.join(map(str, written)) or 'stdout'}")


@main.command("check")
@click.argument("codebook_path", metavar="CODEBOOK", type=click.Path(dir_okay=False, path_type=Path))
def check_command(codebook_path):
    """Validate CODEBOOK, lint its rules and run its examples.

    Exit status 0 when every example is coded as its author said, 1 when one is not,
    2 when the codebook is invalid.

    \b
    Example:
      agenda check codebook/us-russia-2021.yaml
    """
    from agenda.check import lint, run_examples, summary
    from agenda.codebook import load_codebook

    codebook = load_codebook(codebook_path)
    click.echo(f"{codebook_path}: {codebook.id} {codebook.version}, {len(codebook.items)} items, valid")
    show(summary(codebook))
    for warning in lint(codebook):
        click.echo(f"warning: {warning}")
    results = run_examples(codebook)
    wrong = [r for r in results if not r.ok]
    for r in wrong:
        said = "should match" if r.expected else "should not match"
        click.echo(f"example {said} {r.item} ({r.hits} hits): {r.text}")
    if results:
        click.echo(f"examples: {len(results) - len(wrong)} of {len(results)} coded as expected")
    sys.exit(1 if wrong else 0)


@main.command("import")
@click.argument("dictionary", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The codebook to write (YAML).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["quanteda", "liwc", "lexicoder", "wordstat", "yoshikoder"]),
    help="Dictionary format (default: by suffix: .yml/.yaml, .dic, .lc3/.lcd, .cat, .ykd).",
)
@click.option(
    "--encoding", default="utf-8", show_default=True, callback=check_encoding, help="Encoding of the dictionary file."
)
@click.option("-q", "--quiet", is_flag=True, help="No report on stderr.")
def import_command(dictionary, out, fmt, encoding, quiet):
    """Import DICTIONARY (quanteda, LIWC, Lexicoder, WordStat, Yoshikoder) as a codebook.

    Nested keys become parent and child items; every value is translated to agenda's rules and
    whatever cannot be translated exactly is reported (and written as comments in the codebook).

    \b
    Examples:
      agenda import my_dict.yml -o my_dict.yaml
      agenda import LSD2015.lc3 -o lsd.yaml
      agenda import LIWC2015.dic -o liwc.yaml --encoding latin-1
    """
    from agenda.dictionaries import import_dictionary

    refuse_overwrite([out], [dictionary])
    _, report = import_dictionary(dictionary, format=fmt, out=out, encoding=encoding)
    note(f"agenda: {report.summary()} -> {out}", quiet)
    for line in report.notes:
        note(f"note: {line}", quiet)


@main.command("export-codebook")
@click.argument("codebook_path", metavar="CODEBOOK", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The dictionary to write.",
)
@click.option("--format", "fmt", type=click.Choice(["quanteda", "liwc"]), help="Dictionary format (default: suffix).")
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
def export_codebook_command(codebook_path, out, fmt, quiet):
    """Write CODEBOOK as a quanteda YAML or LIWC dictionary, for use in R or LIWC.

    \b
    Examples:
      agenda export-codebook codebook/us-russia-2021.yaml -o us-russia.yml
      agenda export-codebook codebook/us-russia-2021.yaml -o us-russia.dic --format liwc
    """
    from agenda.dictionaries import export_codebook

    refuse_overwrite([out], [codebook_path])
    notes = export_codebook(codebook_path, out, format=fmt)
    note(f"agenda: wrote {out} ({len(notes)} notes)", quiet)
    for line in notes:
        note(f"note: {line}", quiet)


def split_option(name: str):
    """The unit of coding, for the audit commands."""
    return click.option(
        name, type=click.Choice(["paragraph", "sentence", "document"]), help="Unit of coding (default: the codebook's)."
    )


def _audit_provenance(codebook) -> dict[str, str]:
    from agenda import __version__

    return codebook.provenance() if codebook is not None else {"agenda_version": __version__}


@main.command("agree")
@click.argument("coded", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--gold",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Human codes: one 0/1 column per item.",
)
@click.option(
    "-c",
    "--codebook",
    "codebook_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The codebook (items, labels, terms).",
)
@click.option(
    "--key",
    default="doc_id,unit",
    show_default=True,
    help="GOLD's columns for doc_id and unit; one name = unit only, for one document.",
)
@click.option(
    "--corpus",
    multiple=True,
    type=click.Path(path_type=Path),
    help="The corpus, for the disagreements' text (needs -c).",
)
@click.option(
    "--bootstrap",
    default=1000,
    show_default=True,
    type=click.IntRange(0, RESAMPLES.max),
    help="Bootstrap resamples for the 95% intervals (0: none).",
)
@click.option("--seed", default=1, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option(
    "--resample",
    type=click.Choice(["doc", "unit"]),
    default="doc",
    show_default=True,
    help="What the bootstrap resamples.",
)
@click.option("-o", "--output", "out", help="Write the per-item table (.csv or .parquet).")
@click.option(
    "--disagreements", "disagreements_out", help="Write every disagreement with its text and terms (.csv or .parquet)."
)
@click.option("--topic", help="GOLD's one column of topic ids or codes (CAP style), compared with primary.")
@click.option("--by", multiple=True, help="Also the figures per group of this column of CODED (repeatable).")
@click.option("--by-output", "by_out", help="Write the per-group figures (.csv or .parquet).")
@click.option("--confusion", "confusion_out", help="With --topic: write the confusion matrix (.csv or .parquet).")
@click.option("--confusion-plot", "confusion_plot", help="With --topic: draw the confusion matrix (.png, .svg, .pdf).")
@click.option("--unweighted", is_flag=True, help="Ignore a sample key's inclusion probabilities.")
def agree_command(
    coded,
    gold,
    codebook_path,
    key,
    corpus,
    bootstrap,
    seed,
    resample,
    out,
    disagreements_out,
    topic,
    by,
    by_out,
    confusion_out,
    confusion_plot,
    unweighted,
):
    """Agreement of a CODED table with human codes: precision, recall, F1, kappa, alpha per item.

    \b
    Examples:
      agenda agree coded.csv --gold gold.csv -c codebook/us-russia-2021.yaml -o agreement.csv
      agenda agree coded.csv --gold gold.csv --key paragraph --disagreements why.csv --corpus article.txt -c cb.yaml
      agenda agree sheet.key.csv --gold sheet-coded.csv -c cb.yaml --by language    # a sample: weighted too
      agenda agree coded.csv --gold cap.csv --topic majortopic -c cap.yaml --confusion-plot confusion.png
    """
    from agenda.agree import agree, format_agreement
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table

    if (confusion_out or confusion_plot) and not topic:
        raise AgendaError("--confusion and --confusion-plot need --topic (single-topic gold)")
    if by_out and not by:
        raise AgendaError("--by-output needs --by")
    refuse_overwrite(
        [*output_files(out), *output_files(disagreements_out), *output_files(by_out), *output_files(confusion_out)]
        + ([confusion_plot] if confusion_plot else []),
        [*input_files(coded), *input_files(gold), codebook_path, *corpus],
    )
    codebook = load_codebook(codebook_path) if codebook_path else None
    result = agree(
        coded,
        gold,
        codebook,
        key=[k.strip() for k in key.split(",") if k.strip()],
        bootstrap=bootstrap,
        seed=seed,
        resample=resample,
        corpus=list(corpus) or None,
        topic=topic,
        by=list(by),
        weights=not unweighted,
    )
    if disagreements_out and "text" not in result.disagreements.columns:
        raise AgendaError("--disagreements needs the units' text: code with --keep-text, or give --corpus and -c")
    click.echo(format_agreement(result))
    for name, missing in (("coded table", result.only_coded), ("gold table", result.only_gold)):
        if missing.height:
            listed = ", ".join(f"{d}:{u}" for d, u in missing.head(5).iter_rows())
            more = ", ..." if missing.height > 5 else ""
            note(f"agenda: {missing.height} units only in the {name}, not compared: {listed}{more}")
    if result.missing_items:
        note(f"agenda: items not in the gold table, not compared: {', '.join(result.missing_items)}")
    if result.strata is not None:
        for stratum, units in result.strata.filter(pl.col("compared") == 0).select("stratum", "units").iter_rows():
            note(
                f"agenda: stratum {stratum!r}: no unit coded by hand; the weighted figures leave out its {units:g} "
                "units"
            )
    provenance = _audit_provenance(codebook)
    if out:
        write_table(result.table(), out, provenance)
    if disagreements_out:
        write_table(result.disagreements, disagreements_out, provenance)
        note(f"agenda: {result.disagreements.height} disagreements -> {disagreements_out}")
    if by_out:
        write_table(result.by, by_out, provenance)
    if confusion_out:
        write_table(result.topics.confusion, confusion_out, provenance)
    if confusion_plot:
        from agenda.confusion import plot_confusion

        labels = {item.id: item.label for item in codebook.items}
        plot_confusion(result.topics.confusion, confusion_plot, labels).clear()
        note(f"agenda: confusion matrix -> {confusion_plot}")


@main.command("kwic")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option("--item", help="Only this item's matches.")
@click.option("--term", help="Only this rule's matches, as written in the codebook (else searched as a new term).")
@click.option("--window", default=5, show_default=True, type=click.IntRange(0, 1000), help="Context tokens each side.")
@click.option("--sample", type=COUNT, help="A random sample of this many matches.")
@click.option("--seed", default=1, show_default=True, type=SEED, help="Seed of the sample.")
@split_option("--unit")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet) instead of aligned lines.")
def kwic_command(
    corpus,
    codebook_path,
    item,
    term,
    window,
    sample,
    seed,
    unit,
    date_column,
    text_column,
    id_column,
    encoding,
    infer_types,
    out,
):
    """Keyword in context: one line per match that counts, aligned on the match.

    \b
    Examples:
      agenda kwic examples/corpus -c codebook/us-russia-2021.yaml --item ukraine
      agenda kwic examples/corpus -c codebook/us-russia-2021.yaml --term 'security guarantees'
      agenda kwic examples/corpus -c codebook/us-russia-2021.yaml --sample 20 --seed 7 -o check.csv
    """
    from agenda.codebook import load_codebook
    from agenda.export import output_files, write_table
    from agenda.kwic import format_kwic, kwic

    refuse_overwrite(output_files(out), [*corpus, codebook_path])
    codebook = load_codebook(codebook_path)
    table = kwic(
        list(corpus),
        codebook,
        item=item,
        term=term,
        window=window,
        sample=sample,
        seed=seed,
        unit=unit,
        date_column=date_column,
        text_column=text_column,
        id_column=id_column,
        encoding=encoding,
        infer_types=infer_types,
    )
    if out:
        write_table(table, out, codebook.provenance())
        note(f"agenda: {table.height} matches -> {out}")
    else:
        click.echo(format_kwic(table))


@main.command("explain")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option("--doc", required=True, help="The document's doc_id.")
@click.option("--unit", "unit_number", required=True, type=COUNT, help="The unit's number in its document (from 1).")
@split_option("--split")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
def explain_command(
    corpus, codebook_path, doc, unit_number, split, date_column, text_column, id_column, encoding, infer_types
):
    """Explain how one unit was coded: its matches marked, what an exclude removed, the primary item.

    \b
    Example:
      agenda explain examples/corpus -c codebook/us-russia-2021.yaml --doc kremlin-2021-12-07 --unit 3
    """
    from agenda.explain import explain

    click.echo(
        str(
            explain(
                list(corpus),
                codebook_path,
                doc,
                unit_number,
                unit_type=split,
                date_column=date_column,
                text_column=text_column,
                id_column=id_column,
                encoding=encoding,
                infer_types=infer_types,
            )
        )
    )


@main.command("rules")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@split_option("--unit")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet).")
def rules_command(corpus, codebook_path, unit, date_column, text_column, id_column, encoding, infer_types, out):
    """Per rule and exclude: units it fires in, its hits, and units whose coding hangs on it alone.

    \b
    Example:
      agenda rules examples/corpus -c codebook/us-russia-2021.yaml
    """
    from agenda.codebook import load_codebook
    from agenda.export import output_files, write_table
    from agenda.rules import rules

    refuse_overwrite(output_files(out), [*corpus, codebook_path])
    codebook = load_codebook(codebook_path)
    table = rules(
        list(corpus),
        codebook,
        unit=unit,
        date_column=date_column,
        text_column=text_column,
        id_column=id_column,
        encoding=encoding,
        infer_types=infer_types,
    )
    if out:
        write_table(table, out, codebook.provenance())
    else:
        show(table)
    never = table.filter("never_fires")
    names = never["rule"].to_list()
    listed = f": {', '.join(names[:8])}" + (", ... (column never_fires)" if len(names) > 8 else "") if names else ""
    note(f"agenda: {table.height} rules, {never.height} never fire{listed}")


@main.command("suggest")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option("--item", required=True, help="The item to find new terms for.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 100_000), help="How many candidates.")
@click.option("--min-count", default=3, show_default=True, type=COUNT, help="Least uses in the item's units.")
@split_option("--unit")
@with_read_options
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet).")
def suggest_command(
    corpus, codebook_path, item, top, min_count, unit, text_column, id_column, encoding, infer_types, out
):
    """Candidate terms for an ITEM: words and two-word phrases key to its units (G2), with counts.

    \b
    Example:
      agenda suggest examples/corpus -c codebook/us-russia-2021.yaml --item ukraine --top 15
    """
    from agenda.codebook import load_codebook
    from agenda.export import output_files, write_table
    from agenda.suggest import suggest

    refuse_overwrite(output_files(out), [*corpus, codebook_path])
    codebook = load_codebook(codebook_path)
    table = suggest(
        list(corpus),
        codebook,
        item,
        top=top,
        min_count=min_count,
        unit=unit,
        text_column=text_column,
        id_column=id_column,
        encoding=encoding,
        infer_types=infer_types,
    )
    if out:
        write_table(table, out, codebook.provenance())
    else:
        show(table.with_columns(pl.col("g2").round(2)))


@main.command("shares")
@click.argument("coded", type=click.Path(path_type=Path))
@click.option(
    "-c",
    "--codebook",
    "codebook_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The YAML codebook (default: the one the table's provenance names, else its item columns).",
)
@click.option("--by", multiple=True, help="Group by this column; repeat for several.")
@click.option("--period", type=click.Choice(PERIOD_NAMES), help="Group by period (of dates or integer years).")
@click.option("--bins", help="Group by periods that start at these years, e.g. 1789,1861,1933.")
@click.option("--date-column", default="date", show_default=True, help="The date (or year) column for --period.")
@click.option("--measure", type=click.Choice(["units", "words", "primary"]), default="units", show_default=True)
@click.option("--ci", type=click.Choice(["none", "bootstrap", "wilson"]), default="bootstrap", show_default=True)
@click.option("--cluster", help="Resample this column's values in the bootstrap (default: doc_id).")
@click.option("--per", type=click.Choice(["document"]), help="One row a document and item: the counts per document.")
@click.option("--resamples", default=1000, show_default=True, type=RESAMPLES, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option("--level", default=0.95, show_default=True, type=LEVEL, help="Level of the interval.")
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet); printed when absent.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), help="Output format (default: by suffix).")
def shares_command(
    coded, codebook_path, by, period, bins, date_column, measure, ci, cluster, per, resamples, seed, level, out, fmt
):
    """Agenda shares of a CODED table (from `agenda code`): one row a group and item, with an interval.

    \b
    Examples:
      agenda shares coded.csv -c codebook/us-russia-2021.yaml --by source
      agenda shares coded.parquet --period month --measure primary --ci wilson -o shares.csv
      agenda shares coded.csv --by President --cluster speech_id
      agenda shares coded.csv --bins 1789,1861,1933 --date-column Year
      agenda shares coded.csv --per document -o per-document.csv
    """
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table
    from agenda.shares import MIN_CLUSTERS, scan_coded, shares, shares_provenance

    refuse_overwrite(output_files(out, fmt), [*input_files(coded), codebook_path])
    codebook = load_codebook(codebook_path) if codebook_path else None
    table = shares(
        coded,
        codebook,
        list(by),
        period,
        date_column,
        measure,
        ci,
        resamples,
        seed,
        level,
        cluster=cluster,
        bins=bins,
        per=per,
    )
    if out:
        base = codebook.provenance() if codebook else scan_coded(coded)[1]
        options = {"measure": measure, "ci": ci, "level": level, "by": list(by), "period": period, "bins": bins}
        options["cluster"] = cluster or "doc_id"
        if per:
            options.update(per=per, ci="none")
        if period or bins:
            options["date_column"] = date_column
        if ci == "bootstrap" and not per:
            options.update(resamples=resamples, seed=seed)
        written = write_table(table, out, shares_provenance(base, **options), fmt)
        note(f"agenda: {table.height} rows of shares -> {', '.join(map(str, written)) or 'stdout'}")
    else:
        if table["parent"].null_count() == table.height:
            table = table.drop("parent")
        show(table.with_columns(pl.col("share", "ci_low", "ci_high").round(3), pl.col("per_1000_words").round(2)))
    few = table.filter(pl.col("few_clusters"))
    if few.height:  # said once the table is out, so an error stays the only line
        note(
            f"agenda: warning: {few.height} of {table.height} intervals rest on fewer than {MIN_CLUSTERS} clusters "
            f"({cluster or 'doc_id'}); see the column few_clusters"
        )


@main.command("plot")
@click.argument("data", metavar="SHARES_OR_CODED", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, help="The figure: .png, .svg or .pdf.")
@click.option("-c", "--codebook", "codebook_path", type=click.Path(dir_okay=False, path_type=Path), help="Codebook.")
@click.option(
    "--kind", type=click.Choice(["bar", "grouped", "stacked", "timeline", "heatmap"]), default="bar", show_default=True
)
@click.option("--by", multiple=True, help="Group a coded table by this column; repeat for several.")
@click.option("--period", type=click.Choice(PERIOD_NAMES), help="Group by period (of dates or integer years).")
@click.option("--bins", help="Group by periods that start at these years, e.g. 1789,1861,1933.")
@click.option("--date-column", default="date", show_default=True, help="The date (or year) column for --period.")
@click.option("--measure", type=click.Choice(["units", "words", "primary"]), default="units", show_default=True)
@click.option("--ci", type=click.Choice(["none", "bootstrap", "wilson"]), help="Interval (default: bootstrap).")
@click.option("--cluster", help="Resample this column's values in the bootstrap (default: doc_id).")
@click.option("--resamples", default=1000, show_default=True, type=RESAMPLES, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option("--items", help="Draw only these items (comma-separated ids).")
@click.option("--order", help="Order of the groups: name, value, date (default), or the groups, comma-separated.")
@click.option("--label", "label_pairs", multiple=True, help='A legend name for a group column: source="News source".')
@click.option("--title", help="A title above the chart.")
@click.option("--caption", help="The caption's text (default: what was measured, N, the codebook).")
@click.option("--no-caption", is_flag=True, help="No caption.")
@click.option("--force-stacked", is_flag=True, help="Stack shares that do not sum to one (units carry several items).")
@click.option("--width", type=INCHES, help="Width in inches [default: 6.5; 3.3 for one column].")
@click.option("--height", type=INCHES, help="Height in inches [default: by the content].")
@click.option("--dpi", default=300, show_default=True, type=DPI, help="Resolution of a PNG.")
def plot_command(data, out, codebook_path, kind, by, items, label_pairs, caption, no_caption, **options):
    """Chart agenda shares from a SHARES table (agenda shares -o) or a CODED table (computed here).

    \b
    Examples:
      agenda plot coded.csv -o shares.png
      agenda plot coded.csv -o readouts.pdf --kind grouped --by source --label source="News source"
      agenda plot coded.csv -o timeline.svg --kind timeline --period month
      agenda plot coded.csv -o primary.png --kind stacked --by source --measure primary --order value
      agenda plot shares.csv -o heatmap.png --kind heatmap --no-caption --width 3.3
    """
    from agenda.export import input_files
    from agenda.plot import check_canvas, plot_shares

    refuse_overwrite([out], [*input_files(data), codebook_path])
    if Path(out).suffix.lower() == ".png":
        check_canvas(options["width"], options["height"], options["dpi"])
    if caption is not None and no_caption:
        raise AgendaError("give --caption or --no-caption, not both")
    labels = {}
    for pair in label_pairs:
        column, sep, text = pair.partition("=")
        if not sep or not column.strip():
            raise AgendaError(f'--label takes COLUMN="Legend name", not {pair!r}')
        labels[column.strip()] = text.strip().strip('"')
    item_list = [i.strip() for i in items.split(",") if i.strip()] if items else None
    figure = plot_shares(
        data,
        out,
        codebook_path,
        kind=kind,
        by=list(by),
        items=item_list,
        labels=labels,
        caption=False if no_caption else caption,
        **options,
    )
    width_in, height_in = figure.get_size_inches()
    figure.clear()
    note(f"agenda: {kind} chart, {width_in:.2f} x {height_in:.2f} in -> {out}")


@main.command("report")
@click.argument("coded", type=click.Path(dir_okay=False, path_type=Path))
@codebook_option
@click.option(
    "--corpus",
    multiple=True,
    type=click.Path(path_type=Path),
    help="The corpus that was coded: adds each item's rules, matches in context and the dropped units.",
)
@click.option(
    "--gold",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Human codes (doc_id, unit, a 0/1 column per item): adds precision, recall and F1.",
)
@click.option(
    "-o",
    "--output",
    "out",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML page to write.",
)
@click.option("--by", multiple=True, help="Group by this column; repeat for several [default: source, if present].")
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month", "quarter", "year"]),
    help="Shares by period [default: month, quarter or year, whichever gives at most 60].",
)
@click.option("--date-column", default="date", show_default=True, help="The date column for the periods.")
@click.option(
    "--kwic", "kwic_lines", default=10, show_default=True, type=click.IntRange(0, 1000), help="Matches shown per item."
)
@click.option(
    "--sample-mb",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1e6),
    help="Rules and matches from a random sample of documents of this many MB of text (0: all).",
)
@click.option("--resamples", default=1000, show_default=True, type=RESAMPLES, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap and the samples.")
@split_option("--unit")
@click.option("--title", help="The page's title [default: from the codebook].")
@with_read_options
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def report_command(coded, codebook_path, corpus, gold, out, by, quiet, **options):
    """One self-contained HTML page about a CODED table: shares, rules, matches in context, overlap, validity.

    The page holds its charts and data and fetches nothing: mail it, or put it in a replication archive.

    \b
    Examples:
      agenda report coded.csv -c codebook/us-russia-2021.yaml -o report.html
      agenda report coded.csv -c codebook/us-russia-2021.yaml --corpus examples/corpus --gold gold.csv
    """
    from agenda.report import report

    written = report(
        coded,
        codebook_path,
        out,
        corpus=list(corpus) or None,
        gold=gold,
        by=list(by) or None,
        progress=lambda message: note(f"agenda: {message}", quiet),
        **options,
    )
    note(f"agenda: report, {written.stat().st_size:,} bytes -> {written}", quiet)


@main.command("codebooks")
def codebooks_command():
    """List the codebooks shipped with agenda: each id is a name `-c` takes, from any folder.

    \b
    Example:
      agenda codebooks
      agenda code speech.txt -c us-russia-2021 -o coded.csv
    """
    from agenda.shipped import codebooks

    click.echo(render(codebooks(), str_lengths=1000, width=10_000))  # whole paths, to copy a codebook from


@main.command("demo")
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="agenda-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into.",
)
def demo_command(out_dir):
    """Code the bundled examples, compute shares by source and by month, and draw the charts.

    \b
    Example:
      agenda demo -o agenda-demo
    """
    from agenda.code import coverage
    from agenda.codebook import load_codebook
    from agenda.demo import CODEBOOK, demo

    for path, what in demo(out_dir):
        click.echo(f"{path}  ({what})")
    coded = pl.read_csv(Path(out_dir) / "coded.csv")
    click.echo(f"\nUnits coded per item ({coded.height} paragraphs of {coded['doc_id'].n_unique()} documents):")
    show(coverage(coded, load_codebook(CODEBOOK)))


# Validation: sample, sample-size, alpha, diff (agree is above).
@main.command("sample")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option("-n", "n", required=True, type=COUNT, help="Units to draw.")
@click.option(
    "-o", "--output", "out", required=True, help="The coding sheet (.csv, .parquet, or .xlsx with the xlsx extra)."
)
@click.option("--key", "key_out", help="The key: strata, probabilities, the codebook's codes (default: SHEET.key.csv).")
@click.option(
    "--strata",
    type=click.Choice(["coded", "primary", "none"]),
    default="coded",
    show_default=True,
    help="Units coded for some item vs none, by primary item, or no strata.",
)
@click.option("--by", multiple=True, help="Also stratify by this metadata column (repeatable).")
@click.option(
    "--allocation",
    type=click.Choice(["equal", "proportional"]),
    default="equal",
    show_default=True,
    help="Units per stratum: the same number, or in proportion to its size.",
)
@click.option("--context", default=0, show_default=True, type=click.IntRange(0, 20), help="Paragraphs before/after.")
@click.option("--seed", default=1, show_default=True, type=SEED, help="Seed of the draw.")
@split_option("--unit")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
def sample_command(corpus, codebook_path, n, out, key_out, strata, by, allocation, context, seed, unit, **options):
    """Draw a stratified random sample of units for human coding: a SHEET with the text and empty
    item columns (in random order, no hint of the codes) and a KEY with the codes and each unit's
    inclusion probability, which `agenda agree KEY --gold SHEET` uses to weight figures to the corpus.

    \b
    Examples:
      agenda sample examples/corpus -c codebook/us-russia-2021.yaml -n 40 --by language -o sheet.csv
      agenda sample news.csv -c my.yaml -n 400 --context 1 -o sheet.xlsx --key sheet.key.csv
      agenda agree sheet.key.csv --gold sheet-coded.csv -c my.yaml
    """
    from agenda.codebook import load_codebook
    from agenda.export import output_files
    from agenda.sample import key_path, sample, write_sample

    key_out = key_out or key_path(out)
    refuse_overwrite(
        [*output_files(key_out), *output_files(out, "csv" if str(out).endswith(".xlsx") else None)],
        [*corpus, codebook_path],
    )
    codebook = load_codebook(codebook_path)
    drawn = sample(
        list(corpus),
        codebook,
        n,
        strata=strata,
        by=list(by),
        allocation=allocation,
        seed=seed,
        context=context,
        unit=unit,
        progress=Progress(),
        **options,
    )
    provenance = {
        **codebook.provenance(),
        "sample_seed": str(seed),
        "sample_strata": strata,
        "sample_by": ",".join(by),
        "sample_allocation": allocation,
    }
    write_sample(drawn, out, key_out, provenance)
    show(drawn.strata, err=True)
    note(f"agenda: {drawn.sheet.height} units -> {out} (to code), key -> {key_out} (keep it from the coders)")


@main.command("sample-size")
@click.option(
    "--width",
    required=True,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Total width of the interval, e.g. 0.1 for +/- 5 points.",
)
@click.option("--expected", default=0.5, show_default=True, type=LEVEL, help="Expected precision or recall.")
@click.option("--level", default=0.95, show_default=True, type=LEVEL, help="Confidence level.")
@click.option("--population", type=COUNT, help="Units in the corpus stratum (finite population correction).")
def sample_size_command(width, expected, level, population):
    """Units needed in a measure's denominator (coded units for precision, human-coded for recall)
    for an interval of the given width.

    \b
    Example:
      agenda sample-size --width 0.1 --expected 0.8      # 246 coded units for precision 0.8 +/- 0.05
    """
    from agenda.sample import sample_size

    click.echo(sample_size(width, expected, level, population))


@main.command("alpha")
@click.argument("sheets", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-c", "--codebook", "codebook_path", type=click.Path(dir_okay=False, path_type=Path), help="Compare its items."
)
@click.option("--column", "columns", multiple=True, help="Compare this column (repeatable; e.g. a topic column).")
@click.option("--key", default="doc_id,unit", show_default=True, help="The sheets' columns for doc_id and unit.")
@click.option(
    "--bootstrap", default=1000, show_default=True, type=click.IntRange(0, RESAMPLES.max), help="Resamples (0: none)."
)
@click.option("--seed", default=1, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet).")
def alpha_command(sheets, codebook_path, columns, key, bootstrap, seed, out):
    """Krippendorff's alpha (nominal) between two or more coders' SHEETS, per item, with a bootstrap interval.

    \b
    Examples:
      agenda alpha coder1.csv coder2.csv coder3.xlsx -c codebook/us-russia-2021.yaml
      agenda alpha a.csv b.csv --column majortopic -o alpha.csv
    """
    from agenda.alpha import alpha
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table

    refuse_overwrite(output_files(out), [p for s in sheets for p in input_files(s)] + [codebook_path])
    codebook = load_codebook(codebook_path) if codebook_path else None
    keys = [k.strip() for k in key.split(",") if k.strip()]
    table = alpha(list(sheets), codebook, list(columns) or None, key=keys, bootstrap=bootstrap, seed=seed)
    show(table)
    if out:
        write_table(table, out, _audit_provenance(codebook))


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--by", multiple=True, help="Shares by this metadata column (repeatable).")
@click.option("-o", "--output", "out", help="Write the changed units (.csv or .parquet).")
@click.option("--shares-output", "shares_out", help="Write the shares before and after (.csv or .parquet).")
@split_option("--unit")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
def diff_command(old, new, corpus, by, out, shares_out, unit, **options):
    """What changes on CORPUS from codebook OLD to NEW: units gained and lost per item, with the rules
    that fired, and how every share moves. Exits 1 when anything changes (a guard for CI), else 0.

    \b
    Examples:
      agenda diff codebook-1.0.yaml codebook-1.1.yaml examples/corpus --by source
      agenda diff old.yaml new.yaml news.csv -o changed-units.csv --shares-output moved.csv
    """
    from agenda.codebook import load_codebook
    from agenda.diff import diff, format_diff
    from agenda.export import output_files, write_table

    refuse_overwrite([*output_files(out), *output_files(shares_out)], [old, new, *corpus])
    old_cb, new_cb = load_codebook(old), load_codebook(new)
    result = diff(old_cb, new_cb, list(corpus), by=list(by), unit=unit, **options)
    click.echo(format_diff(result))
    provenance = {**{f"old_{k}": v for k, v in old_cb.provenance().items()}, **new_cb.provenance()}
    if out:
        write_table(result.units, out, provenance)
    if shares_out:
        write_table(result.shares, shares_out, provenance)
    sys.exit(1 if result.changed else 0)


@main.command("rule-precision")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@codebook_option
@click.option(
    "--gold", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Human codes (0/1 per item)."
)
@click.option("--key", default="doc_id,unit", show_default=True, help="GOLD's columns for doc_id and unit.")
@click.option("--window", default=5, show_default=True, type=click.IntRange(0, 1000), help="Context tokens each side.")
@click.option("-o", "--output", "out", help="Write the per-rule table (.csv or .parquet).")
@click.option("--errors", "errors_out", help="Write the false positives and negatives as kwic lines.")
@split_option("--unit")
@click.option("--date-column", help="The corpus column of dates that rules with date bounds read (default: date).")
@with_read_options
def rule_precision_command(corpus, codebook_path, gold, key, window, out, errors_out, unit, **options):
    """Per rule: the gold units it fires in, how many the human codes as the item (precision), and
    the item's F1 without the rule; false positives and negatives as kwic lines.

    \b
    Examples:
      agenda rule-precision examples/corpus -c codebook/us-russia-2021.yaml --gold sheet-coded.csv --errors errors.csv
    """
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table
    from agenda.rule_precision import rule_precision

    refuse_overwrite([*output_files(out), *output_files(errors_out)], [*corpus, codebook_path, *input_files(gold)])
    codebook = load_codebook(codebook_path)
    keys = [k.strip() for k in key.split(",") if k.strip()]
    result = rule_precision(list(corpus), codebook, gold, key=keys, window=window, unit=unit, **options)
    fired = result.rules.filter(pl.col("units") > 0)
    show(fired)
    note(f"agenda: {result.rules.height - fired.height} rules fire in no gold unit (all rules: -o)")
    fp = result.errors.filter(pl.col("error") == "false positive").select("doc_id", "unit", "item").n_unique()
    fn = result.errors.filter(pl.col("error") == "false negative").select("doc_id", "unit", "item").n_unique()
    note(f"agenda: false positives: {fp}, false negatives: {fn} (their lines: --errors)")
    provenance = codebook.provenance()
    if out:
        write_table(result.rules, out, provenance)
    if errors_out:
        write_table(result.errors, errors_out, provenance)


@main.command("corrected-shares")
@click.argument("shares_table", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--agreement",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The per-item table `agenda agree -o` wrote (weighted rows are used when present).",
)
@click.option("--level", default=0.95, show_default=True, type=LEVEL, help="Confidence level of the interval.")
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet).")
def corrected_shares_command(shares_table, agreement, level, out):
    """Unit shares corrected for the codebook's measured errors: (q - FPR) / (TPR - FPR), with a
    delta-method interval; assumes the codebook errs in every group as in the validation sample.

    \b
    Example:
      agenda shares coded.csv --by source -o shares.csv
      agenda agree sheet.key.csv --gold coder-a.csv -c codebook.yaml -o agreement.csv
      agenda corrected-shares shares.csv --agreement agreement.csv -o corrected.csv
    """
    from agenda.corrected import corrected_shares
    from agenda.export import input_files, output_files, write_table

    refuse_overwrite(output_files(out), [*input_files(shares_table), *input_files(agreement)])
    table = corrected_shares(shares_table, agreement, level)
    hidden = {"measure", "label", "parent", "docs", "clusters", "words", "ci_low", "ci_high", "few_clusters"}
    hidden |= {"hits", "per_1000_words"}
    keep = [c for c in table.columns if c not in hidden]
    show(table.select(keep).with_columns(pl.col(pl.Float64).round(4)))
    if out:
        from agenda import __version__

        write_table(table, out, {"agenda_version": __version__, "corrected_level": str(level)})
