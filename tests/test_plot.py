"""Charts checked by what they draw: bar lengths are the shares, tick labels the codebook's labels."""

from __future__ import annotations

import datetime as dt

import matplotlib.image
import matplotlib.text
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from test_shares import CODEBOOK, coded_table

import agenda
from agenda.cli import main
from agenda.export import write_table
from agenda.plot import OKABE_ITO


def test_bar_lengths_are_the_shares_sorted_with_codebook_labels_and_colors():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, ci="none")
    ax = fig.axes[0]
    bars = {t.get_text(): p for t, p in zip(ax.get_yticklabels(), ax.patches)}
    # all six units: p counts A1 and B1 (2/6), c the same, q A2 B1 B2 (3/6); the child indented under its parent
    want = {"Parent": 2 / 6, "\u21b3 Child": 2 / 6, "Q": 3 / 6}
    assert {k: b.get_width() for k, b in bars.items()} == pytest.approx(want)
    assert list(bars) == ["\u21b3 Child", "Parent", "Q"]  # bottom to top: the largest on top, children under parents
    assert to_hex(bars["Parent"].get_facecolor()) == "#123456"  # the codebook's colour
    assert to_hex(bars["Q"].get_facecolor()).upper() in OKABE_ITO[:3]  # the colourblind-safe default
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "50%"
    caption = fig._supxlabel.get_text().replace("\n", " ")
    assert "Codebook hand 1.0" in caption and "6\u00a0units in 3 documents" in caption


def test_grouped_bars_per_group():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="grouped", by="source", ci="wilson")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["\u21b3 Child", "Parent", "Q"]  # bottom to top: Q first, the child under its parent
    labels = [label.removeprefix("\u21b3 ") for label in labels]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [c.get_label() for c in bars] == ["x", "y"]
    x = dict(zip(labels, [p.get_width() for p in bars[0].patches]))
    assert x == pytest.approx({"Parent": 0.4, "Child": 0.4, "Q": 0.6})
    assert [p.get_width() for p in bars[1].patches] == [0, 0, 0]
    assert "Wilson" in fig._supxlabel.get_text()


def test_stacked_primary_sums_to_one_per_group():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="stacked", by="source", measure="primary")
    ax = fig.axes[0]
    # top-level items and none only: p, q, none stacked left to right
    x = [p for p in ax.patches if p.get_y() > 0.5]  # the first group is drawn on top
    assert [round(p.get_width(), 6) for p in x] == [0.4, 0.4, 0.2]
    assert x[-1].get_x() + x[-1].get_width() == pytest.approx(1.0)


def test_timeline_lines_are_shares_per_month_with_gaps():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="timeline", ci="none")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles == ["Parent", "Child (in Parent)", "Q"]  # a subitem names its parent
    line = fig.axes[2].lines[0]  # Q: January 1/4, February no units, March 2/2
    assert list(line.get_xdata()) == list(np.array(["2021-01-01", "2021-02-01", "2021-03-01"], dtype="datetime64[D]"))
    y = line.get_ydata()
    assert y[0] == pytest.approx(0.25) and np.isnan(y[1]) and y[2] == pytest.approx(1.0)
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[2].get_xticklabels()] == ["Jan 2021", "Feb 2021", "Mar 2021"]


def test_heatmap_cells_are_the_shares():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="heatmap", by="source", ci="none")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    grid = dict(zip(rows, ax.images[0].get_array().tolist()))
    assert grid["Q"] == pytest.approx([0.6, 0.0]) and grid["Parent"] == pytest.approx([0.4, 0.0])
    assert "60%" in [t.get_text() for t in ax.texts]


def test_png_size_and_identical_bytes(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    for out in (a, b):
        agenda.plot_shares(coded_table(), out, CODEBOOK, width=3.5, height=2.5, dpi=100, seed=2)
    assert matplotlib.image.imread(a).shape[:2] == (250, 350)
    assert a.read_bytes() == b.read_bytes()
    s1, s2 = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (s1, s2):
        agenda.plot_shares(coded_table(), out, CODEBOOK, kind="timeline")
    assert s1.read_bytes() == s2.read_bytes()
    assert b"Parent" in s1.read_bytes()  # text stays text in SVG


def test_plot_from_a_shares_file(tmp_path):
    table = agenda.shares(coded_table(), CODEBOOK, by="source", period="month", ci="none")
    write_table(table, tmp_path / "s.csv", {"codebook": "hand", "codebook_version": "1.0", "ci": "none"})
    fig = agenda.plot_shares(tmp_path / "s.csv", kind="heatmap")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][:3] == ["x / 2021-01", "x / 2021-02", "x / 2021-03"]
    assert "Codebook hand 1.0" in fig._supxlabel.get_text()
    timeline = agenda.plot_shares(tmp_path / "s.csv", kind="timeline")
    assert [line.get_label() for line in timeline.axes[0].lines] == ["x", "y"]
    assert timeline.axes[0].lines[0].get_xdata()[0] == np.datetime64(dt.date(2021, 1, 1))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "pie"}, "unknown chart kind"),
        ({"kind": "bar", "by": "source"}, "one group"),
        ({"kind": "grouped"}, "--by"),
        ({"out": "chart.txt"}, "unknown figure format"),
        ({"items": ["zz"]}, "no item 'zz'"),
        ({"width": 100}, "inches"),
    ],
)
def test_bad_options(options, message, tmp_path):
    if "out" in options:
        options["out"] = tmp_path / options["out"]
    with pytest.raises(agenda.AgendaError, match=message):
        agenda.plot_shares(coded_table(), codebook=CODEBOOK, **options)


def test_cli_plot(tmp_path):
    write_table(coded_table(), tmp_path / "coded.csv", {})
    runner = CliRunner()
    args = ["plot", str(tmp_path / "coded.csv"), "-o", str(tmp_path / "g.pdf"), "--kind", "grouped", "--by", "source"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    bad = runner.invoke(main, ["plot", str(tmp_path / "coded.csv"), "-o", str(tmp_path / "t.png"), "--by", "lang"])
    assert bad.exit_code == 2 and "no column 'lang'" in bad.output
    assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize("kind", ["bar", "grouped", "stacked", "timeline", "heatmap"])
def test_dollar_signs_are_plain_text(kind, tmp_path):
    """`$` in labels, group names and titles is drawn as written, never read as math markup."""
    from agenda.codebook import Codebook, Item

    codebook = Codebook(
        id="money",
        version="1",
        title="money",
        items=(Item("p", 1, "Budget $5 and $10 bn"), Item("c", 2, r"$\foo$", parent="p"), Item("q", 3, "Q")),
    )
    table = coded_table().with_columns(pl.col("source").replace({"x": "$x$ desk"}))
    options = {"by": "source"} if kind in ("grouped", "stacked", "heatmap") else {}
    if kind == "timeline":
        options = {"period": "month"}
    if kind == "stacked":
        options["measure"] = "primary"
    out = tmp_path / "chart.svg"
    fig = agenda.plot_shares(table, out, codebook, kind=kind, title=r"Costs in $ and $\alpha$", ci="none", **options)
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert r"Costs in $ and $\alpha$" in texts
    svg = out.read_text("utf-8")
    assert "Budget $5 and $10 bn" in svg and r"$\alpha$" in svg
    assert kind == "stacked" or r"$\foo$" in svg  # stacked bars draw the top-level items only
    if options.get("by"):
        assert "$x$ desk" in svg
