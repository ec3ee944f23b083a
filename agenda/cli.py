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
            click.echo(f"agenda: error: {' '.join(str(exc).split(chr(10)))}", err=True)  # one line, always
            sys.exit(2)
        except click.UsageError as exc:  # a subcommand's option out of bounds, missing or unknown: one line too
            where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            message = exc.format_message().rstrip(".")
            click.echo(f"agenda: error: {message} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)


# Bounds of the numeric options, checked when the command line is parsed.
SEED = click.IntRange(0, 2**32 - 1)
RESAMPLES = click.IntRange(1, 100_000)
INCHES = click.FloatRange(0.5, 40)
DPI = click.IntRange(30, 2400)
LEVEL = click.FloatRange(0, 1, min_open=True, max_open=True)
COUNT = click.IntRange(1, 10**9)


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

    def __init__(self, quiet: bool = False):
        self.enabled = not quiet and sys.stderr.isatty()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int, done_bytes: int) -> None:
        seconds = time.perf_counter() - self.started
        if not self.enabled or seconds < 1.0:  # short runs need no progress report
            return
        eta = seconds * (total - done) / max(done, 1)
        line = (
            f"\ragenda: {done:,}/{total:,} units, {done_bytes / 1e6:,.1f} MB, "
            f"{done_bytes / 1e6 / seconds:,.1f} MB/s, {done / seconds:,.0f} units/s, ETA {eta:,.0f}s"
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
    "-o", "--output", "out", required=True, help="Output file (.csv, .parquet, .dta, .sav), or - for CSV on stdout."
)
@click.option("--long", is_flag=True, help="Write the tidy table: one row per unit and coded item.")
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
@with_read_options
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def code_command(
    corpus,
    codebook_path,
    out,
    long,
    unit,
    fmt,
    keep_text,
    date_column,
    text_column,
    id_column,
    encoding,
    infer_types,
    quiet,
):
    """Code CORPUS (.txt files, folders of .txt, CSV/TSV/Parquet/JSONL tables) into agenda items.

    \b
    Examples:
      agenda code article.txt -c codebook/us-russia-2021.yaml -o -
      agenda code examples/corpus -c codebook/us-russia-2021.yaml -o coded.parquet
      agenda code archive.csv --encoding cp1251 --text-column body -c cb.yaml -o coded.csv --long
    """
    from agenda.code import code_to

    started = time.perf_counter()
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
    )
    report_written(written)
    seconds = time.perf_counter() - started
    shape = "item rows" if long else "units"
    target = ", ".join(map(str, written)) or "stdout"
    codebook = written.codebook
    note(
        f"agenda: coded {written.rows} {shape} with {codebook.id} {codebook.version} in {seconds:.2f}s -> {target}",
        quiet,
    )
    if written.coverage is not None and not quiet:
        show(written.coverage, err=True)


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
def agree_command(coded, gold, codebook_path, key, corpus, bootstrap, seed, resample, out, disagreements_out):
    """Agreement of a CODED table with human codes: precision, recall, F1, kappa, alpha per item.

    \b
    Examples:
      agenda agree coded.csv --gold gold.csv -c codebook/us-russia-2021.yaml -o agreement.csv
      agenda agree coded.csv --gold gold.csv --key paragraph --disagreements why.csv --corpus article.txt -c cb.yaml
    """
    from agenda.agree import agree, format_agreement
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table

    refuse_overwrite(
        [*output_files(out), *output_files(disagreements_out)],
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
    provenance = _audit_provenance(codebook)
    if out:
        write_table(result.table(), out, provenance)
    if disagreements_out:
        write_table(result.disagreements, disagreements_out, provenance)
        note(f"agenda: {result.disagreements.height} disagreements -> {disagreements_out}")


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
@click.argument("coded", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-c",
    "--codebook",
    "codebook_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The YAML codebook (default: the one the table's provenance names, else its item columns).",
)
@click.option("--by", multiple=True, help="Group by this column; repeat for several.")
@click.option("--period", type=click.Choice(["day", "week", "month", "quarter", "year"]), help="Group by period.")
@click.option("--date-column", default="date", show_default=True, help="The date column for --period.")
@click.option("--measure", type=click.Choice(["units", "words", "primary"]), default="units", show_default=True)
@click.option("--ci", type=click.Choice(["none", "bootstrap", "wilson"]), default="bootstrap", show_default=True)
@click.option("--resamples", default=1000, show_default=True, type=RESAMPLES, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option("--level", default=0.95, show_default=True, type=LEVEL, help="Level of the interval.")
@click.option("-o", "--output", "out", help="Write the table (.csv or .parquet); printed when absent.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), help="Output format (default: by suffix).")
def shares_command(coded, codebook_path, by, period, date_column, measure, ci, resamples, seed, level, out, fmt):
    """Agenda shares of a CODED table (from `agenda code`): one row a group and item, with an interval.

    \b
    Examples:
      agenda shares coded.csv -c codebook/us-russia-2021.yaml --by source
      agenda shares coded.parquet --period month --measure primary --ci wilson -o shares.csv
    """
    from agenda.codebook import load_codebook
    from agenda.export import input_files, output_files, write_table
    from agenda.shares import scan_coded, shares, shares_provenance

    refuse_overwrite(output_files(out, fmt), [*input_files(coded), codebook_path])
    codebook = load_codebook(codebook_path) if codebook_path else None
    table = shares(coded, codebook, list(by), period, date_column, measure, ci, resamples, seed, level)
    if out:
        base = codebook.provenance() if codebook else scan_coded(coded)[1]
        options = {"measure": measure, "ci": ci, "level": level, "by": list(by), "period": period}
        if period:
            options["date_column"] = date_column
        if ci == "bootstrap":
            options.update(resamples=resamples, seed=seed)
        written = write_table(table, out, shares_provenance(base, **options), fmt)
        note(f"agenda: {table.height} rows of shares -> {', '.join(map(str, written)) or 'stdout'}")
    else:
        if table["parent"].null_count() == table.height:
            table = table.drop("parent")
        show(table.with_columns(pl.col("share", "ci_low", "ci_high").round(3)))


@main.command("plot")
@click.argument("data", metavar="SHARES_OR_CODED", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, help="The figure: .png, .svg or .pdf.")
@click.option("-c", "--codebook", "codebook_path", type=click.Path(dir_okay=False, path_type=Path), help="Codebook.")
@click.option(
    "--kind", type=click.Choice(["bar", "grouped", "stacked", "timeline", "heatmap"]), default="bar", show_default=True
)
@click.option("--by", multiple=True, help="Group a coded table by this column; repeat for several.")
@click.option("--period", type=click.Choice(["day", "week", "month", "quarter", "year"]), help="Group by period.")
@click.option("--date-column", default="date", show_default=True, help="The date column for --period.")
@click.option("--measure", type=click.Choice(["units", "words", "primary"]), default="units", show_default=True)
@click.option("--ci", type=click.Choice(["none", "bootstrap", "wilson"]), help="Interval (default: bootstrap).")
@click.option("--resamples", default=1000, show_default=True, type=RESAMPLES, help="Bootstrap resamples.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the bootstrap.")
@click.option("--items", help="Draw only these items (comma-separated ids).")
@click.option("--title", help="A title above the chart.")
@click.option("--width", type=INCHES, help="Width in inches [default: 6.5].")
@click.option("--height", type=INCHES, help="Height in inches [default: by the content].")
@click.option("--dpi", default=300, show_default=True, type=DPI, help="Resolution of a PNG.")
def plot_command(data, out, codebook_path, kind, by, items, **options):
    """Chart agenda shares from a SHARES table (agenda shares -o) or a CODED table (computed here).

    \b
    Examples:
      agenda plot coded.csv -o shares.png
      agenda plot coded.csv -o readouts.pdf --kind grouped --by source
      agenda plot coded.csv -o timeline.svg --kind timeline --period month
      agenda plot shares.csv -o heatmap.png --kind heatmap
    """
    from agenda.export import input_files
    from agenda.plot import check_canvas, plot_shares

    refuse_overwrite([out], [*input_files(data), codebook_path])
    if Path(out).suffix.lower() == ".png":
        check_canvas(options["width"], options["height"], options["dpi"])
    item_list = [i.strip() for i in items.split(",") if i.strip()] if items else None
    figure = plot_shares(data, out, codebook_path, kind=kind, by=list(by), items=item_list, **options)
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
