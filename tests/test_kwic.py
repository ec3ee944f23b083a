"""agenda kwic: matches in context, counted as the engine counts them."""

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.cli import main
from agenda.code import code
from agenda.errors import AgendaError
from agenda.kwic import format_kwic, kwic
from conftest import SHARED, needs_shared

DATA = Path(__file__).parent / "data" / "audit"
ARMS = DATA / "arms.yaml"
SEED = SHARED / "seed"

CORPUS = pl.DataFrame(
    {
        "doc_id": ["d", "e"],
        "text": [
            "The New START treaty, signed in Prague, limits arms.\n\n"
            "Russia\u2019s view on arms control: unchanged.\n\nSmall arms trade.",
            "A treaty is a treaty.\n\nExports of arms rose.",
        ],
    }
)


def test_context_is_tokens_of_the_original_text():
    table = kwic(CORPUS, ARMS, window=2)
    assert table.columns == ["doc_id", "unit", "item", "term", "left", "match", "right"]
    assert table.rows() == [
        ("d", 1, "arms", "New START", "The", "New START", "treaty,"),
        ("d", 1, "arms", "arms", ", limits", "arms", "."),  # punctuation marks are tokens
        ("d", 2, "arms", "arms control", "view on", "arms control", ": unchanged"),
        # d:3: 'arms' lies inside the exclude 'small arms' and does not count; 'trade' does
        ("d", 3, "trade", "trade", "Small arms", "trade", "."),
        ("e", 1, "treaty", "treaty", "A", "treaty", "is a"),  # treaty has min_hits 2: both count here
        ("e", 1, "treaty", "treaty", "is a", "treaty", "."),
        ("e", 2, "trade", "/export(s|ed)?/", "", "Exports", "of arms"),
        ("e", 2, "arms", "arms", "Exports of", "arms", "rose."),
    ]


def test_a_unit_below_min_hits_has_no_lines():
    # d:1 mentions 'treaty' once, below the item's min_hits of 2
    table = kwic(CORPUS, ARMS, item="treaty")
    assert table.select("doc_id", "unit").rows() == [("e", 1), ("e", 1)]


@needs_shared(SEED)
def test_lines_equal_the_engines_hits_on_the_seed():
    codebook = DATA / "seed-codebook.yaml"
    table = kwic(SEED / "putin-biden-talks-2021-12-07.txt", codebook)
    coded = code(SEED / "putin-biden-talks-2021-12-07.txt", codebook, long=True)
    per_unit = table.group_by("unit", "item").len().sort("unit", "item")
    assert per_unit.rows() == coded.select("unit", "item", pl.col("hits").cast(pl.UInt32)).sort("unit", "item").rows()


def test_term_filter_and_new_terms():
    only = kwic(CORPUS, ARMS, term="arms control")
    assert only["match"].to_list() == ["arms control"]
    assert kwic(CORPUS, ARMS, term="/export(s|ed)?/").height == kwic(CORPUS, ARMS, term="export(s|ed)?").height == 1
    # Not a rule of the codebook: searched as a new term; the typographic apostrophe is folded.
    new = kwic(CORPUS, ARMS, term="Russia's", window=1)
    assert new.select("item", "left", "match", "right").rows() == [("(new term)", "", "Russia\u2019s", "view")]


def test_sample_is_reproducible():
    full = kwic(CORPUS, ARMS)
    one = kwic(CORPUS, ARMS, sample=3, seed=5)
    assert one.equals(kwic(CORPUS, ARMS, sample=3, seed=5))
    assert one.height == 3
    assert one.join(full, on=full.columns, how="anti").height == 0  # a subset, in corpus order
    assert kwic(CORPUS, ARMS, sample=100).equals(full)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"item": "nope"}, "no item 'nope'"),
        ({"window": -1}, "--window must be 0 or more"),
        ({"sample": 0}, "--sample must be 1 or more"),
        ({"term": "  "}, "--term is empty"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(AgendaError, match=message):
        kwic(CORPUS, ARMS, **options)


def test_cli_aligns_lines_and_writes_a_table(tmp_path):
    corpus = tmp_path / "corpus.csv"
    CORPUS.write_csv(corpus)
    out = CliRunner().invoke(main, ["kwic", str(corpus), "-c", str(ARMS), "--item", "arms", "--window", "3"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert len(lines) == 4
    assert len({line.index("[") for line in lines}) == 1  # aligned on the match
    assert lines[0].startswith("d:1  arms") and "[New START] treaty, signed" in lines[0]
    result = CliRunner().invoke(main, ["kwic", str(corpus), "-c", str(ARMS), "-o", str(tmp_path / "k.csv")])
    assert result.exit_code == 0
    assert pl.read_csv(tmp_path / "k.csv").height == 8
    bad = CliRunner().invoke(main, ["kwic", str(corpus), "-c", str(ARMS), "--item", "nope"])
    assert bad.exit_code == 2 and "no item 'nope'" in bad.output
    assert format_kwic(kwic(CORPUS, ARMS, term="nothing at all")) == "no matches"


def test_joined_words_are_shown_whole(tmp_path):
    # tokens: {hyphens: join, apostrophes: join}: "won’t" and "self-rule" are one token each, shown as written.
    cb = tmp_path / "joins.yaml"
    cb.write_text(
        "codebook: j\nversion: '1'\ntokens: {hyphens: join, apostrophes: join}\n"
        'items:\n  - {id: x, code: 1, label: X, terms: ["won\'t", self-rule]}\n',
        encoding="utf-8",
    )
    corpus = pl.DataFrame({"doc_id": ["d"], "text": ["They won\u2019t give up self-rule, they won."]})
    assert kwic(corpus, cb, window=2).select("left", "match", "right").rows() == [
        ("They", "won\u2019t", "give up"),
        ("give up", "self-rule", ", they"),
    ]
