"""Codebooks timed against each other on one corpus: `agenda code` with each in turn, round after
round, and the floor (polars reads the CSV and lower-cases the text) in every round.

Prints each run (wall seconds, user CPU seconds, peak RSS) and, per codebook, the medians and
their ratio to the first codebook's and to the floor's. A codebook given as REV:PATH is read
from git at that revision (`8810159:codebook/us-russia-2021.yaml` is the flagship 1.3.0).

    .venv/bin/python benchmarks/alternate.py benchmarks/data/corpus-1000mb-s1.csv \\
        8810159:codebook/us-russia-2021.yaml codebook/us-russia-2021.yaml --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import AGENDA, FLOOR, REPO, run_child  # noqa: E402


def codebook_file(spec: str, folder: Path) -> Path:
    """The codebook's path: a file, or REV:PATH written out of git into folder."""
    if Path(spec).exists() or ":" not in spec:
        return Path(spec)
    text = subprocess.run(["git", "show", spec], cwd=REPO, check=True, capture_output=True, text=True).stdout
    path = folder / f"{len(list(folder.iterdir()))}-{Path(spec.split(':', 1)[1]).name}"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("codebooks", nargs="+", help="codebook files, or REV:PATH from git")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {name: [] for name in ["floor", *args.codebooks]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "codebooks").mkdir()
        paths = {spec: codebook_file(spec, folder / "codebooks") for spec in args.codebooks}
        for k in range(args.rounds):
            runs["floor"].append(run_child([sys.executable, "-c", FLOOR, str(args.corpus)]))
            for spec, path in paths.items():
                out = folder / "coded.parquet"
                runs[spec].append(
                    run_child([str(AGENDA), "code", str(args.corpus), "-c", str(path), "-o", str(out), "-q"])
                )
                out.unlink()
            for name in runs:
                r = runs[name][-1]
                print(f"round {k + 1}  {name:40s} {r['seconds']:7.1f} s {r['user_seconds']:7.1f} user s", end="")
                print(f" {r['peak_rss_mb']:7,.0f} MB")
    median = {
        n: {m: statistics.median(r[m] for r in rs) for m in ("seconds", "user_seconds")} for n, rs in runs.items()
    }
    first = args.codebooks[0]
    print(f"\nmedians of {args.rounds} rounds: wall s, user s; ratios (wall, user) to {first} and to the floor")
    for name, m in median.items():
        to_first = "" if name == "floor" else ratios(m, median[first], ".2f")
        to_floor = ratios(m, median["floor"], ".1f")
        print(f"{name:40s} {m['seconds']:7.1f} {m['user_seconds']:7.1f}   {to_first:14s} {to_floor}")


def ratios(m: dict, to: dict, fmt: str) -> str:
    return ", ".join(f"{m[k] / to[k]:{fmt}}x" for k in ("seconds", "user_seconds"))


if __name__ == "__main__":
    main()
