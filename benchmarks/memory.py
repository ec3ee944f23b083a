"""Peak memory of `agenda code` on a large corpus: does it stream, and does memory stay flat?

    .venv/bin/python benchmarks/memory.py --mb 1000                 # the 1 GB corpus, Parquet out
    .venv/bin/python benchmarks/memory.py --mb 1000 --copies 2      # 2 GB: the corpus and a copy
    .venv/bin/python benchmarks/memory.py --corpus my.csv other.csv --output csv

Runs `.venv/bin/agenda code CORPUS... -c CODEBOOK -o OUT -q` as a child process and reports its
peak resident set size (`ru_maxrss` from `resource.getrusage(RUSAGE_CHILDREN)`, the script's only
child), the seconds, MB/s of input and units/s. Without --corpus the generated corpus
benchmarks/data/corpus-<mb>mb-s1.csv is used (made by benchmarks/make_corpus.py when missing);
--copies N adds N-1 copies of it whose doc_ids are prefixed (`c2-d0000001`), made once under
benchmarks/data/, so that memory can be compared at 1x, 2x, ... the size with the same texts:
streaming keeps it flat. --in-memory runs the non-streaming path instead (`agenda.code`, the
whole table in memory, then `agenda.write_table`) for comparison.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"
AGENDA = REPO / ".venv" / "bin" / "agenda"
FLAGSHIP = REPO / "codebook" / "us-russia-2021.yaml"


def base_corpus(mb: float, seed: int) -> Path:
    """The generated CSV corpus of `mb` MB, made when missing."""
    sys.path.insert(0, str(HERE))
    import make_corpus

    path = make_corpus.corpus_paths(int(mb) if float(mb).is_integer() else mb, seed)["csv"]
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        make_corpus.generate(mb, seed, formats=("csv",))
    return path


def copy_of(path: Path, k: int) -> Path:
    """A copy of a CSV corpus with doc_ids prefixed `c<k>-`, streamed (made once)."""
    out = path.with_name(f"{path.stem}-copy{k}.csv")
    if not out.exists():
        tmp = out.with_suffix(".csv.tmp")
        lazy = pl.scan_csv(path, infer_schema_length=0)  # every column as written
        lazy.with_columns((pl.lit(f"c{k}-") + pl.col("doc_id")).alias("doc_id")).sink_csv(tmp)
        tmp.replace(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100, help="generated corpus size in MB of text (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--copies", type=int, default=1, help="code the corpus and N-1 copies of it (default 1)")
    parser.add_argument("--corpus", type=Path, nargs="+", help="corpus inputs to code instead of the generated one")
    parser.add_argument("--codebook", type=Path, default=FLAGSHIP, help="default: codebook/us-russia-2021.yaml")
    parser.add_argument("--output", choices=["parquet", "csv", "dta", "sav"], default="parquet")
    parser.add_argument("--long", action="store_true", help="write the long table")
    parser.add_argument("--in-memory", action="store_true", help="the non-streaming path, for comparison")
    parser.add_argument("--keep", action="store_true", help="keep the coded table (benchmarks/data/out/)")
    args = parser.parse_args()

    if args.corpus:
        inputs = args.corpus
    else:
        base = base_corpus(args.mb, args.seed)
        inputs = [base] + [copy_of(base, k) for k in range(2, args.copies + 1)]
    (DATA / "out").mkdir(parents=True, exist_ok=True)
    out = DATA / "out" / f"memory.{args.output}"
    extra = ["--long"] if args.long else []
    if args.in_memory:
        script = (
            "import sys, agenda; mode, codebook, out, *corpus = sys.argv[1:]; cb = agenda.load_codebook(codebook); "
            "agenda.write_table(agenda.code(corpus, cb, long=mode == 'long'), out, cb.provenance(), codebook=cb)"
        )
        mode = "long" if args.long else "wide"
        command = [sys.executable, "-c", script, mode, str(args.codebook), str(out), *map(str, inputs)]
    else:
        command = [str(AGENDA), "code", *map(str, inputs), "-c", str(args.codebook), "-o", str(out), "-q", *extra]
    size = sum(p.stat().st_size for p in inputs)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    if result.returncode != 0:
        sys.exit(f"agenda code failed with status {result.returncode}")
    rows = None
    if args.output == "parquet":
        rows = pl.scan_parquet(out).select(pl.len()).collect().item()
    elif args.output == "csv":
        rows = json.loads(out.with_name(out.name + ".meta.json").read_text())["rows"]
    if not args.keep:
        out.unlink(missing_ok=True)
        out.with_name(out.name + ".meta.json").unlink(missing_ok=True)
    print("command:", "agenda.code + agenda.write_table" if args.in_memory else " ".join(command[1:]))
    print("| path | input MB | files | rows | seconds | MB/s | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {'in memory' if args.in_memory else 'streaming'} | {size / 1e6:,.0f} | {len(inputs)} | "
        f"{f'{rows:,}' if rows is not None else '-'} | {seconds:.1f} | {size / 1e6 / seconds:.1f} | "
        f"{f'{rows / seconds:,.0f}' if rows is not None else '-'} | {peak:,.0f} |"
    )


if __name__ == "__main__":
    main()
