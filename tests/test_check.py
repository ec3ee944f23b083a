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


DOCUMENTS = """codebook: documents
version: '1'
items:
  - id: cyber
    code: 1
    label: Cybercrime
    terms: [ransomware, {term: pipeline hack, from: 2021-05-01}]
    rules:
      - context: [the attack]
        window: 1
    examples:
      documents:
        - paragraphs: [A ransomware gang struck., Who was behind the attack?, Lunch is at noon., Was the attack over?]
          coded: [1, 2]
        - paragraphs: [The pipeline hack cost millions.]
          coded: [1]
          date: 2021-06-01
        - paragraphs: [The pipeline hack cost millions.]
          coded: []
          date: 2020-06-01
"""


def test_check_codes_example_documents_as_one_document(write):
    # Paragraph 2 is licensed by paragraph 1 (window 1); paragraph 4 is two units from it, so not.
    # The dated term holds on 2021-06-01 and not on 2020-06-01.
    result = run(write, DOCUMENTS)
    assert result.exit_code == 0, result.output
    assert "examples: 6 of 6 coded as expected" in result.output


def test_check_names_the_document_paragraph_coded_wrongly(write):
    result = run(write, DOCUMENTS.replace("coded: [1, 2]", "coded: [1, 2, 4]"))
    assert result.exit_code == 1
    assert "example should match cyber (0 hits): [document0.cyber, paragraph 4] Was the attack over?" in result.output
