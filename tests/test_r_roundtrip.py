"""The real reader: R's haven opens our .dta and .sav and finds the labels, codes and whole texts.

Runs Rscript with haven (Debian packages r-base-core and r-cran-haven, installed by .ci/run).
In CI (CI=true) a missing Rscript or haven is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

import agenda
from agenda.export import write_table
from conftest import SEED

DATA = Path(__file__).resolve().parent / "data" / "export"
CODEBOOK = DATA / "codebook.yaml"
LONG = ("Украина " * 12_500)[:-1] + "!"  # 100,000 characters

R_SCRIPT = r"""
suppressMessages(library(haven))
args <- commandArgs(trailingOnly = TRUE)
expected <- strsplit(readChar(args[3], file.info(args[3])$size, useBytes = TRUE), "\x1e", fixed = TRUE)[[1]]
Encoding(expected) <- "UTF-8"
out <- character()
emit <- function(...) out <<- c(out, paste(..., sep = "\t"))
for (f in args[1:2]) {
  kind <- if (grepl("dta$", f)) "dta" else "sav"
  x <- if (kind == "dta") read_dta(f) else read_sav(f)
  for (v in names(x)) {
    label <- attr(x[[v]], "label")
    emit(kind, "varlabel", v, if (is.null(label)) "" else label)
  }
  labels <- attr(x$primary, "labels")
  for (i in seq_along(labels)) emit(kind, "value", as.integer(labels[[i]]), names(labels)[i])
  emit(kind, "primary", paste(as.integer(zap_labels(x$primary)), collapse = ","))
  emit(kind, "dataset", attr(x, "label"))
  emit(kind, "notes", paste(attr(x, "notes"), collapse = "|"))
  parts <- grep("^text(_[0-9]+)?$", names(x), value = TRUE)
  text <- do.call(paste0, unname(as.list(x[parts])))
  emit(kind, "text_identical", identical(enc2utf8(text), expected))
  emit(kind, "longest", max(nchar(text)))
}
con <- file(args[4], open = "w", encoding = "UTF-8")
writeLines(enc2utf8(out), con)
close(con)
"""


def rscript() -> str | None:
    """The Rscript command when R and haven are installed; in CI, fail when they are not."""
    found = shutil.which("Rscript")
    ok = found and subprocess.run([found, "-e", "library(haven)"], capture_output=True).returncode == 0
    if ok:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI needs Rscript with haven (apt-get install r-base-core r-cran-haven)")
    pytest.skip("Rscript with haven is not installed")


def test_haven_reads_labels_codes_and_long_text(tmp_path):
    r = rscript()
    corpus = [pl.DataFrame({"doc_id": ["long"], "text": [LONG], "Source Name": ["ТАСС"]})]
    if SEED.exists():
        corpus.insert(0, agenda.read_corpus(SEED).with_columns(pl.lit("Kremlin").alias("Source Name")))
    corpus = pl.concat(corpus, how="diagonal_relaxed")
    codebook = agenda.load_codebook(CODEBOOK)
    coded = agenda.code(corpus, codebook, keep_text=True)
    for suffix in ("dta", "sav"):
        write_table(coded, tmp_path / f"coded.{suffix}", codebook.provenance(), codebook=codebook)
    (tmp_path / "expected.txt").write_text("\x1e".join(coded["text"]), encoding="utf-8")  # texts hold newlines
    (tmp_path / "check.R").write_text(R_SCRIPT, encoding="utf-8")
    files = [str(tmp_path / n) for n in ("coded.dta", "coded.sav", "expected.txt", "out.tsv")]
    result = subprocess.run([r, str(tmp_path / "check.R"), *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in (tmp_path / "out.tsv").read_text("utf-8").splitlines()]
    codes = {"strategic_stability": 10, "ukraine": 20, "cybercrime": 30, "jcpoa": 5}
    expected_primary = ",".join("NA" if p is None else str(codes[p]) for p in coded["primary"])
    for kind in ("dta", "sav"):
        got = {}
        for line in lines:
            if line[0] == kind:
                got.setdefault(line[1], []).append(line[2:])
        varlabels = {name: label for name, label in got["varlabel"]}
        assert varlabels["ukraine"] == "Украина (Ukraine)"
        assert varlabels["strategic_stability"] == "Strategic stability"
        assert varlabels["Source_Name"] == "Source Name"
        assert varlabels["primary"] == "Primary agenda item (most hits)"
        values = {int(code): label for code, label in got["value"]}
        assert values == {
            10: "Strategic stability",
            20: "Украина (Ukraine)",
            30: "Cybercrime and ransomware",
            5: "Iran nuclear deal (JCPOA)",
        }
        assert got["primary"] == [[expected_primary]] and "20" in expected_primary
        assert got["dataset"][0][0].startswith(f"export-test 0.3.0 (sha256 {codebook.sha256[:12]})")
        assert f"codebook_sha256={codebook.sha256}" in got["notes"][0][0]
        assert got["text_identical"] == [["TRUE"]]
        assert got["longest"] == [["100000"]]
