"""Loading codebooks: every error names the file and the place."""

from __future__ import annotations

import pytest

import agenda
from agenda import AgendaError

GOOD_ITEM = "  - {id: a, code: 1, label: A, terms: [alpha]}\n"


def load(write, text: str) -> agenda.Codebook:
    return agenda.load_codebook(write("cb.yaml", text))


def error_of(write, text: str) -> str:
    with pytest.raises(AgendaError) as info:
        load(write, text)
    return str(info.value)


def test_valid_codebook_loads_with_defaults(write):
    cb = load(write, "codebook: c\nversion: 2.1.0\nitems:\n" + GOOD_ITEM)
    assert (cb.id, cb.version, cb.item_ids) == ("c", "2.1.0", ["a"])
    assert cb.units["split"] == "paragraph" and cb.items[0].min_hits == 1
    assert len(cb.sha256) == 64


def test_malformed_yaml_names_line_and_column(write):
    message = error_of(write, "codebook: c\nversion: 1\nitems:\n  - id: a\n   code: 1\n")
    assert "cb.yaml" in message and "line 5, column 4" in message and "malformed YAML" in message


def test_schema_violation_names_the_key_path_and_item(write):
    message = error_of(write, "codebook: c\nversion: '1'\nitems:\n" + GOOD_ITEM + "  - {id: Bad, code: 2, label: B}\n")
    assert "items[1].id" in message and "'Bad'" in message


def test_unknown_key_is_named(write):
    message = error_of(write, "codebook: c\nversion: '1'\nitems:\n  - {id: a, code: 1, label: A, term: [x]}\n")
    assert "items[0]" in message and "'term'" in message


def test_duplicate_ids_and_codes(write):
    dup_id = error_of(write, "codebook: c\nversion: '1'\nitems:\n" + GOOD_ITEM * 2)
    assert "items[1].id" in dup_id and "duplicate item id 'a'" in dup_id
    dup_code = error_of(write, "codebook: c\nversion: '1'\nitems:\n" + GOOD_ITEM + "  - {id: b, code: 1, label: B}\n")
    assert "items[1].code" in dup_code and "already used by 'a'" in dup_code


def test_invalid_regex_names_file_item_and_pattern(write):
    item = "  - {id: a, code: 1, label: A, patterns: ['(?<=x)y']}\n"
    message = error_of(write, "codebook: c\nversion: '1'\nitems:\n" + item)
    assert "cb.yaml" in message and "item 'a'" in message and "'(?<=x)y'" in message and "look-around" in message


def test_backreference_is_rejected(write):
    item = "  - {id: a, code: 1, label: A, patterns: ['(a)\\1']}\n"
    assert "backreferences" in error_of(write, "codebook: c\nversion: '1'\nitems:\n" + item)


def test_invalid_drop_pattern(write):
    text = "codebook: c\nversion: '1'\nunits: {drop: ['(']}\nitems:\n" + GOOD_ITEM
    assert "units.drop[0]" in error_of(write, text)


def test_unknown_parent_and_cycles(write):
    text = "codebook: c\nversion: '1'\nitems:\n  - {id: a, code: 1, label: A, parent: zz}\n"
    assert "unknown parent 'zz'" in error_of(write, text)
    cycle = "  - {id: a, code: 1, label: A, parent: b}\n  - {id: b, code: 2, label: B, parent: a}\n"
    assert "cycle" in error_of(write, "codebook: c\nversion: '1'\nitems:\n" + cycle)


def test_missing_file_and_bad_encoding(write, tmp_path):
    with pytest.raises(AgendaError, match="missing.yaml: no such file"):
        agenda.load_codebook(tmp_path / "missing.yaml")
    path = write("latin.yaml", b"codebook: c\nversion: '1'\nitems: []\n" + b"\xff")
    with pytest.raises(AgendaError, match="not valid UTF-8 at byte 35"):
        agenda.load_codebook(path)


def test_not_a_mapping(write):
    assert "a codebook is a YAML mapping" in error_of(write, "- just\n- a list\n")
