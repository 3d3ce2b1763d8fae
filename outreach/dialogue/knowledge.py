"""Answers to buyers' off-script questions: the knowledge file's schema, its one loader, and
which topic a message asks about. The answer's facts (order, offer, remedy) come from the
caller (outreach.cases.answers); this module knows only the file."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, validator

from outreach.dialogue.words import asked_clauses, clauses_of, normalize

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "defaults" / "knowledge.yml"
# The situations each topic must answer; the code picks one of them for the case at hand.
SITUATIONS: dict[str, tuple[str, ...]] = {
    "refund_timing": ("done", "pending", "offer", "general"),
    "who": ("bot",),
    "logistics": ("unshipped", "overdue", "shipped", "delivered", "unknown"),
    "remedy_status": ("done", "pending", "none", "no_case"),
    "legal_multiple": ("allowed", "not_applicable"),
    "why": ("offers", "fixed", "none"),
    "review": ("general",),
    "freight": ("paid", "none"),
    "invoice": ("general",),
    "fees": ("general",),
    "privacy": ("general",),
    "how_much": ("offer", "share", "none"),
    "return_goods": ("allowed", "not_needed"),
    "several": ("queued", "one"),
    "more": ("offers", "fixed", "none"),
    "scam": ("general",),
}
# 么 of 这么 / 那么 / 多么 asks nothing ("就这么整吧"), nor 几 of 好几 / 十几 / 几十 ("还得等好几天");
# 呢 asks only in a short clause ("那退款呢", "我的快递呢"), not in a told one ("孩子就等这个呢").
_QUESTION = re.compile(r"[?？]|吗|(?:^|[\s，,。.!！;；])[^\s，,。.!！;；]{0,5}(?<!着)(?<!还要)(?<!还用)呢"
                       r"|(?<![这那多什])么"
                       r"|多久|多长|多少(?!都)|哪|(?<!没)(?<!没有)什么|怎么|(?<![好十那这前过补送没])几(?![十百千万]|块钱|个钱|句)|(?<!没)啥|谁(?!说(?!话)|还要|还敢|稀罕)|为什么|为啥|多快"
                       r"|是不是|能不能|可不可以|有没有|咋"
                       # asked in other words: "你先告诉我退款是退到微信还是银行卡", "到底发货没有"
                       r"|告诉我|想知道|想问|问一下|问下|请问|(?<![还都也])(?:了|货|到|发|退|办|好)没有?(?=$|[\s，,。.!！])"
                       r"|(?<=[去来回要用行能])不(?=$|[\s，,。.!！])"  # "要我寄回去不"
                       r"|(?:能|可以|会|有|要|是)[^，,。.!！？?\s]{1,6}不(?=$|[\s，,。.!！])"  # "这个能赔三倍不"
                       r"|(?:扣|收|包|算|给|赔)[^，,。.!！？?\s]{0,4}不(?=$|[\s，,。.!！])"  # "退款扣手续费不"
                       # 嘛 for 吗 after a modal: "退款要扣手续费嘛", "坏的那盒要寄回去嘛" (not "退就退嘛")
                       r"|(?:要|会|能|用|得|需要|可以)(?:(?!就)[^，,。.!！？?\s]){1,8}嘛(?=$|[\s，,。.!！])"
                       r"|行不行|好不好|成不成|要不要|得不得|得唔得|可以不|会不会|用不用|需不需要"
                       # a worry put as a question: "不会是骗子吧", "你们不会跟店家说是我投诉的吧"
                       r"|不会[^，,。.!！\s]{1,14}吧(?=$|[\s，,。.!！?？])"
                       # a choice asked: "是回到微信还是银行卡啊" (not "还是退款吧", which picks one)
                       r"|\S{1,8}还是[^\s，,。.!！吧]{1,8}(?:啊|呀|呢|哈)$"
                       r"|是[^\s，,。.!！]{1,8}还是[^\s，,。.!！吧呗]{1,8}$")  # "你是真人还是机器人"


# A question asked to make a point, not for an answer: "不退钱难道让我吃吗", "这还用问吗",
# "我倒要看看你们怎么处理".
_RHETORICAL = re.compile(r"^不[^，,。\s]{1,5}难道|还用问|还用说|明摆着|你说呢|闲的没事|闲得没事"
                         # a doubt told, not asked: "能不能用我还没敢插电试"
                         r"|(?:能不能|是不是|有没有)[^，,。？?\s]{0,6}(?:我)?(?:还|也)?(?:没|不)敢?[^，,。？?\s]{0,3}"
                         r"(?:试|知道|确定|清楚)(?![^，,。]*[?？])"
                         r"|倒要看看|倒想看看|倒是要看看"
                         # "no matter how", told: "怎么按都不亮了", "咋弄也没反应"
                         r"|(?:怎么|咋|怎样)[^，,。？?\s]{1,3}(?:都|也)(?:不|没|打不|开不|充不)(?![^，,。]*[?？])"
                         # the shop's fault called out, not the rule asked about: "店家凭啥子少发"
                         r"|(?:店家|商家|卖家|店里|老板)凭(?:什么|啥)(?:少发|漏发|发错|乱发|不发|骗人|这样|这么)"
                         # resigned, no question: "赔吧 还能咋的"
                         r"|还能(?:咋|怎么|怎样|如何)(?:的|地|滴|样|办|着|整)?(?=$|[\s，,。.!！?？])"
                         # the same run on with no question mark: "还能怎么样退钱呗", "还等什么等 取消",
                         # "谁知道又寄成什么 还是把钱退我"
                         r"|(?:还能(?:咋|怎么|怎样|如何)(?:的|地|滴|样|办|着|整)?|还等(?:什么|啥|啥子)|谁知道)"
                         r"(?![^？?]*[？?])"
                         r"|不就[^，,。\s]{0,3}(?:行|好|完|得|可以|结了)了?[吗嘛么]"  # "换个新的不就行了吗"
                         # "不然呢", "谁等得起？", "取消干嘛？", "换，不换我光着脚去上班啊？"
                         r"|(?:要)?不然(?:呢|嘞|咧)|谁(?:等得起|受得了|愿意等|稀罕|要啊)"
                         r"|(?:取消|退|换|补发?|等)干(?:嘛|啥|什么)"
                         r"|不(?:换|退|补发?|赔)(?:的话)?我[^，,。\s]{1,10}[啊吗呀嘛][?？]*$"
                         r"|还能是(?:啥|什么)|不是[^，,。？?\s]{1,6}是(?:啥|什么)"
                         # "这不是骗人吗", "这不是虚假宣传吗": an accusation, asked only to make it
                         r"|不是(?:在)?(?:骗人|骗子|骗钱|欺骗|忽悠|坑人|坑钱|虚假宣传|欺诈|诈骗|欺负人|胡说|瞎说|乱说|糊弄"
                         r"|睁眼说瞎话)[^，,。\s]{0,3}[吗嘛么]")


def is_question(text: str) -> bool:
    """Whether the words ask something (？, 吗, 多久, 哪, 为什么 ...), not only to make a point."""
    # (read before normalising, which folds a phrase said twice: "该咋赔咋赔")
    return _asks(normalize(_WHATEVER_IS_DUE.sub("", text)))


# A question the buyer says they asked someone else: "之前问客服什么时候发货，客服爱答不理的".
_REPORTED = re.compile(r"问(?:过|了)?(?:一下)?(?:客服|商家|店家|卖家|老板|快递员?|他们|他|她)[^，。,.!！？?；;]*"
                       # what others asked: "好几个老姐妹问在哪买的", "朋友都问我多少钱"
                       r"|(?<=[妹友事居戚蜜们])(?:都|也|还)?(?:在)?问(?:我)?[^，。,.!！？?；;]*")


def told_clauses(text: str) -> list[str]:
    """The clauses of the words that ask nothing ("2斤 钱几天到" gives ["2斤"]); a choice after 还是
    belongs to the question before it ("我能退货退款吗 还是只能仅退款" tells nothing), and a clause
    with a question mark asks ("补发？等你们补发黄花菜都凉了 直接退钱不行吗": the offer said back)."""
    parts, marked = clauses_of(text), asked_clauses(text)
    return [part for i, part in enumerate(parts)
            if not is_question(part) and not marked[i] and not (i > 0 and re.match(r"还是|或者|或是|要么", part))]


# The bot's words said back in a question, as a clause of its own: "你说「立即」取消退款 那299是立马到账吗？",
# "你说7个退10.50元 这个是怎么算的？", "「先行」是啥意思": what they refer to, neither the buyer's choice nor their
# story (not "你说的退款要几天到账？", one clause that asks about the remedy, nor "你说的对吗").
_SAID_BACK = re.compile(
    r"(?:(?:^|(?<=[\s，,。.!！?？；;]))(?:那|可)?(?:你们?|您|客服|机器人)(?:刚才|刚刚|刚|上面|前面|之前)?(?:说|讲|写|提到?)"
    r"(?:的|了|过)?(?:是)?[:：]?\s*"
    r"(?:(?:「[^」]*」|“[^”]*”|『[^』]*』|\"[^\"]*\")(?=\s*[？?])"  # "你说「…5元…补偿」？不用了"
    r"|(?:「[^」]*」|“[^”]*”|『[^』]*』|\"[^\"]*\")?(?:[^，,。.!！?？；;\s]|(?<=\d)\.(?=\d))*)"
    r"|(?:「[^」]*」|“[^”]*”|『[^』]*』)(?=\s*(?:是|指|说的是)?(?:什么|啥|神马)意思|\s*(?:是指|指的是|是啥|是什么)))"
    r"(?<![吗呢么嘛吧])(?=[\s，,。.；;]|$|(?<=[」”』\"])\s*[？?]|\s*(?:是|指|说的是)?(?:什么|啥|神马)意思|\s*(?:是指|指的是|是啥|是什么))")


def without_words_said_back(text: str) -> str:
    """The words of a question without the bot's words it quotes back as a clause of its own; the words
    as they are when they ask nothing or nothing else is left."""
    if not text or not is_question(text):
        return text
    own = _SAID_BACK.sub(" ", text).strip()
    return own if re.search(r"[\u4e00-\u9fff]", own) else text


# "该怎么赔就怎么赔", "该咋办就咋办", "该咋赔咋赔", "该赔多少(就)赔多少": whatever is due, no question.
_WHATEVER_IS_DUE = re.compile(r"(怎么|咋|啥)([^\s，,。.!！？?]{1,3})就?\1\2|([^\s，,。.!！？?]{1,2})(多少|几个)就?\3\4")


# Waiting for the goods, told: "家里等着喝呢", "孩子等着用呢" (a 呢 that asks nothing).
_WAITING_FOR = re.compile(r"等着[^\s，,。.!！？?]{0,3}呢")


def _asks(text: str) -> bool:
    text = _WAITING_FOR.sub(" ", text)
    return bool(_QUESTION.search(_WHATEVER_IS_DUE.sub("", _REPORTED.sub("", text)))) and not _RHETORICAL.search(text)


class Topic(BaseModel):
    class Config:
        extra = Extra.forbid

    words: list[str] = Field(min_items=1)
    # Regular expressions for the ways of asking that no fixed words list covers: a topic's word
    # and a question word apart ("钱大概几天能回到卡上", "退款是回到支付宝吗").
    patterns: list[str] = []
    answers: dict[str, str]
    statement_too: bool = False  # asked in a plain sentence too ("我要假一赔三")
    # only once an offer was made: before it, "凭什么扣我两次钱" is a complaint, not a question
    after_offer: bool = False


class Knowledge(BaseModel):
    class Config:
        extra = Extra.forbid

    topics: dict[str, Topic]

    @validator("topics")
    def _patterns_compile(cls, topics: dict[str, Topic]) -> dict[str, Topic]:
        for name, topic in topics.items():
            for pattern in topic.patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{name}.patterns: {pattern!r} does not compile: {exc}") from exc
        return topics

    def topic_of(self, text: str, offered: bool = True) -> str | None:
        """The topic the message asks about: the longest matching words win. `offered`: whether
        the conversation is past its first offer."""
        text = normalize(text)
        if not text:
            return None
        asked = _asks(text)
        best: tuple[int, str] | None = None
        for name, topic in self.topics.items():
            if not (asked or topic.statement_too) or (topic.after_offer and not offered):
                continue
            for word in topic.words:
                if word.lower() in text and (best is None or len(word) > best[0]):
                    best = (len(word), name)
            for pattern in topic.patterns:
                found = re.search(pattern, text)
                if found and (best is None or len(found.group()) > best[0]):
                    best = (len(found.group()), name)
        return best[1] if best else None

    def answer(self, topic: str, situation: str, **values: str) -> str:
        return self.topics[topic].answers[situation].format(**values)


class KnowledgeError(ValueError):
    pass


def load_knowledge(path: Path | str = DEFAULT_FILE) -> Knowledge:
    """Read and check a knowledge file: every topic the code answers, every situation it picks."""
    path = Path(path)
    try:
        knowledge = Knowledge.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{path}: {exc}; fix the file (docs/rules.md#answers-to-buyers-questions)") from exc
    problems = []
    for topic, situations in SITUATIONS.items():
        found = knowledge.topics.get(topic)
        if found is None:
            problems.append(f"topic {topic!r} is missing")
            continue
        problems += [f"{topic}.answers.{s} is missing" for s in situations if s not in found.answers]
    problems += [f"topic {t!r} is unknown; use one of {', '.join(SITUATIONS)}" for t in knowledge.topics
                 if t not in SITUATIONS]
    if problems:
        raise KnowledgeError(f"{path}: " + "; ".join(problems))
    return knowledge


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The knowledge file in use, loaded once per process (like the rules)."""
    return load_knowledge()
