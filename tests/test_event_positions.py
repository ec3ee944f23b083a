"""Token positions of match events (agenda.engine.events) against a plain-Python reading of the token strings.

token_table (each token's offsets, word position and sentence) and on_tokens (each match's
first and last token, sentence and word positions at its ends) are checked on random token
strings: nulls, empty strings, runs of two and three spaces, punctuation, one-letter words and
numbers around full stops, cut marks (\\x00), and regexes that start in spaces, inside tokens,
or match nothing but spaces. The reference walks the string with `re`.
"""

from __future__ import annotations

import random
import re

import polars as pl
import pytest

from agenda.engine.events import CUT, on_tokens, regex_matches, token_table

VOCAB = [".", "a", "bb", "3", "14", "!", "?", "u", "ы", CUT, "..", "5", "cat", "dog", "U.S"]
REGEXES = [
    " a ",
    " bb ",
    "a",
    " \\. ",
    " 3  \\.  14 ",
    "b",
    " ",
    "  ",
    " (?:cat|dog) ",
    "[^ ]+",
    " \\S*",
    "(?:dog  )?cat",
    "\\.",
    "\\x00",
    " [^ ]* [^ ]*",
]


def byte(text: str, offset: int) -> int:
    return len(text[:offset].encode())


def reference_tokens(text: str) -> list[dict]:
    """The tokens of one token string, read with `re`: byte offsets, word flag, word position, sentence."""
    found = [(byte(text, m.start()), byte(text, m.end()), m.group()) for m in re.finditer(r"[^ ]+", text)]
    out, words, sentence = [], 0, 0
    for k, (start, end, token) in enumerate(found):
        word = re.search(r"\w", token) is not None
        before = found[k - 1][2] if k > 0 else None
        after = found[k + 1][2] if k + 1 < len(found) else None
        number = re.compile(r"\d+")
        kept = (
            token == "."
            and before is not None
            and (
                (len(before) == 1 and before.isalpha())
                or (number.fullmatch(before) is not None and after is not None and number.fullmatch(after) is not None)
            )
        )
        out.append({"tok": k, "start": start, "end": end, "word": word, "wordpos": words, "sentence": sentence})
        words += word
        sentence += token in (".", "!", "?") and not kept
    return out


def reference_position(tokens: list[dict], start: int, end: int) -> dict:
    """A match's tokens: from the first that ends after its start, to the last that starts before its end."""
    first = sum(t["end"] <= start for t in tokens)
    last = max(1 + max((t["tok"] for t in tokens if t["start"] <= end - 1), default=0), first)
    at_first = tokens[first] if first < len(tokens) else None
    at_last = tokens[last - 1] if 1 <= last <= len(tokens) else None
    return {
        "first": first,
        "last": last,
        "sentence": at_first["sentence"] if at_first else 0,
        "wp_first": at_first["wordpos"] if at_first else 0,
        "wp_last": at_last["wordpos"] + at_last["word"] if at_last else 0,
    }


def random_strings(rng: random.Random) -> list[str | None]:
    out: list[str | None] = []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.1:
            out.append(None)
        elif roll < 0.2:
            out.append(rng.choice(["", " ", "   "]))
        else:
            tokens = [rng.choice(VOCAB) for _ in range(rng.randint(0, 8))]
            out.append(" " + "".join(t + " " * rng.randint(2, 3) for t in tokens))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_token_table_and_match_positions_agree_with_a_reading_by_re(seed):
    rng = random.Random(seed)
    for _ in range(10):
        strings = random_strings(rng)
        text = pl.Series(strings, dtype=pl.String)
        table = token_table(text)
        expected = [dict(_row=row, **t) for row, s in enumerate(strings) if s for t in reference_tokens(s)]
        columns = ["_row", "tok", "start", "end", "word", "wordpos", "sentence"]
        assert table.select(columns).to_dicts() == [{c: t[c] for c in columns} for t in expected]

        regex = rng.choice(REGEXES)
        found = on_tokens(regex_matches(text, regex), table)
        expected_matches = [
            {"_row": row, "start": start, "end": end, **reference_position(reference_tokens(s), start, end)}
            for row, s in enumerate(strings)
            if s is not None
            for start, end in ((byte(s, m.start()), byte(s, m.end())) for m in re.finditer(regex, s))
        ]
        assert found.drop("matched").to_dicts() == expected_matches, (strings, regex)


def test_positions_of_a_hand_worked_string():
    # " the  U.S  .  said  3  .  5  .  then " : the full stop after the one-letter word and the
    # one between numbers end no sentence; the last one does.
    text = pl.Series([" the  u  .  said  3  .  5  .  then "])
    table = token_table(text)
    assert table["token"].to_list() == ["the", "u", ".", "said", "3", ".", "5", ".", "then"]
    assert table["wordpos"].to_list() == [0, 1, 2, 2, 3, 4, 4, 5, 5]
    assert table["sentence"].to_list() == [0, 0, 0, 0, 0, 0, 0, 0, 1]
    found = on_tokens(regex_matches(text, " said  3 | then "), table)
    assert found.select("first", "last", "sentence", "wp_first", "wp_last").rows() == [(3, 5, 0, 2, 4), (8, 9, 1, 5, 6)]


def test_no_matches_and_no_tokens():
    empty = on_tokens(regex_matches(pl.Series(["  ", None]), " x "), token_table(pl.Series(["  ", None])))
    assert empty.height == 0 and "first" in empty.columns
    spaces = pl.Series(["   "])
    found = on_tokens(regex_matches(spaces, " "), token_table(spaces))
    assert found.select("first", "last", "sentence", "wp_first", "wp_last").rows() == [(0, 1, 0, 0, 0)] * 3
