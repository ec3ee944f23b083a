"""Required literals of a regex: strings one of which every match must contain.

They let a whole item's patterns be screened by one scan for literals, so
the regexes themselves run only on the few units that hold one of the literals. The
extraction is conservative: when it cannot be sure (a syntax it does not know, an optional
part, a character class), it gives up and the item is screened by its regexes alone.

Patterns are Rust regexes, parsed here with Python's parser: wherever the two syntaxes read the
same text differently (see `_rust_only`), no literal is derived.
"""

from __future__ import annotations

import re
import warnings

try:
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants as sre
    import sre_parse

MIN_LENGTH = 3  # shorter literals screen out too little to be worth a pass


def required_literals(regex: str) -> set[str] | None:
    """A set of strings one of which occurs in every match of regex, or None when unknown."""
    sets = literal_sets(regex)
    return sets[0] if sets else None


def literal_sets(regex: str) -> list[set[str]]:
    """Every set of strings of which a match must hold one (all of them hold), best first."""
    if _rust_only(regex):
        return []
    try:
        with warnings.catch_warnings():  # Python warns of nested sets; _rust_only has refused them
            warnings.simplefilter("ignore", FutureWarning)
            parsed = sre_parse.parse(regex)
    except Exception:  # a syntax Python's parser does not know (e.g. \x{..}): no screening
        return []
    fold = bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE)
    items = list(parsed)
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN:  # look inside (?i:...) and (?:...)
        _group, add_flags, del_flags, body = items[0][1]
        fold = (fold or bool(add_flags & sre.SRE_FLAG_IGNORECASE)) and not del_flags & sre.SRE_FLAG_IGNORECASE
        items = list(body)
    found = _candidates(items, fold)
    usable = [c for c in found if min(map(len, c)) >= MIN_LENGTH]
    return sorted(usable, key=_rank)


def _rust_only(regex: str) -> bool:
    """Whether the regex holds syntax that Rust and Python read differently.

    Inside a class: a nested class or a POSIX class (`[[:digit:]]`, which Python reads as the
    class `[[:digit:]` and a literal `]`), and the set operators `&&`, `--` and `~~`. Anywhere:
    `\\p`/`\\P` classes, `\\<`, `\\>` and `\\b{...}` boundaries, and inline flags other than i, m
    and s (and U, which Python refuses anyway).
    """
    depth, i = 0, 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            if regex[i + 1 : i + 2] in ("p", "P", "<", ">") or regex[i + 1 : i + 3] == "b{":
                return True
            i += 2
            continue
        if depth:
            if ch == "[" or regex[i : i + 2] in ("&&", "--", "~~"):
                return True
            if ch == "]":
                depth = 0
        elif ch == "[":
            depth = 1
            i += 2 if regex[i + 1 : i + 2] == "^" else 1
            if regex[i : i + 1] == "]":  # a leading ] is a literal in both
                i += 1
            continue
        elif regex.startswith("(?", i):
            flags = re.match(r"\(\?([a-zA-Z-]*)[:)]", regex[i:])
            if flags and set(flags.group(1)) - set("ims-"):
                return True
        i += 1
    return False


def _folds_simply(ch: str) -> bool:
    """Whether a case-insensitive character's matches are the characters that lower-case to its lower case.

    Not so for sigma (Rust's `(?i)σ` also matches the final ς, which the lower-cased text keeps),
    nor where lower case and case folding differ (ß, ς, ϑ) or lower case is longer (İ).
    """
    low = ch.lower()
    return len(low) == 1 and low == ch.casefold() and low != "\u03c3"


def _rank(candidate: set[str]) -> tuple[int, int]:
    """Better first: the longer its shortest string and the fewer its strings, the more it screens out."""
    return (-min(map(len, candidate)), len(candidate))


def _sequence(items: list, fold: bool) -> set[str] | None:
    """The best set of the sequence's required literals, or None."""
    found = [c for c in _candidates(items, fold) if c]
    return min(found, key=_rank, default=None)


def _candidates(items: list, fold: bool) -> list[set[str]]:
    """The sets of literals that every match of the sequence holds one of, each set required."""
    candidates: list[set[str]] = []
    run = ""
    for op, arg in items:
        if op is sre.LITERAL and (not fold or _folds_simply(chr(arg))):
            run += chr(arg).lower() if fold else chr(arg)
            continue
        if run:
            candidates.append({run})
            run = ""
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            inner_fold = (fold or bool(add_flags & sre.SRE_FLAG_IGNORECASE)) and not (
                del_flags & sre.SRE_FLAG_IGNORECASE
            )
            found = _sequence(list(body), inner_fold)
        elif op is sre.BRANCH:
            branches = [_sequence(list(branch), fold) for branch in arg[1]]
            found = None if any(b is None for b in branches) else set().union(*branches)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[0] >= 1:
            found = _sequence(list(arg[2]), fold)
        else:
            found = None
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    return candidates
