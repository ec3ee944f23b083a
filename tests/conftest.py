"""Shared test helpers: small codebooks written inline, the paths of shared data, CI's rule on skips."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import polars as pl
import pytest

import agenda
from agenda.engine import scan

REPO = Path(__file__).resolve().parents[1]
# Reference data kept outside the repository (the seed article and its human coding, quanteda's
# counts): ../shared beside the checkout, or the folder AGENDA_SHARED names.
SHARED = Path(os.environ.get("AGENDA_SHARED") or REPO.parent / "shared")
SEED = SHARED / "seed" / "putin-biden-talks-2021-12-07.txt"
GOLD = SHARED / "seed" / "gold.csv"
REFERENCE = SHARED / "reference"
FLAGSHIP = REPO / "codebook" / "us-russia-2021.yaml"


def needs_shared(*paths: Path) -> pytest.MarkDecorator:
    """Skip a test, saying why, when the reference data it compares against is not here."""
    missing = [path for path in paths if not path.exists()]
    reason = f"needs {missing[0]} (reference data kept outside the repository)" if missing else ""
    return pytest.mark.skipif(bool(missing), reason=reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With AGENDA_NO_SKIP=1 (.ci/run sets it) a skipped test is an error: CI runs every test."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("AGENDA_NO_SKIP") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped where AGENDA_NO_SKIP=1 allows no skip: {reason}"


def make_codebook(items_yaml: str, units_yaml: str = "") -> agenda.Codebook:
    """A codebook from the YAML of its items (indented as a list under `items:`)."""
    text = (
        "codebook: test\nversion: '1'\n"
        + textwrap.dedent(units_yaml)
        + "items:\n"
        + textwrap.indent(textwrap.dedent(items_yaml), "  ")
    )
    return agenda.parse_codebook(text, source="test.yaml")


def hits(texts: str | list[str], codebook: agenda.Codebook) -> list[dict[str, int]] | dict[str, int]:
    """Hits per item for each text coded as one unit."""
    many = isinstance(texts, list)
    texts = texts if many else [texts]
    units = pl.DataFrame(
        {"doc_id": [f"d{i}" for i in range(len(texts))], "unit": [1] * len(texts), "text": texts},
        schema={"doc_id": pl.String, "unit": pl.UInt32, "text": pl.String},
    )
    coded = agenda.code_units(units, codebook).collect()
    rows = [{i: row[i] for i in codebook.item_ids} for row in coded.iter_rows(named=True)]
    return rows if many else rows[0]


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(params=["native", "polars"])
def engine(request, monkeypatch):
    """Both engine paths: the native C passes where built, and polars alone (AGENDA_NATIVE=0)."""
    if request.param == "native" and scan._scan is None:
        pytest.skip("agenda.engine._scan is not built")
    monkeypatch.setenv("AGENDA_NATIVE", "1" if request.param == "native" else "0")
    assert scan.native() == (request.param == "native")
    return request.param


def random_words(rng, words: list[str], joiners: list[str]) -> str:
    """1-16 random words, some upper-cased or capitalised, joined by random joiners (for differential tests)."""
    chosen = [rng.choice(words) for _ in range(rng.randint(1, 16))]
    chosen = [w.upper() if rng.random() < 0.1 else w.capitalize() if rng.random() < 0.2 else w for w in chosen]
    text = chosen[0]
    for w in chosen[1:]:
        text += rng.choice(joiners) + w
    return text
