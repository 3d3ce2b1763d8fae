"""Words typed a character at a time: "钱 多 久 能 到 账 啊 ？？？ 急 用 ！！！".

Some buyers put a space after every character for stress. Every reader (the NLU, the counts, the
remedies, the questions) reads words, so such a run of single characters is joined back into the
words it spells before anything reads it; spaces between words typed normally stay, since a space
often ends a clause ("是的 碎了2个"). Learners of Chinese often put a space after every word ("我 买 3盒
来了 2盒"): a clause of such short words is joined too, where marks end the clauses."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")
# What a single-character token may carry besides its character: punctuation, marks, emoji.
_MARKS = re.compile(r"[\W_]", re.UNICODE)
# The shortest run of single characters (at least this many of them Chinese) joined back.
_RUN_FROM = 3


def _single(token: str) -> bool:
    """Whether a token is one character with at most marks around it ("碎", "了！！！", "？？？")."""
    return len(_MARKS.sub("", token)) <= 1


def join_spaced_characters(text: str) -> str:
    """`text` with each run of at least three single Chinese characters, typed with spaces between
    them, joined back into words ("对 对 对 碎 了 两 个" -> "对对对碎了两个"; "是的 碎 了 两 个" ->
    "是的 碎了两个"; "满 意 ！！", all of it, -> "满意！！"); a short run beside words ("好 5", "是 2个")
    and words typed normally are left as they are."""
    if not text or not re.search(r"\s", text.strip()):
        return text
    marked = bool(_CLAUSE_MARK.search(text))
    if marked:  # (word-spaced clauses first, so a run of single characters is not cut off inside one)
        text = _join_short_words(text, marked)
    parts = re.split(r"(\s+)", text)
    tokens, spaces = parts[0::2], parts[1::2]
    joined: set[int] = set()  # k: the space before token k goes
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _single(tokens[j]):
            j += 1
        chinese = sum(1 for token in tokens[i:j] if _CJK.search(token))
        if chinese >= _RUN_FROM or (chinese >= 2 and j - i == len(tokens)):  # "满 意 ！！": all of it
            joined.update(range(i + 1, j))
        i = max(j, i + 1)
    text = tokens[0] + "".join(("" if k in joined else spaces[k - 1]) + tokens[k] for k in range(1, len(tokens)))
    return text if marked else _join_short_words(text, marked)


# A clause's marks, which end it whatever the spaces do.
_CLAUSE_MARK = re.compile(r"([，,。！!？?；;…]+)")
# A word-spaced clause: at least this many short words, at most this long on average.
_WORDS_FROM = 3
_WORD_MEAN = 2.5
_WORD_LONGEST = 4


def _join_short_words(text: str, marked: bool) -> str:
    """Words typed with a space after each, as learners of Chinese often do ("我 买 3盒 来了 2盒",
    "不 要 退 钱，换 一个 新 的 给 我"), joined into the clause they make. Only where the marks end
    the clauses (so a space is not what ends them), or where a whole message of five or more words
    is spaced so; a clause of longer words ("是 烂了2斤 整箱都臭了") keeps its spaces."""
    pieces = _CLAUSE_MARK.split(text)
    out = []
    for piece in pieces:
        words = piece.split()
        chinese = [word for word in words if _CJK.search(word)]
        # (single characters between the marks are joined too: "急 用 ！！！")
        singles = marked and len(chinese) >= 2 and all(map(_single, words))
        if singles or (len(words) >= (_WORDS_FROM if marked else 5) and len(chinese) >= 2
                       and max(len(word) for word in words) <= _WORD_LONGEST
                       and sum(len(word) for word in words) / len(words) <= _WORD_MEAN):
            piece = "".join(words)  # (the spaces beside the marks go too: the marks end the clause)
        out.append(piece)
    return "".join(out)
