"""agenda explain: why one unit was coded as it was."""

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.cli import main
from agenda.errors import AgendaError
from agenda.explain import explain

ARMS = Path(__file__).parent / "data" / "audit" / "arms.yaml"
CORPUS = pl.DataFrame(
    {
        "doc_id": ["d"],
        "text": [
            "Arms control and the New START treaty.\n\nSmall arms trade.\n\nArms control and trade.\n\nRelated Posts"
        ],
    }
)


def test_matches_marked_and_hits_explained():
    e = explain(CORPUS, ARMS, "d", 1)
    # treaty matches once, below its min_hits of 2: it does not count toward the coded hits
    assert e.marked == "[Arms control]1 and the [New START]2 {treaty}3."
    assert e.matches.select("n", "item", "rule", "matched", "counts", "note").rows() == [
        (1, "arms", "arms control", "Arms control", True, ""),
        (2, "arms", "New START", "New START", True, ""),
        (3, "treaty", "treaty", "treaty", False, "below min_hits 2"),
    ]
    assert e.items.select("item", "matches", "hits").rows() == [("arms", 2, 2), ("treaty", 1, 0), ("trade", 0, 0)]
    assert e.primary == "arms"
    assert e.reason == "the only item coded (2 hits)"


def test_exclude_shown_as_removed():
    e = explain(CORPUS, ARMS, "d", 2)
    assert e.marked == "Small {arms}1 [trade]2."
    first = e.matches.row(0, named=True)
    assert (first["item"], first["counts"], first["note"]) == ("arms", False, "removed by exclude 'small arms'")
    assert e.primary == "trade"


def test_tie_goes_to_the_item_listed_first():
    e = explain(CORPUS, ARMS, "d", 3)
    assert e.primary == "arms"
    assert "tie" in e.reason and "listed first" in e.reason
    assert "primary: arms:" in str(e)


def test_bad_requests_name_what_is_wrong(tmp_path):
    with pytest.raises(AgendaError, match="no document 'x'"):
        explain(CORPUS, ARMS, "x", 1)
    with pytest.raises(AgendaError, match=r"no unit 9 \(units 1-4\)"):
        explain(CORPUS, ARMS, "d", 9)
    cb = tmp_path / "cb.yaml"
    cb.write_text(ARMS.read_text() + "units: {drop: ['^Related Posts$'], min_words: 3}\n")
    with pytest.raises(AgendaError, match="dropped as boilerplate"):
        explain(CORPUS, cb, "d", 4)


def test_cli(tmp_path):
    corpus = tmp_path / "c.csv"
    CORPUS.write_csv(corpus)
    out = CliRunner().invoke(main, ["explain", str(corpus), "-c", str(ARMS), "--doc", "d", "--unit", "2"])
    assert out.exit_code == 0, out.output
    assert "Small {arms}1 [trade]2." in out.output
    bad = CliRunner().invoke(main, ["explain", str(corpus), "-c", str(ARMS), "--doc", "d", "--unit", "7"])
    assert bad.exit_code == 2 and "agenda: error: document 'd' has no unit 7" in bad.output
