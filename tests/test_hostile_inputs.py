"""Hostile corpora, as a tester would write them: identifiers kept as written, files that are not
corpora, columns that clash with agenda's own, and paths that would block a read.

Every refusal is one line on stderr and exit status 2, with no output file left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda import AgendaError
from agenda.cli import main

CODEBOOK = """\
codebook: hostile
version: '1'
items:
  - id: ukraine
    code: 1
    label: Ukraine
    terms: [kyiv, ukrain*]
"""


@pytest.fixture
def cb(tmp_path) -> Path:
    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK)
    return path


def refused(args: list[str], message: str, out: Path | None = None) -> None:
    """The command exits 2 with one line on stderr holding message, and writes no output."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("agenda: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    if out is not None:
        assert not out.exists() and not [p for p in out.parent.iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------ identifiers kept as written

ZIPS = "doc_id,text,zip,fips\n001,Kyiv talks.,02134,01001\n1e3,Talks on Ukraine.,00501,06037\n"


def test_csv_tsv_and_jsonl_keep_ids_and_metadata_as_written(write):
    csv = agenda.read_corpus(write("z.csv", ZIPS))
    tsv = agenda.read_corpus(write("z.tsv", ZIPS.replace(",", "\t")))
    jsonl = agenda.read_corpus(
        write(
            "z.jsonl",
            '{"doc_id": "001", "text": "Kyiv talks.", "zip": "02134", "fips": "01001"}\n'
            '{"doc_id": "1e3", "text": "Talks on Ukraine.", "zip": "00501", "fips": "06037"}\n',
        )
    )
    for frame in (csv, tsv, jsonl):
        assert frame["doc_id"].to_list() == ["001", "1e3"]
        assert frame["zip"].to_list() == ["02134", "00501"] and frame["fips"].to_list() == ["01001", "06037"]
    typed = agenda.read_corpus(write("t.csv", ZIPS), infer_types=True)
    assert typed["doc_id"].to_list() == ["001", "1e3"]  # ids stay text even when types are inferred
    assert typed["zip"].to_list() == [2134, 501]


def test_ids_01_and_1_are_two_documents(write, cb):
    coded = agenda.code(write("ids.csv", "doc_id,text\n01,Kyiv.\n1,Kyiv and Kyiv.\n"), cb)
    assert coded.select("doc_id", "ukraine").rows() == [("01", 1), ("1", 2)]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_csv_and_parquet_inputs_give_byte_identical_outputs(tmp_path, cb, suffix):
    frame = pl.DataFrame(
        {
            "doc_id": ["001", "01", "1", "0010"],
            "source": ["Kremlin", "White House", "Kremlin", None],
            "zip": ["02134", "00501", "10001", "00000"],
            "date": ["2021-12-07", "2021-12-08", "2021-12-09", "2022-01-01"],
            "text": ["Kyiv talks.\n\nUkraine again.", "Nothing here.", "Kyiv, Kyiv.", "Ukrainian grain."],
        }
    ).with_columns(pl.col("date").str.to_date())  # a date in Parquet; in CSV, YYYY-MM-DD
    frame.write_csv(tmp_path / "c.csv")
    frame.write_parquet(tmp_path / "c.parquet")
    outs = []
    for source in ("c.csv", "c.parquet"):
        out = tmp_path / f"from-{source.replace('.', '-')}.{suffix}"
        agenda.code_to(tmp_path / source, cb, out)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    coded = agenda.code(tmp_path / "c.csv", cb)
    assert coded.select("doc_id", "unit", "zip", "ukraine").rows() == [
        ("001", 1, "02134", 1),
        ("001", 2, "02134", 1),
        ("01", 1, "00501", 0),
        ("1", 1, "10001", 2),
        ("0010", 1, "00000", 1),
    ]
    assert coded.schema["date"] == pl.Date  # YYYY-MM-DD columns are dates, which write back as written


# ------------------------------------------------------------------ what is not a corpus


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("out.csv.meta.json", b'{"codebook": "x"}'),
        ("survey.dta", b"<stata_dta><header>" + bytes(range(256))),
        ("book.xlsx", b"PK\x03\x04" + b"\x00" * 40),
    ],
)
@pytest.mark.parametrize("encoding", [[], ["--encoding", "latin-1"]])
def test_files_of_unknown_type_are_refused(tmp_path, cb, name, content, encoding):
    path = tmp_path / name
    path.write_bytes(content)
    suffix = path.suffix
    out = tmp_path / "coded.csv"
    refused(["code", path, "-c", cb, "-o", out, *encoding], f"unknown file type '{suffix}'", out)


@pytest.mark.parametrize("encoding", [[], ["--encoding", "latin-1"]])
def test_binary_content_is_refused_named_or_in_a_folder(tmp_path, cb, encoding):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "fine.txt").write_text("Kyiv.")
    (tmp_path / "docs" / "renamed.txt").write_bytes(b"\xd0\xcf\x11\xe0 a binary file\x00\x00\x01")
    out = tmp_path / "coded.csv"
    refused(["code", tmp_path / "docs", "-c", cb, "-o", out, *encoding], "renamed.txt: binary content", out)
    refused(["code", tmp_path / "docs" / "renamed.txt", "-c", cb, "-o", out, *encoding], "binary content", out)


def test_file_names_that_are_not_utf8_are_escaped(tmp_path, cb):
    folder = tmp_path / "latin"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Kyiv talks.")
    (folder / "plain.txt").write_text("Ukraine.")
    coded = agenda.code(folder, cb)
    assert coded.select("doc_id", "ukraine").rows() == [("caf\\xe9", 1), ("plain", 1)]
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(main, ["code", str(folder), "-c", str(cb), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out)["doc_id"].to_list() == ["caf\\xe9", "plain"]


def test_binary_struct_and_list_columns_are_refused(tmp_path, cb):
    base = {"doc_id": ["a"], "text": ["Kyiv."]}
    pl.DataFrame({**base, "blob": [b"\x00\x01"]}).write_parquet(tmp_path / "binary.parquet")
    pl.DataFrame({**base, "where": [{"city": "Kyiv"}]}).write_parquet(tmp_path / "struct.parquet")
    pl.DataFrame({**base, "tags": [["a", "b"]]}).write_parquet(tmp_path / "list.parquet")
    (tmp_path / "nested.jsonl").write_text('{"doc_id": "a", "text": "Kyiv.", "meta": {"page": 1}}\n')
    out = tmp_path / "coded.csv"
    for name, column, kind in [
        ("binary.parquet", "blob", "Binary"),
        ("struct.parquet", "where", "Struct"),
        ("list.parquet", "tags", "List"),
        ("nested.jsonl", "meta", "Struct"),
    ]:
        refused(["code", tmp_path / name, "-c", cb, "-o", out], f"column {column!r} holds {kind} values", out)
    pl.DataFrame({**base, "party": ["left"]}, schema_overrides={"party": pl.Categorical}).write_parquet(
        tmp_path / "cat.parquet"
    )
    assert agenda.code(tmp_path / "cat.parquet", cb)["party"].to_list() == ["left"]


# ------------------------------------------------------------------ columns that clash with agenda's own


@pytest.mark.parametrize("column", ["unit", "_row", "_agenda_tokens", "_agenda_n_words", "n_words", "primary"])
@pytest.mark.parametrize("command", ["code", "kwic", "rules", "suggest", "explain"])
def test_corpus_columns_named_like_agendas_are_refused(tmp_path, cb, column, command):
    path = tmp_path / "c.csv"
    path.write_text(f"doc_id,text,{column}\na,Kyiv talks.,mine\n")
    extra = {"suggest": ["--item", "ukraine"], "explain": ["--doc", "a", "--unit", "1"], "code": ["-o", "-"]}
    refused([command, path, "-c", cb, *extra.get(command, [])], f"corpus column {column!r} has the name of agenda's")


@pytest.mark.parametrize("command", ["code", "suggest", "explain"])
def test_a_corpus_column_named_like_an_item_is_refused(tmp_path, cb, command):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,text,ukraine\na,Kyiv talks.,mine\n")
    extra = {"suggest": ["--item", "ukraine"], "explain": ["--doc", "a", "--unit", "1"], "code": ["-o", "-"]}
    refused([command, path, "-c", cb, *extra[command]], "corpus column 'ukraine' has the name of the hits column")


def test_id_and_text_options_never_drop_a_column(tmp_path, cb):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,ref,text,body\na,r1,Kyiv.,Ukraine.\n")
    refused(["code", path, "-c", cb, "-o", "-", "--id-column", "text"], "--id-column and --text-column both name")
    refused(["code", path, "-c", cb, "-o", "-", "--id-column", "ref"], "column 'doc_id' would be replaced by --id")
    refused(["code", path, "-c", cb, "-o", "-", "--text-column", "body"], "column 'text' would be replaced by --text")
    only = tmp_path / "only.csv"
    only.write_text("ref,text\nr1,Kyiv.\n")
    refused(["code", only, "-c", cb, "-o", "-", "--id-column", "text"], "--id-column and --text-column both name")
    assert agenda.code(only, cb, id_column="ref")["doc_id"].to_list() == ["r1"]


def test_folder_metadata_never_replaces_text_or_ids(tmp_path, cb):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Kyiv.")
    (folder / "metadata.csv").write_text("file,text\na.txt,other\n")
    refused(["code", folder, "-c", cb, "-o", "-"], "column 'text' would replace the documents' text")
    (folder / "metadata.csv").write_text("file,doc_id,zip\na.txt,A1,02134\n")
    refused(["code", folder, "-c", cb, "-o", "-"], "column 'doc_id' would replace the doc_id made from")
    (folder / "metadata.csv").write_text("doc_id,zip\na,02134\n")
    assert agenda.read_corpus(folder).rows() == [("a", "Kyiv.", "02134")]


def test_the_python_api_checks_doc_ids_as_the_cli_does(cb):
    cases = [
        ({"doc_id": ["a", "a"], "text": ["Kyiv.", "Kyiv."]}, "duplicate doc_id 'a'"),
        ({"doc_id": ["a", None], "text": ["Kyiv.", "Kyiv."]}, "document 2 has no doc_id"),
        ({"doc_id": ["a", ""], "text": ["Kyiv.", "Kyiv."]}, "document 2 has no doc_id"),
        ({"id": ["a"], "text": ["Kyiv."]}, "no 'doc_id' column"),
        ({"doc_id": ["a"], "text": ["Kyiv."], "unit": [3]}, "corpus column 'unit'"),
    ]
    for columns, message in cases:
        with pytest.raises(AgendaError, match=message):
            agenda.code(pl.DataFrame(columns), cb)
        with pytest.raises(AgendaError, match=message):
            agenda.code_to(pl.DataFrame(columns), cb, "-")


def test_missing_doc_ids_in_a_table_are_refused(tmp_path, cb):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,text\na,Kyiv.\n,Ukraine.\n")
    refused(["code", path, "-c", cb, "-o", "-"], "c.csv: document 2 has no doc_id")


# ------------------------------------------------------------------ paths that would block


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_a_fifo_is_refused_never_read(tmp_path, cb):
    """A FIFO nobody writes to would block a read forever: each case must end (timeout) with one line."""
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe.csv")
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.yml")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Kyiv.")
    os.mkfifo(folder / "metadata.csv")
    cases = [
        (["code", "pipe.txt", "-c", cb, "-o", "-"], "pipe.txt: is a FIFO"),
        (["code", "pipe.csv", "-c", cb, "-o", "-"], "pipe.csv: is a FIFO"),
        (["code", "docs", "-c", cb, "-o", "-"], "metadata.csv: is a FIFO"),
        (["check", "pipe.yaml"], "pipe.yaml: is a FIFO"),
        (["code", "docs/a.txt", "-c", "pipe.yaml", "-o", "-"], "pipe.yaml: is a FIFO"),
        (["import", "pipe.yml", "-o", "out.yaml"], "pipe.yml: is a FIFO"),
    ]
    for args, message in cases:
        result = subprocess.run(
            [sys.executable, "-m", "agenda", *map(str, args)], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr


@pytest.mark.parametrize("infer_types", [False, True])
def test_json_lines_read_the_same_in_any_encoding(tmp_path, infer_types):
    line = '{"doc_id": 1e3, "text": "café", "n": 2.50, "m": 7}\n'
    (tmp_path / "l1.jsonl").write_bytes(line.encode("latin-1"))
    (tmp_path / "u8.jsonl").write_bytes(line.encode("utf-8"))
    latin = agenda.read_corpus(tmp_path / "l1.jsonl", encoding="latin-1", infer_types=infer_types)
    utf8 = agenda.read_corpus(tmp_path / "u8.jsonl", infer_types=infer_types)
    assert latin.equals(utf8)
    want = [("1000", "café", 2.5, 7)] if infer_types else [("1000", "café", "2.5", "7")]
    assert latin.rows() == want


def test_dates_are_read_as_dates_only_when_written_yyyy_mm_dd(write):
    corpus = agenda.read_corpus(
        write("d.csv", "doc_id,text,iso,short,mixed\na,x,2021-12-07,2021-1-5,2021-12-07\nb,y,,2021-2-6,n.d.\n")
    )
    assert corpus.schema["iso"] == pl.Date and corpus["iso"].to_list()[1] is None
    assert corpus["short"].to_list() == ["2021-1-5", "2021-2-6"] and corpus["mixed"].to_list()[1] == "n.d."


def test_kwic_and_rules_refuse_a_corpus_column_named_like_an_item(tmp_path):
    corpus = tmp_path / "clash.csv"
    corpus.write_text('doc_id,ukraine,text\nd1,x,"Ukraine talks."\n', encoding="utf-8")
    for command in ("kwic", "rules"):
        result = CliRunner().invoke(main, [command, str(corpus), "-c", "us-russia-2021"])
        assert result.exit_code == 2, result.output
        assert "corpus column 'ukraine' has the name of the hits column of item 'ukraine'" in result.output
