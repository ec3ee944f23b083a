"""Reading corpora: text files, folders with metadata, tables, encodings, and bad inputs."""

from __future__ import annotations

import polars as pl
import pytest

import agenda
from agenda import AgendaError


def test_text_file_doc_id_is_stem(write):
    corpus = agenda.read_corpus(write("speech.txt", "One.\n\nTwo."))
    assert corpus.to_dicts() == [{"doc_id": "speech", "text": "One.\n\nTwo."}]


def test_bom_is_tolerated(write):
    corpus = agenda.read_corpus(write("bom.txt", "\ufeffHello".encode()))
    assert corpus["text"][0] == "Hello"


def test_folder_recursive_with_metadata(write, tmp_path):
    write("c/a.txt", "Alpha text")
    write("c/sub/b.txt", "Beta text")
    write("c/metadata.csv", "file,source,date\na.txt,Kremlin,2021-12-07\nsub/b.txt,White House,2021-12-08\n")
    corpus = agenda.read_corpus(tmp_path / "c")
    assert corpus["doc_id"].to_list() == ["a", "sub/b"]
    assert corpus["source"].to_list() == ["Kremlin", "White House"]
    assert corpus.schema["date"] == pl.Date


def test_metadata_naming_an_unknown_file(write, tmp_path):
    write("c/a.txt", "Alpha")
    write("c/metadata.csv", "file,source\nzzz.txt,X\n")
    with pytest.raises(AgendaError, match="metadata.csv: no document for file 'zzz.txt'"):
        agenda.read_corpus(tmp_path / "c")


def test_csv_with_columns_and_metadata(write):
    path = write("n.csv", "id,body,source\n7,Hello there,TASS\n8,Bye,RIA\n")
    corpus = agenda.read_corpus(path, text_column="body", id_column="id")
    assert corpus.columns == ["doc_id", "text", "source"]
    assert corpus["doc_id"].to_list() == ["7", "8"]


def test_tsv_jsonl_and_parquet(write, tmp_path):
    tsv = agenda.read_corpus(write("n.tsv", "doc_id\ttext\na\tx y\n"))
    jsonl = agenda.read_corpus(write("n.jsonl", '{"doc_id": "a", "text": "x y", "n": 1}\n'))
    pl.DataFrame({"doc_id": ["a"], "text": ["x y"]}).write_parquet(tmp_path / "n.parquet")
    parquet = agenda.read_corpus(tmp_path / "n.parquet")
    assert tsv["text"][0] == jsonl["text"][0] == parquet["text"][0] == "x y"
    assert jsonl["n"][0] == "1"  # text as written, unless types are asked for
    assert agenda.read_corpus(tmp_path / "n.jsonl", infer_types=True)["n"][0] == 1


def test_rows_numbered_when_no_id_column(write):
    corpus = agenda.read_corpus(write("n.csv", "text\nfirst\nsecond\n"))
    assert corpus["doc_id"].to_list() == ["1", "2"]


def test_unknown_text_column(write):
    with pytest.raises(AgendaError, match=r"n.csv: no text column 'body' \(columns: doc_id, text\)"):
        agenda.read_corpus(write("n.csv", "doc_id,text\na,b\n"), text_column="body")


def test_unknown_id_column(write):
    with pytest.raises(AgendaError, match="no id column 'key'"):
        agenda.read_corpus(write("n.csv", "doc_id,text\na,b\n"), id_column="key")


def test_cp1251_and_koi8r(write):
    text = "Стратегическая стабильность"
    assert agenda.read_corpus(write("a.txt", text.encode("cp1251")), encoding="cp1251")["text"][0] == text
    csv = write("k.csv", f"doc_id,text\na,{text}\n".encode("koi8-r"))
    assert agenda.read_corpus(csv, encoding="koi8-r")["text"][0] == text


def test_undecodable_file_names_file_and_byte_offset(write):
    path = write("a.txt", b"abc" + "Киев".encode("cp1251"))
    with pytest.raises(AgendaError, match=r"a.txt: not valid utf-8 at byte 3"):
        agenda.read_corpus(path)


def test_unknown_encoding(write):
    with pytest.raises(AgendaError, match="unknown encoding 'klingon'"):
        agenda.read_corpus(write("a.txt", "x"), encoding="klingon")


def test_missing_file(tmp_path):
    with pytest.raises(AgendaError, match="no such file"):
        agenda.read_corpus(tmp_path / "nope.csv")


def test_malformed_csv(write):
    with pytest.raises(AgendaError, match="bad.csv: malformed CSV"):
        agenda.read_corpus(write("bad.csv", 'doc_id,text\na,"unclosed\nb,c,d,e\n'))


def test_empty_corpus(write, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AgendaError, match="the corpus is empty"):
        agenda.read_corpus(tmp_path / "empty")


def test_duplicate_doc_ids(write):
    with pytest.raises(AgendaError, match="duplicate doc_id 'a'"):
        agenda.read_corpus(write("d.csv", "doc_id,text\na,x\na,y\n"))
