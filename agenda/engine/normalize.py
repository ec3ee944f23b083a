"""Text normalisation shared by the corpus and the codebook's terms.

Text and terms pass through the same polars expressions, so a term matches exactly the text
it would normalise to. The normalised form is a token string: every token (a run of word
characters, or one punctuation mark) is separated from the next by at least two spaces, and the
string starts and ends with a space (`" new  start  treaty "`). A rule then matches `" token "`,
and counts stay non-overlapping even for adjacent repeats, without `\\b` or `(?i)`.

Most units (ASCII, and the Latin, Greek and Cyrillic letters whose lower case needs no context)
take a single Aho-Corasick pass (`replace_many`) that lower-cases, doubles spaces and maps the
common characters. The other units take the general path: NFKC where it would change them,
lower-casing, the same mapping, and a regex pass for rarer punctuation. Both give the same string.
"""

import string
import unicodedata
from functools import cache

import polars as pl

from agenda.codebook import NO_JOINS, Joins
from agenda.engine import scan

# Folded before matching: typographic quotes and apostrophes to plain ones, Russian ё to е,
# invisible characters removed.
FOLDS = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u0451": "\u0435",
    "\u0401": "\u0415",
    "\u00ad": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
}
# Token separators: whitespace and hyphens (not the em dash, which is punctuation).
HYPHENS = "-\u2010\u2011\u2012\u2013\u2212"
SEPARATORS = " \t\n\r\x0b\x0c\x85\u1680\u2028\u2029" + HYPHENS
SEPARATOR_CLASS = r"\s\-\u2010\u2011\u2012\u2013\u2212"  # the same, as a (Python or Rust) regex class
# Punctuation split off by the fast pass; any other non-word character by a regex pass.
PUNCTUATION = [c for c in string.punctuation if c != "-"] + list(
    "\u2014\u2015\u00a7\u20ac\u00a3\u00a5\u00b0\u00a9\u00ae\u2022\u00b7"
)
# Folded before NFKC, which would turn them into a space and a combining accent.
PRE_NFKC = {"\u00b4": "'"}
# Common characters whose NFKC form is simple: mapped by the fast pass instead of NFKC.
NFKC_SIMPLE = {"\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u205f": " ", "\u3000": " "}
NFKC_SIMPLE.update({chr(c): " " for c in range(0x2000, 0x200B)})


def _tokens_of(text: str) -> str:
    return "".join("  " if ch.isspace() else f"  {ch}  " for ch in text)


_REPLACEMENTS = {  # spaces are doubled by a literal replace of their own, before this pass
    **{c: "  " for c in SEPARATORS if c != " "},
    **{c: f"  {c}  " for c in PUNCTUATION},
    **{k: (f"  {v}  " if v in PUNCTUATION else v) for k, v in FOLDS.items()},
    **{k: _tokens_of(v) for k, v in NFKC_SIMPLE.items()},
}


def _char_class(codes: set[int]) -> str:
    """A regex character class body (without brackets) holding exactly these code points."""
    ranges: list[list[int]] = []
    for c in sorted(codes):
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)


def _plain_codes() -> set[int]:
    """The characters a unit may hold and still skip NFKC and the regex pass for rare punctuation.

    They are those below U+3000 that NFKC leaves alone in any context (marks, which may compose
    with what precedes them, and Hangul jamo are left out) and that are letters, digits or `_`,
    or that the fast pass maps itself (separators, listed punctuation, folds, NFKC_SIMPLE).
    """
    mapped = set(SEPARATORS) | set(PUNCTUATION) | set(FOLDS) | set(NFKC_SIMPLE)
    plain = set(map(ord, NFKC_SIMPLE))
    for c in range(0x3000):
        ch = chr(c)
        stable = unicodedata.is_normalized("NFKC", ch) and not unicodedata.category(ch).startswith("M")
        wordlike = ch.isalpha() or unicodedata.category(ch) == "Nd" or ch == "_" or ch in mapped
        if stable and wordlike and not 0x1100 <= c <= 0x11FF:
            plain.add(c)
    return plain


_PLAIN = _plain_codes()
_NOT_PLAIN = f"[^{_char_class(_PLAIN)}]"
_META = set("\\.+*?()|[]{}^$#&-~")


def escape(literal: str) -> str:
    """Escape a literal for Rust's regex syntax."""
    return "".join("\\" + ch if ch in _META else ch for ch in literal)


# With tokens: {hyphens: join} or {apostrophes: join}, a hyphen or an apostrophe between two word
# characters stays in the word (as "-" or "'"); it is held as a private-use character meanwhile.
# (U+02BC, a letter and a word character itself, is folded and split as before.)
JOINED_HYPHENS = "-\u2010\u2011"
JOINED_APOSTROPHES = "'\u2019\u2018\u201b\u2032`\u00b4"
_HELD = {"hyphens": ("\ue000", JOINED_HYPHENS, "-"), "apostrophes": ("\ue001", JOINED_APOSTROPHES, "'")}


def _held(joins: Joins) -> list[tuple[str, str, str]]:
    """(placeholder, joined characters, written as) of each kind of mark the joins keep in a word."""
    return [held for kind, held in _HELD.items() if getattr(joins, kind)]


def as_joins(joins: Joins | bool) -> Joins:
    """Joins, from Joins or from a bool (which joins hyphens, the first tokens option)."""
    return joins if isinstance(joins, Joins) else Joins(hyphens=bool(joins))


def _general_tokens(
    frame: pl.LazyFrame, text: str, out: str, case_sensitive: bool = False, joins: Joins = NO_JOINS
) -> pl.LazyFrame:
    """The token string of any text, before padding: NFKC and a regex pass for rare punctuation
    where a unit needs them, lower-casing, then one Aho-Corasick pass for the common characters."""
    col, flag = pl.col(out), f"{out}_not_plain"
    frame = frame.with_columns(pl.col(text).str.contains(_NOT_PLAIN).alias(flag))
    nfkc = pl.col(text).str.replace_many(list(PRE_NFKC), list(PRE_NFKC.values())).str.normalize("NFKC")
    frame = frame.with_columns(pl.when(pl.col(flag)).then(nfkc).otherwise(pl.col(text)).alias(out))
    if not case_sensitive:
        frame = frame.with_columns(col.str.to_lowercase())
    frame = frame.with_columns(col.str.replace_all(" ", "  ", literal=True))
    held = _held(joins)
    for placeholder, marks, _ in held:  # a mark between two word characters is kept out of the pass below
        frame = frame.with_columns(col.str.replace_all(f"(\\w)[{escape(marks)}]", "${1}" + placeholder))
        frame = frame.with_columns(col.str.replace_all(placeholder + r"(\W|$)", f"{marks[0]}${{1}}"))
    frame = frame.with_columns(col.str.replace_many(list(_REPLACEMENTS), list(_REPLACEMENTS.values())))
    rare = f"[^\\w\\s{escape(''.join(PUNCTUATION))}{''.join(p for p, _, _ in held)}]"
    frame = frame.with_columns(pl.when(pl.col(flag)).then(col.str.replace_all(rare, "  $0  ")).otherwise(col))
    for placeholder, _, written in held:
        frame = frame.with_columns(col.str.replace_all(placeholder, written, literal=True))
    return frame.drop(flag)


def _simple_letters() -> tuple[set[str], dict[str, str]]:
    """Plain letters of the Latin, Greek and Cyrillic blocks whose lower case needs no context:
    those lower-casing leaves alone, and the capitals with their one-character lower case.

    Final sigma is left out: Rust's lower-casing writes ς or σ by its place in the word.
    """
    same, case = set(), {}
    for c in sorted(_PLAIN):
        ch = chr(c)
        low = ch.lower()
        if c >= 0x0530 or ch == "\u03a3":
            continue
        if low == ch:
            same.add(ch)
        elif len(low) == 1 and ord(low) in _PLAIN:
            case[ch] = low
    return same, case


# The fast pass for units made only of simple characters (the vast majority): spaces doubled,
# capitals lower-cased and the common characters mapped, all in one Aho-Corasick pass.
_SAME, _CASE = _simple_letters()
_SIMPLE_MAP = {" ": "  ", **{k: v.lower() for k, v in _REPLACEMENTS.items()}, **_CASE}
_SIMPLE_MAP.update({k: _SIMPLE_MAP.get(v, v) for k, v in _CASE.items()})  # Ё: ё, then е
_SIMPLE = set(map(chr, range(0x20, 0x7F))) | set(SEPARATORS) | set(_SIMPLE_MAP) | _SAME
_NOT_SIMPLE = f"[^{_char_class(set(map(ord, _SIMPLE)))}]"


def _padded(tokens: pl.Series) -> pl.Series:
    return tokens.to_frame("t").select(pl.concat_str([pl.lit(" "), pl.col("t"), pl.lit(" ")])).to_series()


@cache
def native_normalizer(joins: Joins = NO_JOINS) -> scan.TextNormalizer:
    """The native token strings and word counts of simple units (see agenda.engine.scan), built once."""
    joined = {mark: written for _, marks, written in _held(joins) for mark in marks}
    return scan.TextNormalizer(_SIMPLE, _SIMPLE_MAP, joined)


def _token_series(text: pl.Series, case_sensitive: bool, joins: Joins) -> pl.Series:
    """Padded token strings of a column of text: the fast pass where it gives the same string.

    The fast pass is native (agenda.engine.scan) where it is built, one Aho-Corasick pass of polars
    otherwise (which cannot tell a mark between two word characters, so joins take the general path).
    """
    if case_sensitive or (joins and not scan.native()):
        general = _general_tokens(text.to_frame("t").lazy(), "t", "o", case_sensitive, joins)
        return _padded(general.collect()["o"])
    if scan.native():
        fast, rows = native_normalizer(joins).tokens(text)
    else:
        fast = _padded(text.str.replace_many(list(_SIMPLE_MAP), list(_SIMPLE_MAP.values())))
        rows = text.str.contains(_NOT_SIMPLE).arg_true()
    if len(rows):
        general = _general_tokens(text.gather(rows).to_frame("t").lazy(), "t", "o", False, joins).collect()["o"]
        fast = fast.scatter(rows, _padded(general))
    return fast


def add_tokens(
    frame: pl.LazyFrame, text: str, out: str, case_sensitive: bool = False, joins: Joins | bool = NO_JOINS
) -> pl.LazyFrame:
    """Add column `out`: the padded token string of column `text`, which every rule is matched against.

    Units made only of simple characters (ASCII, and the letters of the Latin, Greek and Cyrillic
    scripts whose lower case needs no context) take one pass that doubles spaces, lower-cases
    and maps the common characters; the others take the general path (see `_general_tokens`),
    which gives the same string where both apply. joins: the codebook's `tokens:` options.
    """
    joins = as_joins(joins)
    tokens = pl.col(text).map_batches(
        lambda s: _token_series(s, case_sensitive, joins), return_dtype=pl.String, is_elementwise=True
    )
    return frame.with_columns(tokens.alias(out))


def tokenize_strings(
    strings: list[str], case_sensitive: bool = False, joins: Joins | bool = NO_JOINS
) -> list[list[str]]:
    """Tokens of each string, by the same expression the text goes through."""
    frame = pl.LazyFrame({"s": strings}, schema={"s": pl.String})
    padded = add_tokens(frame, "s", "t", case_sensitive, joins).collect()["t"].to_list()
    return [p.split() for p in padded]
