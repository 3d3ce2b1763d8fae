"""Buyers who think aloud before they settle: "退钱吧……或者补发？算了，还是退钱", "退…不 补吧",
"本来想说不行的……想想也不是你们的错，一般吧". What they weighed and let go does not decide; the
part they settle on does. Pure functions over text.
"""

from __future__ import annotations

import re

from outreach.dialogue.words import normalize

# A thought begun and not followed, at the start: "本来想跟你说别联系我了……", "本来想说不行的……"
# (something said, asked or refused; not "本来想买红色的", which tells what was wanted).
_ABANDONED = re.compile(r"^\s*(?:我)?(?:本来|原本|本|刚才|刚刚|一开始|开始)(?:还|是)?(?:想|打算|准备|要)"
                        r"(?:跟你|和你|给你|同你)?(?:们)?(?:说|讲|回|告诉你|拒绝)[^.…，,。!！?？\s]*[.…，,。!！?？\s]+")
# A turn of mind in the words: what follows it is what the buyer settles on. "算了", "还是" and "不了"
# only as a clause of their own or where one begins ("……算了，还是退钱", "退款也行，可我还挺喜欢这条的，
# 还是发L的"; not "补发就算了", "算了不要了", "退款还是补发", "还是坏的", "你们还是这么包"), and a bare 不
# after a pause ("退…不 补吧"). Corrections of an amount or a remedy ("哦不 是6个", "补发吧 哦不 还是退钱")
# are the readers' own (outreach.dialogue.amounts, remedy_words).
_CLAUSE_START = r"(?:^|(?<=[.，,。!！?？\s~～]))"
_TURN = re.compile(
    _CLAUSE_START + r"算了(?:算了)?(?=[.，,。!！\s~～]|$)|想了想|再想想|再一想|转念一想|仔细一想|想想|改主意了?"
    r"|(?<=\.\.)\s*不(?=[\s，,]|$)|"
    + _CLAUSE_START + r"(?P<kept>(?:那|嗯|我|那我)?还是(?![坏不没有一样那样老是这那])|不了(?=[\s，,。.!！]|$)"
    r"|其实(?:吧|呢|啊)|其实(?=[\s，,]|是|我))")


def without_abandoned(text: str) -> str:
    """The words without a thought begun at the start and not followed ("本来想跟你说别联系我了……想了想
    还是说一下吧，是少了1包": told after all); the words as they are when that is all there is."""
    rest = _ABANDONED.sub("", text or "", count=1)
    return rest if rest.strip(" .，,。!！?？…~～") else (text or "")


def settled(text: str) -> str:
    """The part of the (normalized) words after the last turn of mind, where the buyer settles
    ("退钱吧……或者补发？算了，还是退钱" gives "还是退钱"); the whole words when they do not waver, or
    when nothing follows the turn ("不用了…我再想想" is a pause, not a choice)."""
    plain = without_abandoned(normalize(text))
    last = None
    for turn in _TURN.finditer(plain):
        if turn.group("kept") and re.search(r"[吗么呢?？]\s*$", plain[:turn.start()].rstrip(" ,，")):
            continue  # "我能退货退款吗 还是只能仅退款": a choice asked about, no turn of mind
        tail = plain[turn.start("kept"):] if turn.group("kept") else plain[turn.end():]
        if re.search(r"[\w\u4e00-\u9fff]", tail):
            last = tail
    return last.strip(" .，,。!！?？…~～") if last is not None else plain


def wavers(text: str) -> bool:
    """Whether the words turn before they settle (settled is then a part of them)."""
    return settled(text) != without_abandoned(normalize(text))
