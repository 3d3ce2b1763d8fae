"""Whether a buyer asks for a person ("转人工", "叫你们经理来", "给我打电话") rather than asking who is
talking ("你是真人还是机器人"). Pure functions over text.
"""

from __future__ import annotations

import re

from outreach.dialogue.words import normalize

_PERSON = re.compile(
    # (找人 / 叫人 to deal with this, not "找人烫字": someone for another job)
    r"人工|(?<!是)真人(?!吗|还是|呢)|换个人|换人|(?:找|叫)人(?=$|[\s，,。.!！?？]|来|处理|跟我|给我|说|聊|核实|解决|对接|商量|沟通|谈|问|吧|啊)|活人|[找叫派来]个(?:真)?人(?!信息|资料|中心)|换个客服|不要机器人|不跟机器人|别用机器人"
    r"|唔好同机器人|客服来|(?<![谢扬])你们(?:领导|经理|主管|负责人|负责的人|管事的)|找(?:领导|经理|主管)"
    r"|[叫找让](?:你们)?(?:个|一个)?(?:负责的人|管事的|说了算的|能做主的|能说了算的)"
    # (not "别给我打电话": a call refused)
    r"|(?<![别勿])打电话给我|(?<![别要用勿])给我打电话|(?<![别要用勿])来电话|(?<![别要用勿])打给我|专人|转接|接线员"
    # asked round about: "你们那边有没有人能专门帮我看看", "有没有人可以帮我处理一下"
    r"|有没有人(?:能|可以|会)?(?:专门)?(?:帮|给|替|跟)我")
_COMPLAINT = re.compile(r"投诉")  # a request for a person, or a threat ("再不发我就打12315投诉你们")
_NOT_ASKING = re.compile(r"是不是真人|是真人|真人还是|还是真人|是人吗|是机器人|机器人吗|还是机器人|是人还是|人工还是"
                         r"|是人工吗|还是自动|自动回复吗")


# A call someone else made, told as news ("他爱人给我打电话说有一只死了", "阿姨特地打电话给我，说很新鲜"):
# no request for one.
_CALL_TOLD = re.compile(r"(?:他|她|他们|她们|爱人|老人|阿姨|叔叔|朋友|战友|家里|对方|领导|老师"
                        # (a scam call told: "上回有人冒充客服给我打电话")
                        r"|有人|有个|冒充|骗子|上周|上回|上次|前几天|前两天|之前|经常|老是|天天"
                        r"|妈|爸|老婆|老公|姐|哥|弟|妹|特地|特意|专门|昨天|今天|刚才|刚刚)[^，。,.!！？?]{0,6}"
                        r"(?:打电话给我|给我打电话|打给我|来电话|来了个电话|打了个电话)(?:了)?[\s，,]*(?:说|讲|告诉)?"
                        r"|(?:打电话给我|给我打电话|打给我|来电话)(?:了)?[\s，,]*(?:说|讲)")


# A check a person makes as part of the process ("同意提交人工核实"): no hand-over asked for.
_PERSON_CHECKS = re.compile(r"人工(?:核实|审核|鉴定|审批|复核|核查)")


def asks_for_person(text: str) -> bool:
    """Whether the words ask for a person to take over ("转人工", "叫你们经理来", "给我打电话"),
    as opposed to asking who is talking ("你是真人还是机器人") or naming a remedy."""
    text = _PERSON_CHECKS.sub("核实", normalize(text))
    # ("你是机器人吧 换个真人来跟我说" asks who is talking and then for a person: the request stands)
    if _NOT_ASKING.search(text) and not re.search(r"转人工|人工客服|要人工|找人工|接人工|换个?(?:真)?人|转真人|真人客服"
                                                  r"|要真人|找真人|接真人|叫真人"
                                                  r"|换个客服|[找叫派来]个(?:真)?人", text):
        return False
    text = _CALL_TOLD.sub(" ", text)
    return bool(_PERSON.search(text) or _COMPLAINT.search(text))


def wants_a_person(text: str) -> bool:
    """Whether the words plainly ask for a person ("找个人来处理", "转人工"), not only threaten a
    complaint: words that do this win over whatever else they say."""
    text = _PERSON_CHECKS.sub("核实", normalize(text))
    return asks_for_person(text) and bool(_PERSON.search(_CALL_TOLD.sub(" ", text)))
