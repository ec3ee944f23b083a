"""The confusion matrix of single-topic gold against the primary item, drawn as a heatmap.

Rows are the human's topics, columns the codebook's primary items; each cell holds its count of
units and is shaded by the share of its row (so recall of each topic reads along the diagonal).
Drawn with the chart settings of agenda.plot (plain-text labels, journal sizes, reproducible bytes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from agenda.errors import AgendaError
from agenda.plot import FORMATS, _figure, _rc, check_canvas
from agenda.safe_write import write_atomic


def plot_confusion(confusion: pl.DataFrame, out: str | Path, labels: dict[str, str] | None = None, dpi: int = 300):
    """Draw `TopicAgreement.confusion` (gold, then one count column per coded topic) to a .png, .svg or .pdf."""
    fmt = FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise AgendaError(f"{out}: unknown figure format {Path(out).suffix or '(no suffix)'!r}; use .png, .svg or .pdf")
    labels = labels or {}
    rows = confusion["gold"].to_list()
    columns = [c for c in confusion.columns if c != "gold"]
    counts = confusion.select(columns).to_numpy().astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    side = 1.6 + 0.45 * max(len(rows), len(columns))
    with _rc():
        import matplotlib

        fig = _figure(min(max(side + 1.2, 4.0), 12.0), min(max(side, 3.0), 12.0))
        ax = fig.add_subplot()
        ax.imshow(shares, cmap=matplotlib.colormaps["Blues"], vmin=0, vmax=1, aspect="auto")
        for (r, c), value in np.ndenumerate(counts):
            shade = "white" if shares[r, c] > 0.6 else "#222222"
            ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=7, color=shade)
        ax.set_xticks(np.arange(len(columns)), [labels.get(c, c) for c in columns], rotation=30, ha="right")
        ax.set_yticks(np.arange(len(rows)), [labels.get(r, r) for r in rows])
        ax.set_xlabel("primary item (codebook)")
        ax.set_ylabel("topic (human coder)")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        n = int(counts.sum())
        fig.supxlabel(f"Units: {n}. Shading: share of the row (the human's topic).", x=0.01, ha="left", fontsize=6.5)
        metadata = {"png": {"Software": "agenda"}, "svg": {"Creator": "agenda", "Date": None}}
        metadata["pdf"] = {"Creator": "agenda", "CreationDate": None}
        if fmt == "png":
            check_canvas(fig.get_figwidth(), fig.get_figheight(), dpi)
        write_atomic(out, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata[fmt]))
    return fig
