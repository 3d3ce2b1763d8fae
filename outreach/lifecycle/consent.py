"""Consent: a buyer's opt-out stops every channel at once, in every state of every case, until
the buyer opts in again.

The bot hears "别再联系我" while it talks; while a person owns the case the web server does not
relay to the bot, so it asks `asks_to_stop` itself and records the opt-out here all the same.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from outreach.dialogue.words import normalize
from outreach.lifecycle import events, machine
from outreach.lifecycle.states import NOT_SETTLED, CaseStatus, EventKind
from outreach.store.models import CallTask, Case, OptOut
from outreach.store.types import utcnow

NLU_FILE = Path(__file__).resolve().parents[2] / "data" / "nlu" / "conversation.yml"
# Closed by an opt-out: everything not settled, a hand-over, claimed or not (the person must not
# contact the buyer either), and a settled case waiting for its rating (it keeps its remedy; the
# rating is never asked now, so nothing is left open).
CLOSED_BY_OPT_OUT = NOT_SETTLED | {CaseStatus.HANDED_OVER, CaseStatus.CLAIMED, CaseStatus.RESOLVED}
# "别再联系我", "不要再主动联系我了", "以后也别来找我", "别在联系我" (在 typed for 再)
_STOP = re.compile(r"(?<!先)(别|不要|不许|不用|请勿|勿)(再|在|总|老)?(?:主动|来|去|给我|跟我|和我)?"
                   # "再给我发2只活的" asks for goods, not for silence; "补发也不要！！！烦死了": annoyed, no stop
                   r"(联系|连系|联络|打扰|骚扰|打电话|打来|回访|[发传](?:这种|这些|这类|此类|任何)?(?:消息|信息|短信|讯息)"
                   # ("别再给我发烂苹果了": the goods, not messages)
                   r"|send ?(?:message|msg)|给我发(?![\d一二两三四五六七八九十几个新好活正对错烂坏假次破臭差霉])"
                   # ("别给我发什么链接": no links wanted, the talk goes on)
                   r"(?!(?:什么|啥|那些|这种|任何)?(?:链接|验证码|二维码|网址|网页))"
                   r"|发给我|找我|发了(?=[\s，,。.!！~～]*烦)"  # "别再发了 烦"
                   r"|烦(?!死|人|透)"
                   # "以后别给我推这些了"; not "别推卸责任", "别推脱"
                   r"|推(?!卸|脱|辞|托|诿|迟|荐)(?:送)?(?:这些|这种|这类)?(?:消息|信息|短信|东西)?)"
                   # ("别联系店家了 你们平台直接给我处理": someone else not to be contacted, no stop)
                   r"(?![\s，,]*(?:店家|商家|卖家|店铺|店里|快递|物流|主播|厂家|他们|她们|他|她)(?!们?[\s，,]*我))"
                   # "以后这类消息别再发给我"
                   r"|(?:这类|这种|这些|此类)(?:消息|信息|短信)(?:别|不要)再?发"
                   # "我不想再收到任何回访了 电话也请不要打 麻烦把我从名单里去掉"
                   r"|不想再?收到(?:任何)?(?:这些|这种|这类|此类)?(?:回访|消息|信息|短信|电话|通知)|(?:电话|短信)也?(?:请|麻烦)?(?:别|不要|勿)再?打"
                   r"|从(?:名单|名单里|回访名单)(?:里|中)?(?:去掉|删掉|删除|移除)"
                   # "停止联系", "回访我就不参与了", "麻烦把我取消掉吧" (taken off the list)
                   r"|(?:今后|以后|往后)不再(?:联系|打扰|回访|发消息|发信息|发短信)"  # 今后勿再联系 (勿 read as 不)
                   r"|停止(?:联系|回访|打扰|发送|推送)|(?:回访|调查|问卷)[^，。,.!！？?]{0,4}不(?:参与|参加|需要|接受)"
                   r"|把我(?:从[^，。,.!！？?]{0,6})?(?:取消掉|删掉|去掉|移除|拉出去)"
                   # "请勿再就此事或其他任何事情联系我": not about this nor anything else
                   r"|(?:别|不要|请勿|勿|不)再?(?:就|为|因为?)[^，。,.!！？?]{1,14}(?:联系|打扰|骚扰|找)我"
                   # "以后这种事别来问我了": from now on, never asked again
                   r"|(?:以后|今后|往后|下次)[^别不]{0,6}(?:别|不要|不用|甭)(?:再|在)?(?:来)?(?:问我|问了|找我|烦我)")
# "先别烦我 在开车 一会儿说", "别催我，我想想": a pause in the conversation, not an end to contact
_PAUSE = re.compile(r"先别|别催|等会|等一下|等我一下|等下|一会儿|待会|晚点|稍等|在开车|在忙|想想|考虑一下|问问我"
                    r"|^wait|^holdon|^我(?:先|去|再)?(?:看一眼|看一下|看看|查一下|查查|确认一下|翻一下|找找)$"
                    r"|(?:现在|这会儿?|暂时)没空|没空(?:聊|说|回|理|弄|管)|(?:现在|这会儿?)没时间|在喂奶|在哄|在带娃"
                    r"|(?:现在|正|我)在上班|在开会"
                    r"|(?:过|等)[^，。,.!！？?]{0,5}(?:分钟|会儿?|小时)再(?:说|聊|回)|回头(?:再)?(?:说|聊)|忙完(?:再|了再)")
_FOR_GOOD = re.compile(r"以后|再也|永远|所有|拉黑|退订|投诉")
# An opt-out said before, told as what happened: "我之前说过别联系我", "上次跟你们讲了不要打电话".
_TOLD_BEFORE = re.compile(r"(?:(?:之前|以前|上次|上回|早就|早先|老早|先前)(?:就|已经)?(?:跟你们|和你们|同你们)?"
                          r"(?:说过|讲过|说了|讲了|叫你们|让你们|跟你们说|和你们说)"
                          r"|(?:跟|和|同)你们(?:说|讲)过)[^，。,.!！？?；;]{0,14}")
_DROP = re.compile(r"[\s\W_]+")


@lru_cache(maxsize=1)
def _opt_out_examples() -> tuple[str, ...]:
    """The opt-out examples the bot learns from (data/nlu): one list of words for both."""
    for block in yaml.safe_load(NLU_FILE.read_text(encoding="utf-8"))["nlu"]:
        if block.get("intent") == "opt_out":
            lines = (line.strip().lstrip("-").strip() for line in block["examples"].splitlines())
            return tuple(_DROP.sub("", line).lower() for line in lines if line)
    raise LookupError(f"{NLU_FILE}: no opt_out intent examples")


def asks_to_wait(text: str) -> bool:
    """Whether the buyer asks for a moment ("等我一下", "别催我，我想想", "先别烦我 在开车"): the
    question stands, nothing is decided, and it is no opt-out."""
    plain = _DROP.sub("", normalize(text or ""))
    return bool(_PAUSE.search(plain)) and not _FOR_GOOD.search(plain) and not _SAID_WRONG.search(plain) \
        and not _answered_after_pause(normalize(text or ""))


# Words that only ask for a moment: "wait 我看一眼", "等下 我查查", "稍等".
_PAUSE_ONLY = re.compile(r"(?:wait|holdon|等等|等一下|等下|稍等|等我一下)*(?:我)?(?:先|去|再)?"
                         r"(?:看一眼|看一下|看看|查一下|查查|确认一下|翻一下|找找|想想|问问)?(?:哈|啊|哦|噢)?")


def pauses_at_the_end(text: str) -> bool:
    """Whether the words break off to ask for a moment ("是没更新…wait 我看一眼"): what came before
    the break is no answer yet."""

    parts = [part for part in re.split(r"\.{2,}|…+", normalize(text or "")) if part.strip()]
    last = _DROP.sub("", parts[-1]).lower() if len(parts) > 1 else ""
    return bool(last) and bool(_PAUSE_ONLY.fullmatch(last))


def _answered_after_pause(text: str) -> bool:
    """Whether the words after the pause answer already: "我想想哈…那就给个4吧", "我考虑一下…还是退钱吧"."""
    from outreach.dialogue.ratings import read_rating
    from outreach.dialogue.remedy_words import read_remedy
    from outreach.dialogue.yes_no import read_yes_no

    pause = _PAUSE.search(text)
    rest = text[pause.end():] if pause else ""
    if not re.match(r"[哈啊呀吧哦了下]*\s*(?:\.{2,}|[，,。!！\s])", rest):
        return False
    rest = re.sub(r"^[哈啊呀吧哦了下]*[\s.，,。!！]*", "", rest)
    return bool(rest) and (read_rating(rest) is not None or read_remedy(rest) is not None
                           or read_yes_no(rest) is not None)


# A slip owned up to beside the pause: "等下 我再看哈 只死了一条 刚才看错了" corrects, it asks no time.
# ("等一下 我再看一次 有一只还会动 是死两只才对": the right count, said after the pause)
_SAID_WRONG = re.compile(r"看错|说错|数错|搞错|弄错|记错|算错|是[^，。,.!！？?\s]{1,6}才对")


def without_past_opt_out(text: str) -> str:
    """The words without an opt-out told as said before ("我之前说过别联系我，这次…")."""
    return _TOLD_BEFORE.sub(" ", text or "")


def asks_to_stop(text: str) -> bool:
    """Whether a buyer's message asks for no more contact ("别再联系我", "退订", "TD"), read as meant
    (dialect: "唔好再联系我", "以后莫联系我")."""
    # ("我之前说过别联系我，这次是我自己找过来的": the opt-out on record, told; no new request)
    raw = _DROP.sub("", _TOLD_BEFORE.sub(" ", unicodedata.normalize("NFKC", text or ""))).lower()
    plain = _DROP.sub("", _TOLD_BEFORE.sub(" ", normalize(text or "")))
    if not plain:
        return False
    # (read with its stops: "我想想……不用了 别再打扰我了" answers after the pause)
    if asks_to_wait(without_past_opt_out(text)):
        return False
    if _STOP.search(plain):
        return True
    # (the examples as written: "唔好再搵我" is learnt in its own words; a short one, "TD", "退订", as a
    # word of its own among others: "TD 退订 不需要")
    words = {_DROP.sub("", word).lower() for word in re.split(r"[\s，,。.!！?？]+", without_past_opt_out(text))}
    return any(example in (plain, raw) or (len(example) >= 3 and (example in plain or example in raw))
               or example in words for example in _opt_out_examples())


def opt_outs_of(buyer_id: str | BindParameter) -> Select:
    """The buyer's opt-outs in force."""
    return select(OptOut.id).where(OptOut.buyer_id == buyer_id, OptOut.revoked_at.is_(None))


def is_opted_out(session: Session, buyer_id: str) -> bool:
    return session.execute(opt_outs_of(buyer_id).limit(1)).first() is not None


def record_opt_out(session: Session, buyer_id: str, text: str) -> bool:
    """Store the opt-out once: a second one adds nothing. True when it is new."""
    if is_opted_out(session, buyer_id):
        return False
    session.add(OptOut(buyer_id=buyer_id, channel="all", source_text=text[:500]))
    return True


def stop_every_channel(session: Session, buyer_id: str, now: datetime | None = None) -> int:
    """Close the buyer's cases not yet settled (a hand-over included) and cancel their queued
    calls; returns how many cases were closed."""
    now = now or utcnow()
    cases = session.execute(
        select(Case).where(Case.buyer_id == buyer_id, Case.status.in_([s.value for s in CLOSED_BY_OPT_OUT]))
    ).scalars().all()
    for case in cases:
        machine.close(session, case, "opted_out", EventKind.CLOSED_OPTED_OUT, now)
    calls = session.execute(
        select(CallTask).where(CallTask.buyer_id == buyer_id, CallTask.status.in_(("queued", "claimed")))
    ).scalars().all()
    for call in calls:
        call.status, call.done_at, call.reason = "cancelled", now, "buyer opted out"
        events.record(session, call.case_id, EventKind.CALL_CANCELLED, task=call.id, reason="buyer opted out")
    return len(cases)


def opt_out(session: Session, buyer_id: str, text: str, now: datetime | None = None) -> int:
    """Stop every channel for this buyer at once. Idempotent; returns how many cases were closed."""
    record_opt_out(session, buyer_id, text)
    return stop_every_channel(session, buyer_id, now)


def opt_in(session: Session, buyer_id: str, now: datetime | None = None) -> bool:
    """The buyer wants contact again: their opt-outs are revoked (kept, with the time). True when one was."""
    now = now or utcnow()
    active = session.execute(
        select(OptOut).where(OptOut.buyer_id == buyer_id, OptOut.revoked_at.is_(None))
    ).scalars().all()
    for row in active:
        row.revoked_at = now
    return bool(active)
