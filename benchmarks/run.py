"""Benchmark `agenda code` end to end and check its counts against the plain-`re` reference.

    .venv/bin/python benchmarks/run.py --mb 100
    .venv/bin/python benchmarks/run.py --mb 1000 --formats csv

Generates the corpus if it is missing (benchmarks/make_corpus.py), then for each codebook (the
flagship codebook/us-russia-2021.yaml, the generated 30 x 60 one and the 10,000-entry dictionary of
benchmarks/big_dictionary.py) and each input format runs
`.venv/bin/agenda code CORPUS -c CODEBOOK -o OUT.parquet` as a subprocess: read, split, code,
write. Reports MB/s (of corpus text), units/s and the child's peak RSS, then checks a sample of
units (2,000 by default) against benchmarks/reference.py. The floor, in the same run: polars reads
the CSV and lower-cases the text (one child process, timed alike). Then it checks:

- end to end: the sampled documents have the same units, and every item without regex
  `patterns` has the same hits, n_items and primary as the reference;
- all items: the engine in-process (agenda.code_units) on the sampled units with the codebook's
  `patterns` removed gives the same hits as the reference (which does not implement patterns);
- all items, patterns included: the engine's output equals its exact path (every rule and
  exclusion in one alternation, on every unit) on the sampled units.

Exit status 1 when a count differs. Results also go to benchmarks/data/results-<mb>mb.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import big_dictionary  # noqa: E402
import make_corpus  # noqa: E402
import reference  # noqa: E402
from large_codebook import DEFAULT_OUT as LARGE  # noqa: E402
from large_codebook import RULES_OUT as RULES  # noqa: E402
from large_codebook import write as write_large  # noqa: E402

FLAGSHIP = REPO / "codebook" / "us-russia-2021.yaml"
BIG = big_dictionary.DATA / "big-dictionary-70.yaml"
FLOOR = "import sys, polars as pl; pl.scan_csv(sys.argv[1]).select(pl.col('text').str.to_lowercase()).collect()"
AGENDA = REPO / ".venv" / "bin" / "agenda"
TARGETS = {"us-russia-2021": 50.0, "benchmark-large": 20.0}  # MB/s, issue 6


def machine() -> dict:
    from agenda.engine.scan import native

    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram": mem,
        "python": platform.python_version(),
        "polars": pl.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "load_before": os.getloadavg(),
        "agenda_commit": _git("rev-parse", "--short", "HEAD"),
        "agenda_modified": _git("status", "--porcelain", "--", "agenda"),
        "native": native(),  # the C passes of agenda.engine._scan, or polars alone
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_agenda(corpus: Path, codebook: Path, out: Path) -> dict:
    """One `agenda code` run as a child process: wall seconds and the child's own peak RSS."""
    return run_child([str(AGENDA), "code", str(corpus), "-c", str(codebook), "-o", str(out), "-q"])


def run_child(cmd: list[str]) -> dict:
    """A child process: wall seconds, CPU seconds (user + system) and its own peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's rusage; getrusage(RUSAGE_CHILDREN) would be the max over all runs so far.
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{Path(cmd[0]).name} failed ({proc.returncode}): {' '.join(cmd)}\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": cpu,
        "user_seconds": usage.ru_utime,
    }


def text_mb(csv_path: Path) -> float:
    return pl.scan_csv(csv_path).select(pl.col("text").str.len_bytes().sum()).collect().item() / 1e6


def sample_documents(csv_path: Path, n_units: int, seed: int, codebook: reference.RefCodebook):
    """Random documents whose reference units add up to at least n_units: {doc_id: text}."""
    ids = pl.scan_csv(csv_path).select("doc_id").collect()["doc_id"].to_list()
    rng = random.Random(seed)
    rng.shuffle(ids)
    chosen, total, step = {}, 0, 200
    for start in range(0, len(ids), step):
        batch = ids[start : start + step]
        docs = pl.scan_csv(csv_path).filter(pl.col("doc_id").is_in(batch)).select("doc_id", "text").collect()
        for doc_id, text in docs.iter_rows():
            chosen[doc_id] = text
            total += len(reference.units(text, codebook.min_words, codebook.drop))
            if total >= n_units:
                return chosen
    return chosen


def check(codebook_path: Path, coded_path: Path, docs: dict[str, str], examples: int = 5) -> dict:
    """Compare the engine's output (and the engine in-process, patterns removed) with the reference."""
    import agenda

    data = yaml.safe_load(codebook_path.read_text("utf-8"))
    ref_full = reference.codebook_from_data(data)
    with_patterns = {i.id for i in ref_full.items if i.has_patterns}
    stripped = reference.strip_patterns(data)
    ref = reference.codebook_from_data(stripped)
    ids = ref.item_ids
    rows = [r for doc_id, text in docs.items() for r in reference.code_document(doc_id, text, ref)]
    schema = {"doc_id": pl.String, "unit": pl.UInt32, **dict.fromkeys(ids, pl.Int64), "n_items": pl.Int64}
    expected = pl.DataFrame(rows, schema={**schema, "primary": pl.String})
    engine = pl.scan_parquet(coded_path).filter(pl.col("doc_id").is_in(list(docs))).collect()
    problems: list[str] = []

    keys_ref = set(expected.select("doc_id", "unit").iter_rows())
    keys_eng = set(engine.select("doc_id", "unit").iter_rows())
    for key in sorted(keys_ref ^ keys_eng)[:examples]:
        problems.append(f"unit {key}: {'only in reference' if key in keys_ref else 'only in engine'}")

    # End to end: items without patterns, and n_items/primary when no item has patterns.
    plain = [i for i in ids if i not in with_patterns]
    joined = expected.join(engine, on=["doc_id", "unit"], suffix="_engine")
    mismatched = _item_mismatches(joined, plain, docs, problems, examples)

    if not with_patterns:
        for col in ("n_items", "primary"):
            bad = joined.filter(pl.col(col).ne_missing(pl.col(f"{col}_engine")))
            mismatched += bad.height
            for row in bad.head(examples).iter_rows(named=True):
                problems.append(
                    f"{row['doc_id']} unit {row['unit']} {col}: engine {row[col + '_engine']}, reference {row[col]}"
                )

    # In process, every item, patterns removed from the codebook on both sides.
    units = pl.DataFrame(
        [(d, n, t) for d, text in docs.items() for n, t in reference.units(text, ref.min_words, ref.drop)],
        schema={"doc_id": pl.String, "unit": pl.UInt32, "text": pl.String},
        orient="row",
    )
    cb = agenda.parse_codebook(yaml.safe_dump(stripped, allow_unicode=True), source=f"{codebook_path} (no patterns)")
    inproc = agenda.code_units(units, cb).collect()
    both = expected.join(inproc, on=["doc_id", "unit"], suffix="_engine")
    mismatched_inproc = _item_mismatches(both, ids, docs, problems, examples, "(no patterns) ")
    # End to end, every item with its patterns, against the engine's exact path: one alternation of
    # all rules and exclusions on every unit, without the screens, triggers and fast scans.
    from agenda.code import min_hits_columns
    from agenda.engine.events import hits, item_events
    from agenda.engine.match import add_token_columns, compile_codebook

    full = agenda.load_codebook(codebook_path)
    tokens = add_token_columns(units.lazy(), full).collect()
    exact = (
        tokens.select("doc_id", "unit")
        .with_columns(
            hits(item_events(tokens, c), tokens.height).cast(pl.Int64).alias(c.item.id) for c in compile_codebook(full)
        )
        .with_columns(min_hits_columns(full))
    )
    exact_joined = exact.join(engine, on=["doc_id", "unit"], suffix="_engine")
    plain_rules = [i.id for i in full.items if not any(r.combined for r in i.rules + i.exclude)]  # no rule language
    mismatched_exact = _item_mismatches(exact_joined, plain_rules, docs, problems, examples, "(exact path) ", "exact")
    return {
        "units": expected.height,
        "mismatched_unit_items_exact_path": mismatched_exact,
        "documents": len(docs),
        "items_compared_end_to_end": len(plain),
        "items_with_patterns": sorted(with_patterns),
        "unit_set_differences": len(keys_ref ^ keys_eng),
        "mismatched_unit_items": mismatched,
        "mismatched_unit_items_no_patterns": mismatched_inproc,
        "hits_reference": int(sum(expected[i].sum() for i in ids)),
        "ok": not problems,
        "problems": problems[:20],
    }


def _item_mismatches(
    joined: pl.DataFrame,
    items: list[str],
    docs: dict[str, str],
    problems: list[str],
    examples: int,
    label: str = "",
    other: str = "reference",
) -> int:
    """Units whose hits differ between an item's column and its `_engine` twin; the first few go to problems."""
    mismatched = 0
    for item in items:
        bad = joined.filter(pl.col(item) != pl.col(f"{item}_engine"))
        mismatched += bad.height
        for row in bad.head(examples).iter_rows(named=True):
            problems.append(
                f"{label}{row['doc_id']} unit {row['unit']} item {item}: engine {row[item + '_engine']}, "
                f"{other} {row[item]}: {_unit_text(docs[row['doc_id']], row['unit'])[:300]!r}"
            )
    return mismatched


def _unit_text(text: str, unit: int) -> str:
    for n, piece in reference.units(text):
        if n == unit:
            return piece
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100, help="corpus size in MB of text (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="csv", help="input formats to time: csv,parquet,txt (default csv)")
    parser.add_argument("--codebook", type=Path, action="append", help="codebooks (default: flagship and large)")
    parser.add_argument("--sample", type=int, default=2000, help="units checked against the reference")
    parser.add_argument("--no-check", action="store_true", help="skip the reference check")
    parser.add_argument(
        "--rules", action="store_true", help="also the 30 x 60 codebook with 200 near and 50 context rules"
    )
    args = parser.parse_args()

    mb = int(args.mb) if args.mb.is_integer() else args.mb
    formats = [f for f in args.formats.split(",") if f]
    if not LARGE.exists():
        write_large()
    if args.rules and not RULES.exists():
        write_large(RULES, rules=True)
    if not args.codebook and not BIG.exists():
        big_dictionary.write()
    codebooks = args.codebook or [p for p in (FLAGSHIP, LARGE, BIG) if p.exists()]
    codebooks += [RULES] if args.rules else []
    if FLAGSHIP not in codebooks and not args.codebook:
        print(f"note: {FLAGSHIP} is missing; benchmarking the large codebook only", file=sys.stderr)
    paths = make_corpus.corpus_paths(mb, args.seed)
    missing = [f for f in set(formats) | {"csv"} if not paths[f].exists()]
    if missing:
        print(f"generating the {mb} MB corpus ({', '.join(sorted(missing))}) ...", file=sys.stderr)
        make_corpus.generate(mb, args.seed, tuple(sorted(missing)), codebooks=None)
    info = machine()
    size = text_mb(paths["csv"])
    out_dir = make_corpus.DATA / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    floor = run_child([sys.executable, "-c", FLOOR, str(paths["csv"])])
    results = []
    for cb_path in codebooks:
        cb_id = yaml.safe_load(cb_path.read_text("utf-8"))["codebook"]
        for fmt in formats:
            out = out_dir / f"coded-{cb_id}-{mb}mb-{fmt}.parquet"
            print(f"agenda code {paths[fmt].name} -c {cb_path.name} ...", file=sys.stderr, flush=True)
            timing = run_agenda(paths[fmt], cb_path, out)
            n_units = pl.scan_parquet(out).select(pl.len()).collect().item()
            results.append(
                {
                    "codebook": cb_id,
                    "codebook_path": str(cb_path.relative_to(REPO)) if cb_path.is_relative_to(REPO) else str(cb_path),
                    "format": fmt,
                    "mb": round(size, 1),
                    "units": n_units,
                    **timing,
                    "mb_per_s": size / timing["seconds"],
                    "units_per_s": n_units / timing["seconds"],
                    "target_mb_per_s": TARGETS.get(cb_id),
                    "output": out,
                }
            )
    info["load_after"] = os.getloadavg()

    checks = {}
    if not args.no_check:
        for cb_path in codebooks:
            cb_id = yaml.safe_load(cb_path.read_text("utf-8"))["codebook"]
            ref = reference.load(cb_path)
            docs = sample_documents(paths["csv"], args.sample, args.seed, ref)
            out = next(r["output"] for r in results if r["codebook"] == cb_id)
            started = time.perf_counter()
            checks[cb_id] = check(cb_path, out, docs)
            checks[cb_id]["seconds"] = round(time.perf_counter() - started, 1)

    print()
    print(
        f"machine: {info['cores']} cores ({info['usable_cores']} usable), {info['ram']} RAM, {info['cpu']}; "
        f"polars {info['polars']}, Python {info['python']}; load average before "
        f"{info['load_before'][0]:.2f}, after {info['load_after'][0]:.2f}"
    )
    modified = info["agenda_modified"].replace("\n", ",") or "none"
    engine = (
        "native passes (agenda.engine._scan)"
        if info["native"]
        else "polars alone (no agenda.engine._scan, or AGENDA_NATIVE=0)"
    )
    print(f"agenda: commit {info['agenda_commit']}, modified files in agenda/: {modified}; {engine}")
    print(f"corpus: {paths['csv'].relative_to(REPO)} ({size:.1f} MB of text), seed {args.seed}")
    print(
        f"floor (polars reads the CSV and lower-cases the text): {floor['seconds']:.1f} s, "
        f"{floor['cpu_seconds']:.1f} CPU s, peak RSS {floor['peak_rss_mb']:,.0f} MB"
    )
    print()
    columns = "codebook|input|MB|units|seconds|CPU s|MB/s|units/s|peak RSS MB|target MB/s|same as `re`"
    print("| " + " | ".join(columns.split("|")) + " |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        c = checks.get(r["codebook"])
        same = "not checked" if c is None else ("yes" if c["ok"] else "NO")
        if c is not None and r["format"] != formats[0]:
            same = "-"
        target = r["target_mb_per_s"]
        met = "" if target is None else f"{target:.0f} ({'met' if r['mb_per_s'] >= target else 'not met'})"
        print(
            f"| {r['codebook']} | {r['format']} | {r['mb']:.0f} | {r['units']:,} | {r['seconds']:.1f} | "
            f"{r['cpu_seconds']:.1f} | "
            f"{r['mb_per_s']:.1f} | {r['units_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} | {met} | {same} |"
        )
    for cb_id, c in checks.items():
        print()
        print(
            f"check {cb_id}: {c['units']} units of {c['documents']} documents, {c['hits_reference']} reference hits; "
            f"end to end on {c['items_compared_end_to_end']} items without patterns: "
            f"{c['unit_set_differences']} unit-set differences, {c['mismatched_unit_items']} mismatched unit-items; "
            f"in process with patterns removed: {c['mismatched_unit_items_no_patterns']} mismatched; "
            f"end to end on all items against the exact path: {c['mismatched_unit_items_exact_path']} mismatched "
            f"({'OK' if c['ok'] else 'DIFFERENT'}, {c['seconds']}s)"
        )
        if c["items_with_patterns"]:
            print(f"  items with patterns (not in the reference): {', '.join(c['items_with_patterns'])}")
        for p in c["problems"]:
            print(f"  {p}")

    record = {"machine": info, "corpus": str(paths["csv"]), "floor": floor, "results": results, "checks": checks}
    result_path = make_corpus.DATA / f"results-{mb}mb.json"
    result_path.write_text(json.dumps(record, indent=2, default=str) + "\n", "utf-8")
    print(f"\nresults: {result_path.relative_to(REPO)}")
    if any(not c["ok"] for c in checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
