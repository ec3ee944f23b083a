"""Codebooks and the example corpus shipped inside the package, found by name wherever agenda runs.

They live in agenda/data/ and are read through importlib.resources, so `-c us-russia-2021` and
`agenda demo` work after a plain `pip install`, from any folder, as they do in a checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError

DATA = Path(str(resources.files("agenda").joinpath("data")))
CODEBOOKS = DATA / "codebooks"
CORPUS = DATA / "corpus"
FLAGSHIP = CODEBOOKS / "us-russia-2021.yaml"


def shipped_names() -> list[str]:
    """Names of the shipped codebooks (their ids), as `-c` takes them."""
    return sorted(path.stem for path in CODEBOOKS.glob("*.yaml"))


def locate(path: Path) -> Path:
    """A codebook file: path itself when it exists, else the shipped codebook that path names.

    A bare name (no folder, no suffix) that is neither a file nor a shipped codebook is an error
    listing the shipped ones; any other path is returned as given, for the reader to report.
    """
    if path.exists() or path.parent != Path(".") or path.suffix:
        return path
    shipped = CODEBOOKS / f"{path.name}.yaml"
    if shipped.is_file():
        return shipped
    names = ", ".join(shipped_names()) or "none"
    raise AgendaError(f"{path}: no such codebook file, nor a shipped codebook of that name (shipped: {names})")


def codebooks() -> pl.DataFrame:
    """The shipped codebooks: id (the name `-c` takes), version, title, number of items, file."""
    from agenda.codebook import load_codebook

    rows = []
    for name in shipped_names():
        path = CODEBOOKS / f"{name}.yaml"
        codebook = load_codebook(path)
        rows.append([codebook.id, codebook.version, codebook.title, len(codebook.items), str(path)])
    schema = {"id": pl.String, "version": pl.String, "title": pl.String, "items": pl.UInt32, "path": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")
