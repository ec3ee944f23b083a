"""Streaming: corpora read in batches of whole documents, coded, and written as they come.

The answers are known independently: units and hits are counted by hand on small texts, and a
tiny batch size (every document its own batch) must give the same table, byte for byte, as one
batch. Bad inputs are placed after the first batches, so they are found mid-stream, after some
of the table has been written: the output must still never appear, half-written or at all.
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys

import polars as pl
import pytest

import agenda
from agenda import AgendaError
from agenda.code import code_batches, code_to
from agenda.corpus import Corpus, check_encoding
from conftest import make_codebook

CODEBOOK = make_codebook(
    """
    - {id: ukraine, code: 1, label: Ukraine, terms: [Ukrain*, Kyiv, Украин*]}
    - {id: arms, code: 2, label: Arms control, terms: [arms control, New START*]}
    """,
    "units: {split: paragraph, min_words: 2}\n",
)

# Paragraphs with hand-counted hits: (ukraine, arms). "Hi." has one word and is dropped, but
# keeps its number, so the next paragraph is unit 3.
DOCS = {
    "a": ("Ukraine and Kyiv talked.\n\nHi.\n\nArms control, arms control and New START.", [(1, 2, 0), (3, 0, 3)]),
    "b": ("Nothing to code here at all.", [(1, 0, 0)]),
    "c": ("Украина и Ukrainian arms control.\n\n\n\nKyiv again, Kyiv.", [(1, 2, 1), (2, 2, 0)]),
}


def expected(ids: list[str]) -> list[tuple[str, int, int, int]]:
    return [(d, unit, u, a) for d in ids for unit, u, a in DOCS[d][1]]


def table_csv(tmp_path, rows: int = 60, name: str = "corpus.csv"):
    """A CSV of `rows` documents cycling through DOCS, with metadata of several types and nulls."""
    frame = pl.DataFrame(
        {
            "doc_id": [f"{list(DOCS)[i % 3]}{i}" for i in range(rows)],
            "source": [None if i % 7 == 0 else f"S{i % 4}" for i in range(rows)],
            "date": [f"2021-12-{1 + i % 28:02d}" for i in range(rows)],
            "weight": [i / 3 for i in range(rows)],
            "text": [DOCS[list(DOCS)[i % 3]][0] for i in range(rows)],
        }
    )
    path = tmp_path / name
    frame.write_csv(path)
    return path


def rows_of(table: pl.DataFrame) -> list[tuple[str, int, int, int]]:
    return list(table.select("doc_id", "unit", "ukraine", "arms").iter_rows())


def test_units_and_hits_are_known_answers_at_every_batch_size(tmp_path):
    path = table_csv(tmp_path, rows=30)
    ids = [f"{list(DOCS)[i % 3]}{i}" for i in range(30)]
    want = [
        (f"{d}{i}", unit, u, a) for i, d in ((i, list(DOCS)[i % 3]) for i in range(30)) for unit, u, a in DOCS[d][1]
    ]
    assert len(want) == 50 and len(ids) == 30
    tables = {size: pl.concat(list(code_batches(path, CODEBOOK, batch_bytes=size))) for size in (1, 100, 10**9)}
    for table in tables.values():
        assert rows_of(table) == want
        assert table.columns[:6] == ["doc_id", "unit", "source", "date", "weight", "n_words"]
        assert table.schema["date"] == pl.Date
    assert tables[1].equals(tables[10**9]) and tables[100].equals(tables[10**9])
    assert tables[1].equals(agenda.code(path, CODEBOOK))


def test_batches_hold_whole_documents(tmp_path):
    path = table_csv(tmp_path, rows=40)
    batches = list(Corpus(path, batch_bytes=150))
    assert len(batches) > 5
    assert pl.concat(batches)["doc_id"].to_list() == [f"{list(DOCS)[i % 3]}{i}" for i in range(40)]
    for batch in batches:
        assert batch["text"].to_list() == [DOCS[d[0]][0] for d in batch["doc_id"]]


@pytest.mark.parametrize("suffix", ["csv", "parquet", "dta", "sav"])
def test_output_bytes_do_not_depend_on_batch_size(tmp_path, suffix, monkeypatch):
    import agenda.stream

    monkeypatch.setattr(agenda.stream, "ROW_GROUP_ROWS", 7)  # several row groups, cut across batches
    path = table_csv(tmp_path, rows=45)
    outs = []
    for size in (1, 333, 10**9):
        out = tmp_path / f"out{size}.{suffix}"
        written = code_to(path, CODEBOOK, out, batch_bytes=size)
        assert written.rows == 75 and out in written
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    if suffix == "parquet":
        assert pl.read_parquet(tmp_path / "out1.parquet").equals(agenda.code(path, CODEBOOK))
        assert pl.read_parquet_metadata(tmp_path / "out1.parquet")["codebook"] == "test"


def test_streamed_csv_is_the_csv_of_the_whole_table(tmp_path):
    path = table_csv(tmp_path, rows=20)
    streamed = code_to(path, CODEBOOK, tmp_path / "s.csv", batch_bytes=1)
    dropped = {f"dropped_{reason}": str(n) for reason, n in streamed.dropped.items()}  # counted as it streams
    whole = agenda.write_table(
        agenda.code(path, CODEBOOK), tmp_path / "w.csv", {**CODEBOOK.provenance(), **dropped}, codebook=CODEBOOK
    )
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "w.csv").read_bytes()
    assert streamed[1].read_text() == whole[1].read_text()  # OUT.meta.json: columns, rows, items
    assert json.loads(streamed[1].read_text())["rows"] == 33


def test_coverage_of_streamed_table(tmp_path):
    written = code_to(table_csv(tmp_path, rows=3), CODEBOOK, tmp_path / "o.parquet", batch_bytes=1)
    # units: a1 (2,0) a3 (0,3) b1 (0,0) c1 (2,1) c2 (2,0): ukraine in 3 of 5, arms in 2 of 5
    assert written.coverage.rows() == [("ukraine", "Ukraine", 3, 0.6, 6), ("arms", "Arms control", 2, 0.4, 4)]
    assert code_to(table_csv(tmp_path, rows=3), CODEBOOK, tmp_path / "l.csv", long=True).coverage is None


def test_long_table_streams(tmp_path):
    path = table_csv(tmp_path, rows=12)
    small = pl.concat(list(code_batches(path, CODEBOOK, long=True, batch_bytes=1)))
    assert small.equals(agenda.code(path, CODEBOOK, long=True))
    assert small.filter(pl.col("doc_id") == "a0").select("doc_id", "unit", "item", "hits", "terms").rows() == [
        ("a0", 1, "ukraine", 2, "kyiv; ukraine"),
        ("a0", 3, "arms", 3, "arms control; new start"),
    ]


def test_folder_streams_in_batches_of_files_in_any_encoding(tmp_path):
    folder = tmp_path / "c"
    (folder / "sub").mkdir(parents=True)
    for name, (text, _) in DOCS.items():
        (folder / f"{name}.txt").write_bytes(text.encode("cp1251"))
    (folder / "sub" / "d.txt").write_bytes("Украина, Украина.".encode("cp1251"))
    (folder / "metadata.csv").write_text("file,source\na.txt,TASS\nsub/d.txt,RIA\n")
    batches = list(Corpus(folder, encoding="cp1251", batch_bytes=1))
    assert [b.height for b in batches] == [1, 1, 1, 1]
    whole = agenda.read_corpus(folder, encoding="cp1251")
    assert pl.concat(batches).equals(whole)
    assert whole.rows() == [
        ("a", DOCS["a"][0], "TASS"),
        ("b", DOCS["b"][0], None),
        ("c", DOCS["c"][0], None),
        ("sub/d", "Украина, Украина.", "RIA"),
    ]
    table = pl.concat(list(code_batches(folder, CODEBOOK, encoding="cp1251", batch_bytes=1)))
    assert rows_of(table) == expected(["a", "b", "c"]) + [("sub/d", 1, 2, 0)]


def test_several_inputs_concatenate_their_columns(tmp_path):
    first = table_csv(tmp_path, rows=3, name="one.csv")
    pl.DataFrame({"doc_id": ["x"], "text": ["Kyiv and Kyiv."], "source": [7], "extra": [True]}).write_parquet(
        tmp_path / "two.parquet"
    )
    (tmp_path / "z.txt").write_text("Arms control today.")
    inputs = [first, tmp_path / "two.parquet", tmp_path / "z.txt"]
    corpus = Corpus(inputs, batch_bytes=1)
    assert dict(corpus.schema) == {
        "doc_id": pl.String,
        "text": pl.String,
        "source": pl.String,
        "date": pl.Date,  # every value a YYYY-MM-DD date
        "weight": pl.String,  # CSV values are text as written; Parquet keeps its types
        "extra": pl.Boolean,
    }
    streamed = pl.concat(list(corpus))
    assert streamed["doc_id"].to_list() == ["a0", "b1", "c2", "x", "z"]
    assert streamed["source"].to_list() == [None, "S1", "S2", "7", None]
    table = agenda.code(inputs, CODEBOOK)
    assert rows_of(table)[-2:] == [("x", 1, 2, 0), ("z", 1, 0, 1)]


def test_a_frame_is_coded_in_batches_in_order(tmp_path):
    # Frames of documents are cut into batches too, coded by two threads, and put back in order.
    frame = agenda.read_corpus(table_csv(tmp_path, rows=30))
    calls = []
    parts = list(code_batches(frame, CODEBOOK, batch_bytes=1, progress=lambda *a: calls.append(a)))
    assert len(parts) == 30
    assert pl.concat(parts).equals(agenda.code(frame, CODEBOOK))
    assert rows_of(pl.concat(parts)) == rows_of(agenda.code(table_csv(tmp_path, rows=30), CODEBOOK))
    assert [c[0] for c in calls] == sorted(c[0] for c in calls) and calls[-1][:2] == (50, 50)


def test_progress_once_a_batch_and_exact_at_the_end(tmp_path):
    calls = []
    code_to(
        table_csv(tmp_path, rows=9), CODEBOOK, tmp_path / "o.csv", batch_bytes=1, progress=lambda *a: calls.append(a)
    )
    assert len(calls) >= 9
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert all(done < total for done, total, _ in calls[:-1])
    assert calls[-1][:2] == (15, 15)
    # The estimate comes from the share of the input coded (not read ahead), so it is close early on.
    assert all(8 <= total <= 30 for _, total, _ in calls), calls


# ------------------------------------------------------------------ bad inputs, found mid-stream


def no_output(tmp_path, out, before: bytes | None = None):
    """The output is as it was (absent, or its old bytes), and no temporary file or folder is left."""
    if before is None:
        assert not out.exists()
    else:
        assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def fails_mid_stream(tmp_path, corpus, message, suffix="csv", mid=True, batch_bytes=20_000):
    """Coding fails with `message` after at least one batch has been coded and written (if mid;
    None: either, where polars' reader finds the error in threads of its own, racing the coding)."""
    out = tmp_path / f"out.{suffix}"
    out.write_bytes(b"previous results\n")
    calls = []
    with pytest.raises(AgendaError, match=message):
        code_to(corpus, CODEBOOK, out, batch_bytes=batch_bytes, progress=lambda *a: calls.append(a))
    if mid is not None:
        assert bool(calls) == mid, "the error should come after the first batches"
    no_output(tmp_path, out, b"previous results\n")


def big_csv(tmp_path, tail: bytes, rows: int = 12_000) -> bytes:
    """A valid CSV of `rows` documents (past polars' schema inference) followed by `tail`."""
    head = b"doc_id,n,text\n" + b"".join(b"d%d,%d,Kyiv talks.\n" % (i, i) for i in range(rows))
    (tmp_path / "big.csv").write_bytes(head + tail)
    return head


@pytest.mark.parametrize("suffix", ["csv", "parquet", "dta"])
def test_malformed_csv_row_mid_stream(tmp_path, suffix):
    big_csv(tmp_path, b"late,1,two,extra,fields\n")
    fails_mid_stream(tmp_path, tmp_path / "big.csv", r"big.csv: malformed CSV: found more fields", suffix, mid=None)


def test_value_of_another_type_mid_stream(tmp_path):
    big_csv(tmp_path, b"late,not-a-number,text\n")
    corpus = Corpus(tmp_path / "big.csv", infer_types=True, batch_bytes=20_000)  # n inferred as integers
    fails_mid_stream(tmp_path, corpus, r"big.csv: malformed CSV", mid=None)
    corpus = agenda.read_corpus(tmp_path / "big.csv")  # as text, the value is kept as written
    assert corpus.filter(pl.col("doc_id").is_in(["late", "d1"]))["n"].sort().to_list() == ["1", "not-a-number"]


def test_a_date_column_with_a_later_value_that_is_no_date(tmp_path):
    rows = b"".join(b"d%d,2021-12-%02d,Kyiv talks.\n" % (i, 1 + i % 28) for i in range(12_000))
    (tmp_path / "big.csv").write_bytes(b"doc_id,date,text\n" + rows + b"late,2021-13-01,text\n")
    message = r"big.csv: column 'date' holds '2021-13-01', not a date \(YYYY-MM-DD\)"
    fails_mid_stream(tmp_path, tmp_path / "big.csv", message)


def test_invalid_utf8_mid_stream_names_the_byte(tmp_path):
    head = big_csv(tmp_path, b"late,1,caf\xe9\n")
    fails_mid_stream(
        tmp_path, tmp_path / "big.csv", rf"big.csv: not valid utf-8 at byte {len(head) + 10}; try --encoding", mid=None
    )


def test_malformed_json_lines(tmp_path):
    lines = b"".join(b'{"doc_id": "d%d", "text": "Kyiv talks."}\n' % i for i in range(2000))
    (tmp_path / "c.jsonl").write_bytes(lines + b'{"doc_id": "z", "text": }\n')
    # The types of JSON Lines are inferred from every line, so a bad line is found before coding.
    fails_mid_stream(tmp_path, tmp_path / "c.jsonl", r"c.jsonl: malformed JSON Lines", mid=False)


@pytest.mark.parametrize("suffix", ["csv", "parquet", "dta"])
def test_undecodable_file_in_a_later_batch(tmp_path, suffix):
    # Files of a folder are read one batch at a time: the error comes after batches were written.
    folder = tmp_path / "c"
    folder.mkdir()
    for i in range(8):
        (folder / f"{i}.txt").write_text("Kyiv talks, Kyiv.")
    (folder / "9.txt").write_bytes(b"Kyiv ok \xff")
    fails_mid_stream(tmp_path, folder, r"9.txt: not valid utf-8 at byte 8", suffix, batch_bytes=1)


def test_duplicate_doc_id_across_batches(tmp_path):
    big_csv(tmp_path, b"d3,1,Again Kyiv.\n", rows=600)
    fails_mid_stream(tmp_path, tmp_path / "big.csv", "duplicate doc_id 'd3'", "parquet", batch_bytes=1000)


def test_duplicate_doc_id_across_inputs(tmp_path):
    big_csv(tmp_path, b"", rows=300)
    (tmp_path / "d299.txt").write_text("Kyiv twice, Kyiv.")
    fails_mid_stream(
        tmp_path, [tmp_path / "big.csv", tmp_path / "d299.txt"], "duplicate doc_id 'd299'", batch_bytes=1000
    )


def test_empty_corpora(tmp_path):
    out = tmp_path / "out.csv"
    (tmp_path / "h.csv").write_text("doc_id,text\n")
    with pytest.raises(AgendaError, match=r"h.csv: the corpus is empty \(no documents\)"):
        code_to(tmp_path / "h.csv", CODEBOOK, out, batch_bytes=1)
    (tmp_path / "short.csv").write_text("doc_id,text\na,Hi.\nb,Yes.\nc,\n")
    with pytest.raises(AgendaError, match="the corpus is empty: no units left"):
        code_to(tmp_path / "short.csv", CODEBOOK, out, batch_bytes=1)
    no_output(tmp_path, out)


def test_cli_streams_and_fails_with_one_line(tmp_path):
    path = table_csv(tmp_path, rows=6)
    run = [sys.executable, "-m", "agenda", "code", str(path), "-c", str(tmp_path / "cb.yaml")]
    (tmp_path / "cb.yaml").write_text(
        "codebook: test\nversion: '1'\nunits: {min_words: 2}\nitems:\n"
        "  - {id: ukraine, code: 1, label: Ukraine, terms: [Ukrain*, Kyiv, Украин*]}\n"
        "  - {id: arms, code: 2, label: Arms control, terms: [arms control, New START*]}\n"
    )
    result = subprocess.run([*run, "-o", "-", "-q"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == agenda.code(path, CODEBOOK).write_csv()
    result = subprocess.run([*run, "-o", str(tmp_path / "o.parquet")], capture_output=True, text=True)
    assert "agenda: coded 10 units with test 1" in result.stderr
    assert "| ukraine | Ukraine      | 6     | 0.6   | 12   |" in result.stderr
    big_csv(tmp_path, b"late,1,two,extra,fields\n")
    result = subprocess.run(
        [*run[:4], str(tmp_path / "big.csv"), *run[5:], "-o", str(tmp_path / "x.csv")], capture_output=True, text=True
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("agenda: error: ") and "big.csv: malformed CSV" in result.stderr
    assert not (tmp_path / "x.csv").exists()
    # To stdout too, an error found late leaves nothing half-printed.
    result = subprocess.run([*run[:4], str(tmp_path / "big.csv"), *run[5:], "-o", "-"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251", "utf-16"])
def test_check_encoding_finds_the_byte_across_blocks(tmp_path, encoding):
    good = "Киев, Kyiv — «Украина» ".encode(encoding) * 5
    path = tmp_path / "t.txt"
    bad = b"\xff\xfe\xff" if encoding == "utf-8" else b"\x98" if encoding == "cp1251" else b"\x00\xd8A\x00"
    for tail in (b"", bad, bad + b"ok"):
        path.write_bytes(good + tail)
        try:
            (good + tail).decode(codecs.lookup(encoding).name)
            want = None
        except UnicodeDecodeError as exc:
            want = exc.start
        for block in (1, 3, 7, 4096):
            if want is None:
                check_encoding(path, encoding, block)
            else:
                with pytest.raises(AgendaError, match=rf"t.txt: not valid {encoding} at byte {want}\b"):
                    check_encoding(path, encoding, block)


def test_json_lines_in_blocks_infer_types_from_every_line(tmp_path, monkeypatch):
    import agenda.corpus

    monkeypatch.setattr(agenda.corpus, "JSON_BLOCK", 64)  # many blocks of lines
    lines = [f'{{"doc_id": "d{i}", "text": "Kyiv talks.", "n": {i}}}' for i in range(30)]
    lines.append('{"doc_id": "last", "text": "Arms control.", "n": 2.5, "extra": "x"}')
    path = tmp_path / "c.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + "\n".join(lines).encode() + b"\n")
    corpus = Corpus(path, batch_bytes=40, infer_types=True)
    assert dict(corpus.schema) == {"doc_id": pl.String, "text": pl.String, "n": pl.Float64, "extra": pl.String}
    frame = pl.concat(list(corpus))
    assert frame.height == 31 and frame["n"].to_list()[-2:] == [29.0, 2.5] and frame["extra"].null_count() == 30
    assert frame.equals(agenda.read_corpus(path, infer_types=True))
    as_text = pl.concat(list(Corpus(path, batch_bytes=40)))  # by default every value is text
    assert as_text["n"].to_list()[-2:] == ["29", "2.5"] and as_text.drop("n").equals(frame.drop("n"))
    path.write_bytes(b"\n".join(line.encode() for line in lines[:20]) + b'\n{"doc_id": "z", "text": "caf\xe9"}\n')
    head = len(b"\n".join(line.encode() for line in lines[:20])) + 1
    with pytest.raises(AgendaError, match=rf"c.jsonl: not valid utf-8 at byte {head + 28}\b"):
        list(Corpus(path))
