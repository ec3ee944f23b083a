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
