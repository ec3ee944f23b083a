"""`agenda check`: validation, lint warnings, and the codebook's own examples."""

from __future__ import annotations

from click.testing import CliRunner

from agenda.cli import main

CODEBOOK = """codebook: check-test
version: '1'
items:
  - id: arms
    code: 1
    label: Arms control
    terms: [arms control, New START*, New START treaty, arms control, arms controls*, arms controlsx]
    examples:
      match: [They discussed arms control., The New START treaty expires.]
      no_match: [They discussed trade.]
  - id: empty
    code: 2
    label: Nothing yet
"""


def run(write, text: str):
    path = write("cb.yaml", text)
    return CliRunner().invoke(main, ["check", str(path)])


def test_check_reports_summary_warnings_and_examples(write):
    result = run(write, CODEBOOK)
    assert result.exit_code == 0, result.output
    assert "check-test 1, 2 items, valid" in result.output
    assert "| arms " in result.output and "| empty " in result.output
    assert "term 'arms control' duplicates 'arms control'" in result.output
    assert "term 'arms controlsx' is already covered by 'arms controls*'" in result.output
    assert "'New START treaty' is already covered" not in result.output  # a glob stays inside one word
    assert "item 'empty': has no terms or patterns" in result.output
    assert "examples: 3 of 3 coded as expected" in result.output


def test_check_exits_1_when_an_example_is_coded_wrongly(write):
    wrong = CODEBOOK.replace("no_match: [They discussed trade.]", "no_match: ['Arms control, not trade.']")
    result = run(write, wrong)
    assert result.exit_code == 1
    assert "example should not match arms (1 hits): Arms control, not trade." in result.output
    assert "examples: 2 of 3 coded as expected" in result.output


def test_check_exits_2_on_an_invalid_codebook(write):
    result = run(write, CODEBOOK.replace("id: arms", "id: Arms"))
    assert result.exit_code == 2
