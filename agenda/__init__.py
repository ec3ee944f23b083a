"""agenda: code corpora into agenda items with a YAML codebook, and measure agenda shares."""

__version__ = "0.1.0"

from agenda.code import code, code_units, long_units  # noqa: E402
from agenda.codebook import Codebook, Item, Rule, load_codebook, parse_codebook  # noqa: E402
from agenda.corpus import read_corpus  # noqa: E402
from agenda.errors import AgendaError  # noqa: E402
from agenda.segment import segment  # noqa: E402

__all__ = [
    "AgendaError",
    "Codebook",
    "Item",
    "Rule",
    "code",
    "code_units",
    "load_codebook",
    "long_units",
    "parse_codebook",
    "read_corpus",
    "segment",
]
