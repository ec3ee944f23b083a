"""Units: paragraphs, sentences, documents; numbering before boilerplate is dropped."""

from __future__ import annotations

import polars as pl

import agenda

TEXT = "Title line here\n\nFirst para. It has two sentences!\r\n\r\nRelated Posts\n\n  \n\nLast one, with words.\n"


def units(split: str, **kwargs) -> list[tuple[int, str]]:
    corpus = pl.DataFrame({"doc_id": ["d"], "text": [TEXT]})
    frame = agenda.segment(corpus, split, **kwargs).collect()
    return list(zip(frame["unit"].to_list(), frame["text"].to_list()))


def test_paragraphs_split_on_blank_lines():
    assert units("paragraph") == [
        (1, "Title line here"),
        (2, "First para. It has two sentences!"),
        (3, "Related Posts"),
        (4, "Last one, with words."),
    ]


def test_numbering_is_kept_when_boilerplate_is_dropped():
    kept = units("paragraph", min_words=3, drop=["^related posts$"])
    assert [n for n, _ in kept] == [1, 2, 4]


def test_drop_is_case_insensitive():
    assert [n for n, _ in units("paragraph", drop=["^RELATED POSTS$"])] == [1, 2, 4]


def test_sentences():
    assert [t for _, t in units("sentence")] == [
        "Title line here",
        "First para.",
        "It has two sentences!",
        "Related Posts",
        "Last one, with words.",
    ]


def test_document():
    assert units("document") == [(1, TEXT.replace("\r\n", "\n").strip())]


def test_single_newlines_stay_in_one_paragraph():
    corpus = pl.DataFrame({"doc_id": ["d"], "text": ["line one\nline two"]})
    assert agenda.segment(corpus).collect()["text"].to_list() == ["line one\nline two"]


def test_no_character_splits_a_paragraph():
    """Control characters (U+001E, U+001F, NUL) are text like any other: they never split a unit
    or shift the numbers of the units after them."""
    text = "One \x1e two \x1f three \x00 four.\n\nNext\x1e paragraph. Its second sentence."
    corpus = pl.DataFrame({"doc_id": ["d"], "text": [text]})
    paragraphs = agenda.segment(corpus, "paragraph").collect()
    assert paragraphs["unit"].to_list() == [1, 2]
    assert paragraphs["text"].to_list() == [
        "One \x1e two \x1f three \x00 four.",
        "Next\x1e paragraph. Its second sentence.",
    ]
    sentences = agenda.segment(corpus, "sentence").collect()
    assert sentences["text"].to_list() == [
        "One \x1e two \x1f three \x00 four.",
        "Next\x1e paragraph.",
        "Its second sentence.",
    ]
    assert sentences["unit"].to_list() == [1, 2, 3]


def test_sentence_numbers_have_no_gap_after_a_space_before_a_blank_line():
    corpus = pl.DataFrame({"doc_id": ["d"], "text": ["Hello. \n\nWorld. Again!  Yes"]})
    sentences = agenda.segment(corpus, "sentence").collect()
    assert list(sentences.select("unit", "text").iter_rows()) == [
        (1, "Hello."),
        (2, "World."),
        (3, "Again!"),
        (4, "Yes"),
    ]


def test_random_texts_split_as_a_plain_python_reference():
    """Paragraphs of random texts over an alphabet of letters, spaces, tabs, line breaks and U+001E
    equal re.split on blank lines (whitespace classes spelt out: Python counts U+001E as space)."""
    import random
    import re

    rng = random.Random(5)
    texts = ["".join(rng.choice("ab  .\n\n\t\x1e") for _ in range(rng.randrange(0, 40))) for _ in range(400)]
    want = []
    for i, text in enumerate(texts):
        pieces = [p.strip(" \t\n") for p in re.split(r"\n[ \t]*\n[ \t\n]*", text.strip(" \t\n"))]
        want += [(f"d{i}", n, p) for n, p in enumerate(pieces, 1) if p]
    corpus = pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    got = agenda.segment(corpus, "paragraph").collect()
    assert list(got.select("doc_id", "unit", "text").iter_rows()) == want
