"""Leads and agents read Chinese: every status, event, reason, rule, remedy kind and product kind
has one Chinese name, times are shown in the lead's zone to the minute, money in yuan."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from outreach.display import DisplayError, kind_zh, lead_zone, local_minute, yuan
from outreach.lifecycle.reasons import CLOSED_REASONS, closed_reason_zh, reason_zh
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.rules.loader import DEFAULT_PATH, RulesError, load_rules, rules
from outreach.rules.schema import KIND_ZH, Kind

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_every_status_and_event_kind_has_a_chinese_name() -> None:
    for member in [*CaseStatus, *EventKind]:
        assert CJK.search(member.zh) and not LATIN_WORD.search(member.zh), member
    assert len({s.zh for s in CaseStatus}) == len(CaseStatus)  # no two statuses read alike
    assert len({e.zh for e in EventKind}) == len(EventKind)


def test_every_rule_has_a_chinese_title_and_every_remedy_kind_a_chinese_name() -> None:
    book = rules()
    for group in book.remedies.values():
        for rule in group:
            assert CJK.search(rule.title), rule.id
    assert book.title_of("counterfeit_ten_times") == "假一赔十"
    assert set(KIND_ZH) == set(Kind.__args__)


def test_the_loader_refuses_a_rule_without_a_chinese_title(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["remedies"]["quality_defect"][0]["title"] = "return and refund"
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert "Chinese name" in str(error.value.problems)
    del data["remedies"]["quality_defect"][0]["title"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert "title" in str(error.value.problems)


# One sentence per place that stores a reason (hand-over, remedy), as that code writes it.
PRODUCED = [
    "buyer asked for a person",
    "buyer writes in a language the model does not read (en): a person who reads it takes over",
    "remedy of 1680 yuan needs approval", "remedy of 12.50 yuan needs approval",
    "approval rejected: 证据不足", "low satisfaction rating 2: a person follows up",
    "reached by phone; the agent follows up", "facts the rules need are missing: current_unit_price_fen",
    "no automatic remedy for service_attitude", "no rule for spoiled applies to this order",
    "health reaction: a person takes over at once and calls the buyer", "buyer declined every offer the rules allow",
    "accepted offer no longer allowed by the rules",
    "no answer in the app since 2026-12-01 10:00 UTC; 3 calls made already",
    "no answer in the app since 2026-12-01 10:00 UTC, and no call possible: no phone number on file",
    "buyer accepted offer 1 for spoiled under rule spoiled_share_refund",
    "agreed by phone under rule late_ship_compensation", "agent zhou carried out rule counterfeit_ten_times",
    "not active in the app within 168 h; outside the call window: waits until 2026-12-04 09:00 (Asia/Shanghai)",
    "active in the app 3 h ago", "elderly buyer (60+): a call rather than chat", "severity 1: a person calls",
    "no answer on attempt 2: retry after 0:30:00 in the next window",
    "the model cannot decide: a person looks first",
    "written in English: the model reads Chinese only, so a person reads it",
    "no order named: nothing to act on", "a person decided: no problem (zhou)",
]


@pytest.mark.parametrize("reason", PRODUCED)
def test_every_stored_reason_reads_in_chinese(reason: str) -> None:
    text = reason_zh(reason)
    assert CJK.search(text) and "未翻译" not in text, text
    assert not LATIN_WORD.search(text.replace("zhou", "")), text


def test_reasons_keep_their_figures_and_name_the_rule() -> None:
    assert reason_zh("remedy of 1680 yuan needs approval") == "赔付 1,680.00 元超过自动审批额度，需主管审批"
    japanese = "written in Japanese: the model reads Chinese only, so a person reads it"
    assert reason_zh(japanese).startswith("使用日文书写")
    assert "假一赔十" in reason_zh("agent zhou carried out rule counterfeit_ten_times")
    assert reason_zh("something new") == "其他原因（未翻译）：something new"  # visible, not hidden
    assert all(CJK.search(v) for v in CLOSED_REASONS.values()) and closed_reason_zh("rated") == "买家已评价"


def test_times_are_shown_in_the_leads_zone_to_the_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 12, 3, 16, 5, 42, 123456, tzinfo=timezone.utc)
    assert local_minute(at) == "2026-12-04 00:05"  # Asia/Shanghai by default
    assert local_minute(at.replace(tzinfo=None).isoformat()) == "2026-12-04 00:05"  # stored naive = UTC
    monkeypatch.setenv("OUTREACH_LEAD_TIME_ZONE", "Asia/Urumqi")
    assert local_minute(at) == "2026-12-03 22:05" and str(lead_zone()) == "Asia/Urumqi"
    monkeypatch.setenv("OUTREACH_LEAD_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(DisplayError, match="OUTREACH_LEAD_TIME_ZONE"):
        lead_zone()


def test_money_is_yuan_with_two_decimals_and_kinds_have_chinese_names() -> None:
    assert yuan(168000) == "1,680.00 元" and yuan(4590) == "45.90 元" and yuan(5, unit=False) == "0.05"
    assert yuan(None) == "—"
    assert kind_zh("seafood") == "海鲜水产" and kind_zh("new_kind") == "new_kind"
