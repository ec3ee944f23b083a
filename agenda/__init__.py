"""agenda: code corpora into agenda items with a YAML codebook, and measure agenda shares."""

__version__ = "0.1.0"

from agenda.agree import Agreement, agree  # noqa: E402
from agenda.code import code, code_batches, code_to, code_units, long_units  # noqa: E402
from agenda.codebook import Codebook, Item, Rule, load_codebook, parse_codebook  # noqa: E402
from agenda.corpus import Corpus, read_corpus  # noqa: E402
from agenda.demo import demo  # noqa: E402
from agenda.dictionaries import export_codebook, import_dictionary  # noqa: E402
from agenda.distributed import code_dataset  # noqa: E402
from agenda.engine.segment import segment  # noqa: E402
from agenda.errors import AgendaError  # noqa: E402
from agenda.explain import Explanation, explain  # noqa: E402
from agenda.export import export_table, read_coded, write_table  # noqa: E402
from agenda.kwic import kwic  # noqa: E402
from agenda.merge import merge  # noqa: E402
from agenda.report import report  # noqa: E402
from agenda.rules import rules  # noqa: E402
from agenda.shares import shares  # noqa: E402
from agenda.shipped import codebooks  # noqa: E402
from agenda.stata import valid_names  # noqa: E402
from agenda.suggest import suggest  # noqa: E402

# isort: split
# Validation: sample, weighted agreement, alpha, rule precision, codebook diff.
from agenda.agree import TopicAgreement  # noqa: E402
from agenda.alpha import alpha  # noqa: E402
from agenda.corrected import corrected_shares  # noqa: E402
from agenda.diff import CodebookDiff, diff  # noqa: E402
from agenda.rule_precision import RuleEvidence, rule_precision  # noqa: E402
from agenda.sample import Sample, sample, sample_size  # noqa: E402

__all__ = [
    "AgendaError",
    "Agreement",
    "Explanation",
    "agree",
    "explain",
    "kwic",
    "rules",
    "suggest",
    "Codebook",
    "Item",
    "Rule",
    "code",
    "codebooks",
    "code_batches",
    "code_dataset",
    "code_to",
    "code_units",
    "Corpus",
    "demo",
    "export_codebook",
    "export_table",
    "import_dictionary",
    "load_codebook",
    "long_units",
    "merge",
    "parse_codebook",
    "plot_shares",
    "read_coded",
    "read_corpus",
    "report",
    "segment",
    "shares",
    "valid_names",
    "write_table",
    "TopicAgreement",
    "alpha",
    "corrected_shares",
    "CodebookDiff",
    "diff",
    "RuleEvidence",
    "rule_precision",
    "Sample",
    "sample",
    "sample_size",
]


def __getattr__(name: str):
    """plot_shares loads matplotlib only when a chart is drawn."""
    if name == "plot_shares":
        from agenda.plot import plot_shares

        return plot_shares
    raise AttributeError(f"module 'agenda' has no attribute {name!r}")
