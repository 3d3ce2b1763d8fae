"""Text to features for the bulk classifier: normalised text, clauses and character n-grams.

Character n-grams (1 to 3) need no word segmentation, so the bulk path reads Chinese, typos,
emoji and mixed English alike without jieba. A batch of texts is featurised at once with numpy:
every code point fits in 21 bits, so a 1-, 2- or 3-gram is one exact 64-bit key, and no Python
string is made per n-gram. N-grams never cross a clause boundary, so a text's features are the
sum of its clauses' features and a multi-problem message is scored per clause at no extra cost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

MAX_CHARS = 2000  # longer texts are judged on their first part

# Clause boundaries (after folding, full-width punctuation is ASCII); \x00 separates texts.
BOUNDARY_CHARS = "\x00\t\n\r ,.!?;:~()\"'。、！？；：…—「」『』【】《》“”‘’"
_SHIFT = np.uint64(21)
# Names the featurisation; a model made with other features is refused at start-up.
FEATURES = "char-1-3/clauses/negation/v2"
# Negation: after 不, 没, 无 or 未 the rest of the clause is read as negated ("冰袋也没化", "一点不腥"):
# its characters carry a flag (bit 20, free because the private-use planes are dropped), so "化"
# after 没 is another feature than "化" and a negated complaint word does not count as the word.
# Two negators in a clause cancel. 不过 ("but") is not a negator. A clause that ends in 没有 or 没
# ("一个坏的都没有") negates what comes before it.
NEGATORS = "不没无未"
NEGATED = np.uint32(0x100000)
NEGATION = True
_READABLE = re.compile(r"[^\W_]")  # a letter or digit in any script
_SPACES = re.compile(r"\s+")


def _is_invisible(ch: str) -> bool:
    """Control, format, surrogate and private-use characters: they carry no meaning (zero-width spaces)."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\t\n\r"


def _fold_tables() -> tuple[np.ndarray, np.ndarray, dict[int, int | None]]:
    """Per code point: its folded form (NFKC when that is one character, then lower case) and
    whether it is dropped; plus the same mapping as a str.translate table."""
    fold = np.arange(0x110000, dtype=np.uint32)
    drop = np.zeros(0x110000, dtype=bool)
    translate: dict[int, int | None] = {}
    for point in [*range(0x10000), *range(0x1D400, 0x1D800), *range(0xE0000, 0xE0080), *range(0xF0000, 0x110000, 1)]:
        if 0xF0000 <= point:  # supplementary private use planes: dropped, nothing to fold
            drop[point] = True
            translate[point] = None
            continue
        ch = chr(point)
        if _is_invisible(ch):
            drop[point] = True
            translate[point] = None
            continue
        folded = unicodedata.normalize("NFKC", ch).lower()
        if len(folded) == 1 and folded != ch:
            fold[point] = ord(folded)
            translate[point] = ord(folded)
    return fold, drop, translate


_fold, _drop, _TRANSLATE = _fold_tables()
_is_boundary = np.zeros(0x110000, dtype=bool)
_is_boundary[[ord(ch) for ch in BOUNDARY_CHARS]] = True
_BOUNDARY_RE = re.compile("[" + re.escape(BOUNDARY_CHARS) + "]+")


def normalise(text: str) -> str:
    """The text as the classifier reads it: capped, folded (full-width to half-width, lower case),
    invisible characters dropped, white space collapsed."""
    return _SPACES.sub(" ", text[:MAX_CHARS].translate(_TRANSLATE)).strip()


def readable(text: str) -> bool:
    """Whether a text has anything to read (not only emoji, punctuation or spaces)."""
    return _READABLE.search(text) is not None


def clauses(text: str) -> list[str]:
    """The clauses of a normalised text, as the featuriser sees them."""
    return [part for part in _BOUNDARY_RE.split(text) if part]


@dataclass
class Grams:
    """The n-gram keys of a batch: which clause each key is in, and which text each clause is in."""

    keys: np.ndarray  # uint64
    clause_of_key: np.ndarray  # int64, index into clauses
    text_of_clause: np.ndarray  # int64, non-decreasing
    n_texts: int


def gram_keys(texts: list[str]) -> Grams:
    """Every 1-, 2- and 3-gram occurrence within clauses of texts (raw or normalised: folding
    happens here, on code points), as 64-bit keys in text order, a clause's keys together.
    Texts are read up to MAX_CHARS code points."""
    texts = [text[:MAX_CHARS] for text in texts]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    raw = np.frombuffer(("\x00".join(texts) + "\x00\x00\x00").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_at = np.repeat(np.arange(len(texts) + 1), np.append(lengths + 1, 2))
    separator = np.zeros(len(raw), dtype=bool)
    separator[np.cumsum(lengths + 1) - 1] = True
    separator[-3:] = True
    keep = ~_drop[raw] | separator
    points32 = np.where(separator, 0, _fold[raw])[keep]
    text_at = text_at[keep]
    boundary = _is_boundary[points32]
    inside = ~boundary
    begins = inside.copy()
    begins[1:] &= boundary[:-1]
    clause_at = np.cumsum(begins) - 1
    if NEGATION and len(points32):
        points32 = _mark_negation(points32, begins, clause_at, inside)
    points = points32.astype(np.uint64)
    text_of_clause = text_at[np.flatnonzero(begins)]
    n = len(points) - 2
    # Column j holds the (j+1)-gram starting at each position; valid when it stays inside a clause.
    stacked = np.empty((n, 3), dtype=np.uint64)
    stacked[:, 0] = points[:n]
    stacked[:, 1] = (points[:n] << _SHIFT) | points[1 : n + 1]
    stacked[:, 2] = (stacked[:, 1] << _SHIFT) | points[2 : n + 2]
    valid = np.empty((n, 3), dtype=bool)
    valid[:, 0] = inside[:n]
    valid[:, 1] = valid[:, 0] & inside[1 : n + 1]
    valid[:, 2] = valid[:, 1] & inside[2 : n + 2]
    keys = stacked[valid]
    clause_of_key = np.broadcast_to(clause_at[:n, None], (n, 3))[valid]
    return Grams(keys, clause_of_key, text_of_clause, len(texts))


_is_negator = np.zeros(0x110000, dtype=bool)
_is_negator[[ord(ch) for ch in NEGATORS]] = True
_GUO = np.uint32(ord("过"))
_BU = np.uint32(ord("不"))
_MEI = np.uint32(ord("没"))
_YOU = np.uint32(ord("有"))


def _mark_negation(points: np.ndarray, begins: np.ndarray, clause_at: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Flag every character that follows an odd number of negators in its clause, or that comes
    before a clause-final 没有/没."""
    negator = _is_negator[points]
    negator[:-1] &= ~((points[:-1] == _BU) & (points[1:] == _GUO))  # 不过: "but"
    before = np.cumsum(negator) - negator  # negators strictly before each position
    starts = np.flatnonzero(begins)
    clause = np.maximum(clause_at, 0)
    flagged = (before - before[starts][clause]) % 2 == 1
    ends = np.flatnonzero(inside[:-1] & ~inside[1:])  # the last character of each clause
    if len(ends) == len(starts):
        final_you = (points[ends] == _YOU) & (ends > starts) & (points[np.maximum(ends - 1, 0)] == _MEI)
        tail = np.where(final_you, ends - 1, np.where(points[ends] == _MEI, ends, -1))  # where 没 stands
        position = np.arange(len(points))
        post = (tail[clause] > position) & (position >= starts[clause])
        flagged ^= post
    flagged &= inside & ~negator
    return np.where(flagged, points | NEGATED, points)


class KeyIndex:
    """Exact lookup of 64-bit keys to rows, vectorised: open addressing with linear probing."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray) -> None:
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self.slot_keys = np.zeros(1 << bits, dtype=np.uint64)
        self.slot_rows = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slots = self._home(keys)
        while len(pending):
            free = self.slot_rows[slots] == -1
            # Several keys may want the same free slot: the first of each wins this round.
            _, first = np.unique(slots[free], return_index=True)
            winners = np.flatnonzero(free)[first]
            self.slot_keys[slots[winners]] = keys[pending[winners]]
            self.slot_rows[slots[winners]] = pending[winners]
            placed = np.zeros(len(pending), dtype=bool)
            placed[winners] = True
            pending, slots = pending[~placed], (slots[~placed] + 1) & self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """The row of each key, or -1 for keys not in the index."""
        slots = self._home(keys)
        found = self.slot_rows[slots]
        result = np.where(self.slot_keys[slots] == keys, found, -1)
        # Keys whose home slot holds another key probe on (rare at a load factor of a quarter).
        todo = np.flatnonzero((result < 0) & (found >= 0))
        slots = (slots[todo] + 1) & self._mask
        while len(todo):
            found = self.slot_rows[slots]
            hit = (found >= 0) & (self.slot_keys[slots] == keys[todo])
            result[todo[hit]] = found[hit]
            again = (found >= 0) & ~hit
            todo, slots = todo[again], (slots[again] + 1) & self._mask
        return result


def key_text(key: int) -> str:
    """The n-gram a key stands for (for reports and debugging); a negated character shows as ¬x."""
    chars = []
    while key:
        point = key & 0x1FFFFF
        chars.append("¬" + chr(point & ~int(NEGATED)) if point & int(NEGATED) else chr(point))
        key >>= 21
    return "".join(reversed(chars))
