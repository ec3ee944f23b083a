"""Native passes over a column of units: token strings, word counts, every item's plain terms, screens.

The polars path takes several passes for each: one regex scan of the corpus per item, whose
cost grows with the item's terms, and one literal scan per screen. `agenda.engine._scan` (C, built with
the package where a compiler is at hand) reads a column once through the Arrow C stream
interface for each: `TextNormalizer` makes the token strings and word counts of units made of
simple characters; `TermScanner` looks each token up in a byte trie of the terms' first tokens
and gives the same leftmost-first, non-overlapping counts as the regexes; `ScreenScanner` tells,
per unit, which screens (sets of literals) hold. Without it, or with AGENDA_NATIVE=0, polars
does all of it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import polars as pl

try:
    from agenda.engine import _scan
except ImportError:  # built without a C compiler: polars does the work instead
    _scan = None

TokenPatterns = tuple[tuple[str, ...], ...]  # a term: per token, its fragments between `*`s


def native() -> bool:
    """Whether the native passes are built and not turned off with AGENDA_NATIVE=0."""
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
        table = np.frombuffer(counts, dtype=np.uint32).reshape(len(tokens), len(self.ids))
        return [pl.Series(item_id, np.ascontiguousarray(table[:, i])) for i, item_id in enumerate(self.ids)]


class ScreenBits:
    """Which screens (sets of literals) hold in each unit of a batch, from `ScreenScanner.screen`."""

    def __init__(self, bits: np.ndarray, index: dict[frozenset[str], int]):
        self.bits = bits  # (units, words) uint64: bit i of a row set when screen i holds there
        self.index = index

    def holding(self, rows: pl.Series, screens: Sequence[frozenset[str]]) -> pl.Series:
        """Positions in rows (unit indices) of the units where every one of screens holds."""
        at = rows.to_numpy()
        keep = np.ones(len(at), dtype=bool)
        for screen in screens:
            i = self.index[screen]
            keep &= (self.bits[at, i // 64] >> np.uint64(i % 64) & np.uint64(1)).astype(bool)
        return pl.Series(np.flatnonzero(keep), dtype=pl.UInt32)


class ScreenScanner:
    """Screens tested natively, all in one pass over the token strings.

    A screen holds in a unit when one of its literals occurs anywhere in the unit's token
    string: what `str.contains` of the literals' alternation tells, for every screen at once.
    """

    def __init__(self, screens: list[frozenset[str]]):
        self.index = {screen: i for i, screen in enumerate(screens)}
        holders: dict[str, list[int]] = {}
        for screen, i in self.index.items():
            for literal in screen:
                holders.setdefault(literal, []).append(i)
        literals = [(literal.encode(), ids) for literal, ids in sorted(holders.items())]
        self.words = (len(screens) + 63) // 64
        self._scanner = _scan.screens(len(screens), literals)

    def screen(self, tokens: pl.Series) -> ScreenBits:
        """The screen bits of each token string."""
        bits = _scan.screen(self._scanner, tokens.__arrow_c_stream__(), len(tokens))
        return ScreenBits(np.frombuffer(bits, dtype=np.uint64).reshape(len(tokens), self.words), self.index)


class _ArrowArray:
    """A column built by agenda.engine._scan, handed to polars through the Arrow PyCapsule interface."""

    def __init__(self, schema, array):
        self._capsules = (schema, array)

    def __arrow_c_array__(self, requested_schema=None):
        return self._capsules


class TextNormalizer:
    """Token strings and word counts of units made only of simple characters.

    simple: the characters a unit may hold for the fast path; mapping: what each becomes in the
    token string (others stay as they are); joined: what each of some marks becomes instead when it
    stands between two word characters (the codebook's `tokens:` joins). Which characters are
    spaces (`\\s`) and word characters (`\\w`) is asked of polars' regex engine, so word counts
    and joins agree with its regex.
    """

    def __init__(self, simple: set[str], mapping: dict[str, str], joined: dict[str, str] | None = None):
        chars = sorted(simple)
        probe = pl.Series(chars, dtype=pl.String)
        space = probe.str.contains(r"^\s$").to_list()
        word = probe.str.contains(r"^\w$").to_list()
        kind = bytearray(0x10000)
        for ch, is_space, is_word in zip(chars, space, word):
            kind[ord(ch)] = 1 | 2 * is_space | 4 * is_word
        replaced = {ord(k): v.encode() for k, v in mapping.items() if k != v}
        joins = {ord(k): v.encode() for k, v in (joined or {}).items()}
        self._tokenizer = _scan.tokenizer(bytes(kind), replaced, joins)

    def tokens(self, text: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Padded token strings, and the rows left for the general path (their strings are empty)."""
        schema, array, general = _scan.normalize(self._tokenizer, text.__arrow_c_stream__(), len(text), True)
        return pl.Series(text.name, _ArrowArray(schema, array)), _rows(general)

    def words(self, text: pl.Series) -> tuple[pl.Series, pl.Series]:
        """Word counts (whitespace-separated runs holding a word character), and the rows left for the regex."""
        counts, general = _scan.normalize(self._tokenizer, text.__arrow_c_stream__(), len(text), False)
        return pl.Series(text.name, np.frombuffer(counts, dtype=np.uint32)), _rows(general)


def _rows(flags: bytes) -> pl.Series:
    return pl.Series(np.frombuffer(flags, dtype=np.uint8)).cast(pl.Boolean).arg_true()
