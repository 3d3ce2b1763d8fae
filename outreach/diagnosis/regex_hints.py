"""Characters a regular expression cannot match without: a quick `in` test before the regex.

For a data-driven pattern such as "(?<![没不无])有(点|些)?毛病", every match contains 病; a text without
any of a pattern's required characters is skipped without running the pattern. `required_chars`
returns such a set (one of its characters is in every match), or None when the pattern offers none.
"""

from __future__ import annotations

import sre_constants as C  # noqa: N812 - the parser's opcode names
import sre_parse
from collections.abc import Iterable

_MAX_CLASS = 8  # a character class this small is still a useful hint


def _one_of(items: Iterable) -> frozenset[str] | None:
    """A set of characters one of which every match of the sequence contains: the smallest any
    item offers, the last of equally small ones (a phrase's last character is usually its least
    common: 题 rather than 问)."""
    best: frozenset[str] | None = None
    for op, value in items:
        found = _item(op, value)
        if found is not None and (best is None or len(found) <= len(best)):
            best = found
    return best


def _item(op: object, value: object) -> frozenset[str] | None:
    if op is C.LITERAL:
        return frozenset(chr(value))  # type: ignore[arg-type]
    if op is C.IN:
        chars = [chr(v) for o, v in value if o is C.LITERAL]  # type: ignore[union-attr]
        return frozenset(chars) if len(chars) == len(value) <= _MAX_CLASS else None  # type: ignore[arg-type]
    if op is C.SUBPATTERN:
        return _one_of(value[-1])  # type: ignore[index]
    if op is C.BRANCH:
        sets = [_one_of(branch) for branch in value[1]]  # type: ignore[index]
        return None if any(s is None for s in sets) else frozenset().union(*sets)  # type: ignore[arg-type]
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, _, item = value  # type: ignore[misc]
        return _one_of(item) if low >= 1 else None
    return None  # assertions, any character, categories: nothing required


def required_chars(pattern: str) -> frozenset[str] | None:
    return _one_of(sre_parse.parse(pattern))


def union_of_required(patterns: Iterable[str]) -> frozenset[str] | None:
    """Characters one of which any match of any of the patterns contains; None if some pattern
    requires none."""
    chars: set[str] = set()
    for pattern in patterns:
        found = required_chars(pattern)
        if found is None:
            return None
        chars |= found
    return frozenset(chars)
