"""The rule language (README, "The rule language"), on short texts counted by hand.

Each case names its counts in a comment: which matches there are, which pair or scope counts,
and why. Texts are coded with agenda.code as documents of paragraphs (units), on both engine
paths (the native passes and polars alone); the CLI cases run `agenda code` end to end.
"""

from __future__ import annotations

import json
import textwrap

import polars as pl
import pytest

import agenda
from agenda import scan


@pytest.fixture(autouse=True, params=["native", "polars"])
def engine_path(request, monkeypatch):
    if request.param == "native" and scan._scan is None:
        pytest.skip("agenda._scan is not built")
    monkeypatch.setenv("AGENDA_NATIVE", "1" if request.param == "native" else "0")
    assert scan.native() == (request.param == "native")


def codebook(items: str) -> agenda.Codebook:
    text = "codebook: t\nversion: '1'\nitems:\n" + textwrap.indent(textwrap.dedent(items), "  ")
    return agenda.parse_codebook(text, source="t.yaml")


def code(items: str, *docs: str | list[str], dates: list | None = None) -> pl.DataFrame:
    """The wide table of documents (each a text, or a list of paragraphs) with a date column."""
    texts = [d if isinstance(d, str) else "\n\n".join(d) for d in docs]
    corpus = pl.DataFrame(
        {"doc_id": [f"d{k}" for k in range(len(texts))], "date": dates or [None] * len(texts), "text": texts},
        schema={"doc_id": pl.String, "date": pl.String, "text": pl.String},
    )
    return agenda.code(corpus, codebook(items), date_column="date")


def x(rules: str, **extra) -> str:
    """One item x with these rules (YAML flow list) and extra keys."""
    lines = ["- id: x", "  code: 1", "  label: X", f"  rules: {rules}"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def column(table: pl.DataFrame, name: str = "x") -> list:
    return table[name].to_list()


# ------------------------------------------------------------------ case-sensitive terms in rules


@pytest.mark.parametrize(
    "rule",
    [
        "{near: [[START], [treaty]], within: 1}",
        "{all: [[START], [treaty]]}",
        "{any: [START]}",
    ],
)
def test_case_sensitive_terms_in_rules(rule):
    # `START treaty. start treaty.`: the case-kept START holds in the first sentence only, so
    # near (0 words between START and treaty), all (one sentence with both) and any (one unit)
    # each count 1. The engine used to screen these rules with the literal "START" on the
    # lower-cased text, so they never fired.
    items = x(f"[{rule[:-1]}, case_sensitive: true}}]")
    assert column(code(items, "START treaty. start treaty.")) == [1]


def test_case_sensitive_term_in_a_context_group():
    # Paragraph 1 is coded by `treaty` (1 hit); the context term START (case kept) counts in
    # paragraphs 1 and 2 (window 1), not `start` in paragraph 3 (coded by its own `treaty`).
    items = x("[{term: treaty}, {context: [talks, {term: START, case_sensitive: true}], window: 1}]")
    table = code(items, ["the treaty, START", "START again", "start treaty"])
    assert column(table) == [2, 1, 1]
    assert column(table, "x_context") == [1, 1, 0]


# ------------------------------------------------------------------ weights


def test_fractional_weights_and_min_hits():
    # Weights 0.5 (treaty) and 1.5 (the near rule): "treaty" alone is 0.5, below the default
    # min_hits of 1, so 0; "treaty treaty" is 1.0; "New START treaty" is START treaty near (1.5)
    # + treaty (0.5) = 2.0. With min_hits 2, 2.5 stays 2.5 (not cut to a whole number).
    rules = "[{term: treaty, weight: 0.5}, {near: [[start], [treaty]], within: 0, weight: 1.5}]"
    table = code(x(rules), ["treaty", "treaty treaty", "New START treaty"])
    assert column(table) == [0, 1.0, 2.0]
    assert table["n_items"].to_list() == [0, 1, 1]
    assert table["primary"].to_list() == [None, "x", "x"]
    table = code(x(rules, min_hits=2), ["New START treaty treaty", "START treaty"])
    # 1.5 + 0.5 + 0.5 = 2.5; 1.5 + 0.5 = 2.0
    assert column(table) == [2.5, 2.0]


# ------------------------------------------------------------------ context and min_hits, item dates


def test_context_hits_below_min_hits_leave_no_context_column():
    # Item a is coded by `treaty` in paragraph 1. Item b (min_hits 2) has one context term,
    # `talks`, licensed by a: paragraph 1 has 1 context hit, below b's min_hits, so b reads 0
    # and b_context 0 too (b - b_context are the hits without context). Paragraph 2 has
    # `talks talks`, licensed by paragraph 1 (window 1): 2 hits, b = 2, b_context = 2.
    items = """\
    - {id: a, code: 1, label: A, terms: [treaty]}
    - {id: b, code: 2, label: B, rules: [{context: [talks], of: a, window: 1}], min_hits: 2}
    """
    table = code(items, ["treaty talks", "talks talks"])
    assert column(table, "b") == [0, 2]
    assert column(table, "b_context") == [0, 2]


def test_an_item_outside_its_dates_licenses_no_context():
    # a holds from 2022-06-01. In the document of 2021, "treaty" does not code a (a = 0), so it
    # licenses no context hit for b; in the document of 2022-07-01 it does (b = 1 from context).
    # b has no dates of its own; a's date bounds alone decide.
    items = """\
    - {id: a, code: 1, label: A, terms: [treaty], from: '2022-06-01'}
    - {id: b, code: 2, label: B, rules: [{context: [talks], of: a}]}
    """
    table = code(items, "treaty talks", "treaty talks", dates=["2021-01-01", "2022-07-01"])
    assert column(table, "a") == [0, 1]
    assert column(table, "b") == [0, 1]
    assert column(table, "b_context") == [0, 1]


def test_context_of_an_item_outside_its_own_dates():
    # b holds from 2022-06-01 and its context term is licensed by a's `treaty`; in the 2021
    # document b is 0 and so is b_context.
    items = """\
    - {id: a, code: 1, label: A, terms: [treaty]}
    - {id: b, code: 2, label: B, rules: [{context: [talks], of: a}], from: '2022-06-01'}
    """
    table = code(items, "treaty talks", "treaty talks", dates=["2021-01-01", "2022-07-01"])
    assert column(table, "b") == [0, 1]
    assert column(table, "b_context") == [0, 1]
