"""`agenda report`: the page's tables against counts worked by hand (tests/report_corpus.py), its
escaping, its bounds on a big table, and its errors. What a browser makes of it: test_report_browser.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import polars as pl
import pytest
from click.testing import CliRunner
from report_corpus import CLOSER, D2, HOSTILE, Q, S, write_inputs

import agenda
from agenda.cli import main
from agenda.report import build_report
from agenda.report.page import POLICY, Table, escape, json_for_script
from agenda.report.sections import MAX_GROUPS, MAX_PERIODS, MAX_TEXT, drawn, sample_note, unit_gaps


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    corpus, codebook, gold = write_inputs(folder)
    coded = folder / "coded.csv"
    book = agenda.load_codebook(codebook)
    agenda.write_table(agenda.code(corpus, book), coded, book.provenance(), codebook=book)
    return {"corpus": corpus, "codebook": codebook, "gold": gold, "coded": coded, "folder": folder}


@pytest.fixture(scope="module")
def tables(inputs):
    found = build_report(inputs["coded"], inputs["codebook"], corpus=inputs["corpus"], gold=inputs["gold"])
    return {b.name: b.frame for s in found for b in s.blocks if isinstance(b, Table)}


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


def test_overview_dropped_units_and_items_are_the_hand_counts(tables):
    # words: 4 + 5 (the markup is one whitespace-separated word) + 5 + 3 + 4
    assert tables["overview"].row(0, named=True) == {
        "documents": 3,
        "units": 5,
        "words": 21,
        "units_with_any_item": 4,
        "share_with_any_item": 0.8,
    }
    # 7 units before dropping: "Short" is under min_words 2, "Boilerplate line" matches the drop pattern
    assert rows(tables["dropped"], "units", "share_of_units") == [(1, 1 / 7), (1, 1 / 7)]
    items = tables["items"]
    assert rows(items, "item", "units", "units_with_item", "share", "hits", "docs_with_item") == [
        ("alpha", 5, 3, 0.6, 3, 2),
        ("beta", 5, 2, 0.4, 3, 2),
        ("gamma", 5, 0, 0.0, 0, 0),
    ]
    assert (items["ci_low"] <= items["share"]).all() and (items["share"] <= items["ci_high"]).all()


def test_shares_by_group_and_period(tables):
    by_group = {(s, i): (n, k) for s, i, n, k in rows(tables["by-group"], "source", "item", "units", "units_with_item")}
    assert by_group == {
        (S, "alpha"): (3, 3),
        (S, "beta"): (3, 1),
        (S, "gamma"): (3, 0),
        (Q, "alpha"): (2, 0),
        (Q, "beta"): (2, 1),
        (Q, "gamma"): (2, 0),
    }
    by_month = {
        (p, i): (n, k) for p, i, n, k in rows(tables["by-period"], "period", "item", "units", "units_with_item")
    }
    january, february = dt.date(2021, 1, 1), dt.date(2021, 2, 1)
    assert by_month[(january, "alpha")] == (2, 2) and by_month[(february, "alpha")] == (3, 1)
    assert by_month[(february, "beta")] == (3, 1) and len(by_month) == 6


def test_rules_kwic_never_fired_and_overlap(tables):
    assert rows(tables["rules-alpha"], "kind", "rule", "units", "hits") == [("term", "alpha", 3, 3)]
    assert rows(tables["rules-beta"], "kind", "rule", "units", "hits") == [("term", "beta", 2, 3)]
    assert tables["rules-gamma"].height == 0
    assert rows(tables["never-fired"], "item", "kind", "rule") == [
        ("alpha", "exclude", "alpha omega"),  # an exclusion that never applied
        ("beta", "term", "omega point"),
        ("gamma", "pattern", r"/\bzeta\d\b/"),
    ]
    # every match that counts, as the coded table's hits: alpha d1:1, d1:2, d3:1; beta d1:2 and twice D2:2
    assert sorted(rows(tables["kwic-alpha"], "doc_id", "unit")) == [("d1", 1), ("d1", 2), ("d3", 1)]
    assert sorted(rows(tables["kwic-beta"], "doc_id", "unit")) == [("d1", 2), (D2, 2), (D2, 2)]
    assert set(tables["kwic-beta"]["match"]) == {"beta"}
    assert rows(tables["overlap"], "item_a", "item_b", "units_both", "share_of_a", "share_of_b", "jaccard") == [
        ("alpha", "beta", 1, 1 / 3, 1 / 2, 1 / 4)  # pairs never coded together are left out
    ]


def test_validity_against_gold(tables):
    agreement = {r["item"]: r for r in tables["agreement"].iter_rows(named=True)}
    assert agreement["alpha"]["precision"] == pytest.approx(2 / 3)
    assert agreement["alpha"]["recall"] == pytest.approx(2 / 3)
    assert agreement["alpha"]["f1"] == pytest.approx(2 / 3)
    assert agreement["beta"]["f1"] == 1.0
    assert agreement["gamma"]["precision"] is None  # never coded, never in gold: undefined
    errors = sorted(rows(tables["disagreements"], "doc_id", "unit", "item", "error"))
    assert errors == [("d1", 2, "alpha", "false positive"), (D2, 1, "alpha", "false negative")]
    text = dict(zip(tables["disagreements"]["error"], tables["disagreements"]["text"]))
    assert text["false negative"] == "nothing relevant here at all."


def test_kwic_sample_is_bounded_per_item_and_seeded(inputs):
    def kwic_rows(seed):
        found = build_report(inputs["coded"], inputs["codebook"], corpus=inputs["corpus"], kwic_lines=2, seed=seed)
        return {b.name: b.frame.rows() for s in found for b in s.blocks if b.__class__ is Table and "kwic" in b.name}

    first = kwic_rows(5)
    assert len(first["kwic-alpha"]) == 2 and len(first["kwic-beta"]) == 2
    assert kwic_rows(5) == first


class Scripts(HTMLParser):
    """Collects the page's <script> elements (type and text) and all of its text."""

    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = dict(attrs).get("type") or "js"
            self.scripts.append((self._in, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        else:
            self.text.append(data)


def test_page_escapes_every_string_and_embeds_the_tables_as_json(inputs, tmp_path):
    out = agenda.report(inputs["coded"], inputs["codebook"], tmp_path / "r.html", corpus=inputs["corpus"])
    page = out.read_text("utf-8")
    assert HOSTILE not in page and CLOSER not in page and "<b>" not in page and "<i>" not in page
    parser = Scripts()
    parser.feed(page)
    kinds = [kind for kind, _ in parser.scripts]
    assert kinds.count("js") == 1  # the page's own script, and no other
    assert set(kinds) == {"js", "application/json"}
    text = "".join(parser.text)
    assert HOSTILE in text and Q in text and "Alpha <b>" in text  # shown as text, escaped
    embedded = [json.loads(body) for kind, body in parser.scripts if kind == "application/json"]
    assert all("</" not in body for kind, body in parser.scripts if kind == "application/json")
    cells = [str(v) for table in embedded for row in table["rows"] for v in row]
    assert S in cells and D2 in cells and any(CLOSER[:10] in c for c in cells)  # the JSON holds the strings as they are
    assert f'content="{escape(POLICY)}"' in page and "default-src 'none'" in POLICY
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", page)  # nothing outside the page


def test_json_for_script_cannot_close_its_element():
    value = {"a": "</script><script>alert(1)</script>", "b": "x\u2028y & <!--"}
    text = json_for_script(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_source_date_epoch_gives_the_same_page_twice(inputs, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = agenda.report(inputs["coded"], inputs["codebook"], tmp_path / "a.html").read_bytes()
    second = agenda.report(inputs["coded"], inputs["codebook"], tmp_path / "b.html").read_bytes()
    assert first == second
    assert b'<time datetime="2023-11-14T22:13:20Z">' in first


def test_without_corpus_the_page_says_how_to_get_rules_and_matches(inputs, tmp_path):
    page = agenda.report(inputs["coded"], inputs["codebook"], tmp_path / "r.html").read_text("utf-8")
    assert "Give the corpus (--corpus)" in page
    assert 'id="t-rules-alpha"' not in page
    assert "at least 0." in page  # d1's dropped units 3 and 4 come after its last coded unit: no gap to see
    numbered = pl.DataFrame({"doc_id": ["a", "a", "a", "b"], "unit": [1, 2, 5, 2]})
    assert unit_gaps(numbered) == 3  # a: 3 and 4; b: 1


def big_coded(groups: int, days: int, units: int = 4000) -> pl.DataFrame:
    """A synthetic wide coded table: `units` units in docs of 4, over `groups` sources and `days` days."""
    n = pl.int_range(0, units, eager=True)
    return pl.DataFrame(
        {
            "doc_id": (n // 4).cast(pl.String),
            "unit": (n % 4 + 1).cast(pl.Int32),
            "source": ("s" + ((n // 4) % groups).cast(pl.String)),
            "date": pl.date_range(dt.date(2000, 1, 1), dt.date(2000, 1, 1) + dt.timedelta(days=days), eager=True)
            .gather(((n // 4) * 7919) % (days + 1))
            .alias("date"),
            "n_words": pl.repeat(10, units, eager=True),
            "alpha": (n % 3 == 0).cast(pl.Int32),
            "beta": (n % 5 == 0).cast(pl.Int32),
            "gamma": pl.repeat(0, units, eager=True, dtype=pl.Int32),
        }
    ).with_columns(
        (pl.col("alpha") + pl.col("beta")).alias("n_items"),
        pl.when(pl.col("alpha") > 0)
        .then(pl.lit("alpha"))
        .when(pl.col("beta") > 0)
        .then(pl.lit("beta"))
        .alias("primary"),
    )


def test_groups_and_periods_are_bounded(inputs):
    coded = big_coded(groups=200, days=6 * 365)
    found = build_report(coded, inputs["codebook"], resamples=50)
    tables = {b.name: b for s in found for b in s.blocks if isinstance(b, Table)}
    by_group = tables["by-group"].frame
    assert by_group["source"].n_unique() == MAX_GROUPS and by_group.height == MAX_GROUPS * 3
    assert "25 largest of 200 groups" in tables["by-group"].note
    # six years of months would be 72 > MAX_PERIODS: by quarter, 24 or 25 of them
    periods = tables["by-period"].frame["period"].unique().sort()
    assert len(periods) <= MAX_PERIODS and all(p.month in (1, 4, 7, 10) and p.day == 1 for p in periods)
    assert "quarters" in tables["by-period"].note
    # a month asked for over six years is coarsened too, and said so
    found = build_report(coded, inputs["codebook"], period="month", resamples=50)
    note = next(b.note for s in found for b in s.blocks if isinstance(b, Table) and b.name == "by-period")
    assert "by month there would be more than 60" in note


def test_long_texts_are_cut(inputs, tmp_path):
    long_text = "alpha " + "word " * 400
    corpus = tmp_path / "long.csv"
    pl.DataFrame({"doc_id": ["x"], "text": [long_text]}).write_csv(corpus)
    book = agenda.load_codebook(inputs["codebook"])
    coded = agenda.code(corpus, book)
    gold = tmp_path / "gold.csv"
    pl.DataFrame({"doc_id": ["x"], "unit": [1], "alpha": [0], "beta": [0], "gamma": [0]}).write_csv(gold)
    found = build_report(coded, book, corpus=corpus, gold=gold, resamples=10)
    errors = next(b.frame for s in found for b in s.blocks if isinstance(b, Table) and b.name == "disagreements")
    assert errors["text"].str.len_chars().to_list() == [MAX_TEXT]
    assert errors["text"][0].endswith("\u2026")


def test_cli_report(inputs, tmp_path):
    out = tmp_path / "page.html"
    args = ["report", str(inputs["coded"]), "-c", str(inputs["codebook"]), "--corpus", str(inputs["corpus"])]
    result = CliRunner().invoke(main, [*args, "--gold", str(inputs["gold"]), "-o", str(out), "--kwic", "1"])
    assert result.exit_code == 0, result.output
    assert "report," in result.output and out.is_file()
    page = out.read_text("utf-8")
    assert page.count('<table class="data" id="t-kwic-') == 3 and 'id="t-agreement"' in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kwic", "5000"], "--kwic"),
        (["--seed", "-1"], "--seed"),
        (["--by", "nowhere"], "--by nowhere: no such column"),
        (["--period", "month", "--date-column", "when"], "no date column 'when'"),
        (["--gold", "{corpus}.missing"], "missing: no such file"),
        (["-o", "{coded}"], "would replace an input"),
        (["-o", "{corpus}"], "would replace an input"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(inputs, tmp_path, extra, message):
    extra = [e.format(coded=inputs["coded"], corpus=inputs["corpus"]) for e in extra]
    out = [] if "-o" in extra else ["-o", str(tmp_path / "x.html")]
    args = ["report", str(inputs["coded"]), "-c", str(inputs["codebook"]), "--corpus", str(inputs["corpus"])]
    result = CliRunner().invoke(main, [*args, *out, *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_a_table_coded_with_another_codebook_is_refused(inputs, tmp_path, write):
    other = write(
        "other.yaml", "codebook: other\nversion: '1'\nitems:\n  - {id: delta, code: 1, label: D, terms: [d]}\n"
    )
    with pytest.raises(agenda.AgendaError, match="no column for item 'delta'"):
        agenda.report(inputs["coded"], other, tmp_path / "r.html")
    long_table = tmp_path / "long.csv"
    pl.DataFrame({"doc_id": ["a"], "unit": [1], "item": ["alpha"], "hits": [1], "terms": ["alpha"]}).write_csv(
        long_table
    )
    with pytest.raises(agenda.AgendaError, match="long coded table"):
        agenda.report(long_table, inputs["codebook"], tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_a_malformed_coded_table_is_one_error(inputs, tmp_path):
    bad = tmp_path / "bad.csv"
    header = "doc_id,unit,n_words,alpha,beta,gamma,n_items,primary\n"
    bad.write_text(header + "a,1,3,1,0,0,1,alpha\n" * 10_001 + 'b,1,"unclosed\n', encoding="utf-8")
    with pytest.raises(agenda.AgendaError, match="bad.csv: cannot read the coded table"):
        agenda.report(bad, inputs["codebook"], tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_the_hooks_the_report_uses_in_kwic_and_rules(inputs):
    full = agenda.rules(inputs["corpus"], inputs["codebook"])
    quick = agenda.rules(inputs["corpus"], inputs["codebook"], decisive=False)
    assert quick.drop("decisive").equals(full.drop("decisive")) and quick["decisive"].null_count() == quick.height
    lines = agenda.kwic(inputs["corpus"], inputs["codebook"], sample=1, per_item=True, seed=3)
    assert sorted(lines["item"]) == ["alpha", "beta"]  # one of each item's matches; gamma has none
    assert lines.equals(agenda.kwic(inputs["corpus"], inputs["codebook"], sample=1, per_item=True, seed=3))


def test_rules_and_matches_of_a_big_corpus_come_from_a_sample_of_whole_documents(inputs, tmp_path):
    docs = pl.DataFrame({"doc_id": [f"d{i:04}" for i in range(2000)], "text": ["x" * 1000] * 2000})
    sample = docs.filter(drawn(0.1, seed=4))
    assert 140 <= sample.height <= 260  # a tenth of 2,000, give or take five standard deviations
    assert sample["doc_id"].is_sorted()  # whole documents, in corpus order
    halves = pl.concat([docs[:700].filter(drawn(0.1, seed=4)), docs[700:].filter(drawn(0.1, seed=4))])
    assert halves.equals(sample)  # the same whatever the batches
    assert not sample.equals(docs.filter(drawn(0.1, seed=5)))
    assert docs.filter(drawn(1.0, seed=4)).height == 2000
    note = sample_note(sample, 2000, 2_100_000, 4)
    assert note == (
        f"From a random sample of {sample.height:,} of 2,000 documents ({sample.height / 1000:,.1f} MB of text "
        "of 2.1 MB read, seed 4; --sample-mb 0 reads them all)."
    )
    # in the page: the rules and kwic lines of one document, said so
    page = agenda.report(
        inputs["coded"], inputs["codebook"], tmp_path / "r.html", corpus=inputs["corpus"], sample_mb=1e-9
    ).read_text("utf-8")
    assert "From a random sample of 1 of 3 documents" in page and "no match in the sample" in page
