"""The command line: a thin layer where every command is one call of a public function."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import polars as pl

from agenda.errors import AgendaError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AgendaGroup(click.Group):
    """Turns AgendaError into one line on stderr and exit status 2 (a traceback with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AgendaError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"agenda: error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("agenda: interrupted; no output was written", err=True)
            sys.exit(130)


def show(table: pl.DataFrame) -> None:
    """Print a table for a reader on a terminal."""
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_str_lengths=60,
        tbl_width_chars=160,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        click.echo(str(table))


def note(message: str, quiet: bool = False) -> None:
    """A progress or summary line on stderr."""
    if not quiet:
        click.echo(message, err=True)


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
    click.option("--encoding", default="utf-8", show_default=True, help="Encoding of text and CSV files, e.g. cp1251."),
]


def with_read_options(command):
    for option in reversed(read_options):
        command = option(command)
    return command


@click.group(cls=AgendaGroup, context_settings=CONTEXT)
@click.version_option(package_name="agenda", prog_name="agenda")
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
@click.option("-o", "--output", "out", required=True, help="Output file (.csv or .parquet), or - for CSV on stdout.")
@click.option("--long", is_flag=True, help="Write the tidy table: one row per unit and coded item.")
@click.option(
    "--unit",
    type=click.Choice(["paragraph", "sentence", "document"]),
    help="Unit of coding (default: the codebook's units.split, else paragraph).",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), help="Output format (default: by suffix).")
@click.option("--keep-text", is_flag=True, help="Keep each unit's text in the wide table.")
@with_read_options
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def code_command(corpus, codebook_path, out, long, unit, fmt, keep_text, text_column, id_column, encoding, quiet):
    """Code CORPUS (.txt files, folders of .txt, CSV/TSV/Parquet/JSONL tables) into agenda items.

    \b
    Examples:
      agenda code article.txt -c codebook/us-russia-2021.yaml -o -
      agenda code examples/corpus -c codebook/us-russia-2021.yaml -o coded.parquet
      agenda code archive.csv --encoding cp1251 --text-column body -c cb.yaml -o coded.csv --long
    """
    from agenda.code import code, coverage
    from agenda.codebook import load_codebook
    from agenda.export import table_format, write_table

    table_format(out, fmt)  # fail on a bad suffix before the work
    started = time.perf_counter()
    codebook = load_codebook(codebook_path)
    table = code(
        list(corpus),
        codebook,
        unit=unit,
        long=long,
        keep_text=keep_text,
        text_column=text_column,
        id_column=id_column,
        encoding=encoding,
    )
    written = write_table(table, out, codebook.provenance(), fmt)
    seconds = time.perf_counter() - started
    shape = "item rows" if long else "units"
    target = ", ".join(map(str, written)) or "stdout"
    note(
        f"agenda: coded {table.height} {shape} with {codebook.id} {codebook.version} in {seconds:.2f}s -> {target}",
        quiet,
    )
    if not long and not quiet:
        with pl.Config(
            tbl_rows=-1, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, tbl_formatting="ASCII_MARKDOWN"
        ):
            click.echo(str(coverage(table, codebook)), err=True)


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
