"""One voice: what the assistant never says, and bot texts that must never follow each other.

The platform's assistant speaks as 平台客服; it never says 本店 (that is the merchant's word),
never thanks twice in a row, never asks for a rating after a hand-over, an opt-out or "no
problem", and never says a case is done right after noting a new problem. Tests check every
domain response, every rules sentence and every played conversation against these lists.
"""

from __future__ import annotations

import re

# Phrases no bot text may contain: (pattern, why).
FORBIDDEN = (
    (re.compile(r"本店"), "the platform speaks as 平台客服, never as the shop"),
    (re.compile(r"「无问题」问题"), "no problem is not a problem to record"),
    (re.compile(r"\d+[只个件盒斤箱袋包份]的仅退款"), "awkward: say 坏掉的3只退款 …"),
    (re.compile(r"您的\d+(?:\.\d+)?元处理"), "awkward: name the request, not an amount"),
)
# (earlier, later): a bot text matching `later` must never come right after one matching `earlier`.
NEVER_FOLLOW = (
    (re.compile(r"祝您生活愉快"), re.compile(r"祝您生活愉快"), "the same farewell twice"),
    (re.compile(r"已记录|明白了，是「"), re.compile(r"目前没有需要处理的售后问题|已经处理完毕"),
     "a problem noted, then 'nothing to handle'"),
    (re.compile(r"没有问题就好"), re.compile(r"打个分|满意吗"), "no problem after all is thanked, not rated"),
    (re.compile(r"转接人工|专人|人工客服为您"), re.compile(r"打个分|满意吗"),
     "a rating question while a person takes over"),
    (re.compile(r"关闭所有主动联系"), re.compile(r"打个分|满意吗|您看这样可以吗"), "contact after an opt-out"),
    (re.compile(r"已为您办理好了"), re.compile(r"没太明白|您看这样可以吗"), "an offer or confusion after it is done"),
    (re.compile(r"需要人工审核"), re.compile(r"已为您办理好了"), "done before a person approved"),
)


def problems(texts: list[str]) -> list[str]:
    """What in a conversation's bot texts (in order) breaks the one voice; empty when none."""
    found = []
    for index, text in enumerate(texts):
        for pattern, why in FORBIDDEN:
            if pattern.search(text):
                found.append(f"{text!r}: {why}")
        if index:
            before = texts[index - 1]
            for earlier, later, why in NEVER_FOLLOW:
                if earlier.search(before) and later.search(text):
                    found.append(f"{before!r} then {text!r}: {why}")
    return found
