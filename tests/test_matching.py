"""Each matching rule of DESIGN.md, with counts worked out by hand."""

from __future__ import annotations

import pytest

import agenda
from conftest import hits, make_codebook


def one(terms: str, text: str, **extra: str) -> int:
    """Hits of a single item `x` with the given terms YAML on one text."""
    lines = [f"- id: x\n  code: 1\n  label: X\n  terms: {terms}"] + [f"  {k}: {v}" for k, v in extra.items()]
    return hits(text, make_codebook("\n".join(lines)))["x"]


def test_whole_words_only():
    # "war" is in "award", "warn", "toward": none is the word war.
    assert one("[war]", "An award, a warning, toward war.") == 1
    assert one("[tax]", "syntax taxes tax") == 1


def test_star_matches_any_continuation_of_the_word():
    # Ukraine, Ukrainian, Ukraine's (its first token): 3; "Ukr" is too short.
    assert one("[Ukrain*]", "Ukraine and Ukrainian troops; Ukraine's border; Ukr.") == 3
    # Cyrillic stems: Украина, Украины, украинский: 3.
    assert one("[Украин*]", "Украина, Украины и украинский кризис") == 3


def test_star_inside_and_before_a_word():
    assert one("['*tax']", "syntax and tax and taxes") == 2
    assert one("['def*nce']", "defence, defense and deference") == 2


def test_lone_star_is_any_one_token():
    # "free *": "free trade", "free people"; "free" at the end has no following token.
    assert one("['free *']", "free trade and free people, all free") == 2


def test_space_matches_whitespace_runs_and_hyphens():
    text = "cyber crime, cyber-crime, cyber  \n crime, cyber\u2010crime"
    assert one("[cyber crime]", text) == 4


def test_space_does_not_match_across_punctuation():
    assert one("[cyber crime]", "cyber, crime; cyber. Crime") == 0


def test_hyphenated_term_matches_spaced_text():
    assert one("[self-government]", "self government and self-government") == 2


def test_case_folding_latin_and_cyrillic():
    assert one("[nato]", "NATO, Nato and nato") == 3
    assert one("[киев]", "КИЕВ, Киев, киев") == 3


def test_yo_folds_to_ye_both_ways():
    assert one("[всё]", "Все решено, всё решено") == 2
    assert one("[все]", "Всё решено") == 1


def test_typographic_apostrophes_fold():
    # Curly and straight apostrophes are the same; both split "Russia's" into russia ' s.
    assert one("[Russia's]", "Russia\u2019s position and Russia's stance") == 2
    assert one("[Russia]", "Russia\u2019s position") == 1


def test_nfkc_normalisation():
    # The ligature "ﬁ" and full-width letters normalise to plain ones.
    assert one("[finance]", "\ufb01nance and \uff46\uff49\uff4e\uff41\uff4e\uff43\uff45") == 2


def test_longest_first_non_overlapping_within_item():
    # "New START treaty" is one hit, not three; the lone START later is a second hit.
    assert one("[New START treaty, New START, START]", "The New START treaty and START.") == 2


def test_adjacent_repeats_count_separately():
    assert one("[Ukrain*]", "Ukraine Ukrainian Ukraine") == 3
    assert one("[a b]", "a b a b a b") == 3


def test_overlapping_phrases_count_once():
    # "a a" in "a a a": the first two tokens are one hit, the third is left alone.
    assert one("['a a']", "a a a") == 1


def test_items_are_independent():
    cb = make_codebook(
        """
        - id: treaty
          code: 1
          label: Treaty
          terms: [New START treaty]
        - id: start
          code: 2
          label: Start
          terms: [START]
        """
    )
    assert hits("The New START treaty.", cb) == {"treaty": 1, "start": 1}


def test_exclude_removes_matches_inside_excluded_spans():
    terms = "[stability, strategic stability]"
    text = "financial stability, strategic stability and stability"
    assert one(terms, text) == 3
    assert one(terms, text, exclude="[financial stability]") == 2


def test_exclude_pattern():
    assert one("[council]", "Security Council and council", exclude="[{pattern: 'security council'}]") == 1


def test_min_hits():
    assert one("[Ukrain*]", "Ukraine once.", min_hits="2") == 0
    assert one("[Ukrain*]", "Ukraine and Ukrainian.", min_hits="2") == 2


def test_case_sensitive_rule():
    terms = "[{term: START, case_sensitive: true}, arms control]"
    assert one(terms, "START talks start now; ARMS CONTROL") == 2
    assert one(terms, "we start now") == 0


def test_capitalised_rule_amid_the_common_word():
    # START counts only in capitals; the lower-case word is everywhere and must not count.
    terms = "[{term: START, case_sensitive: true}, treaty]"
    assert one(terms, "Start the treaty; start again. START treaty") == 3
    assert one(terms, "start, start and Start") == 0


def test_exclusion_of_a_pattern_hit_without_term_hits():
    # The unit has no term hit, only a pattern hit, which the exclusion takes away.
    extra = {"patterns": r"['nuclear (deal|agreement)']", "exclude": "[iran nuclear deal]"}
    assert one("[]", "the Iran nuclear deal", **extra) == 0
    assert one("[]", "a nuclear deal and the Iran nuclear deal", **extra) == 1


def test_only_the_rules_that_match_take_part_in_the_exact_count():
    # A case-sensitive rule, a pattern and an exclusion, each alone or together in a unit.
    extra = {"patterns": r"['\barms\s+race']", "exclude": "[arms race jokes]"}
    terms = "[{term: INF, case_sensitive: true}, arms, arms control]"
    assert one(terms, "INF and arms control; an arms race", **extra) == 3
    assert one(terms, "inf and arms control; arms race jokes", **extra) == 1
    assert one(terms, "an arms race, arms race jokes, INF", **extra) == 2


def test_patterns_match_the_token_string():
    # `\b` and a literal space (any whitespace) work; case folds unless case_sensitive.
    assert one("[]", "Nuclear deal and nuclear   agreement", patterns=r"['nuclear (deal|agreement)']") == 2
    assert one("[]", "START and start", patterns=r"[{pattern: '\bSTART\b', case_sensitive: true}]") == 1


def test_terms_and_patterns_of_one_item_do_not_overlap():
    assert one("[New START]", "New START", patterns=r"['\bstart\b']") == 1


def test_terms_at_start_and_end_of_unit():
    assert one("[Kyiv]", "Kyiv") == 1
    assert one("[Kyiv]", "Kyiv said and then Kyiv") == 2


def test_primary_item_most_hits_and_ties_to_first_listed():
    import polars as pl

    import agenda

    cb = make_codebook(
        """
        - {id: a, code: 1, label: A, terms: [alpha]}
        - {id: b, code: 2, label: B, terms: [beta]}
        """
    )
    texts = ["alpha beta beta", "beta alpha", "beta", "nothing"]
    units = pl.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"], "unit": [1, 1, 1, 1], "text": texts})
    coded = agenda.code_units(units, cb).collect()
    assert coded["primary"].to_list() == ["b", "a", "b", None]
    assert coded["n_items"].to_list() == [2, 2, 1, 0]


def test_exclusions_are_cut_out_before_rules_match():
    # "stability pact" overlaps the excluded "financial stability": it does not count either,
    # and a phrase cannot reach across the cut ("x y" around an excluded span).
    assert one("[stability pact]", "financial stability pact", exclude="[financial stability]") == 0
    assert one("[stability pact]", "stability pact", exclude="[financial stability]") == 1
    assert one("[a b]", "a financial stability b", exclude="[financial stability]") == 0


def test_patterns_fold_case_in_latin_and_cyrillic():
    assert one("[]", "ПОСОЛЬСТВО и посольства", patterns=r"['посольств\w*']") == 2
    assert one("[]", "start and START", patterns=r"['\bSTART\b']") == 2


def test_space_before_a_quantifier_in_a_pattern_is_optional_whitespace():
    assert one("[]", "percent and per cent", patterns="['per ?cent']") == 2


def test_acute_accent_folds_to_apostrophe():
    # NFKC would turn ´ into a space and a combining accent; it is folded first.
    assert one('["don\'t"]', "don\u00b4t and don't") == 2


def test_dash_between_words_of_a_term_is_a_gap():
    assert one("['cyber - crime']", "cyber-crime, cyber war crime") == 1


def test_an_item_of_thousands_of_cyrillic_globs_compiles_and_counts():
    # The size of the Lexicoder Sentiment Dictionary in one item, plus a case-sensitive term.
    import itertools

    stems = ["".join(p) for p in itertools.product("абвгдеж", repeat=4)][:3000]  # 3,000 distinct stems
    terms = ", ".join(f"{s}*" for s in stems)
    cb = make_codebook(f"- id: x\n  code: 1\n  label: X\n  terms: [{{term: START, case_sensitive: true}}, {terms}]")
    text = "START start " + " ".join(f"{s}ов" for s in stems[::100]) + " ааа"
    assert hits(text, cb)["x"] == 1 + len(stems[::100])


def test_a_huge_paragraph_is_counted_in_full():
    # 2 MB in one unit: every repeat counts, none is lost at a buffer or chunk boundary.
    text = "Ukraine and arms control, Kyiv. " * 62_500
    cb = make_codebook("- {id: x, code: 1, label: X, terms: [Ukrain*, Kyiv, arms control]}")
    assert hits(text, cb)["x"] == 3 * 62_500


def test_joined_hyphens_keep_a_hyphenated_word_whole():
    # tokens: {hyphens: join}: "Union-loving" is one token, as quanteda and LIWC have it.
    cb = make_codebook(
        """
        - {id: union, code: 1, label: U, terms: [union]}
        - {id: selfgov, code: 2, label: S, terms: [self-govern*]}
        - {id: free, code: 3, label: F, terms: ['free *']}
        - {id: cyber, code: 4, label: C, terms: [cyber crime]}
        """,
        units_yaml="tokens: {hyphens: join}\n",
    )
    texts = ["the Union-loving union", "self-government, self government", "half-free. free men"]
    texts.append("cyber-crime, cyber crime")
    assert [list(h.values()) for h in hits(texts, cb)] == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    # A hyphen that does not stand between two word characters still separates.
    assert hits("cyber- crime and - union", cb) == {"union": 1, "selfgov": 0, "free": 0, "cyber": 1}


def test_split_hyphens_by_default():
    cb = make_codebook("- {id: union, code: 1, label: U, terms: [union, self-govern*]}")
    assert hits("Union-loving self government", cb)["union"] == 2


def test_joined_apostrophes_keep_a_word_with_an_inner_apostrophe_whole(engine):
    # tokens: {apostrophes: join}: "won't" and "nation's" are one token each, as quanteda has them.
    cb = make_codebook(
        """
        - {id: won, code: 1, label: W, terms: [won]}
        - {id: wont, code: 2, label: N, terms: ["won't"]}
        - {id: defence, code: 3, label: D, terms: ['nation* defen*']}
        - {id: case, code: 4, label: C, terms: [{term: "Won't", case_sensitive: true}]}
        """,
        units_yaml="tokens: {apostrophes: join}\n",
    )
    texts = [
        "We won; they won't, they won\u2019t.",
        "the nation's defence and the nation\u2019s defenders",
        "Won't won't",
    ]
    texts.append("a quote: 'won' and won' t")  # an apostrophe not between two word characters separates
    assert [list(h.values()) for h in hits(texts, cb)] == [[1, 2, 0, 0], [0, 0, 2, 0], [0, 2, 0, 1], [2, 0, 0, 0]]
    split = make_codebook("- {id: won, code: 1, label: W, terms: [won]}")
    assert hits("they won't", split)["won"] == 1  # the default splits "won't" into won ' t


def test_tokens_options_are_checked():
    with pytest.raises(agenda.AgendaError, match="apostrophes"):
        make_codebook("- {id: x, code: 1, label: X, terms: [a]}", units_yaml="tokens: {apostrophes: keep}\n")
