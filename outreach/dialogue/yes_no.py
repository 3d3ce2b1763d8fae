"""Yes or no as buyers say it, details and all: "是的，有4个烂了" is a yes with details, "5块钱打发
叫花子呢？不要" ends by refusing, "算了 给就给吧" is a grudging yes; and the answers near it: nothing
wrong after all, an offer turned down by name or as too little, going ahead with the process.
Pure functions over text.
"""

from __future__ import annotations

import re

from outreach.dialogue.remedy_words import refused_kinds, remedy_mentions
from outreach.dialogue.words import clauses_of, normalize

# Words that lead into a yes without changing it: "那行", "亲 可以", "哦 好的".
_LEAD_IN = (r"(?:您好|你好|喂)?[\s，,]*(?:(?:那就?|就|亲|哦|噢|喔|额|呃|嗯|哼|唉|哎|勉强|还是|哈{2,}|嘿嘿|嘻嘻"
            r"|(?:他|她|我老公|我老婆|我爱人|我家里人|家里人|我儿子|我女儿)说|算了"
            r"|(?:您|你)(?:说|讲|提)的(?:这个|那个)?(?:方案|办法|处理)?(?:就|也)?)[\s，,]*){0,2}")
# Short words that are a yes only when they are all there is ("收到", "成", "可"): "收到的是坏的" is none.
_ALONE = r"(?=[\s，,。.!！~～]|$)"
_YES = re.compile(
    r"^" + _LEAD_IN
    # (not the 对了 of "对了 我还想开个发票": by the way; nor the 是 of "是啥意思", "是什么时候")
    + r"(?:是的?(?![啥什哪谁几咋怎]|多少)|是啊|是呀|对(?!了[\s，,。]+\S)|对的|对啊|对呀|没错|嗯+|恩+|en"
    r"|好|好的|好滴|好嘞|好吧|行|行吧|可以|可以的|中|要得|得行|算是吧|算是|照(?=$|[\s，,。.!！~～吧])"  # Hefei 照 (行)
    r"|要的|确实|就是|可不咋的|可不咋地|可不是|那可不|嗯呐|整(?=$|[\s，,。.!！~～吧呗])|"  # north-east 整: do it
    r"yes|ok|okay|👌|👍|🆗|✅|同意|接受|就这样|就这么办|那就这样|麻烦了|麻烦你了|谢谢|嗯嗯|对头|係|系|是滴|没毛病|妥"
    # formal "it is so": "属实", "情况属实"; and "给吧", "不要白不要" (taken, grudgingly)
    r"|(?:情况)?属实|确有此事|确实如此|给(?:吧|呗|我吧)|不要白不要"
    # going ahead in other words: "提交吧", "赶紧提交", "办吧", "安排吧", Cantonese "得啦"
    r"|(?:那就|就|赶紧|赶快|快点?|马上|抓紧|那你就?|你就)?(?:给我|帮我)?提交(?!投诉)|申请吧|(?:那就|就|给我|帮我)?办(?:吧|理吧|了吧)|(?:那就|就)?安排(?:吧|一下|上)|处理吧|弄吧|搞吧|成交|没意见|听你的"
    r"|按你说的|照办|得(?:啦|嘞|咯|喇|吖|㗎)|(?:就)?(?:照|按)(?:你|您)(?:说|讲)的(?:办|来|做)|y(?=[\s，,。.!！~～]|$)"
    r"|k{1,2}(?=[\s，,。.!！~～]|$)"  # "k", "kk": ok, typed short
    # asked to look into it, with nothing named: "那你们帮我查一查吧", "帮我处理一下" (not "帮我查一下物流")
    r"|(?:麻烦)?(?:你们?)?(?:帮我|给我|帮忙|给|帮)(?:查|看|核实|处理|弄)(?:一)?(?:查|看|下)?"
    r"(?:吧|呀|啊|哈|呗)?" + _ALONE
    # left to the rules: "该怎么办就怎么办", "该咋办咋办"
    + r"|该(?:怎么|咋|咋个)(?P<how>办|弄|处理|整|赔|退)就?(?:怎么|咋|咋个)(?P=how)"
    # taken as it is, grudgingly: "五块钱就五块钱吧", "25块就25块", "补偿就补偿吧"
    + r"|(?P<same>[^\s，,。.!！？?]{1,6})就(?P=same)(?:吧|呗|啦)?(?=[\s，,。.!！~～]|$)"
    + r"|按(?:你们的?|平台的?)?(?:规矩|规定|规则|流程)|也行|也可以|也好|这么着|这么办|按这个|就这个|就它|选这个|要这个"
    # the next offer taken as the first was: "这个也好，谢谢您", "这一项也按您说的办", "这个也接受"
    + r"|(?:这个|那个|这一项|这项|这次|这)也(?:好|行|可以|接受|同意|没问题|按(?:您|你)说的办)"
    r"|彳亍|阔以|整吧|搞快点|麻烦你?了"
    r"|(?:要{1,3}|成|可|掂|收到|了解|明白|得|管|收下?|收着)(?:吧|啊|呀|的|了|啦)?" + _ALONE + ")"
)
_NO = re.compile(
    r"^(?:还是|也|都|那也|那还是|我(?=不同意|不接受|不要|不想要|不需要|拒绝|不想退|不退|不换|不补))?(?!不错|不好意思|不客气|没错|没毛病|不等|不想等|不想再等|不愿意等|不耐烦|没发|没到|没收到|没动静|没物流|不发货|不(?:热|凉|冷|亮|响|转|动|走|加热|制冷|充电|保温|工作|开机|出(?:水|风|热风|声|电)|通电|灵)了?(?![吗么呢]))(?:不是|不对|不用|不要|不需要|不行|不可以|不同意|不接受|算了(?![吧\s，,]*(?:可以|行|好的?|就这样|同意|接受|给吧|给我吧|不等|不想等|取消|退钱|退款|直接退|给我退))|没有"
    # (没 alone, or before what is not needed; "还是没电", "没声音" tell a fact)
    r"|没(?=[\s，,。.!！~～]|$|必要|兴趣|需要|所谓|关系)|no|不|并不是|也不是|都不是|错了|不必|别"
    r"|免了|拒绝|n(?=[\s，,。.!！~～]|$))"
)


# A turn in the message: what follows it decides ("好的谢谢 但是算了"). Not the 但 of 不但 (…而且).
_BUT = re.compile(r"不过|但是|可是|只是|然而|(?<!不)但")


def after_but(text: str) -> str:
    """What follows the message's last "but" with words after it; the whole message when none
    ("我之前说过别联系我，但现在我有问题要处理" asks for help, not for silence)."""
    pieces = [piece for piece in _BUT.split(text) if piece.strip(" ，,。.！!～~")]
    return pieces[-1] if pieces else text
# A remedy verb right after a no-word: the no is about that remedy ("不用补了", "不要退货 给我换").
_REMEDY_AFTER_NO = re.compile(r"\s*(?:再|给我|帮我)?\s*(?:补|换|退|重发|寄回|赔)")
_TRAILING_YES = re.compile(
    # ("用了两天就这样": how it has been, no yes)
    r"(?:给就给|那就给|给吧|给我吧|凑合|将就|只能这样|(?:^|(?<=[\s，,。那]))就这样(?:搞|办|弄|整)?|就这样(?:搞|办|弄|整)"
    r"|就这么(?:整|办|弄|搞)|行吧|好吧|收下|收着|我收了|拿着"
    r"|总比没有强|总比没有好|(?<![不没])同意|(?<![不没])接受|(?:行吧|好吧)[行好吧，,\s]*给我"
    # (a plain yes as the last word: "咋的 还得我给你证明啊？是的", "我记错了哈哈 那ok", "就按碎的那瓶退 ok")
    r"|[\s，,。.!！？?](?:那|那就)?(?:当然)?也?(?:是的|是啊|对的|对啊|嗯|可以|行|好的|ok|okk|okay|👌)"
    r"|(?:那个|这个)也(?:行|可以|好)"  # "客服那个也行": the next one taken too
    # the sum checked, then taken: "…是四舍五入了吧 行 就这个", "…往上进了一分 行 就6.18"
    r"|[\s，,。.!！？?](?:行|好|好的|可以|ok|那)?[\s，,]*(?:那)?就(?:这个|它|按这个|\d+\.\d+(?:元|块)?|\d+(?:元|块)))"
    r"[了吧啊呀。.!！~～\s]*$")
_TRAILING_NO = re.compile(
    r"(?:(?<!要)不要|(?<!用)不用了?|不需要|不接受|不同意|(?<!行)(?<![得的])不行|算了|不用再?(?:处理|管|麻烦|弄)"
    r"|不(?:太|大)?想(?:这样|这么办|要这个))[了吧啊呀。.!！~～\s]*$")  # "…我就没有了 不太想这样"


# Going ahead with whatever the process is ("那你就给我提交吧", "帮我申请吧", "就按这个办").
_GO_AHEAD = re.compile(r"(?<!别)(?<!不要)(?<!不用)(?<!先别)提交(?!投诉)"  # (not "先别提交")
                       r"|申请吧|帮我申请|给我申请|办吧|办理吧|按这个办|照办|走流程|核实吧|核实一下"
                       r"|(?:找人|派人|你们|去)核实|往上报|向上报|上报吧|报上去")
# Hurry alone: "赶紧的 别磨叽" gets on with the offer; beside a request for a person ("转人工 赶紧的") it
# hurries the person.
_HURRY = re.compile(r"赶紧的|麻溜的|别磨叽|快点办|快办")


# A condition ("如果提交核实的话，大概需要多久"): what it names is supposed, not asked for.
_SUPPOSED = re.compile(r"(?:如果|要是|假如|假设|万一)[^，,。.!！？?\s]*")


def goes_ahead(text: str, hurry: bool = True) -> bool:
    """Whether the words tell us to go ahead with the process, not only say yes; with `hurry`,
    words that only hurry us ("赶紧的") count too."""
    text = _SUPPOSED.sub(" ", normalize(text))
    return bool(_GO_AHEAD.search(text) or (hurry and _HURRY.search(text)))


# A last clause that agrees and says nothing else ("对，6个，可以了", "那就这样吧").
_ACCEPT_END = re.compile(r"[\s,，。.!！~～]\s*(?:那就|就)?(?:可以|行|好|好的|没问题|就这样|同意|ok)(?:了|的|吧|啊|呀)?"
                         r"[。.!！~～\s]*$")


def ends_accepting(text: str) -> bool:
    """Whether the words end by agreeing in a clause of its own, after other words."""
    return bool(_ACCEPT_END.search(normalize(text)))


# "退钱 别的不要", "只要退款 其他的都不用": the remedy named and nothing else.
# ("补一只吧 … 别的杯子不用": the goods named between)
_ONLY_THAT = re.compile(r"(?:别的|其他的?|其余的?)[^\s，,。.!！]{0,4}?(?:都|也)?(?:不要|不用|不需要)了?"
                        r"[了吧啊呀。.!！~～\s]*$")


def ends_refusing(text: str) -> bool:
    """Whether the words end by refusing ("5块钱的券？打发谁呢 不要"), whatever they named before;
    not "退了吧 不要了", where 不要了 gives the order up, nor "退货退款算了", which picks it."""
    text = normalize(text)
    if re.search(r"[退补换赔]完(?:就|拉倒|了)?算了", text):  # "行 退吧 退完拉倒": refunded and done with
        return False
    if re.search(r"不要白不要[了吧啊呀。.!！~～\s]*$", text):  # "券我也收着 不要白不要": taken, grudgingly
        return False
    named = remedy_mentions(text)
    if named and re.fullmatch(r"[^，,。\s就也都]{1,6}算了[了吧啊呀。.!！~～\s]*", text[named[-1][0]:]):
        return False
    return bool(_TRAILING_NO.search(text)) and not re.search(r"不(?:想)?要了[了吧啊呀。.!！~～\s]*$", text) \
        and not (named and _ONLY_THAT.search(text))  # "退钱 别的不要": that remedy and nothing else


def ends_with_yes(text: str) -> bool:
    """Whether the words end by going along ("五块钱打发要饭的呢……行吧 券我收着"), whatever comes before,
    or go along before a last "but" that only adds a demand ("…行吧券我收下 但那个店你们得管管")."""
    text = normalize(text)
    if _TRAILING_YES.search(text):
        return True
    turns = list(_BUT.finditer(text))
    if not turns or turns[-1].start() == 0:
        return False
    after = text[turns[-1].end():]
    return read_yes_no(after) is None and not remedy_mentions(after) \
        and bool(_TRAILING_YES.search(text[:turns[-1].start()].rstrip(" ，,")))


_LEADING_SYMBOLS = re.compile(r"^[^\w👌👍🆗✅]+")
# Thanks for the contact itself, before the answer: "您好，谢谢您联系我。不过不好意思，我得纠正一下：…",
# "谢谢您这么上心" (no yes to the question; the answer follows).
_COURTESY = re.compile(r"^(?:您好|你好)?[\s，,。.!！]*(?:谢谢|感谢|多谢)(?:您|你|你们)?"
                       r"(?:(?:联系我|的关心|关心|这么上心|上心|费心|的提醒|提醒|来问|询问|回访|主动联系|的耐心|耐心)[^，,。.!！]{0,6}[\s，,。.!！]*"
                       r"(?:不过|但是|可是|只是)?|[\s，,。.!！]*(?:不过|但是|可是|只是))[\s，,]*")
# "不好意思 刚才复制错了 是的": the earlier message was a mistake; what follows answers
# (not "不是发错了 是少发了": the problem denied, not a message)
# ("实在不好意思，刚才手机在口袋里乱按了一下。您说的方案可以的": a pocket's taps, owned up to)
_MISTAKE_BEFORE = re.compile(r"^(?:实在|真|真的)?(?:不好意思|抱歉|对不起|sorry)?[\s,，。.!！]*"
                             r"(?:刚才|刚刚)?(?!不是|没有?)"
                             r"(?:[^\s,，。.!！]{0,3}(?:复制|发|打|点|贴)错了"
                             r"|[^\s,，。.!！]{0,10}(?:乱按|乱点|误触|误点|碰到|按到|点到)了?(?:一下)?)[\s,，。.!！]*")
# "……算了 给吧 懒得跟你们扯": a grudging yes, whatever remark follows
# "退就退呗", "给就给吧": fine, have it so
# "5块就5块吧", "算了 9块95就9块95"
_X_THEN_X = re.compile(r"^(?:算了|哼|唉|哎|那|行)?[\s，,.…]*"
                       r"([\u4e00-\u9fff]{1,2}|\d+(?:\.\d+)?[\u4e00-\u9fff]{1,2}\d{0,2})就\1(?:呗|吧|啊)?")
# The harm granted, however grudgingly: "烫是挺烫的", "瘪是瘪了点" (what follows a "but" decides first).
_CONCEDED = re.compile(r"^([\u4e00-\u9fff])是(?:挺|很|有点|真|蛮|有些|确实)?\1")
# Not all of it, so some: "也不是全臭了 就边上那一圈发黏", "不是全都烂了".
_NOT_ALL = re.compile(r"^(?:也|倒也|并|其实)?(?:不是全|不全是|不是都)")
# A yes said as a question back: "这还用问吗 当然是坏了", "你说呢 螃蟹都臭了", "这不明摆着吗".
_EMPHATIC_YES = re.compile(r"^(?:这|那)?(?:还用(?:问|说)|不是明摆着|不明摆着|明摆着|你说呢|废话|当然(?:是|了|啦)"
                           # "不然呢？", "不是胀包是啥？": what else could it be
                           r"|(?:要)?不然(?:呢|嘞|咧|勒)|不是[^，,。？?\s]{1,6}(?:是啥|是什么|还能是啥|还能是什么)"
                           r"|还能是(?:啥|什么)(?:问题)?[?？]*(?=$|[\s，,。]))")
_GRUDGING_CLAUSE = re.compile(r"(?:^|[\s，,。.!！？?])(?:那)?(?:行吧|好吧|先收着|收着吧|收下了|那就这样吧|凑合吧)"
                              r"(?=$|[\s，,。.!！])"
                              # resigned: "随便吧 你们看着办", "那还能怎么办", "爱咋咋地", "懒得跟你们计较"
                              r"|^(?:那|唉|哎|行|好)?[\s，,]*(?:随便(?:吧|啦|了)?(?=$|[\s，,。.!！])|你们看着办|看着办吧|无所谓了?|还能怎么办|那还能怎么办"
                              r"|还能咋(?:地|的|样|办)|你们说了算呗?|你说了算呗?|爱咋咋地|爱咋咋滴|懒得(?:跟你们)?计较"
                              r"|也只能这样了?|只能这样了?)")
_RESIGNED_YES = re.compile(r"算了[吧\s,，。.…]*(?:给吧|行吧|好吧|就这样吧?|可以|同意|接受|收下吧?|拿了|拿着|收了)")


def goes_along(text: str) -> bool:
    """Whether the words go along grudgingly anywhere in them ("五块？打发要饭的呢……行吧 券我先拿着",
    "……算了 给吧 懒得跟你们扯"), whatever was grumbled first."""
    text = normalize(text)
    return bool(_GRUDGING_CLAUSE.search(text) or _RESIGNED_YES.search(text))


# A remedy turned down by name after a yes ("要的 不取消", "好 不退了"): the yes is not to that remedy.
_REFUSED_LATER = re.compile(r"(?:^|[\s，,。.!！])(?:不|不要|不用|别)(?:取消|退|换|补)")


# "谁跟你说碎了？": the harm asked about denied (not "谁说不是呢", which agrees).
_WHO_SAID = re.compile(r"谁(?:跟你|和你|告诉你|给你)?说(?!不是)[^，,。？?\s]{0,4}[了的]")
# A condition said first ("不用寄回的话", "要是今天能到"), then what the buyer does if it holds.
_CONDITION_LEAD = re.compile(r"^(?:如果|要是|假如|只要)?[^，。,.!！？?]{1,14}?的话[\s，,]*(?:那就|那|就)?"
                             r"|^(?:如果|要是|假如|只要)[^，。,.!！？?\s]{1,14}[\s，,]+(?:那就|那|就)?")


_TRAILING_EMOJI = re.compile(r"(?<=[\u4e00-\u9fff])[\U0001F000-\U0001FFFF\u2600-\u27BF\uFE0F\u200D]+$")
_SAID_OVER = re.compile(r"^(要|好|行|对|是|嗯|中|整|退|补)\1+(?=$|[^\u4e00-\u9fff])")


_EITHER_OR = re.compile(r"^是[^，,。.!！?？\s]{1,12}还是")


def read_yes_no(text: str) -> bool | None:
    """Whether the message opens with a yes or a no ("是的，有4个烂了" is a yes with details), or
    ends with a refusal ("5块钱打发叫花子呢？不要")."""
    text = _LEADING_SYMBOLS.sub("", normalize(text))  # "🙏🙏 好的 谢谢"
    text = _SAID_OVER.sub(r"\1", text)  # "要要要", "好好好": said three times, meant once
    text = _TRAILING_EMOJI.sub("", text) or text  # "要🙏", "好的😊": the face drawn after says nothing more
    text = _COURTESY.sub("", text, count=1) or text  # ("谢谢您联系我" alone is thanks, and a yes)
    text = _MISTAKE_BEFORE.sub("", text)
    if not text:
        return None
    if _EITHER_OR.match(text):  # "是全新的还是返修的？": which of two, asked; no yes
        return None
    if _RESIGNED_YES.search(text) or _X_THEN_X.match(text) or _EMPHATIC_YES.match(text):
        return True
    if text.startswith("算了") and _TRAILING_YES.search(text):  # "算了 五块也是钱 给我吧": grudgingly taken
        return True
    if _WHO_SAID.search(text[:12]):  # "碎？谁跟你说碎了？杯子好好的": what we asked about, denied
        return False
    condition = _CONDITION_LEAD.match(text)
    if condition and condition.end() < len(text):  # "不用寄回的话就按你说的来": the consequence answers
        then = read_yes_no(text[condition.end():])
        if then is not None:
            return then
    turn = _BUT.search(text)
    if turn is not None and turn.start() > 0:  # "好的谢谢 但是算了": what follows the "but" decides
        after = read_yes_no(text[turn.end():])
        if after is not None:
            return after
    if _CONCEDED.match(text) or _NOT_ALL.match(text):  # "烫是挺烫的", "也不是全臭了 就边上那一圈发黏"
        return True
    no = _NO.match(text)
    if no and not _REMEDY_AFTER_NO.match(text, no.end()) \
            and not any(start == 0 for start, _kind in remedy_mentions(text)):
        # "不用补了 把钱退我" turns a remedy down and "不要了 退钱吧" cancels: neither answers the question no
        return False
    if _YES.match(text) and _REFUSED_LATER.search(text, _YES.match(text).end()) and not remedy_mentions(text):
        return None  # "要的 不取消 等着用呢": the goods wanted, a remedy turned down; the remedy decides
    if _YES.match(text):
        return True
    if _TRAILING_NO.search(text):
        return False
    if _TRAILING_YES.search(text):  # "五块钱？打发要饭的呢 算了 给就给吧": a grudging yes at the end
        return True
    if _GRUDGING_CLAUSE.search(text):  # "5块？？？行吧 先收着 这种店你们必须管管"
        return True
    return None


_NO_PROBLEM = re.compile(
    r"^(?:没有?问题|没事|没啥事|没有?(?:什么|啥)问题|都挺好|挺好的|都收到了|都好好的|一切正常|误会|点错了|搞错了|没毛病|不用了都好)"
    # northern "it's fine": "好着呢", "好着嘞", "好好的呢"
    r"|^(?:东西|都|也|还)?(?:好着(?:呢|嘞|哩|咧|了)|好好的(?:呢|嘞))(?=$|[\s，,。.!！~～]|[^\w])"
    # ("桶挺厚实 好着呢 就跟你们说一声", "没坏 虚惊一场": a clause of its own; a scare that came to nothing)
    r"|(?<=[\s，,。.!！])(?:东西|都|也|还)?好着(?:呢|嘞|哩|咧)(?=$|[\s，,。.!！~～])|虚惊一场|白担心一场|白紧张一场"
    # (not what someone else said: "客服说我自己点错了")
    r"|没有?问题了|东西都收到了|都收到了|已经解决|已经好了|商家已经处理|误会了"
    r"|(?<!说)(?<!说我)(?<!说是我)(?<!说我自己)(?<!说是我自己)(?<!说是)点错了"
    # said in a clause of its own after other words: "衣服收到了 没有什么问题", "误点进来了 没事"
    r"|(?:^|[\s，,。.!！])(?:也|都|就|其实)?没有?(?:什么|啥)(?:问题|毛病)(?![吗吧呢么？?])|误点|误触"
    # "现在一点问题都没有", "啥问题也没有": a clause of its own
    r"|(?:^|[\s，,。.!！])(?:现在|已经|目前|东西)?(?:一点|什么|啥|任何)问题(?:都|也)没有?(?=$|[\s，,。.!！~～了])"
    # "…甜着呢，没问题，谢谢": a clause of its own
    r"|(?:^|[\s，,。.!！])(?:东西|货|商品|都|也|其实|并|确实|倒|完全)*没有?(?:任何)?问题(?=$|[\s，,。.!！~～])"
    # all well, as a clause of its own: "没 都好的", "都挺好的" (not "其他都是好的" after a harm: the rest)
    r"|(?:^|[\s，,。.!！])(?:都|全都|全部)(?:是)?(?:好的|挺好的?|好好的|没事)(?=$|[\s，,。.!！~～]|[^\w])"
    # none of them harmed: "一个烂的都没有", "一只破的也没有"
    r"|(?:^|[\s，,。.!！])(?:[^，,。.!！\s]{0,4})一[个只颗件盒箱袋瓶](?:坏|烂|碎|破|死)的?(?:都|也)没有?(?=$|[\s，,。.!！~～])"
    r"|误以为|以为是[^，,。.!！？?\s]{0,6}(?:其实|原来)"  # "我误以为是漏了": a false alarm owned up to
    r"|^(?:东西|货|商品|里面的?|都|也)*没有?事(?:儿|的)?(?=$|[\s，,。.!！~～])"
    # a clause of its own: "一点事都没有", "啥事没有"
    r"|(?:^|[\s，,。.!！])(?:一点|啥|什么)事(?:儿)?(?:都|也)?没有?(?=$|[\s，,。.!！~～])"
    # said in a clause of its own: "我来报个平安 … 没毛病", "东西收到了 都没毛病"
    r"|(?:^|[\s，,。.!！])(?:都|也|就|其实|完全|一点)?没(?:有)?毛病(?=$|[\s，,。.!！~～])|报个?平安"
    # working again: "好使了 没毛病", "现在能用了"
    r"|^(?:又|现在|已经)?(?:好使|能用|好用|正常)了"
    # the harm asked about denied, the goods fine: "没化 好着呢", "没坏 好好的"
    r"|^(?:没|没有|木有)(?:化|坏|烂|碎|死|漏|破|变质|发霉|少)[了啊呀的]?[\s,，。!！]*"
    r"(?:好着呢|好着的|好好的|都好|挺好的?|好得很|没事|都在)")


# A clause that says one thing is fine ("芒果挺新鲜的", "没坏", "款式是对的", "物流还行", "快递早到了"),
# told before the problem that is ("就是箱子里少了两个"): it names no problem of its own.
_FINE_CLAUSE = re.compile(r"^(?:但是|不过|可是)?(?:里面的?)?(?:都|也|倒是?|东西|款式|颜色|尺码|质量|物流|快递|包装|味道"
                          r"|[^，,。\s]{0,4})?"
                          r"(?:挺|很|还|都)?(?:新鲜|好好的|是对的|没错|没问题|没坏|没烂|没碎|没死|活蹦乱跳|活着|还行"
                          # (and all there: "四只杯子都在", "一个不少")
                          r"|挺好|挺快|早到了|早就到了|按时到|准时|正常|完好(?:无缺|无损)?|都在|都齐了?|齐全|一个不少|一个没少"
                          r"|(?:并)?没有?(?:任何)?(?:损坏|破损|问题))"
                          r"(?:的|了|啊|呀)?$")


def says_fine(clause: str) -> bool:
    """Whether a clause only says something is fine (it names no problem)."""
    return bool(_FINE_CLAUSE.match(normalize(clause).strip()))


# The words turn from what is fine to what is wrong: "…就是少了两个", "不是…是耳机不响".
_PIVOT = re.compile(r"就是|只是|而是|但是|不过|问题在于|问题出在|(?:^|[\s,，。])是(?!的|啊|呀|不是)")


# The problem asked about set aside in so many words: "问题不在这", "不是这个问题", "这个不是重点".
_SET_ASIDE = re.compile(r"问题不在这|问题不是这|不是这个问题|不是这个事|跟这个没关系|和这个没关系"
                        # the goods granted fine with 倒: "箱子是压扁了 瓶子倒一个没破"
                        r"|倒(?:是)?(?:一[个只瓶件盒袋])?(?:都|也)?(?:没|没有)(?:破|坏|碎|漏|烂|问题|事)"
                        r"|这个不是重点|这不是重点"
                        # the goods themselves fine, the box or the rest aside: "盒子是压扁了 东西倒没问题 就是少了一盒"
                        # (not "茶叶今天收到，本身没问题" beside a late shipment: nothing else turned to)
                        r"|(?:东西|里面|里头|货|商品|本身)[^，。,.!！？?\s]{0,3}(?:倒|倒是|是|都|还)?(?:没问题|没坏|没事|好好的|完好)"
                        r"[了的啊]?[\s，,]*(?:就是|只是|但是|不过|可是|问题是)")


# A yes that says what was told is so ("是的", "对 就是一直不发货", "没错 碎了两只"), as to "is that right?";
# not words that take something ("可以", "好的", "行", "要得", "就这样", a remedy).
_FACT_YES = re.compile(r"^(?:是的?|是啊|是呀|是滴|是是+|对(?!了[\s，,。]+\S)|对的|对啊|对呀|对滴|对对+|对头|没错|确实"
                       r"|(?:情况)?属实|确有此事"
                       r"|就是|是这样|是这个问题|是这样的)"
                       # (voice input writes no stops: "对的就是一直没发货")
                       r"(?:[\s，,。.!！~～]|$|就是|确实|一直|都|没|是|啊|呀|嘛|啦|呢)")
_TAKES_SOMETHING = re.compile(r"可以|好|行|要得|得行|中|同意|接受|办|就这样|按|没问题|ok|嗯呐|得嘞|整吧|麻烦|提交"
                              r"|退|换|补|赔|券|取消|收下|拿|处理")
# A no that says what was told is not so ("不是", "不对", "搞错了"), not that an offer is unwanted.
_FACT_NO = re.compile(r"^(?:不是|不对|并不是|也不是|都不是|搞错了|弄错了|错了|说错了|理解错了)(?:[\s，,。.!！~～]|$)")


def confirms_facts(text: str) -> bool:
    """Whether the words only say that what we understood is so ("是的", "对 就是一直不发货"),
    taking nothing: an answer to "is that right?", not to "shall we do this?"."""
    text = normalize(text).strip()
    return bool(_FACT_YES.match(text)) and not _TAKES_SOMETHING.search(text) and read_yes_no(text) is True


def denies_facts(text: str) -> bool:
    """Whether the words say that what we understood is not so ("不是", "不对 是少了一袋"), rather
    than turning down an offer ("不用了", "不要")."""
    return bool(_FACT_NO.match(normalize(text).strip()))


def sets_aside(text: str) -> bool:
    """Whether the words say the problem asked about is not the one, however much of it they grant
    ("盒子是压扁了 但是里面耳机没坏 问题不在这 我拍的是黑色 寄来的是白色的")."""
    return bool(_SET_ASIDE.search(normalize(text)))


def turns_to_another(text: str) -> bool:
    """Whether the words deny or set aside one thing to name what is wrong instead."""
    text = normalize(text)
    return sets_aside(text) or bool(_PIVOT.search(text)) and (read_yes_no(text) is False or any(
        says_fine(c) for c in clauses_of(text)))


# A button tapped by mistake, then the problem it is: "不不不 点错了！！ 是碎了 碎了一只".
_SLIP_THEN_HARM = re.compile(r"(?:点错|按错|摁错|选错)了?[^，。,.!！？?]{0,3}[\s，,。.!！？?]*"
                             r"(?:是|其实|确实|真的)[^，。,.!！？?\s]{0,4}(?:碎|坏|烂|破|裂|少|漏|死|臭|霉|错|晚|慢)")


def read_no_problem(text: str) -> bool:
    """Whether the words say nothing is wrong after all ("没有问题了", "东西都收到了，挺好的"); not a
    tap owned up to as a slip before the problem it is ("点错了 是碎了")."""
    text = normalize(text)
    # (nor with a count of harm after it: "无问题。4只碎了2只。" says both, and is no all-clear)
    fine = _NO_PROBLEM.search(text)
    return bool(fine) and not _SLIP_THEN_HARM.search(text) and not _FINE_THEN_HARM.search(text) \
        and not _HARM_COUNTED.search(text, fine.end())


# All well said, then the harm after all: "都好好的 没事没事……就是烂了大概三分之一".
_FINE_THEN_HARM = re.compile(r"(?:没事|没问题|好好的|都好的|挺好的?|都没有|也没有|误会了?|没坏)"
                             r"[^，。,.!！？?]{0,6}[\s，,。.!！…]*"
                             r"(?:就是|但是|不过|可是|只是|而是|是(?!我))[^，。,.!！？?]{0,6}(?:碎|坏|烂|破|裂|少|漏|死|臭|霉|错|长毛)")


# At the quantity question: the goods turn out fine ("剥开看了 里面好好的 能吃"), or nothing needs doing.
_FINE_AFTER_ALL = re.compile(r"好好的|都是好的|是好的|没坏|没有坏|(?<![不没])能吃|(?<![不没])能用|(?<![不没])可以吃"
                             r"|不用处理|不需要处理|无需处理|不用管了|不用麻烦"
                             r"|找到了|一[个只件本盒瓶袋包双条支罐副套]?(?:都|也)(?:没|不)少|都没少|都齐了|是齐的"
                             # "6盒齐了", Cantonese "6盒齐晒嘅"
                             r"|[\d一二两三四五六七八九十][个只件本盒瓶袋包双条支罐副套]齐了")


def read_fine_after_all(text: str) -> bool:
    """Whether an answer to "how many were affected" says none were after all: the words of
    read_no_problem, or that the goods are fine ("里面好好的 能吃") or need nothing done."""
    text = normalize(text)
    return bool(_NO_PROBLEM.search(text) or _FINE_AFTER_ALL.search(text))


# At the confirmation, the goods found fine and nothing wanted: "箱子是扁了一点可我拆开看了里面的壶好好的
# 一点没坏 … 不用管了" (not "碎了两个 其他都是好的": a count of harm is told)
_FINE_GOODS = re.compile(r"好好的|都是好的|一点(?:都|也)?没(?:坏|碎|烂|事)"
                         # "换个插座好了": working again once something else was changed
                         r"|(?:换|重启|重新插|插上|充上)[^，,。\s]{0,4}(?:就)?好了"
                         # "哦 莫得碎 是盖盖没拧紧": not broken, as a clause of its own
                         r"|(?:^|(?<=[\s，,。]))(?:也|都|并|其实)?没有?(?:碎|坏|烂|破)(?:掉)?(?=$|[\s，,。.!！~～])"
                         r"|一[个只件盒瓶袋]?(?:都|也)没(?:坏|碎|烂|破|事)|完好|(?<![不没])能用|(?<![不没])能吃"
                         r"|(?<![不没])(?:挺|很|蛮)好的?(?=$|[\s，,。.!！~～])"  # "拖鞋挺好的 不用麻烦你们了"
                         # missing goods found after all: "四袋都在 没少"
                         r"|都在(?=$|[\s，,。.!！~～])|(?<![不没])(?:都|全)?齐了(?=$|[\s，,。.!！~～])|(?:一[个只件盒瓶袋包本双])?(?:都|也)?没少(?=$|[\s，,。.!！~～了])")
_NOTHING_NEEDED = re.compile(r"不用再?管了?|不用再?处理|不用退了|不用再?费心"
                             r"|不需要再?处理|无需处理|不用再?麻烦|不用再?弄了?|不碍事|谢谢关心"
                             r"|(?:已经)?(?:装上|用上|换上)了"
                             r"|(?:^|[\s，,])不用了(?=$|[\s，,。.!！])"
                             r"|不影响(?:使用|用|吃)|(?:^|[\s，,])(?:没事|没事儿|没啥事|没有事)了"
                             r"|(?:^|[\s，,])没事(?:儿)?[啊哈]?$")  # ("…好了 没事", said last)
def wants_nothing_done(text: str) -> bool:
    """Whether the words say nothing needs doing ("不用再处理了", "不碍事", "没事了")."""
    return bool(_NOTHING_NEEDED.search(normalize(text)))


# Nothing wrong after all, as the buyer tells it: their own mistake ("是我自己没看清"), or settled with
# the shop already ("我已经找商家说过了 他们给我退了10块钱 钱也收到了").
_NOT_THEIR_FAULT = re.compile(r"(?:是|怪)?我自己(?:没看清|没看|看错|搞错|弄错|理解错|的问题|选错|拍错"
                              r"|没(?:弄|搞|整)(?:明白|懂|清楚)|不会(?:用|弄|调)|没调好|没装好)|是我的问题"
                              r"|已经(?:跟|和|找)(?:商家|店家|卖家|客服|店里)[^，。,.!！？?]{0,6}(?:解决|说过|处理|退了|补了|赔了)"
                              r"|(?:已经|自己)(?:跟商家|和商家)?解决了|钱(?:也|都)?(?:已经)?收到了"
                              # "已解决 商家换了 不用了"
                              r"|^已(?:经)?解决|(?:商家|店家|卖家)[^，。,.!！？?\s]{0,4}?(?:已经)?(?:给我)?"
                              r"(?:换了|补发了|补寄|退了|处理了|解决了)")
# (a count of harm: "碎了两个", "两个是坏的"; not the goods counted whole, "里头八个月饼 … 一个都没碎")
_HARM_COUNTED = re.compile(r"(?:[碎坏烂破裂死漏少缺](?:掉|开)?了?)\s*[\d一两二三四五六七八九十几]"
                           r"\s*[个只件盒瓶袋包箱双条支罐颗斤]"
                           r"|[\d一两二三四五六七八九十几]\s*[个只件盒瓶袋包箱双条支罐颗斤]\s*(?:是|都是|都|也)?"
                           r"(?:碎|坏|烂|破|裂|死|漏|发霉|变质)")


def counts_harm(text: str) -> bool:
    """Whether the words count pieces gone bad ("烂了五个", "3个都碎了")."""
    return bool(_HARM_COUNTED.search(normalize(text)))


def settled_already(text: str) -> bool:
    """Whether the words say nothing is left to do, as the buyer's own mistake ("是我自己没看清 不用处理了")
    or settled with the shop ("我已经找商家说过了 他们给我退了10块钱 钱也收到了 … 不用再弄了"), whatever
    else they grant."""
    text = normalize(text)
    return bool(_NOT_THEIR_FAULT.search(text) and _NOTHING_NEEDED.search(text))


# Words about the goods or the order itself ("车厘子收到了 很甜", "不好意思点错了 东西都挺好的"), not only
# a polite close ("哦 知道了 没别的事").
_ABOUT_GOODS = re.compile(r"收到|到了|拿到|东西|货|商品|包裹|快递|挺好|很好|不错|满意|好用|好吃|好喝|新鲜|甜|香"
                          r"|完好|没破|没坏|合适|正好|质量|包装|点错|按错|误触|手滑|一个不少|都在|齐了"
                          # picked up and fine: "拿回来了 桶挺厚实 好着呢"
                          r"|拿回来|取回来|取到|厚实|结实|好着呢|好着嘞")


def tells_of_goods(text: str) -> bool:
    """Whether the words say something of the goods or the order, not only close politely."""
    return bool(_ABOUT_GOODS.search(normalize(text)))


# Only the box was harmed, the goods are fine: "箱子破了 东西没事", "外面的纸箱凹一角 里面的茶都好好的",
# "其实是外头纸箱子压扁了 … 杯子好好的 东西没坏" (not "… 东西没事 就是少了一个": turned to another problem)
_BOX_ONLY = re.compile(r"(?:包装|箱子|盒子|纸箱|外箱|快递盒|袋子|纸壳|泡沫)[^，。,.!！？?]{0,6}?"
                       r"(?:破|烂|扁|凹|压|湿|坏|裂|变形)"
                       r".{0,40}?(?:东西|里面|里头|货|商品|本身|[\u4e00-\u9fff]{1,3})(?:倒|倒是|是|都|也|还)?"
                       r"(?:没事|没坏|没问题|好好的?|完好|都好|没破|没碎|没有坏|没有事)")


# What the buyer only thought at first: "之前以为少了一袋", "还以为碎了两个".
_THOUGHT_SO = re.compile(r"(?:之前|刚才|刚开始|一开始|本来|原来|还)?以为[^，。,.!！？?\s]{0,10}")


# The words turn to what is wrong instead: "盒子是压扁了 但鞋没事 问题是颜色不对".
_ANOTHER_PROBLEM = re.compile(r"问题是|毛病是|问题在|可是|但是|不对|错了|发错|寄错")


def box_only(text: str) -> bool:
    """Whether the words say only the box or packing was harmed and the goods are fine, turning to
    no other problem after (normalized text)."""
    found = _BOX_ONLY.search(text)
    return bool(found and not _HARM_COUNTED.search(text) and not _PIVOT.search(text, found.end())
                and not _ANOTHER_PROBLEM.search(text, found.end()))


def fine_after_all(text: str) -> bool:
    """Whether words at the confirmation say nothing is wrong after all: read_no_problem's words, or
    the goods found fine with nothing wanted and no count of harm told."""
    text = normalize(text)
    if read_no_problem(text):
        return True
    if settled_already(text) or box_only(text):
        return True
    text = _THOUGHT_SO.sub(" ", text)  # "之前以为少了一袋 … 四袋都在": what was only thought counts no harm
    fine = _FINE_GOODS.search(text)
    pivot = _PIVOT.search(text, fine.end()) if fine else None
    # (what the words turn to is let go in turn: "没有碎 是盖盖没拧紧 … 擦干净就好了 没有事 不用管了")
    return bool(fine and _NOTHING_NEEDED.search(text) and not _HARM_COUNTED.search(text)
                and (pivot is None or _NOTHING_NEEDED.search(text, pivot.end())))


# An offer turned down as too little: "太少了", "才这么点？", "打发要饭的呢".
_TOO_LITTLE = re.compile(r"太少|才这么点|就这么点|这么点钱|这点钱|就这点(?!本事|能耐|水平)|少得可怜|"
                         r"打发(?:要饭|叫花|乞丐)|要饭的|叫花子"
                         # money is not what the buyer is after: "退钱…也不是钱的事"
                         r"|不是钱的(?:事|问题)|不在乎(?:这点)?钱|不差(?:这点)?钱"
                         # "5块钱券我不稀罕": not wanted at all
                         r"|不稀罕|谁稀罕|稀罕你")


def rejects_offer(text: str) -> bool:
    """Whether words at an offer turn it down without a plain no: a remedy turned down by name
    ("补发也不要") or the offer called too little ("才这么点？")."""
    return declines_remedy(text) or bool(_TOO_LITTLE.search(normalize(text)))


def declines_remedy(text: str) -> bool:
    """Whether the words turn down a remedy by name ("补发也不要", "退款就算了", "不要换货") and choose
    none: at an offer they decline it."""
    text = normalize(text)
    refused = refused_kinds(text)
    named = {kind for _at, kind in remedy_mentions(text)}
    if named and not (refused and named <= refused):  # "退钱？我不要退钱": the offer said back, then refused
        return False
    no = _NO.match(text)
    return bool(no and _REMEDY_AFTER_NO.match(text, no.end())) or bool(refused)  # "不用补了"


# Words that take every remedy in hand at once: "都按规矩退吧", "两个都退", "一起办了吧" (not "都行": either).
_BOTH = re.compile(r"(?:都|全都|全部|两个都|俩都)(?:按|退|给|办|处理|赔|补|弄)|一起(?:办|处理|退|弄|赔)")


def takes_all(text: str) -> bool:
    """Whether words that take an offer take the other problems' remedies too ("都按规矩退吧")."""
    return bool(_BOTH.search(normalize(text)))

