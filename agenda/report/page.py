"""The report as one HTML file: sections of tables and charts, every string escaped, the tables' data as JSON.

Nothing in the page asks for anything outside it: styles and the script are inline, the charts are
inline SVG, and a Content-Security-Policy allows no source but the page's own script (by its
hash), so a string from the corpus that slipped through as markup still could not run or load.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass, field

import polars as pl

from agenda.report.assets import SCRIPT, STYLE

FILTER_FROM = 5  # tables of more rows than this get a filter box
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
POLICY = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Table:
    """A table of the page: its rows are shown, sortable and filterable, and embedded as JSON."""

    name: str  # the table's id in the page (and its JSON's, with a `data-` prefix)
    title: str
    frame: pl.DataFrame
    note: str = ""
    percent: tuple[str, ...] = ()  # columns shown as percentages


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart (from agenda.plot) and what it shows."""

    title: str
    svg: str


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (an item's name)."""

    text: str
    name: str


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text."""

    text: str


@dataclass
class Section:
    name: str
    title: str
    blocks: list = field(default_factory=list)


def escape(value: object) -> str:
    """Text for HTML content and quoted attributes: & < > " ' escaped."""
    return html.escape(str(value), quote=True)


def json_for_script(value: object) -> str:
    """JSON that cannot end its <script> element nor start markup: < > & and line separators escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char in ("<", ">", "&", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _plain(value: object) -> object:
    """A cell as JSON holds it: dates as ISO text, NaN and infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def table_data(table: Table) -> dict:
    """The JSON embedded for a table: its columns and rows."""
    rows = [[_plain(v) for v in row] for row in table.frame.iter_rows()]
    return {"columns": table.frame.columns, "rows": rows}


def _shown(value: object, percent: bool) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _sort_key(value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def table_id(name: str) -> str:
    """A table's element id: apart from the sections' ids."""
    return f"t-{name}"


def render_table(table: Table) -> str:
    frame = table.frame
    numeric = {c for c, t in frame.schema.items() if t.is_numeric() or t == pl.Boolean}
    ident = escape(table_id(table.name))
    head = "".join(
        f'<th scope="col" data-type="{"number" if c in numeric else "text"}">{escape(c)}</th>' for c in frame.columns
    )
    percent = [c in table.percent for c in frame.columns]
    right = [' class="n"' if c in numeric else "" for c in frame.columns]
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td{n} data-v="{escape(_sort_key(v))}">{escape(_shown(v, p))}</td>'
            for v, p, n in zip(row, percent, right)
        )
        + "</tr>"
        for row in frame.iter_rows()
    )
    rows = f"{frame.height:,} row" + ("" if frame.height == 1 else "s")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    tools = ""
    if frame.height > FILTER_FROM:
        tools = (
            f'<div class="tools"><input type="search" data-filter="{ident}" placeholder="Filter rows" '
            f'aria-label="Filter the rows of {escape(table.title)}"> <span id="{ident}-count">{rows}</span></div>'
        )
    return (
        f'<div class="table-block"><h4>{escape(table.title)}</h4>{note}'
        + tools
        + f'<div class="scroll"><table class="data" id="{ident}" data-json="data-{ident}">'
        f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>"
        f'<script type="application/json" id="data-{ident}">{json_for_script(table_data(table))}</script></div>'
    )


def render_block(block) -> str:
    if isinstance(block, Table):
        return render_table(block)
    if isinstance(block, Chart):
        return f'<figure class="chart">{block.svg}<figcaption>{escape(block.title)}</figcaption></figure>'
    if isinstance(block, Heading):
        return f'<h3 id="{escape(block.name)}" class="sub">{escape(block.text)}</h3>'
    if isinstance(block, Text):
        return f"<p>{escape(block.text)}</p>"
    raise TypeError(f"no way to show {type(block).__name__}")


def render_page(title: str, subtitle: str, made: str, sections: list[Section]) -> str:
    """The whole page; `made` is the run's date and time (ISO 8601, UTC)."""
    nav = "".join(f'<a href="#{escape(s.name)}">{escape(s.title)}</a>' for s in sections)
    parts = [
        f'<section id="{escape(s.name)}"><h2>{escape(s.title)}</h2>\n'
        + "\n".join(render_block(b) for b in s.blocks)
        + "</section>"
        for s in sections
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="agenda">\n<title>{escape(title)}</title>\n'
        f"<style>{STYLE}</style></head>\n<body>\n"
        f'<header><h1>{escape(title)}</h1><p>{escape(subtitle)}. Made by agenda on <time datetime="{escape(made)}">'
        f"{escape(made)}</time>.</p><nav>{nav}</nav></header>\n<main>\n"
        + "\n".join(parts)
        + f"\n</main>\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


def inline_svg(svg: str) -> str:
    """matplotlib's SVG document as an element for an HTML page: no XML declaration, doctype or comments."""
    svg = _SVG_START.sub("", svg, count=1)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).strip()
