"""Charts of agenda shares with matplotlib (Agg, no screen): bar, grouped, stacked, timeline, heatmap.

Figures are built without pyplot (no global state) at journal sizes: 6.5 inches wide by default,
8-point type, percent axes, item labels and colours from the codebook (Okabe-Ito, a
colourblind-safe palette, for items without one), and a caption with the measure, the interval,
the number of units and documents, and the codebook's id and version.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from agenda.codebook import Codebook, load_codebook
from agenda.errors import AgendaError
from agenda.safe_write import write_atomic
from agenda.shares import MIN_CLUSTERS, NONE, _find_codebook, check_coded, resolve_codebook, scan_coded, shares

KINDS = ("bar", "grouped", "stacked", "timeline", "heatmap")
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
NONE_COLOR = "#AAAAAA"
SHARES_COLUMNS = ("item", "label", "units", "share", "ci_low", "ci_high")
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "agenda",  # the same figure gives the same SVG
    "pdf.fonttype": 42,  # TrueType, as journals ask
    "text.parse_math": False,  # labels and titles are plain text: "$5 and $10" is not math markup
}
MAX_SIDE = 32_768  # pixels a side of a PNG
MAX_PIXELS = 100_000_000  # pixels of a PNG: 400 MB to draw
MAX_HEATMAP_GROUPS = 80  # columns of a heatmap; above, a timeline or coarser periods read better
ORDERS = ("name", "value", "date")
CHILD = "\u21b3"  # marks a child item's label (labels are right-aligned: an indent would not show)
MEASURE_TEXT = {
    "units": "Share of units that mention the item",
    "words": "Share of words, in units that mention the item",
    "primary": "Share of units by primary item",
}


def _read_meta(path: Path) -> dict[str, str]:
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            return dict(pl.read_parquet_metadata(path))
        except Exception:
            return {}
    try:
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in meta.items() if not isinstance(v, (list, dict))} if isinstance(meta, dict) else {}


def _read_shares(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pl.read_parquet(path)
        floats = {c: pl.Float64 for c in ("share", "ci_low", "ci_high")}
        return pl.read_csv(path, try_parse_dates=True, infer_schema_length=10000, schema_overrides=floats)
    except Exception as exc:
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise AgendaError(f"{path}: cannot read the shares table: {first}") from None


def group_columns(table: pl.DataFrame) -> list[str]:
    """The group columns of a shares table: those before `measure` (or `item`)."""
    stop = "measure" if "measure" in table.columns else "item"
    return table.columns[: table.columns.index(stop)]


def _colors(codebook: Codebook | None, items: Sequence[str]) -> dict[str, str]:
    given = {i.id: i.color for i in codebook.items if i.color} if codebook else {}
    spare = [c for c in OKABE_ITO if c.lower() not in {v.lower() for v in given.values()}] or list(OKABE_ITO)
    colors, k = {NONE: NONE_COLOR}, 0
    for item in items:
        if item in given:
            colors[item] = given[item]
        elif item != NONE:
            colors[item] = spare[k % len(spare)]
            k += 1
    return colors


def _group_labels(table: pl.DataFrame, columns: list[str]) -> pl.Expr:
    parts = []
    for column in columns:
        values = table[column]
        if values.dtype == pl.Date and values.drop_nulls().len():
            days = values.drop_nulls()
            fmt = "%Y" if (days.dt.month() == 1).all() and (days.dt.day() == 1).all() else "%Y-%m-%d"
            fmt = "%Y-%m" if fmt != "%Y" and (days.dt.day() == 1).all() else fmt
            parts.append(pl.col(column).dt.strftime(fmt))
        else:
            parts.append(pl.col(column).cast(pl.String))
    return pl.concat_str([p.fill_null("(missing)") for p in parts], separator=" / ").alias("_group")


def plot_shares(
    data: pl.DataFrame | pl.LazyFrame | str | Path,
    out: str | Path | None = None,
    codebook: Codebook | str | Path | None = None,
    kind: str = "bar",
    by: Sequence[str] | str = (),
    period: str | None = None,
    date_column: str = "date",
    measure: str = "units",
    ci: str | None = None,
    resamples: int = 1000,
    seed: int = 0,
    items: Sequence[str] | None = None,
    title: str | None = None,
    width: float | None = None,
    height: float | None = None,
    dpi: int = 300,
    cluster: str | None = None,
    bins: Sequence[int] | str | None = None,
    order: str | Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    caption: str | bool | None = None,
    force_stacked: bool = False,
) -> Figure:
    """Draw agenda shares; given a coded table, compute them first with `shares` (by, period, measure, ci).

    kind: bar (one group), grouped (groups side by side), stacked (one bar a group; shares that
    sum to one, i.e. the primary measure, unless force_stacked), timeline (shares per period,
    bands for the interval), heatmap (group x item, N units per column).
    order: the groups by `name`, by `value` (the largest item's share, descending), by `date`
    (the default: the table's order), or a list of group names. labels: names for the group
    columns in legends (`{"source": "Source"}`). caption: the caption's text, False for none,
    None for the one agenda writes. Children are drawn under their parents, marked \u21b3.
    Writes the figure to `out` (.png, .svg or .pdf) when given, and returns it (a matplotlib Figure).

    >>> fig = agenda.plot_shares("coded.csv", "chart.png", kind="grouped", by="source")
    """
    if kind not in KINDS:
        raise AgendaError(f"unknown chart kind {kind!r} (use {', '.join(KINDS)})")
    fmt = None
    if out is not None:
        fmt = FORMATS.get(Path(out).suffix.lower())
        if fmt is None:
            raise AgendaError(
                f"{out}: unknown figure format {Path(out).suffix or '(no suffix)'!r}; use .png, .svg or .pdf"
            )
    for value, name in ((width, "width"), (height, "height")):
        if value is not None and not 0.5 <= value <= 40:
            raise AgendaError(f"--{name} is in inches, between 0.5 and 40, not {value}")
    if not 30 <= dpi <= 2400:
        raise AgendaError(f"--dpi must lie between 30 and 2400, not {dpi}")
    table, codebook, note = _shares_for(
        data, codebook, kind, by, period, date_column, measure, ci, resamples, seed, cluster, bins
    )
    if items:
        unknown = [i for i in items if i not in set(table["item"])]
        if unknown:
            raise AgendaError(
                f"no item {unknown[0]!r} in the shares (items: {', '.join(table['item'].unique(maintain_order=True))})"
            )
        table = table.filter(pl.col("item").is_in(list(items)))
    if table.height == 0:
        raise AgendaError("nothing to draw: the shares table has no rows")
    unknown = [c for c in labels or {} if c not in group_columns(table)]
    if unknown:
        raise AgendaError(f"--label: no group column {unknown[0]!r} (groups: {', '.join(group_columns(table))})")
    if kind == "stacked":
        note["overlap"] = _check_stackable(table, force_stacked)
    style = Style(_group_order(table, order), {**(labels or {})})
    with _rc():
        colors = _colors(codebook, table["item"].unique(maintain_order=True).to_list())
        fig = DRAW[kind](table, colors, width, height, style)
        if caption is None:
            caption = _caption(table, codebook, note, kind, fig.get_figwidth())
        if caption:
            fig.supxlabel(textwrap.fill(caption, width=max(40, int(fig.get_figwidth() * 19))), x=0.01, ha="left")
            fig._supxlabel.set_fontsize(6.5)
        if title:
            fig.suptitle(title, fontsize=10, x=0.01, ha="left")
        if out is not None:
            metadata = {"Software": "agenda"} if fmt == "png" else {"Creator": "agenda", "Date": None}
            if fmt == "pdf":
                metadata = {"Creator": "agenda", "CreationDate": None}
            if fmt == "png":
                check_canvas(fig.get_figwidth(), fig.get_figheight(), dpi)
            write_atomic(out, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata))
    return fig


def check_canvas(width: float | None, height: float | None, dpi: int) -> None:
    """Refuse a PNG over MAX_SIDE pixels a side or MAX_PIXELS in all (height None: not known yet)."""
    wide, high = (width or 6.5) * dpi, (height or 0) * dpi
    if max(wide, high) > MAX_SIDE or wide * high > MAX_PIXELS:
        size = f"{wide:,.0f} x {high:,.0f} pixels" if high else f"{wide:,.0f} pixels wide"
        raise AgendaError(
            f"--dpi {dpi}: the PNG would be {size}, over {MAX_SIDE:,} a side or {MAX_PIXELS:,} in all; "
            "lower --dpi, --width or --height, or write .svg or .pdf"
        )


def _rc():
    import matplotlib

    return matplotlib.rc_context(RC)


def _shares_for(data, codebook, kind, by, period, date_column, measure, ci, resamples, seed, cluster, bins):
    """The shares table to draw, the codebook (or None) and what the caption says of the interval."""
    by = [by] if isinstance(by, str) else list(by)
    meta: dict[str, str] = {}
    source = "table"
    if isinstance(data, (str, Path)):
        path, source = Path(data), str(data)
        if not path.is_file():
            raise AgendaError(f"{path}: no such file")
        meta = _read_meta(path)
        frame, provenance = scan_coded(path)
        columns = frame.collect_schema().names()
        data = _read_shares(path) if set(SHARES_COLUMNS) <= set(columns) else frame
        meta = {**meta, **provenance}
    else:
        columns = data.collect_schema().names() if isinstance(data, pl.LazyFrame) else data.columns
    if isinstance(codebook, (str, Path)):
        codebook = load_codebook(codebook)
    if set(SHARES_COLUMNS) <= set(columns):
        table = data.collect() if isinstance(data, pl.LazyFrame) else data
        if by or period or bins or cluster:
            raise AgendaError(
                f"{source}: is a shares table already; --by, --period, --bins and --cluster apply to a coded table"
            )
        if codebook is None and meta:
            codebook = _find_codebook(meta, source)
        if codebook is None and "codebook" in meta:
            codebook = _CaptionOnly(meta["codebook"], meta.get("codebook_version", ""))
        ci = ci or meta.get("ci")
        note = dict(meta, ci=ci or ("unknown" if table["ci_low"].is_not_null().any() else "none"))
        return table, codebook, note
    if "n_items" not in columns:
        raise AgendaError(f"{source}: not a shares table nor a coded table (no column 'share' or 'n_items')")
    if kind == "timeline" and not period and not bins:
        period = "month"
    if kind in ("grouped", "stacked", "heatmap") and not by and not period and not bins:
        raise AgendaError(f"a {kind} chart compares groups: name a column with --by (or a --period)")
    ci = ci or "bootstrap"
    check_coded(columns, source)
    codebook = resolve_codebook(codebook, columns, meta, source)
    table = shares(data, codebook, by, period, date_column, measure, ci, resamples, seed, cluster=cluster, bins=bins)
    note = dict(meta, ci=ci, resamples=str(resamples), seed=str(seed), level="0.95", cluster=cluster or "doc_id")
    return table, codebook, note


class _CaptionOnly:
    """The id and version of a codebook that is not at hand, for the caption."""

    items: tuple = ()

    def __init__(self, cid: str, version: str):
        self.id, self.version = cid, version


def _caption(table: pl.DataFrame, codebook, note: dict[str, str], kind: str, width: float) -> str:
    """What was measured, the interval and its clusters, N, and the codebook: one paragraph."""
    measure = table["measure"][0] if "measure" in table.columns else note.get("measure", "units")
    parts = [MEASURE_TEXT.get(measure, f"Share ({measure})") + "."]
    if "parent" in table.columns and table["parent"].is_not_null().any():
        parts.append("A parent item counts the units coded for it or any of its subitems (\u21b3).")
    ci = note.get("ci", "none")
    level = float(note.get("level", 0.95))
    cluster = note.get("cluster", "doc_id")
    drawn = {"bar": "Error bars", "grouped": "Error bars", "timeline": "Bands"}.get(kind)
    if drawn and ci == "bootstrap":
        extra = f", {int(note['resamples']):,} resamples" if note.get("resamples") else ""
        what = "documents" if cluster == "doc_id" else f"clusters of {cluster}"
        parts.append(f"{drawn}: {level:.0%} bootstrap interval, resampling {what}{extra}.")
    elif drawn and ci == "wilson":
        parts.append(f"{drawn}: {level:.0%} Wilson interval over units.")
    elif drawn and ci == "unknown":
        parts.append(f"{drawn}: the interval of the shares table.")
    if drawn and ci == "bootstrap" and "docs" in table.columns and (table["docs"] == 1).any():
        parts.append("Groups of one document have no bootstrap interval.")
    if drawn and "few_clusters" in table.columns and table["few_clusters"].any():
        parts.append(f"\u2020 Interval from fewer than {MIN_CLUSTERS} clusters: unreliable.")
    if note.get("overlap"):
        parts.append(f"Units carry several items, so the bars reach {note['overlap']}.")
    groups = [g for g in group_columns(table) if table[g].dtype not in (pl.Date, pl.Datetime)]
    first = table.filter(pl.col("item") == table["item"][0])
    units = int(first["units"].sum())
    n = f"N\u00a0=\u00a0{units:,}\u00a0units"
    if "docs" in table.columns:
        n += f" in {int(first['docs'].sum()):,} documents"
    if groups:
        n_groups = table.select(groups).n_unique()
        n += f" ({n_groups} group{'s' if n_groups > 1 else ''})"
    parts.append(n + ".")
    if codebook is not None:
        parts.append(f"Codebook {codebook.id} {codebook.version}".strip() + ".")
    return " ".join(parts)


class Style:
    """How the groups are ordered and what the group columns are called, for every chart kind."""

    def __init__(self, order, labels: dict[str, str]):
        self.order, self.labels = order, labels

    def title(self, columns: list[str]) -> str:
        """A legend title: the labels given for the columns, else their names with spaces."""
        return " / ".join(self.labels.get(c, c.replace("_", " ")) for c in columns)

    def names(self, table: pl.DataFrame) -> list[str]:
        """The group labels (`_group`) in the order asked for."""
        names = table["_group"].unique(maintain_order=True).to_list()
        if self.order in (None, "date"):
            return names
        if self.order == "name":
            return sorted(names)
        if self.order == "value":
            top = next((i for i, _ in _item_order(table) if i != NONE), NONE)
            value = table.filter(pl.col("item") == top).select("_group", pl.col("share").fill_null(-1.0))
            ranked = value.sort("share", descending=True, maintain_order=True)["_group"].to_list()
            return ranked + [n for n in names if n not in ranked]
        unknown = [n for n in self.order if n not in names]
        if unknown:
            raise AgendaError(f"--order: no group {unknown[0]!r} (groups: {', '.join(names)})")
        return list(self.order) + [n for n in names if n not in self.order]


def _group_order(table: pl.DataFrame, order) -> str | list[str] | None:
    if order is None or isinstance(order, str) and order in ORDERS:
        return order
    names = [n.strip() for n in order.split(",")] if isinstance(order, str) else list(order)
    if not names or any(not n for n in names):
        raise AgendaError(f"--order is {', '.join(ORDERS)} or a list of groups separated by commas, not {order!r}")
    return names


def _check_stackable(table: pl.DataFrame, force: bool) -> str:
    """Stacks are for shares that sum to one (the primary measure); forced, the most a bar reaches."""
    measure = table["measure"][0] if "measure" in table.columns else None
    top = table.filter(pl.col("parent").is_null()) if "parent" in table.columns else table
    groups = group_columns(table)
    sums = top.group_by(groups or pl.lit(1)).agg(pl.col("share").sum())["share"] if table.height else pl.Series([0])
    most = float(sums.max() or 0)
    if measure != "primary" and not force:
        raise AgendaError(
            f"a stacked chart needs shares that sum to one, as --measure primary's do (with its `none` row); "
            f"{measure or 'these'} shares count a unit once for each item it carries and not at all when it has "
            f"none (here a group sums to {most:.0%}): use --measure primary, --kind grouped, or --force-stacked"
        )
    return f"{most:.0%}" if most > 1 + 1e-9 else ""


def _item_order(table: pl.DataFrame) -> list[tuple[str, int]]:
    """Items with their depth: top-level items by mean share (largest first), each followed by its children."""
    mean = table.group_by("item", maintain_order=True).agg(pl.col("share").mean().fill_null(0))
    ranked = mean.sort("share", descending=True, maintain_order=True)["item"].to_list()
    parent = dict(zip(table["item"], table["parent"])) if "parent" in table.columns else {}
    shown = set(ranked)
    out: list[tuple[str, int]] = []

    def add(item: str, depth: int) -> None:
        out.append((item, depth))
        for child in ranked:
            if parent.get(child) == item:
                add(child, depth + 1)

    for item in ranked:
        if parent.get(item) not in shown:
            add(item, 0)
    return out


def _item_labels(table: pl.DataFrame, order: list[tuple[str, int]], fig: Figure) -> list[str]:
    """Item labels, a child's marked, wrapped to a third of the figure's width (one column is 3.3 inches)."""
    labels = dict(zip(table["item"], table["label"]))
    chars = max(14, int(fig.get_figwidth() * 6))
    return [textwrap.fill((CHILD * depth + " " if depth else "") + labels[item], chars) for item, depth in order]


def _percent_axis(axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def _figure(width: float | None, height: float) -> Figure:
    fig = Figure(figsize=(width or 6.5, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _legend_columns(fig: Figure, n: int) -> int:
    return max(1, min(n, 3, int(fig.get_figwidth() / 2.1)))


def _one_group(table: pl.DataFrame) -> pl.DataFrame:
    groups = group_columns(table)
    if groups and table.select(groups).n_unique() > 1:
        raise AgendaError(
            f"a bar chart draws one group; shares are by {', '.join(groups)}: use --kind grouped, stacked or heatmap"
        )
    return table


def _bars(ax, y: np.ndarray, part: pl.DataFrame, color, height: float, label: str | None = None, cap: float = 2):
    """Bars of the shares at y: an interval only where there is one (no stray caps); zero drawn as a
    stub in the bar's colour; a missing share (a group without units) marked n/a."""
    share = part["share"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    low = part["ci_low"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    high = part["ci_high"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    ax.barh(y, np.nan_to_num(share), height=height, color=color, label=label)
    ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(share)
    if ok.any():
        err = np.clip(np.vstack([share[ok] - low[ok], high[ok] - share[ok]]), 0, None)
        ax.errorbar(share[ok], y[ok], xerr=err, fmt="none", elinewidth=0.8, capsize=cap, ecolor="#333333")
    colors = np.array(color if isinstance(color, list) else [color] * len(y), dtype=object)
    zero = share == 0
    for shade in dict.fromkeys(colors[zero]):  # one stub line a colour
        at = zero & (colors == shade)
        stub = ax.plot(np.zeros(at.sum()), y[at], ls="none", marker="|", ms=height * 14, mew=2.2, color=shade)
        stub[0].set_gid("zero")
    for yi in y[np.isnan(share)]:
        ax.text(0, yi, " n/a", va="center", ha="left", fontsize=6, color="#666666", gid="missing")


def draw_bar(
    table: pl.DataFrame, colors: dict[str, str], width: float | None, height: float | None, style=None
) -> Figure:
    """Horizontal bars, largest share on top (children under their parents), the interval as error bars."""
    table = _one_group(table).filter(pl.col("share").is_not_null())
    order = _item_order(table)
    rows = pl.DataFrame({"item": [i for i, _ in order]}).join(table, on="item", how="left", maintain_order="left")
    rows = rows.reverse()  # drawn bottom to top
    fig = _figure(width, height or 1.2 + 0.3 * rows.height)
    ax = fig.add_subplot()
    y = np.arange(rows.height)
    share = rows["share"].to_numpy()
    _bars(ax, y, rows, [colors[i] for i in rows["item"]], 0.65)
    ax.set_yticks(y, _item_labels(table, order, fig)[::-1])
    top = max(float(np.nanmax(rows["ci_high"].fill_null(0).to_numpy(), initial=0)), float(share.max(initial=0)))
    ax.set_xlim(0, min(1.0, top * 1.18 + 0.02) if top > 0 else 1.0)
    few = rows["few_clusters"].to_list() if "few_clusters" in rows.columns else [False] * rows.height
    for yi, s, hi, flag in zip(y, share, rows["ci_high"].fill_null(np.nan).to_numpy(), few):
        text = f"{s:.0%}" + ("\u2020" if flag else "")
        ax.text(max(s, hi if hi == hi else s) + ax.get_xlim()[1] * 0.01, yi, text, va="center", fontsize=7)
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Share")
    ax.tick_params(axis="y", length=0)
    return fig


def draw_grouped(
    table: pl.DataFrame, colors: dict[str, str], width: float | None, height: float | None, style=None
) -> Figure:
    """Items down the side (children under parents), one bar a group within each item, Okabe-Ito colours."""
    style = style or Style(None, {})
    groups = group_columns(table)
    table = table.with_columns(_group_labels(table, groups))
    names = style.names(table)
    order = _item_order(table)[::-1]
    items = [i for i, _ in order]
    n_g = len(names)
    fig = _figure(width, height or 1.4 + len(order) * (0.16 * n_g + 0.14))
    ax = fig.add_subplot()
    step = 0.8 / n_g
    for k, name in enumerate(names):
        part = table.filter(pl.col("_group") == name)
        part = pl.DataFrame({"item": items}).join(part, on="item", how="left", maintain_order="left")
        y = np.arange(len(order)) + 0.4 - step * (k + 0.5)
        _bars(ax, y, part, OKABE_ITO[k % len(OKABE_ITO)], step * 0.92, label=name, cap=1.5)
    ax.set_yticks(np.arange(len(order)), _item_labels(table, order, fig))
    ax.set_xlim(0, None)
    _percent_axis(ax.xaxis)
    ax.set_xlabel("Share")
    ax.tick_params(axis="y", length=0)
    handles, legend_labels = ax.get_legend_handles_labels()
    ax.legend(handles, legend_labels, frameon=False, loc="lower right", title=style.title(groups))
    return fig


def draw_stacked(
    table: pl.DataFrame, colors: dict[str, str], width: float | None, height: float | None, style=None
) -> Figure:
    """One bar a group, top-level items (and `none`) stacked in codebook order."""
    style = style or Style(None, {})
    groups = group_columns(table)
    if "parent" in table.columns:
        table = table.filter(pl.col("parent").is_null())
    table = table.with_columns(_group_labels(table, groups))
    names = style.names(table)
    items = table["item"].unique(maintain_order=True).to_list()
    fig = _figure(width, height or 1.6 + 0.32 * len(names))
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    left = np.zeros(len(names))
    labels = dict(zip(table["item"], table["label"]))
    for item in items:
        part = pl.DataFrame({"_group": names}).join(
            table.filter(pl.col("item") == item), on="_group", how="left", maintain_order="left"
        )
        value = part["share"].fill_null(0).to_numpy()
        ax.barh(y, value, left=left, height=0.7, color=colors[item], label=labels[item], edgecolor="white", lw=0.4)
        left = left + value
    ax.set_yticks(y, names)
    ax.set_xlim(0, max(1.0, float(left.max(initial=0))))
    _percent_axis(ax.xaxis)
    ax.set_ylabel(style.title(groups))
    ax.tick_params(axis="y", length=0)
    fig.legend(frameon=False, loc="outside upper center", ncol=_legend_columns(fig, len(items)))
    return fig


def _period_format(periods: pl.Series) -> str:
    """A tick label format that names each period fully: 2022, Jan 2022 or 2022-01-10."""
    if (periods.dt.month() == 1).all() and (periods.dt.day() == 1).all():
        return "%Y"
    if (periods.dt.day() == 1).all():
        return "%b %Y"
    return "%Y-%m-%d"


def draw_timeline(
    table: pl.DataFrame, colors: dict[str, str], width: float | None, height: float | None, style=None
) -> Figure:
    """Shares per period: one panel an item (shared axes), one line a group, the interval as a band."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedFormatter, FixedLocator

    style = style or Style(None, {})
    groups = group_columns(table)
    dates = [g for g in groups if table[g].dtype in (pl.Date, pl.Datetime)]
    if not dates:
        raise AgendaError("a timeline needs shares by period: use --period (and --date-column) on a coded table")
    x = dates[0]
    lines = [g for g in groups if g != x]
    table = table.with_columns(_group_labels(table, lines) if lines else pl.lit("").alias("_group"))
    names = style.names(table) if lines else [""]
    items = table["item"].unique(maintain_order=True).to_list()  # codebook order: children follow parents
    labels = dict(zip(table["item"], table["label"]))
    n_cols = 1 if len(items) == 1 else 2 if (width or 6.5) < 8 else 3
    n_rows = -(-len(items) // n_cols)
    fig = _figure(width, height or 0.9 + 1.7 * n_rows)
    axes = fig.subplots(n_rows, n_cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, item in zip(axes, items):
        for k, name in enumerate(names):
            rows = table.filter((pl.col("item") == item) & (pl.col("_group") == name)).sort(x)
            when = rows[x].to_numpy()
            share = rows["share"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            color = OKABE_ITO[k % len(OKABE_ITO)] if lines else colors[item]
            ax.plot(when, share, color=color, lw=1.3, marker="o", ms=2.5, label=name or labels[item])
            low = rows["ci_low"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            high = rows["ci_high"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            if np.isfinite(low).any():
                ax.fill_between(when, low, high, color=color, alpha=0.18, lw=0)
        parent = table.filter(pl.col("item") == item)["parent"][0] if "parent" in table.columns else None
        title = labels[item] + (f" (in {labels[parent]})" if parent in labels else "")
        ax.set_title(title, loc="left", fontsize=8)
        _percent_axis(ax.yaxis)
        ax.grid(axis="y", lw=0.4, color="#DDDDDD")
    top = table.select(pl.max_horizontal(pl.col("share").max(), pl.col("ci_high").max())).item() or 0.0
    axes[0].set_ylim(0, min(1.0, top * 1.08) if top > 0 else 1.0)
    for ax in axes[len(items) :]:
        ax.set_visible(False)
    for ax in axes[::n_cols]:
        ax.set_ylabel("Share")
    periods = table[x].unique().sort()
    if len(periods) <= 8:
        locator = FixedLocator(mdates.date2num(periods.to_numpy()))
        formatter = FixedFormatter(periods.dt.strftime(_period_format(periods)).to_list())
    else:
        locator = mdates.AutoDateLocator(maxticks=6)
        formatter = mdates.ConciseDateFormatter(locator, show_offset=False)
    for ax in axes:
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(formatter)
        ax.tick_params(axis="x", labelbottom=True)
    if lines:
        handles, legend_labels = axes[0].get_legend_handles_labels()
        fig.legend(
            handles,
            legend_labels,
            frameon=False,
            loc="outside upper center",
            ncol=_legend_columns(fig, len(names)),
            title=style.title(lines),
        )
    return fig


def draw_heatmap(
    table: pl.DataFrame, colors: dict[str, str], width: float | None, height: float | None, style=None
) -> Figure:
    """Items down the side (children under parents), groups across with N units each, cells shaded by share.

    Cells are labelled with their share while they are wide enough, and tick labels thinned to fit;
    above MAX_HEATMAP_GROUPS groups the chart is refused with a hint.
    """
    import matplotlib

    style = style or Style(None, {})
    groups = group_columns(table)
    if not groups:
        raise AgendaError("a heatmap compares groups: name a column with --by (or a --period)")
    table = table.with_columns(_group_labels(table, groups))
    names = style.names(table)
    if len(names) > MAX_HEATMAP_GROUPS:
        raise AgendaError(
            f"a heatmap of {len(names)} groups is unreadable (at most {MAX_HEATMAP_GROUPS}): use coarser periods "
            "(--period decade, --bins), fewer groups, or --kind timeline"
        )
    order = _item_order(table)
    grid = (
        pl.DataFrame({"item": [i for i, _ in order]})
        .join(table.pivot("_group", index="item", values="share"), on="item", how="left", maintain_order="left")
        .select(names)
        .cast(pl.Float64)
        .fill_null(np.nan)
        .to_numpy()
    )
    units = dict(table.group_by("_group").agg(pl.col("units").first()).iter_rows())
    fig = _figure(width, height or 1.7 + 0.32 * len(order))
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#EEEEEE")
    top = float(np.nanmax(grid, initial=0)) or 1.0
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=top, aspect="auto")
    cell = (fig.get_figwidth() - 2.4) / max(1, len(names))  # inches a column, about
    if cell >= 0.3:
        for (r, c), value in np.ndenumerate(grid):
            text = "\u2013" if np.isnan(value) else f"{value:.0%}"
            shade = "white" if value == value and value > 0.6 * top else "#222222"
            ax.text(c, r, text, ha="center", va="center", fontsize=7 if cell >= 0.4 else 5.5, color=shade)
    every = max(1, int(np.ceil(0.14 / max(cell, 1e-9)))) if cell < 0.14 else 1
    shown = np.arange(0, len(names), every)
    steep = len(names) > 4
    ax.set_xticks(shown, [names[i] for i in shown], rotation=90 if cell < 0.3 else 30 if steep else 0)
    for label in ax.get_xticklabels():
        label.set_ha("center" if cell < 0.3 or not steep else "right")
    ax.set_yticks(np.arange(len(order)), _item_labels(table, order, fig))
    ax.tick_params(length=0)
    if cell >= 0.3:  # N per column, along the top
        top_axis = ax.secondary_xaxis("top")
        top_axis.set_xticks(np.arange(len(names)), [f"{units.get(n, 0):,}" for n in names], fontsize=6)
        top_axis.tick_params(length=0)
        top_axis.set_xlabel("N units", fontsize=6.5)
        for spine in top_axis.spines.values():
            spine.set_visible(False)
    ax.set_xlabel(style.title(groups))
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, format=PercentFormatter(xmax=1, decimals=0))
    bar.outline.set_visible(False)
    return fig


DRAW = {
    "bar": draw_bar,
    "grouped": draw_grouped,
    "stacked": draw_stacked,
    "timeline": draw_timeline,
    "heatmap": draw_heatmap,
}
