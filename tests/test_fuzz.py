"""Fuzzing `check`, `code` and `shares` through the command line with generated codebooks and corpora.

Whatever comes in, a command ends with exit status 0 (or 1 for `check`, when an example is coded
wrongly) or 2 with exactly one line on stderr, never a traceback, and leaves no file behind but
its outputs (none at all when it fails).

About a minute in CI (250 examples a test, the same ones every run); longer by hand:
AGENDA_FUZZ_EXAMPLES=5000 AGENDA_FUZZ_SEED=7 .venv/bin/pytest tests/test_fuzz.py (each test runs that
many examples, drawn anew for each seed).
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from agenda.cli import main

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the [test] extra: pip install -e '.[test]'")
st = hypothesis.strategies
given, settings, HealthCheck = hypothesis.given, hypothesis.settings, hypothesis.HealthCheck

SETTINGS = settings(
    max_examples=int(os.environ.get("AGENDA_FUZZ_EXAMPLES", "250")),
    deadline=None,
    database=None,
    derandomize="AGENDA_FUZZ_SEED" not in os.environ,  # the same examples on every machine unless a seed is given
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz(test):
    """A test run on SETTINGS' number of generated examples (drawn with AGENDA_FUZZ_SEED when set)."""
    test = SETTINGS(given(data=st.data())(test))
    if "AGENDA_FUZZ_SEED" in os.environ:
        test = hypothesis.seed(int(os.environ["AGENDA_FUZZ_SEED"]))(test)
    return test


VALID = {
    "codebook": "fuzz",
    "version": "1",
    "items": [
        {"id": "ukraine", "code": 1, "label": "Ukraine", "terms": ["Ukrain*", "Kyiv"]},
        {"id": "iran", "code": 2, "label": "Iran", "terms": ["Iran"], "patterns": ["nuclear [a-z]+"]},
    ],
}
# Item ids and corpus columns named like output or internal columns (`primary`, `unit`, `_row`...),
# min_hits over 64 bits and file names that are not UTF-8 are drawn too: each once ended in a traceback.
RESERVED = ["unit", "n_words", "n_items", "primary", "item", "hits", "terms", "ukraine", "_row", "_agenda_tokens"]
BIG = 2**70
WORDS = ["Ukraine", "Kyiv", "Iran", "nuclear", "deal", "the", "and", "Украина", "ДСНВ", ".", ",", "-", "'"]

# --- generated values ------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-BIG, max_value=BIG),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "*", "**", "[", "(?i)", "a|", "\\b", "Ukraine", "#0072B2", "paragraph", "sentence"]),
    st.sampled_from(RESERVED),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
item_keys = st.sampled_from(
    ["id", "code", "label", "terms", "patterns", "exclude", "min_hits", "case_sensitive", "parent", "color", "examples"]
)
top_keys = st.sampled_from(["codebook", "version", "items", "units", "tokens", "languages", "title"])


rule_texts = st.one_of(
    st.sampled_from(["(", "a|", "x*", "[a-", "\\p{L}+", "(?=x)", "a{100000}", "*", "* *", "İstanbul", "ẞ", "ǅ", "Σ"]),
    st.text(max_size=12),
)
plausible = {
    "id": st.sampled_from([*RESERVED, "a", "x" * 40, "Bad", "ukraine", "iran", "a-b"]),
    "code": st.one_of(st.integers(-5, 2**40), st.floats(allow_nan=True), st.just(2)),
    "label": st.one_of(st.text(max_size=100), st.just("")),
    "min_hits": st.integers(-1, BIG),
    "terms": st.one_of(
        st.lists(rule_texts | st.fixed_dictionaries({"term": rule_texts, "case_sensitive": st.booleans()}), max_size=4),
        st.dictionaries(st.sampled_from(["en", "ru", "xx", "EN"]), st.lists(rule_texts, max_size=3), max_size=2),
    ),
    "patterns": st.lists(rule_texts | st.fixed_dictionaries({"pattern": rule_texts}), max_size=3),
    "exclude": st.lists(rule_texts | st.fixed_dictionaries({"pattern": rule_texts}), max_size=3),
    "case_sensitive": st.booleans(),
    "parent": st.sampled_from(["ukraine", "iran", "nope", "a"]),
    "color": st.sampled_from(["#0072B2", "red", "#12345"]),
    "examples": st.fixed_dictionaries({"match": st.lists(st.text(min_size=1, max_size=20), max_size=2)}),
    "units": st.fixed_dictionaries(
        {},
        optional={
            "split": st.sampled_from(["paragraph", "sentence", "document", "word"]),
            "min_words": st.integers(-1, 2**40),
            "drop": st.lists(rule_texts, max_size=2),
        },
    ),
    "tokens": st.fixed_dictionaries({"hyphens": st.sampled_from(["split", "join", "keep"])}),
}
YAML_TRICKS = [
    "codebook: a\ncodebook: b\nversion: '1'\nitems: [{id: a, code: 1, label: A}]\n",  # a duplicate key
    "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\ncodebook: c\nversion: '1'\nitems: []\n",  # aliases
    "!!python/object/apply:os.system [echo]\n",
    "[" * 200 + "]" * 200 + "\n",
    "codebook: x\nversion: 1\nitems:\n  - {id: a, code: 1, label: A, terms: [a]}\n\t- bad\n",
    "\ufeffcodebook: bom\nversion: '1'\nitems: [{id: a, code: 1, label: A, terms: [Iran]}]\n",
]


@st.composite
def codebook_text(draw) -> bytes:
    """A codebook: a valid one with plausible or random values put in, YAML tricks, random YAML or bytes."""
    kind = draw(st.sampled_from(["plausible", "plausible", "plausible", "mutated", "trick", "structure", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "trick":
        return draw(st.sampled_from(YAML_TRICKS)).encode("utf-8")
    if kind == "structure":
        return yaml.safe_dump(draw(yaml_values), allow_unicode=True).encode("utf-8")
    data = yaml.safe_load(yaml.safe_dump(VALID))
    for _ in range(draw(st.integers(1, 3))):
        items = data["items"] if isinstance(data.get("items"), list) else []
        item = draw(st.sampled_from(items)) if items else {}
        if kind == "plausible":
            key = draw(st.sampled_from(sorted(plausible)))
            target = data if key in ("units", "tokens") else item
        elif draw(st.booleans()) or not isinstance(item, dict):
            target, key = data, draw(top_keys)
        else:
            target, key = item, draw(item_keys)
        if isinstance(target, dict):
            target[key] = draw(plausible[key] if kind == "plausible" else yaml_values)
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


column_names = st.one_of(
    st.sampled_from(["doc_id", "text", "source", "date", "n", "Source Name", "date-published", "ü", "1st", ""]),
    st.sampled_from(RESERVED),
    st.text(alphabet=string.ascii_letters + string.digits + " _-.", min_size=1, max_size=12),
)
texts = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join) | st.text(max_size=40)
cells = {
    "text": st.one_of(texts, st.none()),
    "int": st.one_of(st.integers(-(2**40), 2**40), st.none()),
    "float": st.one_of(st.floats(allow_nan=True), st.none()),
    "bool": st.one_of(st.booleans(), st.none()),
    "date": st.one_of(st.dates(), st.none()),
}
DTYPES = {"text": pl.String, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean, "date": pl.Date}
NESTED = {  # only Parquet holds these
    "binary": (st.one_of(st.binary(max_size=8), st.none()), pl.Binary),
    "list": (st.one_of(st.lists(st.integers(-9, 9), max_size=3), st.none()), pl.List(pl.Int64)),
    "struct": (st.fixed_dictionaries({"a": st.integers(-9, 9)}), pl.Struct({"a": pl.Int64})),
}


@st.composite
def corpus_table(draw, nested: bool = False) -> pl.DataFrame:
    """A table with a text column (usually), random other columns of random types, 0-6 rows."""
    rows = draw(st.integers(0, 6))
    names = draw(st.lists(column_names, min_size=1, max_size=5, unique=True))
    if draw(st.integers(0, 9)) > 0 and "text" not in names:
        names.append("text")
    columns = {}
    for name in names:
        kinds = [*cells, *NESTED] if nested else list(cells)
        kind = "text" if name in ("text", "doc_id") and draw(st.integers(0, 4)) else draw(st.sampled_from(kinds))
        values, dtype = NESTED[kind] if kind in NESTED else (cells[kind], DTYPES[kind])
        columns[name] = pl.Series(name, draw(st.lists(values, min_size=rows, max_size=rows)), dtype)
    return pl.DataFrame(columns)


@st.composite
def corpus_files(draw, folder: Path) -> Path:
    """A corpus on disk: a CSV, TSV, JSON Lines or Parquet table, a .txt file, or a folder of them."""
    kind = draw(st.sampled_from(["csv", "tsv", "jsonl", "parquet", "txt", "folder"]))
    if kind == "txt":
        path = folder / "doc.txt"
        path.write_bytes(draw(st.binary(max_size=200) | texts.map(lambda t: t.encode("utf-8"))))
        return path
    if kind == "folder":
        path = folder / "corpus"
        path.mkdir()
        for i in range(draw(st.integers(0, 3))):
            (path / f"d{i}.txt").write_text(draw(texts), "utf-8")
        if draw(st.booleans()):  # a file name that is not UTF-8 (latin-1)
            (path / "caf\xe9.txt".encode("latin-1").decode("utf-8", "surrogateescape")).write_text("Iran", "utf-8")
        if draw(st.booleans()):
            (path / "metadata.csv").write_bytes(draw(st.binary(max_size=80)) if draw(st.booleans()) else b"file,x\n")
        return path
    table = draw(corpus_table(nested=kind == "parquet"))
    path = folder / f"corpus.{kind}"
    if kind == "parquet":
        table.write_parquet(path)
    elif kind == "jsonl":
        table.write_ndjson(path)
    else:
        table.write_csv(path, separator="\t" if kind == "tsv" else ",")
    return path


# --- the contract ----------------------------------------------------------------------------


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the contract is broken
    return result.exit_code, result.stderr


def check_contract(code: int, err: str, allowed=(0, 2)) -> None:
    assert code in allowed, (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("agenda: error: "), err


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def scratch(tmp_path):
    """A fresh folder for each generated example (tmp_path is shared by all examples of a test)."""

    def make() -> Path:
        return Path(tempfile.mkdtemp(dir=tmp_path))

    yield make
    shutil.rmtree(tmp_path, ignore_errors=True)


@fuzz
def test_check_any_codebook(scratch, data):
    folder = scratch()
    path = folder / "cb.yaml"
    path.write_bytes(data.draw(codebook_text()))
    code, err = run("check", path)
    check_contract(code, err, allowed=(0, 1, 2))
    assert files_under(folder) == {"cb.yaml"}


@fuzz
def test_code_any_codebook_and_corpus(scratch, data):
    folder = scratch()
    cb = folder / "cb.yaml"
    cb.write_bytes(data.draw(codebook_text()) if data.draw(st.booleans()) else yaml.safe_dump(VALID).encode())
    corpus = data.draw(corpus_files(folder))
    before = files_under(folder)
    suffix = data.draw(st.sampled_from(["csv", "parquet", "dta", "sav"]))
    out = folder / f"out.{suffix}"
    extra = data.draw(
        st.sampled_from([[], ["--long"], ["--keep-text"], ["--unit", "sentence"], ["--unit", "document"]])
    )
    code, err = run("code", corpus, "-c", cb, "-o", out, "-q", *extra)
    check_contract(code, err)
    outputs = {out.name, f"{out.name}.meta.json"} if suffix == "csv" else {out.name}
    assert files_under(folder) == (before | outputs if code == 0 else before)


@fuzz
def test_shares_any_coded_table(scratch, data):
    folder = scratch()
    coded = folder / "coded.csv"
    table = data.draw(corpus_table())
    if data.draw(st.booleans()):  # the columns of a coded table, some of them, of random types
        n = table.height
        for name in data.draw(st.lists(st.sampled_from(["doc_id", "n_words", "ukraine", "n_items", "primary"]))):
            kind = data.draw(st.sampled_from(list(cells)))
            values = data.draw(st.lists(cells[kind], min_size=n, max_size=n))
            table = table.with_columns(pl.Series(name, values, DTYPES[kind]))
    table.write_csv(coded)
    before = files_under(folder)
    options = data.draw(
        st.sampled_from(
            [
                [],
                ["--measure", "words"],
                ["--measure", "primary"],
                ["--ci", "wilson"],
                ["--by", "source"],
                ["--period", "month"],
                ["--resamples", "3"],
            ]
        )
    )
    out = folder / "shares.csv"
    code, err = run("shares", coded, "-o", out, *options)
    check_contract(code, err)
    outputs = {out.name, f"{out.name}.meta.json"}
    assert files_under(folder) == (before | outputs if code == 0 else before)


@fuzz
def test_shares_of_a_coded_generated_corpus(scratch, data):
    folder = scratch()
    cb = folder / "cb.yaml"
    cb.write_text(yaml.safe_dump(VALID))
    corpus = data.draw(corpus_files(folder))
    coded = folder / "coded.csv"
    code, err = run("code", corpus, "-c", cb, "-o", coded, "-q")
    check_contract(code, err)
    hypothesis.assume(code == 0)
    before = files_under(folder)
    by = [c for c in pl.read_csv(coded, n_rows=0).columns if c not in ("doc_id", "unit", "n_words", "n_items")][:1]
    options = data.draw(st.sampled_from([[], ["--measure", "primary"], ["--ci", "wilson"], ["--period", "year"]]))
    out = folder / "shares.parquet"
    code, err = run(
        "shares", coded, *[a for c in by if data.draw(st.booleans()) for a in ("--by", c)], "-o", out, *options
    )
    check_contract(code, err)
    assert files_under(folder) == (before | {out.name} if code == 0 else before)
