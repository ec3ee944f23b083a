"""Every item's plain terms counted in one native pass over the token strings.

The regex path counts each item with its own alternation: one scan of the corpus per item,
whose cost grows with the item's terms. `agenda._scan` (C, built with the package where a
compiler is at hand) reads the token column once through the Arrow C stream interface, looks
each token up in hash tables of the terms' first tokens, and gives the same leftmost-first,
non-overlapping counts. Without it, or with AGENDA_NATIVE=0, the regex path counts alone.
"""

from __future__ import annotations

import os

import numpy as np
import polars as pl

try:
    from agenda import _scan
except ImportError:  # built without a C compiler: the regex path counts instead
    _scan = None

TokenPatterns = tuple[tuple[str, ...], ...]  # a term: per token, its fragments between `*`s


def native() -> bool:
    """Whether the native counter is built and not turned off with AGENDA_NATIVE=0."""
    return _scan is not None and os.environ.get("AGENDA_NATIVE", "1") != "0"


class TermScanner:
    """Items' terms, each item's in its matching order, compiled once for `count`."""

    def __init__(self, items: list[tuple[str, tuple[TokenPatterns, ...]]]):
        self.ids = [item_id for item_id, _ in items]
        terms = [
            (i, [[fragment.encode() for fragment in token] for token in term])
            for i, (_, item_terms) in enumerate(items)
            for term in item_terms
        ]
        self._scanner = _scan.compile(len(items), terms)

    def count(self, tokens: pl.Series) -> list[pl.Series]:
        """Hits of each item's terms in each token string, as one UInt32 series per item."""
        counts = _scan.count(self._scanner, tokens.__arrow_c_stream__(), len(tokens))
        table = np.frombuffer(counts, dtype=np.uint32).reshape(len(self.ids), len(tokens))
        return [pl.Series(item_id, table[i]) for i, item_id in enumerate(self.ids)]
