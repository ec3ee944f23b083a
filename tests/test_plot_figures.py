"""Charts that never mislead, checked on the drawn figure and on the PNG read back as pixels."""

from __future__ import annotations

import datetime as dt

import matplotlib.image
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from matplotlib.colors import to_hex, to_rgb
from test_shares import CODEBOOK, coded_table

import agenda
from agenda.cli import main
from agenda.export import write_table
from agenda.plot import OKABE_ITO

KINDS = ("bar", "grouped", "stacked", "timeline", "heatmap")


def options_for(kind: str) -> dict:
    return {
        "bar": {},
        "grouped": {"by": "source"},
        "stacked": {"by": "source", "measure": "primary"},
        "timeline": {"period": "month"},
        "heatmap": {"by": "source"},
    }[kind]


def pixels(path) -> np.ndarray:
    return matplotlib.image.imread(path)[:, :, :3]


def test_stacked_refuses_shares_that_do_not_sum_to_one_unless_forced():
    # by source and month, x / March holds B1 (p, q) and B2 (q): p 1/2 + q 2/2 = 150%
    with pytest.raises(agenda.AgendaError, match="sum to one.*--measure primary.*--force-stacked"):
        agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="stacked", by="source")
    fig = agenda.plot_shares(
        coded_table(), codebook=CODEBOOK, kind="stacked", by="source", period="month", force_stacked=True
    )
    ends = [p.get_x() + p.get_width() for p in fig.axes[0].patches]
    assert max(ends) == pytest.approx(1.5)  # x / March: B1 (p and q) and B2 (q): p 1/2 + q 2/2
    assert fig.axes[0].get_xlim()[1] == pytest.approx(1.5)
    assert "the bars reach 150%" in fig._supxlabel.get_text()


def test_a_zero_bar_is_visible_in_the_png_and_a_missing_share_is_marked(tmp_path):
    out = tmp_path / "g.png"
    fig = agenda.plot_shares(coded_table(), out, CODEBOOK, kind="grouped", by="source", ci="none", dpi=100)
    ax = fig.axes[0]
    stubs = [line for line in ax.lines if line.get_gid() == "zero"]
    assert len(stubs) == 1 and len(stubs[0].get_ydata()) == 3  # group y: all three items at zero
    image = pixels(out)
    height = image.shape[0]
    orange = np.array(to_rgb(OKABE_ITO[1]))  # group y's colour
    for y in stubs[0].get_ydata():
        px, py = ax.transData.transform((0, y))
        row, col = int(round(height - py)), int(round(px))
        patch = image[row - 2 : row + 3, col - 2 : col + 3]
        assert (np.abs(patch - orange).sum(axis=2) < 0.1).any(), (row, col)
    # a month without units has no share: marked n/a, never a zero
    by_month = agenda.shares(coded_table(), CODEBOOK, period="month", ci="none")
    fig = agenda.plot_shares(by_month, codebook=CODEBOOK, kind="grouped")
    marks = [t for t in fig.axes[0].texts if t.get_gid() == "missing"]
    assert len(marks) == 3 and all(t.get_text().strip() == "n/a" for t in marks)  # February, each item


def test_a_bar_chart_draws_zero_shares_as_stubs_in_the_items_colours():
    only_y = coded_table().filter(pl.col("source") == "y")  # one unit, coded for nothing
    fig = agenda.plot_shares(only_y, codebook=CODEBOOK, ci="none")
    stubs = [line for line in fig.axes[0].lines if line.get_gid() == "zero"]
    assert sorted(len(line.get_ydata()) for line in stubs) == [1, 1, 1]  # three items, three colours
    assert "#123456" in {to_hex(line.get_color()) for line in stubs}  # the codebook's colour of Parent


def test_error_bars_only_where_there_is_an_interval():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="grouped", by="source", seed=1)
    ax = fig.axes[0]
    caps = [line for line in ax.lines if line.get_marker() == "|" and line.get_gid() != "zero"]
    segments = sum(len(c.get_segments()) for c in ax.collections)
    # source y is one document: no interval, so only x's three items have a bar and two caps each
    assert segments == 3
    assert sum(len(c.get_xdata()) for c in caps) == 6


def test_caption_can_be_set_or_turned_off_and_shows_in_the_png(tmp_path):
    size = {"width": 3.3, "height": 2.4, "dpi": 100}
    own = agenda.plot_shares(coded_table(), tmp_path / "own.png", CODEBOOK, caption="Figure 1. My words.", **size)
    assert own._supxlabel.get_text() == "Figure 1. My words."
    bare = agenda.plot_shares(coded_table(), tmp_path / "bare.png", CODEBOOK, caption=False, **size)
    assert bare._supxlabel is None
    a, b = pixels(tmp_path / "own.png"), pixels(tmp_path / "bare.png")
    assert a.shape == b.shape == (240, 330, 3)  # 3.3 x 2.4 inches at 100 dpi
    ink = lambda image: int((image[-14:].sum(axis=2) < 1.5).sum())  # noqa: E731  dark pixels along the bottom
    assert ink(a) > 20 and ink(b) < ink(a)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("width", [6.5, 3.3])
def test_every_kind_at_journal_widths(kind, width, tmp_path):
    out = tmp_path / f"{kind}.png"
    fig = agenda.plot_shares(
        coded_table(), out, CODEBOOK, kind=kind, width=width, dpi=100, ci="none", **options_for(kind)
    )
    image = pixels(out)
    assert image.shape[1] == round(width * 100)
    assert image.shape[0] == round(fig.get_figheight() * 100)
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches: every drawn artist lies on the canvas
    assert drawn.x0 >= -0.01 and drawn.x1 <= width + 0.01, (kind, drawn)
    assert drawn.y0 >= -0.01 and drawn.y1 <= fig.get_figheight() + 0.01, (kind, drawn)


def test_group_order_by_name_value_or_a_list():
    table = coded_table().with_columns(pl.col("doc_id").replace({"A": "w"}).alias("desk"))  # desks w, B, C
    names = lambda fig: [t.get_text() for t in fig.axes[0].get_yticklabels()]  # noqa: E731  top to bottom
    opts = {"codebook": CODEBOOK, "kind": "stacked", "by": "desk", "measure": "primary", "ci": "none"}
    assert names(agenda.plot_shares(coded_table().with_columns(desk=pl.col("doc_id")), **opts)) == ["A", "B", "C"]
    assert names(agenda.plot_shares(table, **opts, order="name")) == ["B", "C", "w"]
    # by value: the largest item but `none` (p, mean primary share 5/18, tied with q and listed first):
    # B 1/2 (B1), w 1/3 (A1, its child c), C 0
    assert names(agenda.plot_shares(table, **opts, order="value")) == ["B", "w", "C"]
    assert names(agenda.plot_shares(table, **opts, order="C,w")) == ["C", "w", "B"]
    with pytest.raises(agenda.AgendaError, match="--order: no group 'Z'"):
        agenda.plot_shares(table, **opts, order=["Z"])


def test_legend_titles_from_labels():
    fig = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="grouped", by="source", labels={"source": "Desk"})
    assert fig.axes[0].get_legend().get_title().get_text() == "Desk"
    plain = agenda.plot_shares(
        coded_table().rename({"source": "news_source"}), codebook=CODEBOOK, kind="grouped", by="news_source"
    )
    assert plain.axes[0].get_legend().get_title().get_text() == "news source"
    with pytest.raises(agenda.AgendaError, match="--label: no group column 'desk'"):
        agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="grouped", by="source", labels={"desk": "D"})


def many_periods(days: int) -> pl.DataFrame:
    start = dt.date(2020, 1, 1)
    rows = [
        (f"d{k}", 1, (start + dt.timedelta(days=k)).isoformat(), 10, k % 2, 0, 0, "p" if k % 2 else None)
        for k in range(days)
    ]
    names = ["doc_id", "unit", "date", "n_words", "p", "c", "q", "primary"]
    table = pl.DataFrame(rows, schema=names, orient="row")
    return table.with_columns(n_items=pl.col("p")).select(*names[:-1], "n_items", "primary")


def test_heatmaps_stay_legible_or_are_refused():
    few = agenda.plot_shares(coded_table(), codebook=CODEBOOK, kind="heatmap", by="source", ci="none")
    top = few.axes[0].child_axes[0]  # N units per column along the top
    assert [t.get_text() for t in top.get_xticklabels()] == ["5", "1"]
    wide = agenda.plot_shares(many_periods(60), codebook=CODEBOOK, kind="heatmap", period="day", ci="none")
    ax = wide.axes[0]
    assert len(ax.texts) == 0  # cells too narrow to hold a number: the colour bar tells
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert 8 <= len(shown) < 60 and shown[0] == "2020-01-01"  # thinned, in date order
    with pytest.raises(agenda.AgendaError, match="heatmap of 237 groups is unreadable.*--period decade"):
        agenda.plot_shares(many_periods(237), codebook=CODEBOOK, kind="heatmap", period="day", ci="none")


def test_few_clusters_are_marked_on_the_chart():
    table = coded_table().filter(pl.col("source") == "x")  # two documents
    fig = agenda.plot_shares(table, codebook=CODEBOOK, seed=1)
    assert "\u2020 Interval from fewer than 5 clusters" in fig._supxlabel.get_text()
    assert any(t.get_text().endswith("\u2020") for t in fig.axes[0].texts)
    speeches = agenda.plot_shares(table.with_columns(speech=pl.col("doc_id")), codebook=CODEBOOK, cluster="speech")
    assert "resampling clusters of speech" in speeches._supxlabel.get_text()


def test_cli_caption_labels_and_stacking(tmp_path):
    write_table(coded_table(), tmp_path / "coded.csv", {})
    runner = CliRunner()
    base = ["plot", str(tmp_path / "coded.csv"), "--by", "source", "--ci", "none"]
    ok = runner.invoke(
        main,
        [
            *base,
            "-o",
            str(tmp_path / "a.svg"),
            "--kind",
            "grouped",
            "--label",
            'source="News desk"',
            "--caption",
            "Made by hand.",
        ],
    )
    assert ok.exit_code == 0, ok.output
    svg = (tmp_path / "a.svg").read_text()
    assert "News desk" in svg and "Made by hand." in svg
    both = runner.invoke(main, [*base, "-o", str(tmp_path / "b.svg"), "--caption", "x", "--no-caption"])
    assert both.exit_code == 2 and "not both" in both.stderr
    stacked = runner.invoke(main, [*base, "-o", str(tmp_path / "c.svg"), "--kind", "stacked"])
    assert stacked.exit_code == 2 and "--force-stacked" in stacked.stderr and not (tmp_path / "c.svg").exists()
    forced = runner.invoke(main, [*base, "-o", str(tmp_path / "c.svg"), "--kind", "stacked", "--force-stacked"])
    assert forced.exit_code == 0, forced.output
    bad = runner.invoke(main, [*base, "-o", str(tmp_path / "d.svg"), "--kind", "grouped", "--label", "nolabel"])
    assert bad.exit_code == 2 and "--label takes" in bad.stderr
