"""benchmarks/validity.py on a tiny gold set written here, against figures worked out by hand."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

import agenda
from conftest import REPO, make_codebook

sys.path.insert(0, str(REPO / "benchmarks"))
import validity  # noqa: E402

CODEBOOK = """\
codebook: tiny
version: '1'
units: {split: paragraph, min_words: 3}
items:
  - {id: ukraine, code: 1, label: Ukraine, terms: [Ukraine]}
  - {id: cyber, code: 2, label: Cyber, terms: [ransomware]}
"""
# The engine codes a1 and b1 for ukraine, a3 and c1 for cyber; b3 has two words and is no unit.
CORPUS = {
    "a": "Talks on Ukraine went on today.\n\nThey will continue next week.\n\nRansomware gangs hit a hospital.",
    "b": "The weather was fine in Ukraine.\n\nNothing more to add here.\n\nOk, thanks.",
    "c": "Ransomware was the first topic.\n\nThe hackers struck a pipeline again.",
}
GOLD = """\
doc_id,unit,ukraine,cyber,context,note
a,1,1,0,,
a,2,1,0,ukraine,they = the talks on Ukraine
a,3,0,1,,
b,1,0,0,,weather: not the crisis
b,2,0,0,,
c,1,0,1,,
c,2,0,1,,
"""
# All 7 units: ukraine TP a1, FN a2, FP b1 (P 1/2, R 1/2); cyber TP a3 c1, FN c2 (P 1, R 2/3).
# Pooled: TP 3, FP 1, FN 2: micro-F1 6/9, precision 3/4, recall 3/5.
# Self-contained (a2 left out, 6 units): TP 3, FP 1, FN 1: micro-F1 6/8, precision 3/4, recall 3/4.


@pytest.fixture
def gold_set(tmp_path):
    frame = pl.DataFrame({"doc_id": list(CORPUS), "source": "test", "text": list(CORPUS.values())})
    frame.write_csv(tmp_path / "corpus.csv")
    (tmp_path / "gold.csv").write_text(GOLD, encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(CODEBOOK, encoding="utf-8")
    return tmp_path


def summary_rows(out: str) -> dict[str, list[str]]:
    """The summary's rows of figures: label -> [n, micro-F1, precision, recall]."""
    rows = {}
    for line in out.splitlines():
        label, _, rest = line.partition("  ")
        if label.startswith(("all units", "self-contained units")):
            rows[label.strip()] = rest.split()
    return rows


def test_script_reports_hand_worked_figures(gold_set):
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "validity.py"), str(gold_set), "-c", str(gold_set / "tiny.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    last = run.stdout.splitlines()[-6:]
    assert last[0].startswith("validity: tiny 1 on ") and "(7 units, 3 documents; 1000 resamples" in last[0]
    rows = summary_rows(run.stdout)
    assert rows["all units"][:2] == ["7", f"{6 / 9:.3f}"] and rows["all units"][-2:] == ["0.750", "0.600"]
    assert rows["self-contained units"][:2] == ["6", "0.750"]
    assert rows["self-contained units"][-2:] == ["0.750", "0.750"]
    assert last[-2] == "F1, all units: ukraine 0.500, cyber 0.800"
    assert last[-1].startswith("context hits: the coded table has no <item>_context column")
    # Per item detail, from agenda.agree: ukraine on the self-contained units is P 1/2, R 1.
    detail = run.stdout.split("== self-contained units")[1]
    ukraine = next(line for line in detail.splitlines() if line.startswith("| ukraine"))
    assert [cell.strip().split(" ")[0] for cell in ukraine.split("|")[2:8]] == ["1", "2", "1", "0.5", "1.0", "0.667"]


def test_context_hits_are_reported_apart(gold_set, monkeypatch, capsys):
    # As the engine will: a context rule codes a2 for ukraine ("They" after the talks on Ukraine).
    code = agenda.code

    def code_with_context(*args, **kwargs):
        coded = code(*args, **kwargs)
        a2 = (pl.col("doc_id") == "a") & (pl.col("unit") == 2)
        return coded.with_columns(
            pl.when(a2).then(1).otherwise(pl.col("ukraine")).alias("ukraine"),
            pl.when(a2).then(1).otherwise(None).alias("ukraine_context"),
        )

    monkeypatch.setattr(validity.agenda, "code", code_with_context)
    assert validity.main([str(gold_set), "-c", str(gold_set / "tiny.yaml"), "--bootstrap", "0"]) == 0
    rows = summary_rows(capsys.readouterr().out)
    # With the context hit: TP 4, FP 1, FN 1 (micro-F1 8/10); without it, the figures above.
    assert rows["all units"] == ["7", "0.800", "0.800", "0.800"]
    assert rows["all units, without context hits"] == ["7", f"{6 / 9:.3f}", "0.750", "0.600"]
    assert rows["self-contained units"][:2] == rows["self-contained units, without context hits"][:2] == ["6", "0.750"]


def test_without_context_hits_applies_min_hits():
    codebook = make_codebook(
        """\
        - {id: x, code: 1, label: X, terms: [x], min_hits: 2}
        - {id: y, code: 2, label: Y, terms: [y]}
        """
    )
    coded = pl.DataFrame(
        {"doc_id": ["d"] * 4, "unit": [1, 2, 3, 4], "x": [3, 2, 0, 4], "x_context": [1, 1, None, 4], "y": [1, 0, 1, 1]}
    )
    stripped = validity.without_context_hits(coded, codebook)
    assert stripped["x"].to_list() == [2, 0, 0, 0]  # 3-1 reaches min_hits 2; 2-1 does not
    assert stripped["y"].to_list() == [1, 0, 1, 1]  # no y_context column: as coded
    assert validity.without_context_hits(coded.drop("x_context"), codebook) is None
    with pytest.raises(agenda.AgendaError, match="'x_context' holds String"):
        validity.without_context_hits(coded.with_columns(pl.lit("x").alias("x_context")), codebook)


@pytest.mark.parametrize(
    "change, extra, message",
    [
        (
            lambda d: (d / "gold.csv").write_text(GOLD.replace("a,2,1,0,ukraine", "a,2,1,0,ukrain")),
            [],
            "names 'ukrain'",
        ),
        (lambda d: (d / "corpus.csv").unlink(), [], "corpus.csv: no such file"),
        (lambda d: None, ["--disagreements", "{dir}/why.txt"], "why.txt: unknown output format '.txt'"),
        (lambda d: None, ["--bootstrap", "-1"], "--bootstrap must be 0 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(gold_set, capsys, change, extra, message):
    change(gold_set)
    extra = [arg.format(dir=gold_set) for arg in extra]
    assert validity.main([str(gold_set), "-c", str(gold_set / "tiny.yaml"), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and message in captured.err and captured.err.startswith("validity: error: ")
    assert captured.out == "" and not (gold_set / "why.txt").exists()


def test_disagreements_are_written_with_gold_context(gold_set, capsys):
    out = gold_set / "why.csv"
    args = [str(gold_set), "-c", str(gold_set / "tiny.yaml"), "--bootstrap", "0", "--disagreements", str(out)]
    assert validity.main(args) == 0
    why = pl.read_csv(out).sort("item", "doc_id", "unit")
    # Hand-worked: cyber misses c2; ukraine misses a2 and codes the weather in b1.
    assert why.select("doc_id", "unit", "item", "gold", "coded").rows() == [
        ("c", 2, "cyber", 1, 0),
        ("a", 2, "ukraine", 1, 0),
        ("b", 1, "ukraine", 0, 1),
    ]
    assert why["context"].to_list() == [None, "ukraine", None]
    assert why["note"].to_list()[1:] == ["they = the talks on Ukraine", "weather: not the crisis"]
    assert why["text"][2] == "The weather was fine in Ukraine." and why["terms"][2] == "ukraine"
