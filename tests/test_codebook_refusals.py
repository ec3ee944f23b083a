"""Rules that would count what no one said: patterns that match the empty string, terms made of
control characters, and patterns that could reach into text an exclusion cut out.

Each refusal happens when the codebook is loaded, in one line naming the item and the rule.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda import AgendaError
from agenda.cli import main


def codebook(rules: str, units: str = "") -> str:
    head = f"codebook: refusals\nversion: '1'\n{units}"
    return f"{head}items:\n  - id: sanctions\n    code: 1\n    label: Sanctions\n{rules}"


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ("    patterns: ['sanction|']\n", "pattern 'sanction|'"),
        ("    patterns: ['x*']\n", "pattern 'x*'"),
        ("    patterns: ['\\b']\n", "pattern '\\\\b'"),
        ("    patterns: ['(?:embargo)?']\n", "pattern '(?:embargo)?'"),
        ("    patterns: ['^']\n", "pattern '^'"),
        ("    terms: [sanction*]\n    exclude: [{pattern: 'a*'}]\n", "pattern 'a*'"),
    ],
)
def test_patterns_that_match_the_empty_string_are_refused(tmp_path, rules, named):
    path = tmp_path / "cb.yaml"
    path.write_text(codebook(rules))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert f"item 'sanctions': {named} matches the empty string" in result.stderr, result.stderr


def test_a_boilerplate_pattern_that_matches_the_empty_string_is_refused():
    # `drop: ['x*']` would match every paragraph and drop the whole corpus.
    with pytest.raises(AgendaError, match=r"units\.drop\[1\]: pattern 'x\*' matches the empty string"):
        agenda.parse_codebook(codebook("    terms: [sanction*]\n", "units: {drop: ['^Share this$', 'x*']}\n"))


@pytest.mark.parametrize("pattern", ["\\bSTART\\b", "sanctions?", "a+", "\\d{4}", "[^ ]+ regime"])
def test_patterns_that_need_a_character_are_accepted(pattern):
    agenda.parse_codebook(codebook(f"    patterns: ['{pattern}']\n"))


@pytest.mark.parametrize(
    ("rules", "control"),
    [
        ('    terms: ["\\0"]\n', "U+0000"),
        ('    terms: ["\\x01\\x02"]\n', "U+0001"),
        ('    terms: ["arms\\x00control"]\n', "U+0000"),
        ('    terms: [sanction*]\n    exclude: ["\\x1b"]\n', "U+001B"),
        ('    rules: [{near: [sanction*, "\\x7f"], within: 3}]\n', "U+007F"),
        ('    terms: [{term: "\\0", case_sensitive: true}]\n', "U+0000"),
    ],
)
def test_terms_with_control_characters_are_refused(rules, control):
    with pytest.raises(AgendaError, match=rf"item 'sanctions': .*holds a control character \({re.escape(control)}\)"):
        agenda.parse_codebook(codebook(rules))


def test_a_tab_inside_a_term_is_a_space():
    book = agenda.parse_codebook(codebook('    terms: ["arms\\tcontrol"]\n'))
    coded = agenda.code(pl.DataFrame({"doc_id": ["1"], "text": ["Arms control, said the envoy."]}), book)
    assert coded["sanctions"].to_list() == [1]


EXCLUDED = """\
    patterns: ['arms \\S+ control', 'arms . control', 'arms [^a] control', 'talks \\W*\\S+', 'nuclear [^ ]+']
    exclude: [strange, x, weapons, deal]
"""


def test_patterns_never_match_or_reach_across_excluded_text():
    """Counted by hand: an excluded word is cut out, and no pattern may match it or span it."""
    book = agenda.parse_codebook(codebook(EXCLUDED))
    text = [
        "We want arms strange control now.",  # the cut word sits where \S+ would match: 0
        "We want arms big control now.",  # nothing cut: `arms \S+ control` matches once
        "We want arms x control now.",  # `.` and `[^a]` would match the cut x: 0
        "We want arms y control now.",  # both match the one-letter word; the first wins: 1
        "The talks deal was off.",  # `\S+` cannot take the cut word: 0
        "Nuclear weapons",  # `[^ ]+` cannot take the cut word, so there is no match: 0
    ]
    coded = agenda.code(pl.DataFrame({"doc_id": [str(i) for i in range(6)], "text": text}), book)
    assert coded["sanctions"].to_list() == [0, 1, 0, 1, 0, 0]


def test_a_nul_in_the_text_is_matched_by_no_pattern():
    # NUL and + each stand apart as a token; a pattern's one-character class takes the + only.
    book = agenda.parse_codebook(codebook("    patterns: ['a \\S b', 'a \\W b', 'a [^q] b', 'a . b']\n"))
    coded = agenda.code(pl.DataFrame({"doc_id": ["1", "2"], "text": ["a\x00b", "a+b"]}), book)
    assert coded["sanctions"].to_list() == [0, 1]


@pytest.mark.parametrize("key", ["\\r", "\\x1e", "\\u2028", "\\x85"])
def test_an_error_naming_a_key_with_a_line_break_is_one_line(tmp_path, key):
    # Found by the fuzz test: a language key "\r" put a line break into the schema error's path.
    path = tmp_path / "cb.yaml"
    path.write_text(codebook(f'    terms: {{"{key}": null}}\n'))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("agenda: error: ") and len(result.stderr.splitlines()) == 1, repr(result.stderr)
