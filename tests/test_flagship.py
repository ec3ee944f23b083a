"""The flagship codebook against a human coder: the seed article's gold coding and hand-written cases."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

import agenda
from conftest import FLAGSHIP, GOLD, REPO, SEED, hits

ITEMS = ["strategic_stability", "ukraine", "cybercrime", "jcpoa", "diplomatic_missions"]
CASES = yaml.safe_load((REPO / "tests" / "data" / "flagship_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def flagship() -> agenda.Codebook:
    return agenda.load_codebook(FLAGSHIP)


def test_flagship_has_the_five_items_with_their_codes(flagship):
    assert [(i.id, i.code) for i in flagship.items] == list(zip(ITEMS, range(1, 6)))
    assert all(i.description and i.color and i.examples_match and i.examples_no_match for i in flagship.items)


NO_SEED = pytest.mark.skipif(not GOLD.exists(), reason="needs ../shared/seed (the seed article and its gold coding)")


@NO_SEED
def test_seed_is_coded_as_gold(flagship):
    gold = pl.read_csv(GOLD)
    coded = agenda.code(SEED, flagship)
    by_unit = {row["unit"]: row for row in coded.iter_rows(named=True)}
    for row in gold.iter_rows(named=True):
        if row["note"] and row["note"].startswith("ambiguous"):
            continue
        ours = by_unit.get(row["paragraph"], dict.fromkeys(ITEMS, 0))  # dropped boilerplate codes nothing
        assert {i: int(ours[i] > 0) for i in ITEMS} == {i: row[i] for i in ITEMS}, row["first_words"]


@NO_SEED
def test_seed_boilerplate_is_dropped(flagship):
    units = agenda.code(SEED, flagship)["unit"].to_list()
    assert not {3, 18, 19, 20} & set(units)  # photo credit and site boilerplate (gold.csv)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_flagship_cases(flagship, case):
    coded = hits(case["text"], flagship)
    assert sorted(i for i in ITEMS if coded[i] > 0) == sorted(case["items"])


TWINS = [
    (
        "The presidents spent most of the call on Ukraine and on NATO's eastward expansion; they also "
        "touched on the Iran nuclear deal talks in Vienna.",
        "Большую часть разговора президенты посвятили Украине и расширению НАТО на восток; они также "
        "затронули переговоры в Вене по ядерной сделке с Ираном.",
    ),
    (
        "Experts of both countries will meet to discuss cybercrime and the work of the embassies, "
        "whose staff has been cut to a minimum.",
        "Эксперты двух стран встретятся, чтобы обсудить киберпреступность и работу посольств, "
        "штат которых сокращен до минимума.",
    ),
    (
        "Ryabkov said the dialogue on strategic stability would continue after the New START extension.",
        "Рябков заявил, что диалог по стратегической стабильности продолжится после продления ДСНВ.",
    ),
]


@pytest.mark.parametrize("english, russian", TWINS)
def test_russian_paragraph_codes_as_its_english_twin(flagship, english, russian):
    en, ru = hits([english, russian], flagship)
    assert {i for i in ITEMS if en[i]} == {i for i in ITEMS if ru[i]} != set()


def test_examples_of_the_flagship_pass(flagship):
    from agenda.check import run_examples

    wrong = [(r.item, r.text) for r in run_examples(flagship) if not r.ok]
    assert wrong == []
