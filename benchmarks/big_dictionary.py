"""Write a big dictionary with the shape of LSD2015 and LIWC, and import it as a codebook.

10,000 entries by default: most single-word globs (`abandon*`), some exact words, about a sixth
multi-word (`not good*`, `don't like*`, phrases of two or three words, a glob in any word), spread
over 2 to 70 keys; with many keys (LIWC's shape) an entry belongs to one to three of them. The
words are the benchmark corpus's own (benchmarks/make_corpus.py: English and Russian word lists,
names made of its syllables), cut into stems, plus invented words, most of which never occur, as
most of a real dictionary's entries are rare in any one corpus. Deterministic: the same
arguments give the same bytes.

The dictionary is written in LIWC's .dic format and imported with `agenda.import_dictionary`,
as a user would import LSD2015 or LIWC (the importers set the `tokens:` options).

    .venv/bin/python benchmarks/big_dictionary.py                 # 70 keys (LIWC's shape)
    .venv/bin/python benchmarks/big_dictionary.py --keys 4        # LSD2015's shape
    -> benchmarks/data/big-dictionary-<keys>.dic and .yaml
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_corpus as mc  # noqa: E402

DATA = HERE / "data"
PATTERNS = 10_000
MULTI_WORD = 0.1
EXACT = 0.25  # of single-word entries: a whole word, not a glob
INVENTED = 0.6  # of single-word entries: a word the corpus's lists do not hold
CONTRACTIONS = ["don't", "won't", "can't", "isn't"]
SYLLABLES = mc.SYL_EN + "pra|gli|sun|wem|tak|ost|ple|hun|dri|zor|cam|vex|nol|ubi|fra|ket".split("|")


def corpus_words() -> tuple[list[str], list[str]]:
    """The English and Russian words of the corpus's lists, one word each, lower case."""
    lists_en = [mc.EN_SAID, mc.EN_VERBS, mc.EN_VERBS_PAST, mc.EN_ADJ, mc.EN_NOUNS, mc.EN_ADV, mc.EN_PREP]
    lists_ru = [mc.RU_SAID, mc.RU_VERBS, mc.RU_ADJ, mc.RU_NOUNS, mc.RU_ADV, mc.RU_MODAL]
    en = sorted({w.lower() for words in lists_en for phrase in words for w in phrase.split()})
    ru = sorted({w.lower() for words in lists_ru for phrase in words for w in phrase.split()})
    return en, ru


def entries(n: int, seed: int = 1) -> list[str]:
    """n distinct entries (glob values), in the order a dictionary file lists them."""
    rng = random.Random(seed)
    en, ru = corpus_words()

    def invented() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    def word() -> str:
        r = rng.random()
        if r < INVENTED:
            base = invented()
        elif r < INVENTED + 0.12:
            base = rng.choice(ru)
        else:
            base = rng.choice(en)
        if rng.random() < EXACT or len(base) < 4:
            return base
        return base[: rng.randint(3, max(3, len(base) - 1))] + "*"

    def phrase() -> str:
        r = rng.random()
        if r < 0.3:
            return f"{rng.choice(['not', 'no', 'never', 'without'])} {word()}"
        if r < 0.4:
            return f"{rng.choice(CONTRACTIONS)} {word()}"
        if r < 0.5:
            return f"{rng.choice(en)} {rng.choice(en)}"
        return " ".join(word() for _ in range(rng.randint(2, 3)))

    out: dict[str, None] = {}
    while len(out) < n:
        out[phrase() if rng.random() < MULTI_WORD else word()] = None
    return list(out)


def write(keys: int = 70, patterns: int = PATTERNS, out: Path | None = None, seed: int = 1) -> Path:
    """Write the .dic file and the codebook imported from it; returns the codebook's path."""
    from agenda import import_dictionary

    if not 2 <= keys <= 999:
        raise SystemExit("--keys: between 2 and 999")
    rng = random.Random(seed + 1)
    names = [f"cat{k:02d}" for k in range(1, keys + 1)]
    legend = ["%"] + [f"{k}\t{name}" for k, name in enumerate(names, start=1)] + ["%"]
    lines = []
    for value in entries(patterns, seed):
        # LIWC's words are in one to three categories; LSD's in one.
        count = 1 if keys < 10 else rng.choice([1, 1, 2, 3])
        codes = sorted(rng.sample(range(1, keys + 1), count))
        lines.append(value + "\t" + "\t".join(map(str, codes)))
    out = out or DATA / f"big-dictionary-{keys}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    dic = out.with_suffix(".dic")
    dic.write_text("\n".join(legend + lines) + "\n", encoding="utf-8")
    import_dictionary(dic, out=out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=70, help="keys (items), 2 to 999; default 70")
    parser.add_argument("--patterns", type=int, default=PATTERNS, help=f"entries, default {PATTERNS:,}")
    parser.add_argument("-o", "--out", type=Path, help="codebook path (the .dic goes beside it)")
    args = parser.parse_args()
    print(write(args.keys, args.patterns, args.out))


if __name__ == "__main__":
    main()
