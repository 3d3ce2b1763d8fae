"""Words typed a character at a time: "钱 多 久 能 到 账 啊 ？？？ 急 用 ！！！".

Some buyers put a space after every character for stress. Every reader (the NLU, the counts, the
remedies, the questions) reads words, so such a run of single characters is joined back into the
words it spells before anything reads it; spaces between words typed normally stay, since a space
often ends a clause ("是的 碎了2个")."""

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
    return tokens[0] + "".join(("" if k in joined else spaces[k - 1]) + tokens[k] for k in range(1, len(tokens)))
