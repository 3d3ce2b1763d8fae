"""One voice: every bot text the domain and the rules hold is checked against what the assistant
never says; the pairs that must never follow each other are caught in a transcript."""

from __future__ import annotations

from pathlib import Path

import yaml

from outreach.dialogue.knowledge import knowledge
from outreach.dialogue.voice import problems
from outreach.rules.loader import rules

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


def every_bot_text() -> list[str]:
    texts = []
    for path in sorted(DOMAIN.glob("*.yml")):
        for variants in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).values():
            texts += [v["text"] for v in variants]
    book = rules()
    texts += [getattr(rule, name) for rules_ in book.remedies.values() for rule in rules_ for name in ("say", "done")]
    texts += [book.handover_message, book.callback_message, book.approval_message, book.rejection_message,
              book.trust_badge.note, book.trust_badge.fast_note]
    texts += [answer for topic in knowledge().topics.values() for answer in topic.answers.values()]
    return texts


def test_no_bot_text_says_what_the_assistant_never_says() -> None:
    texts = every_bot_text()
    assert len(texts) > 60
    assert [p for text in texts for p in problems([text])] == []


def test_the_platform_speaks_as_platform_customer_service() -> None:
    texts = every_bot_text()
    assert any("平台客服" in text for text in texts)
    assert problems(["本店为信任购店铺"]) != []


def test_pairs_that_must_never_follow_each_other_are_caught() -> None:
    assert problems(["收到 5 分评价，祝您生活愉快。", "感谢您的反馈！祝您生活愉快。"])
    assert problems(["收到，已记录您反馈的「质量问题」问题。", "您好，目前没有需要处理的售后问题。"])
    assert problems(["太好了，没有问题就好！", "请问您对这次处理满意吗？"])
    assert problems(["好的，已为您关闭所有主动联系。", "请问您对这次处理满意吗？"])
    assert problems(["您的售后申请需要人工审核：…", "已为您办理好了：…"])
    assert problems(["可以为您办理3只的仅退款"]) and problems(["您的1680元处理已通过"])
    assert problems(["已为您办理好了：退款已提交。", "请问您对这次处理满意吗？请打个分吧"]) == []
