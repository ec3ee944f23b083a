"""Required literals of a regex: strings one of which every match must contain.

They let a whole item's patterns be screened by one scan for literals, so
the regexes themselves run only on the few units that hold one of the literals. The
extraction is conservative: when it cannot be sure (a syntax it does not know, an optional
part, a character class), it gives up and the item is screened by its regexes alone.
"""

from __future__ import annotations

try:
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants as sre
    import sre_parse

MIN_LENGTH = 3  # shorter literals screen out too little to be worth a pass


def required_literals(regex: str) -> set[str] | None:
    """A set of strings one of which occurs in every match of regex, or None when unknown."""
    try:
        parsed = sre_parse.parse(regex)
    except Exception:  # a syntax Python's parser does not know (e.g. \p{..}): no screening
        return None
    fold = bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE)
    found = _sequence(list(parsed), fold)
    if found is None or min(map(len, found)) < MIN_LENGTH:
        return None
    return found


def _best(candidates: list[set[str]]) -> set[str] | None:
    """The candidate set whose shortest string is longest: it screens out the most."""
    usable = [c for c in candidates if c]
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)), default=None)


def _sequence(items: list, fold: bool) -> set[str] | None:
    candidates: list[set[str]] = []
    run = ""
    for op, arg in items:
        if op is sre.LITERAL:
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
    return _best(candidates)
