"""A small corpus for the report tests, counted by hand, with markup and quotes in its strings.

Units (paragraphs; min_words 2; the line "Boilerplate line" dropped):
  d1 (source S, January): 1 "alpha talks ..." alpha 1 | 2 "beta and alpha </script>..." alpha 1, beta 1
                          | "Boilerplate line" dropped (drop) | "Short" dropped (one word)
  D2 (source Q, February): 1 nothing | 2 "beta beta ..." beta 2
  d3 (source S, February): 1 "alpha again ..." alpha 1
So 5 units in 3 documents; alpha in 3 units (3 hits, 2 documents), beta in 2 (3 hits, 2 documents),
gamma in none; alpha and beta together in one unit (d1:2). Units with any item: 4 of 5.
"""

from __future__ import annotations

import csv
from pathlib import Path

HOSTILE = "<script>alert(1)</script>"
S = HOSTILE  # a source named like a script
Q = "He said \"no\" & 'yes'"  # a source with quotes and an ampersand
D2 = "d2<i>\"&'"  # a doc_id with markup and quotes
CLOSER = "</script><script>alert(2)</script>"  # inside a unit's text, so inside kwic lines and embedded JSON

CODEBOOK = r"""codebook: report-test
version: '1.0'
title: Report <test> "codebook"
units: {split: paragraph, min_words: 2, drop: ['^Boilerplate line$']}
items:
  - {id: alpha, code: 1, label: Alpha <b>, terms: [alpha], exclude: [alpha omega]}
  - {id: beta, code: 2, label: Beta, terms: [beta, omega point]}
  - {id: gamma, code: 3, label: Gamma, patterns: ['\bzeta\d\b']}
"""

DOCS = [
    (
        "d1",
        S,
        "2021-01-05",
        f"alpha talks began today.\n\nbeta and alpha {CLOSER} met.\n\nBoilerplate line\n\nShort",
    ),
    (D2, Q, "2021-02-10", "nothing relevant here at all.\n\nbeta beta again."),
    ("d3", S, "2021-02-20", "alpha again and again."),
]

# Human codes: alpha d1:1 1, d1:2 0 (a false positive), D2:1 1 (a false negative), D2:2 0, d3:1 1
# -> tp 2, fp 1, fn 1: precision = recall = F1 = 2/3. beta agrees everywhere; gamma is never coded.
GOLD = [
    ("d1", 1, 1, 0, 0),
    ("d1", 2, 0, 1, 0),
    (D2, 1, 1, 0, 0),
    (D2, 2, 0, 1, 0),
    ("d3", 1, 1, 0, 0),
]


def write_inputs(folder: Path) -> tuple[Path, Path, Path]:
    """The corpus (CSV), the codebook and the gold codes, written under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.csv"
    with corpus.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc_id", "source", "date", "text"])
        writer.writerows(DOCS)
    codebook = folder / "report-test.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    gold = folder / "gold.csv"
    with gold.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc_id", "unit", "alpha", "beta", "gamma"])
        writer.writerows(GOLD)
    return corpus, codebook, gold
