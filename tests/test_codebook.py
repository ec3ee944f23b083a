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


HEAD = "codebook: c\nversion: '1'\n"


def bomb(levels: int = 9, width: int = 9) -> str:
    """An alias bomb: each level a list of `width` aliases of the level below (9**9 strings in all)."""
    lines = ["l0: &l0 [lol]"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly(write):
    import time

    started = time.perf_counter()
    message = error_of(write, HEAD + bomb() + "items:\n" + GOOD_ITEM)
    # Expanded, level k holds 1 + 9 x level k-1 nodes: 2, 19, 172, ..., 125,479, then 1,129,312 on line 9.
    assert message.endswith(
        "cb.yaml: line 9: more than 1,000,000 values once its aliases are expanded (an alias bomb?)"
        "; write the values out"
    )
    assert time.perf_counter() - started < 10


def test_aliases_of_a_reasonable_size_are_read():
    items = (
        "items:\n  - {id: a, code: 1, label: A, terms: &t [alpha, beta]}\n  - {id: b, code: 2, label: B, terms: *t}\n"
    )
    codebook = agenda.parse_codebook(HEAD + items)
    assert [r.text for r in codebook.item("b").rules] == ["alpha", "beta"]


def test_an_alias_inside_itself_is_refused():
    with pytest.raises(AgendaError, match="line 3: an alias refers to a node that contains it"):
        agenda.parse_codebook(HEAD + "items: &x\n  - *x\n")


def test_duplicate_keys_are_refused_naming_key_and_line(write):
    message = error_of(write, HEAD + "items:\n  - id: a\n    code: 1\n    label: A\n    label: B\n")
    assert message.endswith("cb.yaml: line 7: duplicate key 'label' (first on line 6)")
    message = error_of(write, HEAD + "version: '2'\nitems:\n" + GOOD_ITEM)
    assert message.endswith("cb.yaml: line 3: duplicate key 'version' (first on line 2)")
    merged = HEAD + "base: &b {code: 1, label: A}\n"  # a merge key may repeat what it merges
    assert "unknown key" in error_of(write, merged + "items:\n  - {<<: *b, id: a, label: B}\n")


def test_deep_nesting_ends_in_one_line(write):
    for depth in (150, 3000):
        text = HEAD + "description: " + "[" * depth + "]" * depth + "\nitems:\n" + GOOD_ITEM
        message = error_of(write, text)
        assert "cb.yaml" in message and ("nested more than 100 levels" in message or "nesting depth" in message)


@pytest.mark.parametrize("item_id", ["n_items", "n_words", "primary", "doc_id", "unit", "text", "item", "text_2"])
def test_item_ids_that_are_table_columns_are_refused(write, item_id):
    message = error_of(write, HEAD + f"items:\n  - {{id: {item_id}, code: 1, label: A, terms: [x]}}\n")
    assert f"items[0].id: {item_id!r} is the name of a column of the coded table" in message
    from click.testing import CliRunner

    from agenda.cli import main

    checked = CliRunner().invoke(
        main, ["check", str(write("cb.yaml", HEAD + f"items:\n  - {{id: {item_id}, code: 1, label: A}}\n"))]
    )
    assert checked.exit_code == 2 and "is the name of a column of the coded table" in checked.stderr


def test_codes_and_min_hits_are_bounded_integers(write):
    assert "1.5 is not of type 'integer'" in error_of(write, HEAD + "items:\n  - {id: a, code: 1.5, label: A}\n")
    codebook = load(write, HEAD + "items:\n  - {id: a, code: 2.0, label: A, min_hits: 3.0}\n")
    assert (codebook.items[0].code, codebook.items[0].min_hits) == (2, 3)
    assert type(codebook.items[0].code) is int and type(codebook.items[0].min_hits) is int
    message = error_of(write, HEAD + "items:\n  - {id: a, code: 1, label: A, min_hits: 99999999999999999999}\n")
    assert "min_hits" in message and "is greater than the maximum of 2147483647" in message
    message = error_of(write, HEAD + "units: {min_words: 1e300}\nitems:\n" + GOOD_ITEM)
    assert "units.min_words" in message


def test_without_libyaml_the_same_bounds_hold():
    import yaml

    from agenda import yamlsafe

    with pytest.raises(AgendaError, match="x.yaml: line 7: more than 1,000,000 values"):
        yamlsafe.load(bomb(), "x.yaml", yaml.SafeLoader)
    for depth in (150, 3000):  # PyYAML's own composer recurses: past its depth, one line all the same
        with pytest.raises(AgendaError, match="x.yaml: (line 1: nested more than 100 levels|nested too deeply)"):
            yamlsafe.load("[" * depth + "]" * depth, "x.yaml", yaml.SafeLoader)
    with pytest.raises(AgendaError, match="x.yaml: line 2: duplicate key 'a'"):
        yamlsafe.load("a: 1\na: 2\n", "x.yaml", yaml.SafeLoader)
    assert yamlsafe.load("a: [1, 2]\n", "x.yaml", yaml.SafeLoader) == {"a": [1, 2]}
