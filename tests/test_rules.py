"""agenda rules: where each rule fires and what removing it would change."""

from pathlib import Path

import polars as pl
from click.testing import CliRunner

from agenda.cli import main
from agenda.rules import rules

ARMS = Path(__file__).parent / "data" / "audit" / "arms.yaml"
CORPUS = pl.DataFrame(
    {
        "doc_id": ["d"],
        "text": [
            "Arms control talks resumed.\n\nThe New START treaty and arms control.\n\nSmall arms trade.\n\n"
            "A treaty is a treaty.\n\nNothing here."
        ],
    }
)


def test_counts_worked_by_hand():
    table = rules(CORPUS, ARMS)
    rows = {(r["item"], r["kind"], r["rule"]): r for r in table.iter_rows(named=True)}
    got = {key: (r["units"], r["hits"], r["decisive"], r["never_fires"]) for key, r in rows.items()}
    assert got == {
        # units 1 and 2; not decisive: without it, 'arms' still matches in unit 1, 'New START' in unit 2
        ("arms", "term", "arms control"): (2, 2, 0, False),
        # consumed by the longer 'arms control', and excluded in unit 3: never fires
        ("arms", "term", "arms"): (0, 0, 0, True),
        ("arms", "term", "New START"): (1, 1, 0, False),
        # without the exclude, unit 3 ('Small arms trade') would be coded for arms
        ("arms", "exclude", "small arms"): (1, 1, 1, False),
        # unit 2 has one 'treaty' (below min_hits 2), unit 4 two: only unit 4 is coded, and only by it
        ("treaty", "term", "treaty"): (2, 3, 1, False),
        ("trade", "term", "trade"): (1, 1, 1, False),
        ("trade", "pattern", "/export(s|ed)?/"): (0, 0, 0, True),
    }
    assert table["rule"].to_list()[:4] == ["arms control", "arms", "New START", "small arms"]  # codebook order


def test_cli(tmp_path):
    corpus = tmp_path / "c.csv"
    CORPUS.write_csv(corpus)
    out = CliRunner().invoke(main, ["rules", str(corpus), "-c", str(ARMS), "-o", str(tmp_path / "r.csv")])
    assert out.exit_code == 0, out.output
    assert "7 rules, 2 never fire: arms, /export(s|ed)?/" in out.output
    assert pl.read_csv(tmp_path / "r.csv").height == 7
    bad = CliRunner().invoke(main, ["rules", str(tmp_path / "none.csv"), "-c", str(ARMS)])
    assert bad.exit_code == 2 and "no such file" in bad.output
