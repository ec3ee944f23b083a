"""Partitions, shards of a job array and their merge: the same rows and shares as `agenda code` in one process."""

from __future__ import annotations

import importlib
import json

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from agenda.corpus import Corpus
from agenda.dataset import scan_dataset
from agenda.partition import plan_partitions
from conftest import FLAGSHIP, REPO, make_codebook

FOLDER = REPO / "examples" / "corpus"
TOPICS = ["arms control talks", "Ukraine and the border", "gas prices rose", "nothing of note today"]
OPTIONS = ("text", "doc_id", "utf-8", False)


def write_table_corpus(folder, n: int = 60):
    """A CSV with quoted newlines and quotes inside fields, its JSON Lines and Parquet twins, and one without ids."""
    texts = [
        f'Item {i}: the "{TOPICS[i % 4]}" story.\n\n{TOPICS[(i * 7) % 4]} again, {i} times.\n\nShort.' for i in range(n)
    ]
    frame = pl.DataFrame(
        {
            "doc_id": [f"d{i:03d}" for i in range(n)],
            "source": [["wire", "ministry", "paper"][i % 3] for i in range(n)],
            "date": [f"2022-01-{1 + i % 28:02d}" for i in range(n)],
            "text": texts,
        }
    )
    frame.write_csv(folder / "news.csv")
    frame.write_ndjson(folder / "news.jsonl")
    frame.write_parquet(folder / "news.parquet", row_group_size=7)
    frame.drop("doc_id").write_csv(folder / "numbered.csv")
    return frame


CODEBOOK = """
- id: arms
  code: 1
  label: Arms control
  terms: {en: [arms control]}
- id: ukraine
  code: 2
  label: Ukraine
  terms: {en: [ukraine]}
- id: energy
  code: 3
  label: Energy
  terms: {en: [gas]}
"""


@pytest.fixture()
def codebook(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text("codebook: test\nversion: '1'\nitems:\n" + "\n".join("  " + ln for ln in CODEBOOK.splitlines()))
    return path


def sorted_rows(table: pl.DataFrame) -> pl.DataFrame:
    return table.sort("doc_id", "unit")


@pytest.mark.parametrize("name", ["news.csv", "news.jsonl", "news.parquet", "numbered.csv"])
def test_partitions_of_tables_give_the_rows_of_one_process(tmp_path, codebook, name):
    write_table_corpus(tmp_path)
    single = agenda.code(tmp_path / name, codebook)
    counts = []
    for size, out in ((2**30, "one"), (900, "many")):
        written = agenda.code_dataset(tmp_path / name, codebook, tmp_path / out, shard="1/1", partition_bytes=size)
        counts.append(json.loads(written[0].read_text())["planned_partitions"])
        got = scan_dataset(tmp_path / out)[0].collect()
        assert got.equals(single), name  # in input order, and so equal once sorted too
    assert counts[0] == 1 and counts[1] >= 7, counts


def test_csv_partitions_end_at_rows_outside_quotes(tmp_path):
    frame = write_table_corpus(tmp_path)
    plan = plan_partitions(Corpus(tmp_path / "news.csv"), OPTIONS, 500)
    data = (tmp_path / "news.csv").read_bytes()
    assert len(plan) > 7
    for part in plan:
        assert data[part.end - 1 : part.end] == b"\n"
        body = pl.read_csv(data[: plan[0].start] + data[part.start : part.end])
        assert body["doc_id"].to_list() == frame["doc_id"][part.before : part.before + body.height].to_list()
    assert plan[-1].end == len(data) and sum(p.end - p.start for p in plan) == len(data) - plan[0].start


def test_folder_partitions_are_groups_of_files(tmp_path):
    plan = plan_partitions(Corpus(FOLDER), OPTIONS, 3000)
    files = sorted(FOLDER.glob("*.txt"))
    assert [(p.start, p.end) for p in plan][0][0] == 0 and plan[-1].end == len(files)
    assert all(a.end == b.start for a, b in zip(plan, plan[1:]))


def test_shards_merge_to_the_table_of_one_process(tmp_path, codebook):
    write_table_corpus(tmp_path)
    single = tmp_path / "single.csv"
    agenda.code_to(tmp_path / "news.csv", codebook, single)
    runner = CliRunner()
    for i in (1, 2, 3):
        args = ["code", str(tmp_path / "news.csv"), "-c", str(codebook), "-o", str(tmp_path / f"s{i}")]
        result = runner.invoke(main, [*args, "--shard", f"{i}/3", "--partition-mb", "1", "-q"])
        assert result.exit_code == 0, result.output
    # 1 MB partitions make one partition: shards 2 and 3 are empty datasets, and merge still needs them
    result = runner.invoke(
        main, ["merge", *(str(tmp_path / f"s{i}") for i in (1, 2, 3)), "-o", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.csv").read_bytes() == single.read_bytes()
    shards = [tmp_path / f"t{i}" for i in (1, 2, 3, 4)]
    for i, out in enumerate(shards, 1):
        agenda.code_dataset(tmp_path / "news.csv", codebook, out, shard=(i, 4), partition_bytes=700)
    merged = agenda.merge(shards, tmp_path / "m.parquet")
    assert merged.rows == pl.read_csv(single).height
    assert pl.read_parquet(tmp_path / "m.parquet").equals(agenda.code(tmp_path / "news.csv", codebook))
    agenda.merge(shards, str(tmp_path / "merged") + "/")
    both = [agenda.shares(t, by="source", seed=3) for t in (single, tmp_path / "merged", tmp_path / "m.parquet")]
    assert both[0].write_csv() == both[1].write_csv() == both[2].write_csv()


def test_a_rerun_skips_partitions_coded_with_the_same_codebook(tmp_path, codebook):
    write_table_corpus(tmp_path)
    out = tmp_path / "out"
    first = agenda.code_dataset(tmp_path / "news.jsonl", codebook, out, shard="1/1", partition_bytes=900)
    assert first.partitions >= 7 and first.skipped == 0
    part = sorted((out / "coded").iterdir())[2]
    stamp = part.stat().st_mtime_ns
    again = agenda.code_dataset(tmp_path / "news.jsonl", codebook, out, shard="1/1", partition_bytes=900)
    assert (again.partitions, again.skipped) == (0, first.partitions)
    assert part.stat().st_mtime_ns == stamp
    codebook.write_text(codebook.read_text().replace("[gas]", "[gas, prices]"))
    changed = agenda.code_dataset(tmp_path / "news.jsonl", codebook, out, shard="1/1", partition_bytes=900)
    assert (changed.partitions, changed.skipped) == (first.partitions, 0)
    long = agenda.code_dataset(tmp_path / "news.jsonl", codebook, out, shard="1/1", partition_bytes=900, long=True)
    assert long.partitions == first.partitions  # other options: coded again
    assert scan_dataset(out)[0].collect().equals(agenda.code(tmp_path / "news.jsonl", codebook, long=True))
    fewer = agenda.code_dataset(tmp_path / "news.jsonl", codebook, out, shard="1/1", partition_bytes=3000)
    assert len(list((out / "coded").iterdir())) == len(list((out / "documents").iterdir())) == fewer.partitions
    assert pl.read_parquet(out / "coded" / "*.parquet").equals(agenda.code(tmp_path / "news.jsonl", codebook))


def test_per_document_sums_give_the_coverage_of_the_whole_table(tmp_path, codebook):
    write_table_corpus(tmp_path)
    written = agenda.code_dataset(tmp_path / "news.csv", codebook, tmp_path / "out", shard="1/1", partition_bytes=800)
    single = agenda.code_to(tmp_path / "news.csv", codebook, tmp_path / "one.parquet")
    assert written.coverage.equals(single.coverage)
    documents = pl.read_parquet(tmp_path / "out" / "documents" / "*.parquet")
    assert documents.height == 60 and documents["units"].sum() == single.rows


def run(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    return result.exit_code, lines


def test_merge_refuses_a_missing_shard_and_another_codebook(tmp_path, codebook):
    write_table_corpus(tmp_path)
    shards = [tmp_path / f"s{i}" for i in (1, 2, 3)]
    for i, out in enumerate(shards, 1):
        agenda.code_dataset(tmp_path / "news.csv", codebook, out, shard=(i, 3), partition_bytes=900)
    code, lines = run(["merge", shards[0], shards[2], "-o", tmp_path / "m.csv"])
    assert code == 2 and lines == ["agenda: error: shard 2/3 is missing (given: 1/3, 3/3); merge needs every shard"]
    other = tmp_path / "other.yaml"
    other.write_text(codebook.read_text().replace("[gas]", "[oil]"))
    agenda.code_dataset(tmp_path / "news.csv", other, shards[1], shard=(2, 3), partition_bytes=900)
    code, lines = run(["merge", *shards, "-o", tmp_path / "m.csv"])
    assert code == 2 and len(lines) == 1 and "coded with codebook test" in lines[0] and "one codebook" in lines[0]
    assert not (tmp_path / "m.csv").exists() and not list(tmp_path.glob(".m.csv*"))
    (shards[0] / "manifest.json").unlink()
    code, lines = run(["merge", *shards, "-o", tmp_path / "m.csv"])
    assert code == 2 and len(lines) == 1 and "no manifest.json" in lines[0]
    with pytest.raises(agenda.AgendaError, match="I/N"):
        agenda.code_dataset(tmp_path / "news.csv", codebook, tmp_path / "x", shard="2 of 3")
    code, lines = run(["code", tmp_path / "news.csv", "-c", codebook, "-o", tmp_path / "x", "--shard", "4/3"])
    assert code == 2 and lines == ["agenda: error: --shard 4/3: I must lie between 1 and N"]


def test_duplicate_ids_across_partitions_are_an_error_without_a_manifest(tmp_path, codebook):
    frame = write_table_corpus(tmp_path)
    pl.concat([frame, frame.head(1)]).write_csv(tmp_path / "dup.csv")
    with pytest.raises(agenda.AgendaError, match="duplicate doc_id 'd000'"):
        agenda.code_dataset(tmp_path / "dup.csv", codebook, tmp_path / "out", shard="1/1", partition_bytes=900)
    assert not (tmp_path / "out" / "manifest.json").exists()
    with pytest.raises(agenda.AgendaError, match="no manifest.json"):
        agenda.shares(tmp_path / "out")


def test_a_partition_of_boilerplate_alone_is_no_error(tmp_path):
    codebook = make_codebook("- {id: a, code: 1, label: A, terms: {en: [alpha]}}", "units: {min_words: 3}\n")
    path = tmp_path / "c.csv"
    pl.DataFrame({"doc_id": ["x", "y"], "text": ["tiny", "alpha beta gamma delta"]}).write_csv(path)
    written = agenda.code_dataset(path, codebook, tmp_path / "out", shard="1/1", partition_bytes=10)
    assert written.rows == 1 and scan_dataset(tmp_path / "out")[0].collect()["a"].to_list() == [1]
    assert agenda.code_dataset(FOLDER, FLAGSHIP, tmp_path / "f", shard="1/1", partition_bytes=4000).rows == 71


PARENTS = """
- id: security
  code: 1
  label: Security
  terms: {en: [border]}
- id: arms
  code: 2
  label: Arms control
  parent: security
  terms: {en: [arms control]}
- id: ukraine
  code: 3
  label: Ukraine
  parent: security
  terms: {en: [ukraine]}
- id: energy
  code: 4
  label: Energy
  terms: {en: [gas]}
"""


@pytest.mark.parametrize(
    "options",
    [
        {"measure": "units", "by": "source"},
        {"measure": "words", "period": "week"},
        {"measure": "primary", "by": "source", "period": "month"},
        {"measure": "units", "ci": "wilson"},
    ],
)
def test_shares_of_a_dataset_come_from_its_document_sums_and_equal_those_of_the_table(tmp_path, monkeypatch, options):
    write_table_corpus(tmp_path, 90)
    codebook = tmp_path / "parents.yaml"
    codebook.write_text("codebook: p\nversion: '1'\nitems:\n" + "\n".join("  " + ln for ln in PARENTS.splitlines()))
    agenda.code_to(tmp_path / "news.csv", codebook, tmp_path / "one.csv")
    agenda.code_dataset(tmp_path / "news.csv", codebook, tmp_path / "ds", shard="1/1", partition_bytes=1200)
    expected = agenda.shares(tmp_path / "one.csv", codebook, seed=7, resamples=200, **options)
    unnamed = agenda.shares(tmp_path / "one.csv", seed=7, resamples=200, **options)  # items from the columns
    assert agenda.shares(tmp_path / "ds", seed=7, resamples=200, **options).write_csv() == unnamed.write_csv()

    def no_units(*args):
        raise AssertionError("the units were read, not the per-document sums")

    monkeypatch.setattr(importlib.import_module("agenda.shares"), "_unit_indicators", no_units)
    got = agenda.shares(tmp_path / "ds", codebook, seed=7, resamples=200, **options)
    assert got.write_csv() == expected.write_csv()
    assert got.filter(pl.col("item") == "security")["units_with_item"].sum() > 0


def test_datasets_count_the_units_they_drop_as_one_process_does(tmp_path):
    codebook = make_codebook(
        "- {id: a, code: 1, label: A, terms: {en: [alpha]}}", "units: {min_words: 3, drop: ['^Copyright']}\n"
    )
    path = tmp_path / "c.csv"
    texts = ["tiny", "alpha beta gamma delta\n\nCopyright 2021 Acme Inc", "alpha one two three\n\nshort one"]
    pl.DataFrame({"doc_id": ["x", "y", "z"], "text": texts}).write_csv(path)
    # By hand: "tiny" and "short one" have fewer than 3 words, the Copyright line is boilerplate.
    expected = {"empty": 0, "boilerplate": 1, "min_words": 2}
    shards = [tmp_path / f"s{i}" for i in (1, 2)]
    firsts = [
        agenda.code_dataset(path, codebook, s, shard=f"{i}/2", partition_bytes=10) for i, s in enumerate(shards, 1)
    ]
    assert sum(sum(w.dropped.values()) for w in firsts) == 3 and all(w.partitions for w in firsts)
    rerun = agenda.code_dataset(path, codebook, shards[0], shard="1/2", partition_bytes=10)
    assert rerun.partitions == 0 and rerun.dropped == firsts[0].dropped  # read back from the partitions' metadata
    merged = agenda.merge(shards, tmp_path / "all.parquet")
    assert merged.dropped == expected
    meta = pl.read_parquet_metadata(tmp_path / "all.parquet")
    assert {r: int(meta[f"dropped_{r}"]) for r in expected} == expected
    assert agenda.code_to(path, codebook, tmp_path / "one.parquet").dropped == expected
    agenda.merge(shards, f"{tmp_path}/all/")
    assert {r: int(v) for r, v in scan_dataset(tmp_path / "all")[1].items() if r.startswith("dropped_")} == {
        f"dropped_{r}": n for r, n in expected.items()
    }


def test_options_a_dataset_cannot_honour_are_refused(tmp_path):
    path = tmp_path / "c.csv"
    pl.DataFrame({"doc_id": ["x"], "text": ["alpha beta gamma"]}).write_csv(path)
    for option in (["--keep-dropped"], ["--all-units"], ["--unit-column", "text"]):
        status, lines = run(["code", path, "-c", FLAGSHIP, "-o", tmp_path / "d", "--shard", "1/1", *option])
        assert status == 2 and len(lines) == 1, lines
        assert f"{option[0]} is not available with --dask or --shard" in lines[0]
    assert not (tmp_path / "d").exists()
