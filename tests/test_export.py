"""Coded tables to Stata, SPSS, Parquet and CSV: names, labels, long text, provenance, errors.

Files are read back with pyreadstat (the R test reads them with haven); expected labels and codes
come from the codebook in tests/data/export, expected hits are counted by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyreadstat
import pytest

import agenda
from agenda.errors import AgendaError
from agenda.export import export_table, read_coded, write_table
from agenda.stata import valid_name, valid_names
from conftest import SEED, needs_shared

DATA = Path(__file__).resolve().parent / "data" / "export"
CODEBOOK = DATA / "codebook.yaml"
LABELS = {
    "strategic_stability": "Strategic stability",
    "ukraine": "Украина (Ukraine)",
    "cybercrime": "Cybercrime and ransomware",
    "jcpoa": "Iran nuclear deal (JCPOA)",
}
CODES = {
    10: "Strategic stability",
    20: "Украина (Ukraine)",
    30: "Cybercrime and ransomware",
    5: "Iran nuclear deal (JCPOA)",
}
ITEM_CODE = {"strategic_stability": 10, "ukraine": 20, "cybercrime": 30, "jcpoa": 5}
# 100,000 characters, 12,500 words, each a hit for ukraine (Украин*).
LONG = ("Украина " * 12_500)[:-1] + "!"
STRANGE = {"Source Name": "Source_Name", "date-published": "date_published", "x" * 40: "x" * 32}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agenda", *args], capture_output=True, text=True, cwd=cwd)


def read(path: Path):
    reader = pyreadstat.read_dta if path.suffix == ".dta" else pyreadstat.read_sav
    return reader(path, output_format="polars")


@pytest.fixture(scope="module")
def corpus() -> pl.DataFrame:
    """Two documents with awkward metadata names: a Cyrillic one and one 100,000-character paragraph."""
    return pl.DataFrame(
        {
            "doc_id": ["ru", "long"],
            "text": ["Переговоры о стратегической стабильности.\n\nКиев и Украина, снова Украина.", LONG],
            "Source Name": ["ТАСС", "Kremlin"],
            "date-published": [dt.date(2021, 12, 7), dt.date(2021, 12, 8)],
            "x" * 40: [1, 2],
        }
    )


@pytest.fixture(scope="module")
def coded(corpus) -> pl.DataFrame:
    return agenda.code(corpus, CODEBOOK, keep_text=True)


def test_valid_names_by_hand():
    columns = ["doc_id", "source_name", "Source Name", "2021 score", "in", "Источник", "_merge", "a-b", "a b", "y" * 40]
    assert valid_names(columns) == {
        "doc_id": "doc_id",
        "source_name": "source_name",
        "Source Name": "Source_Name_2",  # source_name is taken, ignoring case as SPSS does
        "2021 score": "v2021_score",
        "in": "in_",
        "Источник": "Istochnik",
        "_merge": "merge",
        "a-b": "a_b",
        "a b": "a_b_2",
        "y" * 40: "y" * 32,
    }
    assert valid_name("Année électorale") == "Annee_electorale"
    assert valid_name("str244") == "str244_" and valid_name("BY") == "BY_" and valid_name("???") == "v"
    long_names = valid_names(["z" * 40, "z" * 41, "z" * 32])
    assert long_names == {"z" * 40: "z" * 30 + "_2", "z" * 41: "z" * 30 + "_3", "z" * 32: "z" * 32}


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_labelled_file_reads_back(coded, tmp_path, suffix):
    out = tmp_path / f"coded{suffix}"
    codebook = agenda.load_codebook(CODEBOOK)
    written = write_table(coded, out, codebook.provenance(), codebook=codebook)
    assert list(written) == [out] and written.renames == STRANGE
    data, meta = read(out)
    labels = meta.column_names_to_labels
    for item, label in LABELS.items():
        assert labels[item] == label
    assert labels["Source_Name"] == "Source Name" and labels["n_words"] and labels["primary"]
    assert meta.variable_value_labels["primary"] == CODES
    assert meta.file_label.startswith("export-test 0.3.0 (sha256 " + codebook.sha256[:12])
    assert f"codebook_sha256={codebook.sha256}" in meta.notes if suffix == ".sav" else True
    # The data, counted by hand (Киев, Украина, Украина: 3 hits); primary is the item's code.
    rows = data.select("doc_id", "unit", "ukraine", "strategic_stability", "primary").rows()
    assert rows == [("ru", 1, 0, 1, 10), ("ru", 2, 3, 0, 20), ("long", 1, 12_500, 0, 20)]
    assert data["Source_Name"].to_list() == ["ТАСС", "ТАСС", "Kremlin"]
    assert data["date_published"].to_list() == [dt.date(2021, 12, 7)] * 2 + [dt.date(2021, 12, 8)]
    parts = [c for c in data.columns if c == "text" or c.startswith("text_")]
    text = data.select(pl.concat_str(parts)).to_series().to_list()
    assert text[2] == LONG and len(text[2]) == 100_000
    assert text[1] == "Киев и Украина, снова Украина."
    if suffix == ".dta":
        assert parts == ["text"] and meta.readstat_variable_types["ukraine"] == "int32"
        assert meta.original_variable_types["text"] == "%-9s"  # a strL, not a str2045
    else:
        assert len(parts) == 13  # 100,000 characters in parts of at most 8000
        assert any("split into 13 columns" in n for n in written.notes)
        assert max(int(meta.original_variable_types[p][1:]) for p in parts) <= 32767


def test_stata_names_are_valid_and_reported(coded, tmp_path):
    written = write_table(coded, tmp_path / "c.dta", {})
    data, meta = read(tmp_path / "c.dta")
    assert all(len(c) <= 32 and c.isidentifier() and c.isascii() for c in data.columns)
    assert {STRANGE.get(c, c) for c in coded.columns} == set(data.columns)
    assert written.renames == STRANGE
    assert "primary" not in meta.variable_value_labels  # no codebook: primary stays the item id
    assert data["primary"].to_list() == ["strategic_stability", "ukraine", "ukraine"]


def test_stata_notes_hold_the_provenance(coded, tmp_path):
    codebook = agenda.load_codebook(CODEBOOK)
    write_table(coded, tmp_path / "c.dta", codebook.provenance(), codebook=codebook)
    raw = (tmp_path / "c.dta").read_bytes()
    assert b"<timestamp>\x1101 Jan 1970 00:00</timestamp>" in raw
    chars = raw[raw.index(b"<characteristics>") : raw.index(b"</characteristics>")]
    notes = {}  # per the dta 118 spec: <ch>, a 4-byte length, varname[129], charname[129], contents
    for part in chars.split(b"<ch>")[1:]:
        body = part[4 : 4 + struct.unpack("<I", part[:4])[0]]
        assert body[:129].rstrip(b"\0") == b"_dta"
        notes[body[129:258].rstrip(b"\0").decode()] = body[258:-1].decode()
    assert notes["note0"] == "4" and f"codebook_sha256={codebook.sha256}" in notes.values()
    assert len(read(tmp_path / "c.dta")[0]) == 3  # still a valid file after adding the notes


@pytest.mark.parametrize("suffix", ["dta", "sav", "parquet", "csv"])
def test_outputs_are_byte_identical(coded, tmp_path, suffix):
    codebook = agenda.load_codebook(CODEBOOK)
    for name in ("a", "b"):
        write_table(coded, tmp_path / f"{name}.{suffix}", codebook.provenance(), codebook=codebook)
    assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()


def test_long_table_item_is_labelled(corpus, tmp_path):
    long = agenda.code(corpus, CODEBOOK, long=True)
    codebook = agenda.load_codebook(CODEBOOK)
    write_table(long, tmp_path / "long.dta", codebook.provenance(), codebook=codebook)
    data, meta = read(tmp_path / "long.dta")
    assert meta.variable_value_labels["item"] == CODES
    assert data.select("item", "hits").rows() == [(10, 1), (20, 3), (20, 12_500)]
    assert meta.column_names_to_labels["terms"] == "Matched terms"


def test_export_converts_csv_and_parquet_with_recorded_labels(coded, tmp_path):
    codebook = agenda.load_codebook(CODEBOOK)
    write_table(coded, tmp_path / "c.csv", codebook.provenance(), codebook=codebook)
    write_table(coded, tmp_path / "c.parquet", codebook.provenance(), codebook=codebook)
    meta = json.loads((tmp_path / "c.csv.meta.json").read_text("utf-8"))
    assert meta["items"][1] == {"id": "ukraine", "code": 20, "label": "Украина (Ukraine)"}
    for source in ("c.csv", "c.parquet"):
        out = tmp_path / f"from_{source.replace('.', '_')}.sav"
        written = export_table(tmp_path / source, out)  # labels from the table's own metadata
        assert written.renames == STRANGE
        data, sav = read(out)
        assert sav.variable_value_labels["primary"] == CODES
        assert sav.column_names_to_labels["ukraine"] == "Украина (Ukraine)"
        assert data["primary"].to_list() == [10, 20, 20]


def test_read_coded_types_from_csv(tmp_path):
    (tmp_path / "c.csv").write_text(
        "doc_id,unit,when,n_words,ukraine,n_items,primary\n007,1,2021-12-07,5,2,1,ukraine\n008,2,,3,0,0,\n"
    )
    table, provenance, items = read_coded(tmp_path / "c.csv")
    assert table.schema["doc_id"] == pl.String and table["doc_id"].to_list() == ["007", "008"]
    assert table.schema["when"] == pl.Date
    assert {table.schema[c] for c in ("unit", "n_words", "ukraine", "n_items")} == {pl.Int32}
    assert table["primary"].to_list() == ["ukraine", None]
    assert provenance == {} and items is None


def test_export_with_codebook_and_mismatches(coded, tmp_path):
    write_table(coded, tmp_path / "c.csv", {"codebook_sha256": "0" * 64})
    written = export_table(tmp_path / "c.csv", tmp_path / "c.dta", CODEBOOK)
    assert "coded with codebook sha256 000000000000" in written.notes[0]
    assert read(tmp_path / "c.dta")[1].variable_value_labels["primary"] == CODES
    other = tmp_path / "other.yaml"
    other.write_text("codebook: other\nversion: '1'\nitems:\n  - {id: iran, code: 1, label: Iran, terms: [Iran]}\n")
    with pytest.raises(AgendaError, match="no column for item 'iran'"):
        export_table(tmp_path / "c.csv", tmp_path / "x.dta", other)
    with pytest.raises(AgendaError, match="give the codebook with -c"):
        export_table(tmp_path / "c.csv", tmp_path / "x.sav")
    with pytest.raises(AgendaError, match="would replace an input"):
        export_table(tmp_path / "c.csv", tmp_path / "c.csv")
    assert not (tmp_path / "x.dta").exists() and not (tmp_path / "x.sav").exists()


def test_bad_tables_and_formats(tmp_path):
    with pytest.raises(AgendaError, match="cannot store"):
        write_table(pl.DataFrame({"doc_id": ["a"], "terms": [["x", "y"]]}), tmp_path / "t.dta", {})
    with pytest.raises(AgendaError, match="only CSV can go to stdout"):
        write_table(pl.DataFrame({"a": [1]}), "-", {}, "dta")
    with pytest.raises(AgendaError, match="unknown output format '.xlsx'"):
        write_table(pl.DataFrame({"a": [1]}), tmp_path / "t.xlsx", {})
    with pytest.raises(AgendaError, match="not in the codebook"):
        items = [{"id": "ukraine", "code": 1, "label": "Ukraine"}]
        write_table(pl.DataFrame({"doc_id": ["a"], "primary": ["iran"]}), tmp_path / "t.sav", {}, items=items)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(AgendaError, match="reads coded tables in .csv or .parquet"):
        read_coded(tmp_path / "notes.txt")
    (tmp_path / "plain.csv").write_text("a,b\n1,2\n")
    with pytest.raises(AgendaError, match="not a coded table"):
        read_coded(tmp_path / "plain.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "plain.csv"]


def test_cli_code_and_export(tmp_path, corpus):
    corpus.write_parquet(tmp_path / "corpus.parquet")
    result = run("code", "corpus.parquet", "-c", str(CODEBOOK), "-o", "coded.dta", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for old, new in STRANGE.items():
        assert f"renamed column {old!r} -> {new}" in result.stderr
    assert read(tmp_path / "coded.dta")[1].variable_value_labels["primary"] == CODES
    result = run("code", "corpus.parquet", "-c", str(CODEBOOK), "-o", "coded.parquet", "-q", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    result = run("export", "coded.parquet", "-o", "coded.sav", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "renamed column 'Source Name' -> Source_Name" in result.stderr
    assert read(tmp_path / "coded.sav")[1].column_names_to_labels["jcpoa"] == "Iran nuclear deal (JCPOA)"
    result = run("export", "coded.parquet", "-o", "out.txt", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("agenda: error: out.txt: unknown output format")
    result = run("export", "missing.csv", "-o", "x.dta", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == "agenda: error: missing.csv: no such file\n"


@needs_shared(SEED)
def test_seed_to_stata_and_spss(tmp_path):
    for suffix in ("dta", "sav"):
        result = run("code", str(SEED), "-c", str(CODEBOOK), "-o", f"seed.{suffix}", "--keep-text", "-q", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    coded = agenda.code(SEED, CODEBOOK, keep_text=True)
    for suffix in ("dta", "sav"):
        data, meta = read(tmp_path / f"seed.{suffix}")
        assert data.height == coded.height and data["text"].to_list() == coded["text"].to_list()
        assert meta.variable_value_labels["primary"] == CODES
        assert {c: meta.column_names_to_labels[c] for c in LABELS} == LABELS
        expected = [ITEM_CODE.get(p) for p in coded["primary"].to_list()]
        assert [None if v is None else int(v) for v in data["primary"].to_list()] == expected
        assert any(v is not None for v in expected)


def test_sav_split_keeps_spaces_at_part_boundaries(tmp_path):
    # Spaces on every 8000th character: SPSS drops trailing spaces, so no part may end in one.
    text = "".join(" " if i % 8000 == 7999 else "ж" for i in range(40_000)) + "!"
    write_table(pl.DataFrame({"doc_id": ["a"], "text": [text]}), tmp_path / "t.sav", {})
    data, _ = read(tmp_path / "t.sav")
    assert "".join(data.row(0)[1:]) == text


def test_dta_timestamp_follows_source_date_epoch(coded, tmp_path, monkeypatch):
    monkeypatch.setitem(os.environ, "SOURCE_DATE_EPOCH", "1638835200")  # 2021-12-07 00:00 UTC
    write_table(coded, tmp_path / "c.dta", {})
    assert b"07 Dec 2021 00:00" in (tmp_path / "c.dta").read_bytes()[:300]


def test_outputs_get_the_usual_file_mode(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    write_table(pl.DataFrame({"doc_id": ["a"], "unit": [1]}), tmp_path / "t.dta", {})
    assert (tmp_path / "t.dta").stat().st_mode & 0o777 == 0o666 & ~umask


def test_sav_value_labels_past_120_bytes_are_cut_at_a_character_with_a_note(tmp_path):
    """SPSS holds 120 bytes of value label: 80 Cyrillic characters are 160 bytes."""
    label = "Стратегическая стабильность и контроль над вооружениями в отношениях России и США"[:80]
    assert len(label) == 80 and len(label.encode()) > 120
    codebook = agenda.parse_codebook(
        "codebook: c\nversion: '1'\nitems:\n"
        f"  - {{id: long, code: 1, label: '{label}', terms: [kyiv]}}\n"
        "  - {id: short, code: 2, label: Short, terms: [ukraine]}\n"
    )
    corpus = pl.DataFrame({"doc_id": ["a", "b"], "text": ["Kyiv.", "Ukraine."]})
    written = agenda.code_to(corpus, codebook, tmp_path / "c.sav")
    assert f"item 'long': value label cut to SPSS's 120 bytes: {label!r}" in written.notes
    _, meta = read(tmp_path / "c.sav")
    cut = meta.variable_value_labels["primary"][1]
    assert cut.endswith("…") and label.startswith(cut[:-1]) and 117 <= len(cut.encode()) <= 120
    assert meta.variable_value_labels["primary"][2] == "Short"
    agenda.code_to(corpus, codebook, tmp_path / "c.dta")  # Stata keeps the whole label
    assert read(tmp_path / "c.dta")[1].variable_value_labels["primary"][1] == label
