"""The native term counter (agenda.engine._scan) gives the regex path's counts.

The regex path is each item's alternation of `match.term_regex` counted by polars; the native
counter reads the token patterns of the same terms. Hand-counted cases first, then random terms
over a tiny vocabulary, where matches are dense, adjacent and nested.
"""

from __future__ import annotations

import os
import random
import subprocess
import sysconfig
from pathlib import Path

import polars as pl
import pytest

import agenda
from agenda.engine import scan
from agenda.engine.match import ANY_TOKEN, GLOB, term_patterns, term_regex
from conftest import make_codebook

built = pytest.mark.skipif(scan._scan is None, reason="agenda.engine._scan is not built")


def test_native_passes_are_built():
    # `make test` and CI build them with the package (a C compiler is on every machine of ours);
    # without them agenda still works, on polars alone, but the tests below would not run.
    assert scan._scan is not None, "agenda.engine._scan was not built: pip install -e . needs a C compiler"
    assert scan.native() == (os.environ.get("AGENDA_NATIVE", "1") != "0")  # CI runs the suite with both


def words(term: str) -> list[list[list[str]]]:
    """Words of a term already in tokens: words split on spaces, pieces on `*`, tokens on `_`."""
    return [[[t for t in piece.split("_") if t] for piece in word.split("*")] for word in term.split()]


def native_counts(items: list[list[str]], texts: list[str]) -> list[list[int]]:
    scanner = scan.TermScanner(
        [(f"i{n}", tuple(term_patterns(words(t)) for t in terms)) for n, terms in enumerate(items)]
    )
    return [s.to_list() for s in scanner.count(pl.Series(texts, dtype=pl.String))]


def regex_counts(items: list[list[str]], texts: list[str]) -> list[list[int]]:
    series = pl.Series(texts, dtype=pl.String)
    return [series.str.count_matches("|".join(term_regex(words(t), False) for t in terms)).to_list() for terms in items]


@built
@pytest.mark.parametrize(
    ("terms", "text", "hits"),
    [
        (["a"], " a  a  a ", 3),  # adjacent repeats
        (["a b"], " a  b  a  b  a ", 2),
        (["a b", "a"], " a  b  a ", 2),  # the longer term first, then what is left
        (["a", "a b"], " a  b  a ", 2),  # order decides at one start: "a", then "a" again
        (["b c"], " a  b  c ", 1),  # at the end
        (["a"], " ab  ba  a ", 1),  # whole tokens only
        (["ab*"], " ab  abc  xab  a ", 2),  # a prefix, matching the empty rest too
        (["a*c"], " ac  abc  abcd  c ", 2),
        (["a*b*c"], " abc  aXbYc  acb  abbc ", 3),
        (["x * z"], " x  y  z  x  z ", 1),  # `*` alone: exactly one token
        (["украин*"], " украина  украинский  россия ", 2),
        (["u_._s"], " u  .  s  us ", 1),  # a piece of several tokens
        (["u_.*"], " u  .s  u  .  ", 2),
        (["longtokenname"], "  longtokenname     longtokenname ", 2),  # runs of spaces, across 8-byte words
        (["a"], " ", 0),
        (["a"], "", 0),
    ],
)
def test_hand_counted(terms, text, hits):
    assert native_counts([terms], [text]) == [[hits]]
    assert regex_counts([terms], [text]) == [[hits]]


VOCABULARY = ["a", "b", "ab", "ba", "aab", "abc", "ж", "жа", "ёж", ".", "abcdefghij"]


def random_term(rng: random.Random) -> str:
    """A term that starts with a literal (terms that start with `*` take the regex path)."""

    def piece() -> str:
        return "_".join(rng.choice(VOCABULARY) for _ in range(rng.choice([0, 1, 1, 1, 2])))

    def word(first: bool) -> str:
        pieces = [piece() for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        if first:
            pieces[0] = pieces[0] or rng.choice(VOCABULARY)
        return "*".join(pieces)

    return " ".join(word(i == 0) for i in range(rng.choice([1, 1, 2, 3])))


def random_text(rng: random.Random) -> str:
    tokens = [rng.choice(VOCABULARY + ["c", "abd", "жаба"]) for _ in range(rng.randint(0, 40))]
    gaps = [rng.choice(["  ", "  ", "   ", "    "]) for _ in tokens]
    return " " + "".join(t + g for t, g in zip(tokens, gaps)) if tokens else " "


@built
@pytest.mark.parametrize("seed", range(40))
def test_random_terms_agree_with_the_regex_path(seed):
    rng = random.Random(seed)
    items = []
    for _ in range(rng.randint(1, 4)):
        terms = [random_term(rng) for _ in range(rng.randint(1, 8))]
        regexes = [term_regex(words(t), False) for t in terms]
        # Only terms that start with a literal, as compile_codebook gives the fast path.
        items.append([t for t, r in zip(terms, regexes) if not r[1:].startswith((GLOB, ANY_TOKEN))] or ["a"])
    texts = [random_text(rng) for _ in range(200)]
    assert native_counts(items, texts) == regex_counts(items, texts)


@built
def test_thousands_of_terms_and_types_agree_with_the_regex_path():
    # A big dictionary's shape: 3,000 terms (globs, exact words, phrases whose second token is a
    # glob or exact, sharing first tokens) over texts of 30,000 token types, more than the first
    # vocabulary table holds, so it grows while the types are resolved.
    rng = random.Random(3)
    letters = "abcdefgh"

    def word(n: int) -> str:
        return "".join(rng.choice(letters) for _ in range(n))

    items = []
    for _ in range(4):
        terms = []
        for _ in range(750):
            r = rng.random()
            head = rng.choice(["no", "not", word(rng.randint(1, 4))])
            if r < 0.5:
                terms.append(word(rng.randint(2, 5)) + "*")
            elif r < 0.7:
                terms.append(word(rng.randint(1, 5)))
            else:
                second = rng.choice([word(rng.randint(1, 5)), word(rng.randint(0, 3)) + "*", "*"])
                terms.append(f"{head} {second}" if second != "*" else f"{head} * {word(2)}")
        items.append(list(dict.fromkeys(terms)))
    vocabulary = [word(rng.randint(1, 9)) for _ in range(30_000)] + ["no", "not"] * 2000
    texts = [" " + "  ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 60))) + " " for _ in range(1500)]
    expected = regex_counts(items, texts)
    assert native_counts(items, texts) == expected
    assert sum(map(sum, expected)) > 10_000  # dense: the test does count


@built
def test_chunks_slices_and_nulls():
    terms = [["a b", "ab*"]]
    texts = [random_text(random.Random(i)) for i in range(300)]
    expected = regex_counts(terms, texts)[0]
    scanner = scan.TermScanner([("x", tuple(term_patterns(words(t)) for t in terms[0]))])
    chunked = pl.concat([pl.Series(texts[:100]), pl.Series(texts[100:])], rechunk=False)
    assert chunked.n_chunks() == 2
    assert scanner.count(chunked)[0].to_list() == expected
    assert scanner.count(chunked.slice(50, 200))[0].to_list() == expected[50:250]
    with_null = pl.Series([texts[0], None, texts[2]], dtype=pl.String)
    assert scanner.count(with_null)[0].to_list() == [expected[0], 0, expected[2]]


@built
def test_huge_unit():
    text = " " + "  ".join(["a", "b", "ab", "abc"] * 250_000) + " "
    assert native_counts([["a b", "abc"], ["ab*"]], [text]) == regex_counts([["a b", "abc"], ["ab*"]], [text])


@built
def test_wrong_column_is_an_error():
    scanner = scan.TermScanner([("x", ((("a",),),))])
    with pytest.raises(TypeError):
        scanner.count(pl.Series([1, 2]))


@built
def test_codebook_counts_equal_with_native_counter_off(monkeypatch):
    codebook = make_codebook(
        """
        - id: x
          code: 1
          label: X
          terms: [Ukrain*, cyber attack*, new START, "* sanctions"]
          exclude: [cyber attack simulator]
        - id: y
          code: 2
          label: Y
          terms: [Iran nuclear deal, JCPOA, Iran*]
        """
    )
    texts = [
        "Ukraine and Ukrainian cyber attacks; new START and New Start.",
        "Iran's Iran nuclear deal (JCPOA), harsh sanctions, a cyber attack simulator.",
        "Nothing here.",
    ]
    units = pl.DataFrame({"doc_id": ["a", "b", "c"], "unit": [1, 1, 1], "text": texts})
    native = agenda.code_units(units, codebook).collect()
    monkeypatch.setenv("AGENDA_NATIVE", "0")
    assert not scan.native()
    regex = agenda.code_units(units, codebook).collect()
    assert native.equals(regex)
    assert native["x"].to_list() == [5, 1, 0] and native["y"].to_list() == [0, 3, 0]


@built
def test_word_counts_agree_with_the_regex():
    from agenda.engine.segment import WORD_START, _word_counts

    pool = [chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x530), *range(0x2000, 0x2070))] + list("\t\n  ")
    rng = random.Random(3)
    texts = ["", " ", "a", "-- a-b -- ", "don't stop", "один два, три", "x\u3000y", None]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 60))) for _ in range(5000)]
    series = pl.Series(texts, dtype=pl.String)
    expected = series.str.count_matches(WORD_START).cast(pl.UInt32)
    assert _word_counts(series).to_list() == expected.to_list()
    assert expected[:5].to_list() == [0, 0, 1, 1, 2]


@built
def test_screens_agree_with_contains():
    rng = random.Random(11)
    pieces = ["the", "iran", "ian", "ran", "ukrain", "украин", "ина", "сво ", " dpr ", "nato", "ato", "tion", "ment"]
    screens = [frozenset(rng.sample(pieces, rng.randint(1, 4))) for _ in range(150)]  # three words of bits
    screens = list(dict.fromkeys(screens))
    scanner = scan.ScreenScanner(screens)
    alphabet = ["the", "iran", "ukraine", "украина", "сво", "dpr", "nation", "moment", "a", "ж", "ran", "at"]
    texts = [" " + "  ".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) + " " for _ in range(400)]
    texts += ["", "th", "the", "ukrain", " iranian "]
    series = pl.Series(texts, dtype=pl.String)
    bits = scanner.screen(series)
    everywhere = pl.Series(range(len(texts)), dtype=pl.UInt32)
    for screen in screens:
        expected = series.str.contains("|".join(sorted(screen)), literal=False).arg_true().to_list()
        assert bits.holding(everywhere, [screen]).to_list() == expected, screen
    both = screens[:2]
    expected = (series.str.contains("|".join(both[0])) & series.str.contains("|".join(both[1]))).arg_true()
    assert bits.holding(everywhere, both).to_list() == expected.to_list()
    some = pl.Series([3, 1, 400], dtype=pl.UInt32)  # positions within the rows given
    held = set(bits.holding(everywhere, [screens[0]]).to_list())
    assert bits.holding(some, [screens[0]]).to_list() == [i for i, row in enumerate([3, 1, 400]) if row in held]


@built
@pytest.mark.parametrize("length", [1, 15, 16, 17, 32, 255])
def test_a_mapping_of_any_length_is_copied_whole(length):
    # Mappings are copied 16 bytes at a time up to 16 bytes long, and exactly beyond: a 32-byte
    # one once left its last 16 bytes unwritten (today's longest mapping is 15 bytes).
    replacement = ("abcdefghijklmnop" * 16)[:length]
    normalizer = scan.TextNormalizer({"a", "b", " ", "ж"}, {"ж": replacement})
    texts = ["aжb", "жж", "ж", "a b", "b" * 40 + "ж", "жa" * 50]
    tokens, general = normalizer.tokens(pl.Series(texts, dtype=pl.String))
    assert tokens.to_list() == [" " + t.replace("ж", replacement) + " " for t in texts]
    assert general.to_list() == []


@built
def test_mappings_too_long_are_refused():
    with pytest.raises(ValueError):
        scan.TextNormalizer({"ж"}, {"ж": "x" * 256})  # a mapping is at most 255 bytes
    with pytest.raises(ValueError, match="ASCII"):
        scan.TextNormalizer({"a"}, {"a": "x" * 9})  # an ASCII character's at most 8


def test_a_big_endian_build_stops_with_a_clear_error():
    # No big-endian machine here: the compiler is told it targets one, and must refuse the file.
    source = Path(__file__).resolve().parents[1] / "agenda" / "engine" / "_scan.c"
    command = [
        *(sysconfig.get_config_var("CC") or "cc").split()[:1],
        "-fsyntax-only",
        f"-I{sysconfig.get_paths()['include']}",
        "-U__BYTE_ORDER__",
        "-D__BYTE_ORDER__=__ORDER_BIG_ENDIAN__",
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode != 0
    assert "needs a little-endian machine" in result.stderr
    little = subprocess.run([c for c in command if "BYTE_ORDER" not in c], capture_output=True, text=True)
    assert little.returncode == 0, little.stderr
