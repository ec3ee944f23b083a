"""The fast token pass gives the same string as the general path (NFKC, lower-casing, mapping).

Each test runs the fast pass twice: native (agenda.engine._scan) and polars' Aho-Corasick pass.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from agenda.codebook import NO_JOINS, Joins
from agenda.engine import normalize, scan
from agenda.engine.normalize import tokenize_strings

ALL_JOINS = [NO_JOINS, Joins(hyphens=True), Joins(apostrophes=True), Joins(hyphens=True, apostrophes=True)]

TRICKY = [
    "ΣΟΦΟΣ and σοφός: final sigma depends on its place",
    "İstanbul, KELVIN \u212a, \u00c5ngstr\u00f6m \u212b, \u00b5 and \u03bc",
    "\u01c4emal \u01c5 \u01c6 \u01c7 \u01c8: digraphs and title case",
    "Stra\u00dfe STRASSE \u1e9e",
    "Ґанна, ЇЖАК, Європа, Іван: Ukrainian letters",
    "ЁЛКА ёлка Ёж",
    "e\u0301 (a combining accent) and caf\u00e9",
    "\ufb01ne \u2460 \u00bd \u2163: NFKC folds",
    "don\u2019t \u201cquoted\u201d \u00abкавычки\u00bb \u2014 dash \u2013 range \u2026",
    "soft\u00adhyphen zero\u200bwidth nbsp\u00a0here",
    "control \x01 and \x7f",
    "U.S.-Russia\ttalks\n\nnew paragraph",
    "",
]


@pytest.fixture(autouse=True, params=["native", "polars"])
def fast_pass(request, monkeypatch):
    if request.param == "native" and scan._scan is None:
        pytest.skip("agenda.engine._scan is not built")
    monkeypatch.setenv("AGENDA_NATIVE", "1" if request.param == "native" else "0")
    assert scan.native() == (request.param == "native")


def general(strings: list[str], joins: Joins = NO_JOINS) -> list[str]:
    """Padded token strings by the general path alone."""
    frame = pl.LazyFrame({"t": strings}, schema={"t": pl.String})
    return [f" {s} " for s in normalize._general_tokens(frame, "t", "o", False, joins).collect()["o"].to_list()]


def fast(strings: list[str], joins: Joins = NO_JOINS) -> list[str]:
    return normalize._token_series(pl.Series(strings, dtype=pl.String), False, joins).to_list()


def test_fast_pass_equals_general_path_on_tricky_text():
    assert fast(TRICKY) == general(TRICKY)
    assert tokenize_strings(["ЁЛКА Ёж ΣΟΦΟΣ"]) == [["елка", "еж", "σοφος"]]


def test_fast_pass_equals_general_path_on_random_unicode():
    # Characters drawn from ASCII, Latin, Greek and Cyrillic blocks, punctuation and spaces.
    pool = [chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x530), *range(0x2000, 0x2070))]
    letters = [c for c in pool if c.isalpha() or c.isspace()]  # most of these take the fast pass
    rng = random.Random(7)
    strings = [
        "".join(rng.choice(chars) for _ in range(rng.randint(0, 40))) for chars in (pool, letters) for _ in range(3000)
    ]
    assert fast(strings) == general(strings)
    simple = pl.Series(strings).str.contains(normalize._NOT_SIMPLE).not_()
    assert 1000 < simple.sum() < 5000  # both paths are tried


MARKS = "-\u2010\u2011\u2012'\u2019\u2018\u201b\u02bc\u2032`\u00b4\u00ad\u200d"


@pytest.mark.parametrize("joins", ALL_JOINS, ids=["none", "hyphens", "apostrophes", "both"])
def test_joins_fast_pass_equals_general_path(joins):
    # Hyphens and apostrophes of every kind between, before and after letters, doubled, at the ends.
    rng = random.Random(11)
    chars = list("abcЖжé1_ .,") + list(MARKS) * 2
    strings = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    strings += ["won't", "nation\u2019s", "rock'n'roll", "a''b", "a-'b", "'quoted'", "it'", "'t", "Ё'x", "self-rule"]
    assert fast(strings, joins) == general(strings, joins)


def test_joins_keep_marks_between_word_characters():
    text = ["Won\u2019t the nation's self-government 'quoted' it'' rock'n'roll"]
    assert tokenize_strings(text) == [
        ["won", "'", "t", "the", "nation", "'", "s", "self", "government", "'", "quoted", "'", "it", "'", "'"]
        + ["rock", "'", "n", "'", "roll"]
    ]
    assert tokenize_strings(text, joins=Joins(apostrophes=True)) == [
        ["won't", "the", "nation's", "self", "government", "'", "quoted", "'", "it", "'", "'", "rock'n'roll"]
    ]
    assert tokenize_strings(text, joins=Joins(hyphens=True, apostrophes=True))[0][3] == "self-government"
