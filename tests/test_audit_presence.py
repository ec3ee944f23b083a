"""The audit verbs find an item's events only where its rules match, on the rules that match there.

`agenda.audit.Presence` tests each rule alone to find those rows and rules; the events found there
must be exactly the events of the whole item over every unit (what the audit verbs read before).
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from agenda.audit import Presence, load_units, unit_events, with_tokens
from agenda.engine.events import item_events
from agenda.engine.match import compile_codebook
from conftest import FLAGSHIP, REPO, make_codebook

CODEBOOK = """
- id: arms
  code: 1
  label: Arms
  terms: {en: [arms control, arms, New START*, missile*]}
  patterns: ['\\bINF\\b']
  exclude: [arms race, small arms]
  rules:
    - {near: [[treaty], [missile*]], within: 3}
    - {context: [talks, negotiat*], window: 1}
- id: cyber
  code: 2
  label: Cyber
  terms: {en: [ransomware, hack*, cyber attack*]}
  exclude: [Cyber Monday]
  rules:
    - {all: [[hack*], [bank*]]}
"""
WORDS = (
    "arms control race small treaty missile missiles INF talks negotiations ransomware hackers bank banks "
    "Cyber Monday new START the of"
).split()


def _every_row(tokens: pl.DataFrame, compiled, removed: bool) -> pl.DataFrame:
    """The item events over all units, without Presence: the independent answer."""
    parts = [item_events(tokens, c, removed=removed) for c in compiled if c.all_rules]
    return pl.concat(parts).sort("_row", "first", "item", "rule")


@pytest.mark.parametrize("removed", [False, True])
def test_events_only_where_rules_match_are_the_events_of_every_unit(engine, removed):
    rng = random.Random(7)
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14))) for _ in range(300)]
    texts = ["\n\n".join(paragraphs[i : i + 5]) for i in range(0, 300, 5)]
    corpus = pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    codebook, units = load_units(corpus, make_codebook(CODEBOOK), None)
    tokens = with_tokens(units, codebook)
    compiled = list(compile_codebook(codebook))
    expected = _every_row(tokens, compiled, removed)
    assert expected.height > 300  # the random units hold many matches and exclusions
    assert unit_events(tokens, compiled, removed=removed).equals(expected)


def test_the_flagship_finds_the_same_events_on_the_example_corpus(engine):
    codebook, units = load_units(REPO / "examples" / "corpus", FLAGSHIP, None)
    tokens = with_tokens(units, codebook)
    compiled = list(compile_codebook(codebook))
    assert unit_events(tokens, compiled, removed=True).equals(_every_row(tokens, compiled, True))


def test_presence_lists_only_the_rules_that_match_in_the_rows():
    codebook, units = load_units(
        pl.DataFrame({"doc_id": ["a", "b"], "text": ["ransomware gangs", "nothing here at all"]}),
        make_codebook(CODEBOOK),
        None,
    )
    cyber = next(c for c in compile_codebook(codebook) if c.item.id == "cyber")
    presence = Presence.of(with_tokens(units, codebook), cyber)
    assert presence.rows.to_list() == [0]
    assert {r.display for r in presence.present(presence.rows)} == {"ransomware"}
