"""Importing dictionaries (quanteda, LIWC, Lexicoder, WordStat, Yoshikoder) and exporting codebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import agenda
from agenda import AgendaError
from agenda.cli import main
from agenda.dictionaries import export_codebook, import_dictionary
from conftest import REPO, hits

DATA = Path(__file__).resolve().parent / "data" / "dictionaries"


def imported(path: Path, tmp_path: Path, **kwargs) -> tuple[agenda.Codebook, list[str]]:
    out = tmp_path / (path.stem + ".yaml")
    _, report = import_dictionary(path, out=out, **kwargs)
    return agenda.load_codebook(out), report.notes


def by_id(codebook: agenda.Codebook) -> dict[str, agenda.Item]:
    return {item.id: item for item in codebook.items}


def test_quanteda_nested_keys_globs_and_counts(tmp_path):
    cb, notes = imported(DATA / "policy.yml", tmp_path)
    items = by_id(cb)
    assert cb.item_ids == ["economy", "defence", "defence_military", "defence_nuclear", "freedom", "economy_2"]
    assert [item.code for item in cb.items] == [1, 2, 3, 4, 5, 6]
    assert items["defence_military"].parent == "defence" and items["defence_military"].label == "defence.military"
    assert items["defence"].rules == ()  # a parent without its own values has no rules
    assert items["economy_2"].label == "Economy"  # keys differing in case stay apart, as in quanteda
    assert any("economy_2" in n for n in notes)
    text = (
        "Taxes and a tax job, jobs, the trade deficit. The army and the nation's defence; nuclear talks. A free people."
    )
    # quanteda: tax* x2, job? only "jobs", phrase x1; army, nation's defence; nuclear; free people.
    # The parent defence rolls its children up (2 + 1), as quanteda's dfm_lookup(levels = 1) does.
    assert hits(text, cb) == {
        "economy": 4,
        "defence": 3,
        "defence_military": 2,
        "defence_nuclear": 1,
        "freedom": 1,
        "economy_2": 0,
    }


def test_liwc_codes_nesting_and_quirks_reported(tmp_path):
    cb, notes = imported(DATA / "policy.dic", tmp_path)
    items = by_id(cb)
    assert [(i.id, i.code, i.parent) for i in cb.items] == [
        ("economy", 1, None),
        ("defence", 2, None),
        ("defence_military", 3, "defence"),
    ]
    assert any(":9:" in n and "conditional" in n for n in notes)
    assert any(":10:" in n and "<of>" in n for n in notes)
    assert any(":12:" in n and "category 99" in n for n in notes)
    assert "kind" not in {r.text for r in items["economy"].rules}
    counts = hits("Army soldiers like the budget and the trade deficit.", cb)
    # defence rolls up its child: its own 2 (army is listed in both) + defence_military's 2
    assert counts == {"economy": 3, "defence": 4, "defence_military": 2}


def test_imports_keep_words_with_inner_apostrophes_and_hyphens_whole(tmp_path):
    lc3 = tmp_path / "mini.lc3"
    lc3.write_text("+positive\nwon\nnation* defen*\nself-rule\n+negative\nwon't\n", encoding="utf-8")
    cb, _ = imported(lc3, tmp_path)
    assert cb.joins == agenda.codebook.Joins(hyphens=True, apostrophes=True)
    assert {r.kind for item in cb.items for r in item.rules} == {"term"}  # `*` before a word needs no pattern
    # Counted by hand as quanteda tokenises: "won't" is one token, so `won` counts the bare word only.
    text = "We won. They won't. The nation's defence, the nation\u2019s defenders; self-rule, self rule."
    assert hits(text, cb) == {"positive": 4, "negative": 1}


def test_lexicoder(tmp_path):
    cb, notes = imported(DATA / "policy.lc3", tmp_path)
    assert cb.item_ids == ["economy", "defence"] and notes == []
    assert hits("Tax cuts, the trade deficit and national defence.", cb) == {"economy": 2, "defence": 1}


def test_wordstat_weights_rules_and_phrases_translated(tmp_path):
    cb, notes = imported(DATA / "policy.cat", tmp_path)
    items = by_id(cb)
    assert [(i.id, i.label, i.parent) for i in cb.items] == [
        ("economy", "ECONOMY", None),
        ("economy_fiscal", "ECONOMY.FISCAL", "economy"),
        ("defence", "DEFENCE", None),
    ]
    assert [(r.text, r.weight) for r in items["economy"].rules] == [("tax*", 1), ("trade deficit", 1), ("budget", 2)]
    near = items["defence"].rules[1]
    assert (near.kind, [[t.text for t in g] for g in near.groups], near.within) == ("near", [["army"], ["navy"]], 3)
    assert notes == [n for n in notes if ":3:" in n and "'_'" in n] and len(notes) == 1
    # economy rolls its subcategory up: own 1 + economy_fiscal 2
    assert hits("The trade deficit and deficits; the army.", cb) == {"economy": 3, "economy_fiscal": 2, "defence": 1}
    # budget weighs 2; army and navy have 2 words between them (within 3): the term and the rule hit.
    assert hits("The budget of the army and the navy.", cb) == {"economy": 2, "economy_fiscal": 0, "defence": 2}
    # 4 words between them: the near rule does not hold.
    assert hits("The army, we hear, met with the navy.", cb)["defence"] == 1


def test_wordstat_not_near_and_after_rules(tmp_path):
    path = tmp_path / "rules.cat"
    path.write_text(
        "ENERGY\n\t@IRAN* NOT NEAR/3 (OIL, BARREL*) (1)\n\t@DEAL AFTER/2 NUCLEAR (1)\n\t@#OTHER NEAR X (1)\n",
        encoding="utf-8",
    )
    cb, notes = imported(path, tmp_path)
    item = cb.items[0]
    assert [r.text for r in item.rules if r.kind == "term"] == ["iran*"]
    after = next(r for r in item.rules if r.kind == "near")
    assert [[t.text for t in g] for g in after.groups] == [["nuclear"], ["deal"]] and after.ordered
    assert item.exclude[0].kind == "near" and item.exclude[0].within == 3
    assert len(notes) == 1 and ":4:" in notes[0] and "cannot be translated" in notes[0]
    # Iran near oil is cut; "nuclear deal" is the AFTER rule (deal after nuclear, 0 words between).
    assert hits("Iran sells oil.", cb)["energy"] == 0
    assert hits("Iran signed the nuclear deal.", cb)["energy"] == 2
    assert hits("The deal was nuclear.", cb)["energy"] == 0


def test_yoshikoder(tmp_path):
    cb, notes = imported(DATA / "policy.ykd", tmp_path)
    assert [(i.id, i.parent) for i in cb.items] == [
        ("economy", None),
        ("defence", None),
        ("defence_nuclear", "defence"),
    ]
    assert any(":7:" in n and "both" in n for n in notes)
    # defence rolls its child up: own 1 (army) + defence_nuclear 1
    assert hits("Taxes on the army and its nuclear forces.", cb) == {"economy": 1, "defence": 2, "defence_nuclear": 1}
    # "army's" is one token, as in quanteda: `army` does not match it.
    assert hits("The army's budget.", cb)["defence"] == 0


def test_import_is_byte_identical(tmp_path):
    for n in (1, 2):
        import_dictionary(DATA / "policy.yml", out=tmp_path / f"{n}.yaml")
    assert (tmp_path / "1.yaml").read_bytes() == (tmp_path / "2.yaml").read_bytes()


MALFORMED = [
    ("bad.yml", "economy:\n  - tax*\n - job\n", "bad.yml:3"),
    ("bad.yml", "economy:\n  - [tax, job]\n", "bad.yml:2"),
    ("bad.yml", "- tax\n", "bad.yml:1"),
    ("bad.dic", "1\teconomy\ntax*\t1\n", "bad.dic:1"),
    ("bad.dic", "%\n1\teconomy\n%\ntax*\t1\ntariff*\tone\n", "bad.dic:5"),
    ("bad.dic", "%\n1\teconomy\n1\tdefence\n%\n", "bad.dic:3"),
    ("bad.lc3", "tax*\n+economy\n", "bad.lc3:1"),
    ("bad.lc3", "+economy\ntax*\n+\n", "bad.lc3:3"),
    ("bad.cat", "ECONOMY\n\tTAX* (1)\nARMY (1)\n", "bad.cat:3"),
    ("bad.cat", "ECONOMY\n\t\t\tFISCAL\n", "bad.cat:2"),
    ("bad.ykd", '<dictionary name="d">\n<cnode name="e">\n<pnode name="tax*">\n</cnode>\n</dictionary>\n', "bad.ykd:4"),
    ("bad.ykd", '<dictionary name="d">\n<cnode>\n</cnode>\n</dictionary>\n', "bad.ykd:2"),
    ("bad.yml", b"economy:\n  - caf\xe9\n", "bad.yml:2"),
]


@pytest.mark.parametrize(("name", "content", "where"), MALFORMED)
def test_malformed_dictionary_names_file_and_line(write, tmp_path, name, content, where):
    path = write(name, content)
    with pytest.raises(AgendaError) as info:
        import_dictionary(path, out=tmp_path / "out.yaml")
    assert where in str(info.value)
    assert not (tmp_path / "out.yaml").exists()
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2
    assert result.output.startswith("agenda: error: ") and where in result.output
    assert "Traceback" not in result.output


def test_unknown_suffix_needs_format(write, tmp_path):
    path = write("dict.txt", "+economy\ntax*\n")
    with pytest.raises(AgendaError, match="--format"):
        import_dictionary(path)
    codebook, _ = import_dictionary(path, format="lexicoder")
    assert codebook["items"][0]["terms"] == ["tax*"]


def test_latin1_dictionary_with_encoding(write, tmp_path):
    path = write("fr.cat", "\xc9CONOMIE\n\tIMP\xd4T* (1)\n".encode("latin-1"))
    cb, _ = imported(path, tmp_path, encoding="latin-1")
    assert cb.item_ids == ["economie"] and cb.items[0].label == "\xc9CONOMIE"
    assert hits("Les impôts.", cb) == {"economie": 1}


def test_cli_import_writes_codebook_and_reports(tmp_path):
    out = tmp_path / "cb.yaml"
    result = CliRunner().invoke(main, ["import", str(DATA / "policy.cat"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "'_' read as a space" in result.output
    assert "'_' read as a space" in out.read_text()  # the notes are kept as comments in the codebook
    assert agenda.load_codebook(out).item_ids == ["economy", "economy_fiscal", "defence"]


def test_export_quanteda_round_trip(tmp_path):
    cb, _ = imported(DATA / "policy.yml", tmp_path)
    notes = export_codebook(cb, tmp_path / "back.yml")
    assert len(notes) == 1 and "'free *'" in notes[0] and "not exported" in notes[0]  # a lone `*`
    data = yaml.safe_load((tmp_path / "back.yml").read_text())
    assert data["defence"] == {"military": ["army", "nation* defen*"], "nuclear": ["nuclear"]}
    assert data["economy"] == ["tax*", "trade deficit", "job?"] and data["freedom"] == []
    again, _ = imported(tmp_path / "back.yml", tmp_path)
    kept = [(i.id, tuple(r for r in i.rules if r.text != "free *")) for i in cb.items]
    assert [(i.id, i.rules) for i in again.items] == kept


def test_export_liwc_round_trip(tmp_path):
    cb, _ = imported(DATA / "policy.dic", tmp_path)
    result = CliRunner().invoke(main, ["export-codebook", str(tmp_path / "policy.yaml"), "-o", str(tmp_path / "x.dic")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "x.dic").read_text()
    assert text.startswith("%\n1\teconomy\n2\tdefence\n\t3\tdefence_military\n%\n")
    assert "army\t2\t3\n" in text and "like\t1\t2\n" in text
    again, _ = imported(tmp_path / "x.dic", tmp_path)
    assert [(i.code, sorted(r.text for r in i.rules)) for i in again.items] == [
        (i.code, sorted(r.text for r in i.rules)) for i in cb.items
    ]


def test_export_reports_what_globs_cannot_say(write, tmp_path):
    path = write(
        "cb.yaml",
        "codebook: c\nversion: '1'\nitems:\n"
        "  - {id: a, code: 1, label: A, terms: [{term: US, case_sensitive: true}], patterns: ['\\bSTART\\b'],"
        " exclude: [financial stability], min_hits: 2}\n",
    )
    notes = export_codebook(path, tmp_path / "out.yml")
    assert len(notes) == 4
    assert yaml.safe_load((tmp_path / "out.yml").read_text()) == {"a": ["US"]}
    result = CliRunner().invoke(main, ["export-codebook", str(path), "-o", str(tmp_path / "out.txt")])
    assert result.exit_code == 2 and "--format" in result.output


def test_export_leaves_out_a_lone_star_and_says_so(write, tmp_path):
    # quanteda expands a lone `*` into every sequence of vocabulary types (millions on a large
    # corpus): such values are left out of both formats, with a note each.
    path = write(
        "cb.yaml",
        "codebook: c\nversion: '1'\nitems:\n"
        "  - {id: a, code: 1, label: A, terms: [against * diplomats, 'размещени* * ракет*', missile*]}\n",
    )
    notes = export_codebook(path, tmp_path / "out.yml")
    assert yaml.safe_load((tmp_path / "out.yml").read_text()) == {"a": ["missile*"]}
    assert len(notes) == 2 and all("lone '*'" in n and "not exported" in n for n in notes)
    assert "'against * diplomats'" in notes[0] and "размещени* * ракет*" in notes[1]
    liwc_notes = export_codebook(path, tmp_path / "out.dic")
    assert (tmp_path / "out.dic").read_text().endswith("%\nmissile*\t1\n") and len(liwc_notes) == 2


def test_the_flagship_exports_to_quanteda_without_a_lone_star(tmp_path):
    notes = export_codebook(agenda.load_codebook(REPO / "codebook" / "us-russia-2021.yaml"), tmp_path / "f.yml")
    values = [v for values in _leaves(yaml.safe_load((tmp_path / "f.yml").read_text())) for v in values]
    assert values and not [v for v in values if "*" in v.split()]
    assert sum("lone '*'" in n for n in notes) >= 1


def _leaves(data):
    for value in data.values():
        yield from _leaves(value) if isinstance(value, dict) else [value]


def test_a_quanteda_alias_bomb_is_refused_quickly(write, tmp_path):
    import time

    lines = ["l0: &l0 [lol]"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write("bomb.yml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    with pytest.raises(AgendaError, match=r"bomb.yml:7: more than 1,000,000 values once its aliases are expanded"):
        import_dictionary(path, out=tmp_path / "out.yaml")
    assert time.perf_counter() - started < 10 and not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("depth", [150, 600, 3000])
def test_deeply_nested_dictionaries_end_in_one_line(write, tmp_path, depth):
    cases = {
        "deep.yml": "k: " + "{a: " * depth + "[x]" + "}" * depth + "\n",
        "deep.ykd": '<dictionary name="d">'
        + '<cnode name="a">' * depth
        + '<pnode name="x"/>'
        + "</cnode>" * depth
        + "</dictionary>",
        "deep.cat": "".join("\t" * i + "CAT\n" for i in range(depth)) + "\t" * depth + "X (1)\n",
    }
    for name, text in cases.items():
        result = CliRunner().invoke(main, ["import", str(write(name, text)), "-o", str(tmp_path / "out.yaml")])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert name in result.stderr and (
            "nested more than 100 levels" in result.stderr or "nesting depth" in result.stderr
        )
    shallow = write(
        "ok.ykd",
        '<dictionary name="d">' + '<cnode name="a">' * 100 + '<pnode name="x"/>' + "</cnode>" * 100 + "</dictionary>",
    )
    codebook, _ = imported(shallow, tmp_path)
    assert len(codebook.items) == 100 and codebook.items[-1].parent == codebook.items[-2].id


def test_keys_named_like_table_columns_get_other_ids(write, tmp_path):
    codebook, notes = imported(write("cols.yml", "text: [a]\nprimary: [b]\nunit:\n  n_items: [c]\n"), tmp_path)
    assert codebook.item_ids == ["text_key", "primary_key", "unit_key", "unit_key_n_items"]
    assert [item.label for item in codebook.items] == ["text", "primary", "unit", "unit.n_items"]
    assert any("key 'text': id 'text_key'" in note for note in notes)


def test_liwc_export_of_terms_with_tabs_and_line_breaks_reads_back(write, tmp_path):
    path = write(
        "ws.yaml",
        'codebook: c\nversion: "1"\nitems:\n  - {id: a, code: 1, label: A, terms: ["arms\\tcontrol", "new\\nstart"]}\n',
    )
    notes = export_codebook(path, tmp_path / "ws.dic")
    assert (tmp_path / "ws.dic").read_text() == "%\n1\ta\n%\narms control\t1\nnew start\t1\n"
    assert "item 'a': 'arms\\tcontrol': its whitespace is written as single spaces" in notes
    again, _ = imported(tmp_path / "ws.dic", tmp_path)
    assert [r.text for r in again.items[0].rules] == ["arms control", "new start"]
    text = ["Talks on arms\tcontrol and the New\nSTART treaty.", "Arms control; new start."]
    assert hits(text, agenda.load_codebook(path)) == hits(text, again) == [{"a": 2}, {"a": 2}]
