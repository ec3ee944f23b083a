"""Text normalisation shared by the corpus and the codebook's terms.

Text and terms pass through the same polars expression, so a term matches exactly the text
it would normalise to. The normalised form is a padded token string: every token (a run of
word characters, or one punctuation mark) is surrounded by one space on each side, so tokens
are separated by two spaces (`" new  start  treaty "`). A rule then matches `" token "` and
counts stay non-overlapping even for adjacent repeats.
"""

import polars as pl

# Folded before matching: typographic quotes and apostrophes to plain ones, Russian ё to е.
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
}
# Separators between tokens: whitespace and hyphens (not the em dash, which is punctuation).
SEPARATOR_CLASS = r"\s\-\u2010\u2011\u2012\u2013\u2212"
TOKEN_GAP = "  "


def folded(text: pl.Expr, case_sensitive: bool = False) -> pl.Expr:
    """NFKC, quotes and ё folded, and (unless case_sensitive) lower-cased."""
    out = text.str.normalize("NFKC").str.replace_many(list(FOLDS), list(FOLDS.values()))
    return out if case_sensitive else out.str.to_lowercase()


def tokenized(text: pl.Expr, case_sensitive: bool = False) -> pl.Expr:
    """The padded token string that every rule is matched against."""
    spaced = (
        folded(text, case_sensitive)
        .str.replace_all(rf"[^\w{SEPARATOR_CLASS}]", " $0 ")
        .str.replace_all(rf"[{SEPARATOR_CLASS}]+", TOKEN_GAP)
        .str.strip_chars(" ")
    )
    return pl.concat_str([pl.lit(" "), spaced, pl.lit(" ")])


def tokenize_strings(strings: list[str], case_sensitive: bool = False) -> list[list[str]]:
    """Tokens of each string, by the same expression the text goes through."""
    frame = pl.DataFrame({"s": strings}, schema={"s": pl.String})
    padded = frame.select(tokenized(pl.col("s"), case_sensitive)).to_series().to_list()
    return [p.split() for p in padded]
