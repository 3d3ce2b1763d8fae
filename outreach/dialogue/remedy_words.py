"""Which remedy a buyer picks in their own words ("那直接退款吧", "给我换个新的", "只退坏掉那部分的钱就行"),
and which they turn down by name ("补发就算了", "不要退款").

A remedy named as a reason, a worry, a drawback or something already done is not a choice.
Pure functions over text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from outreach.dialogue.words import PIECE_WORDS, clauses_of, normalize, without_money
from outreach.dialogue.words import clause_before as _clause_before

# What the buyer wants, in their words; the keys are kinds of remedy (`REMEDY_KINDS`).
_REMEDY_WORDS: dict[str, tuple[str, ...]] = {
    "return_refund": ("退货退款", "退货", "寄回去", "退回去", "把货退"),
    # the whole line's money ("全退行不行", "不要了 全退"): only where a full refund or a cancel is offered
    "full_refund": ("全退", "全额退", "全部退"),
    "replace": ("换货", "换新", "换一个", "换个", "换一件", "换件", "给我换", "调换", "更换", "重新换", "换成", "换回",
                "换一下", "换掉", "帮我换", "换一双", "换一条", "换一盒", "换正确", "换对", "我要换", "换吧",
                "整个新的", "来个新的", "给个新的", "要个新的", "弄个新的"),
    "reship": ("补发", "重发", "再发", "补寄", "重新发", "再寄", "补一个", "补几个", "补给我", "发一个新", "寄一个",
               "发正确", "发对的", "重新寄", "补上", "补就行", "慢慢补", "补齐", "补全", "重寄", "寄对的",
               "寄正确", "寄个对的", "发个对的"),
    "cancel": ("取消订单", "取消吧", "不要了", "不想要了", "取消", "撤单", "撤销订单", "单子撤", "订单撤"),
    "compensation": ("补偿", "赔偿", "赔我", "赔点", "必须赔", "要赔", "给我核实", "帮我核实", "核实一下", "给个说法",
                     "要个说法", "讨个说法", "意思一下"),
    # a coupon is no money back ("给个优惠券算了" on missing goods: not allowed, the offers stay)
    "coupon": ("优惠券", "券"),
    # a legal multiple is for fakes and false claims only ("能赔三倍不" on a dented cup is no refund)
    "legal": ("赔三倍", "赔十倍", "假一赔三", "假一赔十", "三倍赔偿", "十倍赔偿"),
    "refund": ("退款", "退钱", "退我钱", "把钱退", "钱退", "退回钱", "退给我", "退费", "仅退款", "退差价", "退了吧",
               "要钱", "返钱", "返现", "退点钱", "退部分", "退那部分", "退坏", "退款吧", "的钱就行", "赔钱",
               "直接退", "退吧", "退我", "退就行", "退差额", "退回来", "退回给我", "折现", "折成钱", "折成现金",
               "给现金", "钱还我", "还我钱", "把钱还", "还钱", "退多扣", "退多收", "退多付", "退还多", "多扣的退",
               "多收的退", "多付的退", "退那多", "退了就好", "退了就行", "退了就可以", "请退", "麻烦退",
               "钱还给我"),
    # the goods, not the money: "赶紧给我发", "让商家快点发货" (a late order shipped with its compensation)
    "ship": (),
}
_WORD_PATTERNS = {word: re.compile(re.escape(word)) for words in _REMEDY_WORDS.values() for word in words}
# ("给多肉换新家用的": a new home for the plants, what the goods were for; no replacement asked)
_WORD_PATTERNS["换新"] = re.compile(r"换新(?!家|居|房|盆|装修|年)")
# The kinds of offer each remedy word picks.
REMEDY_KINDS: dict[str, tuple[str, ...]] = {
    "refund": ("refund_share", "refund_full", "cancel_refund", "refund_difference", "refund_excess",
               "refund_shortfall"),
    "return_refund": ("refund_full",),
    "replace": ("reship_full", "reship_share"),
    "reship": ("reship_share", "reship_full"),
    # (delivered goods are not cancelled: "这单取消 东西不要了" at a return-and-refund offer agrees to it)
    "cancel": ("cancel_refund", "refund_full"),
    # (a share refund only while it is open: "我要商家赔我损失" after turning it down does not take it;
    # outreach.cases.conversation._offer_matching)
    "compensation": ("compensation_percent", "coupon", "legal_multiple", "refund_share"),
    "coupon": ("coupon",),
    "legal": ("legal_multiple",),
    "full_refund": ("refund_full", "cancel_refund"),
    # the order given up ("等不了了 算了不要了"): only an unshipped order's cancellation (gives_up_the_order)
    "give_up": ("cancel_refund",),
    "ship": ("reship_full", "reship_share", "compensation_percent"),
}
# ("要不退款吧", "要不补几个吧", "要不要换": how about it, no negation)
_NEGATION = re.compile(r"(?:(?:(?<!要)不要|不用|不想|别|不需要|不必|没必要|(?<!要)不|不同意|不接受|不愿意|拒绝"
                       r"|不希望|不打算|无需|无须|不愿"
                       r"|等不了|等不起|等不及|没法等|不想等|不等|不再等)\s*(?:再|给我|帮我)?"
                       r"|别(?:跟我|和我|给我)?(?:扯|提|说|讲|整|来))\s*$")  # "别跟我扯补发"


_SEND_MORE = re.compile(rf"(?<![不没别])补[一两二三四五六七八九十几\d]*[{PIECE_WORDS}箱份斤盆]|补过来|补给我"
                        # "重新给我发65寸的吧"; not "再发我就拉黑" (messages, a threat)
                        r"|(?:重新|再)\s*(?:给我|帮我|给他|给她|给他们|给|帮)?\s*(?:发|寄)(?![票错]|我就|消息|信息|短信)")
# "发米白的过来", "寄个新的过来": goods sent (again).
_SEND_OVER = re.compile(r"(?:给我|帮我)(?:重新|再)?(?:发|寄)(?:个|一个|一件|一双|一盒)?[^，。,.!！？?\s]{1,4}的"
                        r"(?:吧|啊|呀)(?=$|[\s，,。.!！])"  # "那给我发灰色的吧" (not "你们给我发个39的": what came)
                        r"|(?:发|寄)(?:个|一个|一件|一份|几个|[一两二三四五六七八九十\d]+[个只件盒份双条])?"
                        r"(?:新的|对的|正确的|好的|[^，。,.!！？?\s]{1,4}的)过?来(?!的)"  # not "寄死蟹过来恶心谁呢"
                        # "错的我寄回去 你们发个黑色的" (not "你们给我发个39的": what came)
                        r"|(?<!给我)(?<!给)(?:你们|商家|店家)(?:重新|再)?发个[^，。,.!！？?\s]{1,4}的"
                        r"(?=\s*(?:吧|啊|呀|过来|来)?\s*[。.!！~～]*$)")
# "把鱼油寄给我吧", "把对的发过来": the goods sent to the buyer (not "把错的寄回去": a return)
# Settled on sending after all: "退款也行，可我还挺喜欢这条的，还是发L的" (not sent back, nor sent wrong).
# ("还是让他们发" keeps the order as it is: no re-ship)
_STILL_SEND = re.compile(r"还是(?:给我|帮我)?(?:重新|再)?(?:发|寄)(?![错货了过回出])(?:一?[条件个双台盒])?"
                         r"[^，。,.!！？?\s]{0,4}的")
_SEND_IT_TO_ME = re.compile(r"把[^，。,.!！？?\s]{1,8}?(?:重新|再)?(?:寄|发|送)(?:给我|过来|来(?!的))")
_ASKED_TO_SEND = re.compile(r"重新|再|换|麻烦|请|帮|赶紧|快点|尽快")
# Who the buyer wants to talk to instead of the bot: "换个真人", "换个人来", "换人工".
_A_PERSON_AFTER = re.compile(r"(?:个|一个)?(?:真人|活人|人工|客服|人(?!家)|负责人|领导|主管|经理)")
# What was bought, said before what came: "我拍的黑色帽子 …", "我买的是L码".
_BOUGHT = re.compile(r"(?:拍|买|订|下单|要)的(?:是)?[^，。,.!！？?\s]{1,8}[，。,.!！？?\s]")
# "赶紧给我发", "让商家快点发货": the goods wanted, not the money.
_SHIP_IT = re.compile(r"(?:快点|赶紧|尽快|马上|赶快|抓紧|立刻|立即)\s*(?:给我|帮我|让他|让商家)?\s*发"
                      r"(?:货|出来|出去)?(?![错票])|(?:让|叫|催)(?:他|商家|店家|卖家)?(?:快点?|赶紧)?发货"
                      # "照寄给我", "照样发过来": send it all the same (the order kept; "赔点钱照常发货"
                      # is the compensation's terms)
                      r"|照(?:样|旧)?\s*(?:给我|帮我)?\s*(?:寄(?![错票])|发(?=给我|过来|吧|$))")
# "赔" alone as a demand ("赶紧给我赔", "赔啲俾我"); longer words that hold it ("赔钱") name their own kind.
# ("补几块钱" too; not "多赔点", asking for more)
_PAY_UP = re.compile(r"(?<![才只多])赔(?![率本])|补(?:偿|[几一两点]|个)?[^，。,.!！？?\s退]{0,2}(?:块|元)?钱")
# "退那一盒的钱"; not "退这点钱" (the amount offered, called too little)
# (within a clause: "要是都能直接退钱 那就都退钱" is two mentions, "钱我就退" none)
_MONEY_BACK = re.compile(r"退(?![^，。,.!！？?]{0,3}(?:这点|这么点|这几))(?!的|了的|过的)"
                         r"(?:(?!就|退)[^，。,.!！？?\s]){1,6}(?:钱|货款)"
                         r"|钱(?:(?!就)[^，。,.!！？?\s]){0,3}退(?!货)"
                         # the count to go by, then the refund: "先按3只退"
                         r"|按\s*[\d一两二三四五六七八九十几半]+\s*[^，。,.!！？?\s]{0,2}(?:来|算)?退"
                         # the money taken twice: "退多的", "退一下多扣滴那笔", "把多扣的那笔退了"
                         r"|退(?:给我|我)?(?:一下)?多(?:收|扣|付|交|拿|划)?(?:了)?[的滴]"
                         r"|多(?:收|扣|付|划)(?:了)?[的滴](?:那笔|那部分|钱)?[^，。,.!！？?\s]{0,2}(?:退|还)(?!不)")
# "那就退差的那部分", "退坏了的部分": the money of the part that is short or bad.
_PART_BACK = re.compile(r"退[^，。,.!！？?\s]{0,4}?(?:那|这)?部分")
_JUST_REFUND = re.compile(
    # (and south-western "退嘛", "退了算了": just refund it)
    # (northern "给俺退了": refund it for me; "退了嘛")
    r"^(?:你|您)?(?:那就|那|就|快|赶紧|马上|直接|干脆)?\s*(?:给我|帮我)?\s*退{1,3}(?:(?:那|这)(?:笔|个)?)?"
    r"(?:吧|啊|呀|呗|嘛|啦|喇|咯|嘞|了吧|了嘛|了呗|了算了|掉|掉算了|掉吧)?"
    r"\s*[!！。.~～]*$"
    r"|^(?:那就|那|就|快|赶紧|马上|直接)?\s*(?:给我|帮我)\s*退了\s*[!！。.~～]*$")
# "这个也退", "差的分量也退", "都退了吧": this one refunded as well (not "钱都退了", news of a refund).
# "今天到就退", "坏了就退吧": the refund, as the consequence of what the words suppose.
_THEN_REFUND = re.compile(r"(?<=[\u4e00-\u9fff])就\s*(?:给我|帮我)?\s*退(?:了吧|吧|呗|啊)?(?=$|[\s，,。.!！~～])")
_ALSO_REFUND = re.compile(r"(?:也|都|一起|一并|一块)\s*(?:给我|帮我)?\s*退(?:掉|了吧)?(?:吧|啊|呀|呗|嘛)?"
                          r"(?=$|[\s，,。.!！~～])")
# "死的先退", "秤不够的也要退": the money of the ones named (not "坏的也退了", news of a refund).
_THESE_BACK = re.compile(r"(?<=[\u4e00-\u9fff])的\s*(?:先|也|都|就)?(?:要|得)?\s*(?:给我|帮我)?\s*退(?:掉|了吧)?"
                         r"(?:吧|啊|呀|呗|嘛)?(?=$|[\s，,。.!！~～])")
# One word alone: "补", "换吧", "补发" said as the whole answer.
_JUST_ONE = re.compile(r"^(?:快点?|赶紧|马上|直接|那就|那|就)?\s*(补|换|退)(?:吧|啊|呀|呗|一下|上)?"
                       r"(?:[\s，,]*(?:行|好|可以|中|嗯))?\s*[!！。.~～]*$")  # ("换 中": swap, all right)
_ONE_VERB = {"补": "reship", "换": "replace", "退": "refund"}
# "换白色的", "换L码的": a change to another colour, size or flavour is a replacement.
# "换一台", "换台新的", "换一部": one piece changed, in any measure word.
_CHANGE_ONE = re.compile(rf"(?<![退交])换(?:一|个|一个)?[{PIECE_WORDS}台部](?!钱)")
# (not another shop: "这回换一家包装好点的")
_CHANGE_TO = re.compile(r"(?<![退交])换(?!了|过|来|回来|一?家|个店|别家|个平台|新家|新居|新房|新盆|新年)"
                        r"(?:个|成|一?[个件双条盒])?[^，。,.!！？?\s]{1,6}?的"
                        # a colour to swap to, said alone: "换黑色", "换个白色"
                        r"|(?<![退交])换(?:个|成)?[黑白红黄蓝绿紫粉灰棕橙米咖金银][色](?=$|[\s，,。.!！~～吧])")
# The words right before a money remedy that ask for more of it: "多赔点", "多给点补偿", "再多退点".
_MORE_BEFORE = re.compile(r"(?:多|再多?|加)(?:给|赔|退|补)?(?:点|一点|些)?$")
# "换来换去", "退来退去", "寄来寄去": the back and forth a buyer is tired of.
_BACK_AND_FORTH = re.compile(r"([\u4e00-\u9fff])来\1去[^，。,.!！？?\s]{0,3}")
# A remedy named after these words is a reason or a worry, not the choice ("免得寄过来又是烂的").
_REASON = re.compile(r"怕|担心|万一|免得|省得|以免|要是|如果|假如|倘若|如若|(?<![倘如])若|不然|否则"
                     r"|^等")  # "等补过来都过季了"
# A condition's consequence: "要是退钱今天能办那就退钱", "要是换货还得等一周 那我就退钱" (the remedy
# after it is the choice).
_CONDITION = re.compile(r"要是|如果|假如|只要")
_THEN = re.compile(r"那就|那我就|我就|那么|(?:^|(?<=[\s，,]))那|就")
# What the buyer will do when the condition holds: "要是能给点补偿我就再等等" (the remedy in the
# condition is the choice), not "要是补发又要等 那就算了".
_ACCEPT_THEN = re.compile(r"^[^，。,.!！？?]{0,8}?(?:那|那我|我)?就(?:再|先)?(?:等等?|接着等|接受|要|行|可以|同意|好"
                          r"|认了|收下|收着|不取消|不退了|留着)|^[^，。,.!！？?]{0,8}?(?:也行|就行|就好|也可以)")


def _taken_on_condition(before: str, rest: str) -> bool:
    """Whether the remedy is the condition the buyer goes on with: "要是能给点补偿我就再等等"."""
    found = list(_REASON.finditer(before))
    return bool(found) and bool(_CONDITION.fullmatch(found[-1].group())) and bool(_ACCEPT_THEN.match(rest))


def _a_reason(before: str, rest: str) -> bool:
    """Whether the clause's words before a remedy make it a reason, a worry or a condition
    ("免得寄过来又是烂的", "要是补发又要等"), not a choice: a condition whose consequence came already
    ("要是退钱今天能办那就退钱"), or whose consequence (`rest`, the words after the remedy) takes
    it ("要是能给点补偿我就再等等"), picks the remedy."""
    found = list(_REASON.finditer(before))
    if not found:
        return False
    last = found[-1]
    if not _CONDITION.fullmatch(last.group()):
        return True
    return not (_THEN.search(before, last.end()) or _ACCEPT_THEN.match(rest))
# A remedy the buyer cannot or will not go through with: "我也不会弄那个寄回去的", "懒得寄回去".
_CANNOT = re.compile(r"(?:不会|懒得|没法|不方便|不想)[^，。,.!！？?\s]{0,4}$")
# A remedy declined after it is named: "退钱就不必了", "补发就算了".
# ("退货退款算了", without 就 / 也, picks it: "just do that")
_DECLINED_AFTER = re.compile(r"^(?:的话|的钱|的|钱|[嘛呢啊呀])?(?:[\s，,]*(?:这个|那个|这样|这种))?"
                             r"(?:我|她|他|我们|我家)?"
                             r"(?:[一两二三四五六七八九十几\d]*[个只件盒份双条瓶袋])?"
                             # "补发一个也不要", "光退钱不行"
                             r"(?:(?:就|也|都|倒|可){0,2}(?:不用|不要|不需要|不必|免了|不行|不成|不想弄|不想搞|不想办|懒得弄|不稀罕"
                             r"|不干|不答应|不同意|不接受|不想要|(?:不太|不怎么|不大|不是很|并不)(?:想要|需要))"
                             r"|(?:就|也|都)算了"
                             # "退那两只的钱也不是我要的": not what the buyer is after
                             r"|(?:也|都|倒|可|并)?不是我(?:要|想要|需要|在乎|图)的"
                             # "退款我们暂时不考虑", "补寄也来不及啦"
                             r"|(?:暂时|先|目前|就|也|都)?(?:不考虑|来不及|赶不上|赶不及)"
                             # no time for it: "补发等不了 我爸明天就断顿了", "换货我可等不起"
                             r"|(?:我|我们)?(?:可|真|实在)?等不(?:了|起|及)"
                             # too much bother: "退钱我还嫌麻烦呢"
                             r"|(?:还|都|倒|可)?嫌(?:麻烦|费事|慢|烦)(?:呢|哩)?)"
                             r"(?![吗么嘛呢]|不行)")  # "直接退钱不行吗": asked for, not turned down
# What someone else said or promised: "主播说秒杀完马上发", "店家答应明天就补".
_SOMEONE_SAID = re.compile(r"(?:主播|商家|店家|卖家|客服|老板|店里|他们|她们|人家)(?:都|也)?"
                           r"(?:说|讲|答应|承诺|保证|说好|讲好)(?:的|了|过)?[^，。,.!！？?\s]{0,8}$")
# What the buyer had in mind before ("我本来想干脆取消算了", "原本打算退货"): told, not chosen now.
_MEANT_ONCE = re.compile(r"(?:本来|原本|原来|本)(?:是)?(?:想|打算|准备|寻思)(?:着)?[^，。,.!！？?\s]{0,4}$")
# Words that report what someone said before a remedy ("我问过店里 说马上发"): not the buyer's choice.
_REPORTED = re.compile(r"(?:说|讲|答应|承诺|保证|回复|回我)(?:了|过)?$")
# A remedy chosen with 吧 ("那就退款吧不要了"): what follows gives the goods up, it turns nothing down.
_CHOSEN_END = re.compile(r"吧$")
# A remedy weighed, trailing off, then turned down: "取消啊…那倒不用", "取消么…算了算了" (normalized: ...).
_WEIGHED_THEN_NO = re.compile(r"^(?:的话|[啊吗么嘛呢呀])?\s*\.{2,}\s*(?:那|这)?(?:个)?(?:倒|就|也|还是|其实)?"
                              r"(?:不用|不要|不需要|不必|算了|免了|不行|不想)")
# A remedy weighed, trailing off into more words: "退钱…这个嘛，也不是钱的事", "换新的…可能也一样吧"
# (not chosen; "那就退钱…" at the end, nothing after, still is)
_WEIGHED = re.compile(r"^(?:的话|[啊吗么嘛呢呀])?\s*\.{2,}\s*[^\s.]")


def _declined_after(text: str, end: int) -> re.Match[str] | None:
    """The words right after a remedy ending at `end` that turn it down ("补发就算了", "取消啊…那倒不用"),
    unless it was chosen with 吧 first ("那就退款吧不要了": the goods given up)."""
    if _CHOSEN_END.search(text[:end]):
        return None
    return _DECLINED_AFTER.match(text[end:]) or _WEIGHED_THEN_NO.match(text[end:])


# What the buyer did already, said after a swap: "更换数据线后亦无改善", "换了插座也不行".
_TRIED_AFTER = re.compile(r"^[^，。,.!！？?\s]{0,10}?(?:后|之后|以后)"
                          # "换个插座好了": something else changed, not the goods
                          r"|^(?:了|个|一个|一下)?\s*(?:插座|插头|插排|插线板|电池|电源|地方|位置|房间|网络|设置|模式)"
                          r"|^[^，。,.!！？?\s]{1,8}?(?:亦|也|还是|仍|依然|都)(?:无|没|不)")
# A remedy named with its drawback: "补发还得等好几天" is why not.
# ("退钱那个我也弄不明白": what the buyer cannot manage)
_DRAWBACK_AFTER = re.compile(r"^(?:了|的话)?(?:那个|那些)?(?:我)?(?:也|都)?(?:还得|还要|又得|又要|得|要)?(?:再)?"
                             # "退钱我还得再去买", "退钱我还得重新挑"
                             r"(?:等|太慢|太久|太麻烦|麻烦|费劲|去买|重新买|重新挑|重新选|重新找|重新下单|另外买|再买|另买"
                             r"|弄不明白|搞不明白|整不明白|闹不明白|弄不懂|搞不懂|不会弄|不会操作|不懂"
                             # how slow or troublesome it is: "补发太磨叽了", "换货好麻烦", "补发太墨迹"
                             r"|(?:太|好|真|忒|贼|巨|特别|有点)?(?:磨叽|墨迹|磨蹭|拖拉|折腾|耽误事|费事|费时间)"
                             r"|(?:太|好|真|忒|贼|巨|特别|很)(?:慢|麻烦)"
                             # how it would look: "送礼退钱怪怪的", "退钱没面子"
                             r"|怪怪的|怪怪|怪不好意思|没面子|不体面|不好看|尴尬"
                             # no trust left in it: "换只新的我也不放心"
                             r"|不放心|信不过|不敢要|不敢用"
                             # the back and forth and the date it would miss: "换一条来回折腾肯定赶不上了"
                             r"|来回折腾|来回寄|来回跑|[^，。,.!！？?\s]{0,6}(?:赶不上|来不及|赶不及)"
                             # what the money would not buy: "退钱我也买不着这么大的"
                             r"|[^，。,.!！？?\s]{0,3}买不(?:着|到|来)"
                             # "取消了我还得叫孙子重新给我买": bought again, by someone
                             r"|[^，。,.!！？?\s]{0,6}?(?:重新|再|另外)[^，。,.!！？?\s]{0,4}?(?:买|下单|拍))")
# What a remedy would bring, said right after it: "补发还得搁那干等", "再寄过来又要压坏", "补过来也化了",
# "换个新的怕又是瓜的" (Sichuan 瓜: broken): why not, never the choice.
# A remedy waved away: "退二十几块有什么用".
_NO_USE_AFTER = re.compile(r"^[^，。,.!！？?\s]{0,6}?(?:有什么用|有啥用|顶什么用|管什么用|有个屁用|有毛用)"
                           # "退钱没用 团员要的是货", "退钱没意思"
                           r"|^(?:也|都)?(?:没用|没有用|没啥用|不管用|不顶用|没意思|没啥意思|没什么意思|没劲)"
                           r"|^(?:也|都)?(?:不解馋|不解气|不顶事|解决不了问题|不解决问题)")  # "退钱不解馋"
_CONSEQUENCE_AFTER = re.compile(r"^(?:的[^，。,.!！？?\s]{1,6}?|[^，。,.!！？?\s]{0,4}?)"  # "补发的螃蟹路上还得折腾"
                                r"(?:又要|又得|又会|又是|也会|也得|也要|也是|也|怕|万一"
                                r"|还得|还要|估计又|肯定又|不会又|会不会又?|再)[^，。,.!！？?\s]{0,4}?"
                                r"(?:等|坏|烂|碎|化|压|慢|瓜|过季|没用|一样|麻烦|少|丢|错|漏|死|折腾|颠)"
                                # a fear said right after it: "补发怕抽到重复的", "换货担心又不合适"
                                r"|^(?:的话)?[^，。,.!！？?\s]{0,2}?(?:怕|担心|万一)")
# The broken ones to be refunded: "那就退碎了的那2个", "退坏的那几个".
_REFUND_THE_BAD = re.compile(r"退(?:掉)?(?:碎|坏|烂|破|死|漏|少)[^，。,.!！？?\s]{0,3}的"
                             # "就按碎的那瓶退", "按坏了的几个算钱": refunded by the bad ones
                             r"|按(?:照)?(?:碎|坏|烂|破|死|漏|少)[^，。,.!！？?\s]{0,6}?(?:退|算钱)")
# Before "不要了", what is not wanted ("算了 不要了", "钱就不要了"): no cancel of the order.
_MONEY_REFUSED_BEFORE = re.compile(r"(?:算了[\s，,]*|(?:钱|款|补发|退款|券|利息|零头|运费|补偿|赔偿)(?:我|就|也|都)*)$")
# Swapped for the size meant: "换L", "换成XL", "换个38码的", "换大一码".
_SWAP_TO_SIZE = re.compile(r"换(?:成|个|件|双|条)?\s*(?:(?<![a-z])(?:x{0,3}[sml]|xx?l)(?![a-z])"
                           r"|\d{2,3}\s*码|[大小]一码)")
# The bad ones to be sent again: "就补那烂的三分之一", "补坏的那几个".
_RESHIP_THE_BAD = re.compile(r"(?<![不没别])补(?:上|给我)?(?:那|这)?(?:些|几个)?(?:碎|坏|烂|破|死|少)"
                             r"[^，。,.!！？?\s]{0,3}的")
# Something the shop did already ("他们给我退了10块钱", "商家已经补发了"): news, not a choice.
_SHOP_BEFORE = re.compile(r"(?:商家|店家|卖家|店里|他们|她们|老板|客服)(?:已经|都|也)?(?:给我|帮我)?$")
# The wrong goods sent back as part of a re-ship or a swap ("重新发个白的吧 磕坏的这个我寄回去").
_I_SEND_BACK = re.compile(r"我(?:给你们|给商家|自己|回头|待会儿?|明天|马上|等下|一会儿?)?(?:会|再|就|先|也|这边)?"
                          # "芥末味这盒我按要求寄回去": as asked, beside the re-ship
                          r"(?:按要求|按规定|照规矩|照要求)?"
                          # "这两罐我叫孙子寄回去": someone of the buyer's sends it
                          r"(?:(?:叫|让|请|找)[^，。,.!！？?\s]{1,4}?(?:帮我|给我)?)?$")
# Money told as what the compensation is for: "赔点延误的钱就行" is compensation, not a refund.
_PAID_FOR = re.compile(r"赔|补偿")
# A remedy told as done by someone ("商家已经私下把钱退给我了"): news, not a choice.
_DONE_BEFORE = re.compile(r"已经|早就|早已|已")
_DONE_AFTER = re.compile(r"^[^，。,.!！？?\s]{0,4}了")
# A remedy received: "退款收到了", "退的钱到账了", "补发的已经到了".
_GOT_AFTER = re.compile(r"^(?:的钱|的货|的那个|的)?\s*(?:已经|都|也)?(?:收到了|到账了|到了|已到账?|收到啦|到账啦)")


# After "不 + remedy", words that make the no rhetorical: "不退钱难道让我吃吗", "不补发还能怎样".
_RHETORICAL = re.compile(r"\s*(?:难道|还能|那还能|不然)")


_ASKS_FOR = re.compile(r"行不行|行吗|可以吗|可以不|能不能|可不可以|好不好|好吗|成不成|成吗|得唔得|得不得|中不中"
                       r"|要[得的]不|得行不"  # Sichuan "要得不" (read 要的不)
                       # polite: "请问是否可以…", "能否…"
                       r"|是否(?:可以|能够?|方便)|可否|能否|能不能够|可以麻烦|麻烦(?:您|你)?(?:帮我|给我)"
                       r"|能[^，。,.!！？?]{0,6}吗|可以[^，。,.!！？?\s]{1,10}吗")
_ASKS_ABOUT = re.compile(r"多久|几天|什么时候|啥时候|怎么|为什么|为啥|多少|哪")


def asks_for_it(text: str) -> bool:
    """Whether a question asks for something ("退钱行不行", "能给我补发吗") rather than about it
    ("补发要多久？", "退多少？")."""
    # (clause by clause: "补发要等多久哦 退那只的钱得行不" asks about one and for the other)
    return any(_ASKS_FOR.search(clause) and not _ASKS_ABOUT.search(clause) for clause in clauses_of(normalize(text)))


# A change of mind in the same message, then the choice: "退钱吧……哎不对 还是给我补发", "哦不 还是退钱吧",
# "本来想说补发的 算了不等了 还是直接退款吧".
_CORRECTED = re.compile(r"(?:不对|哦不|噢不|喔不|不不|说错了|打错了|算了|改主意了?|想了想|再想想)"
                        r"[^，。,.!！？?]{0,8}?[\s，,。.!！…~～]*还是")


def read_remedy(text: str) -> str | None:
    """The remedy the buyer picks in their own words (a key of REMEDY_KINDS), or None.

    A remedy said after a negation ("不要补发了，退款吧") is not the choice.
    """
    text = without_money(normalize(text))  # "退六十四吧": 退钱吧
    found = remedy_mentions(text)
    corrected = [m.end() for m in _CORRECTED.finditer(text)]
    if corrected and found:
        # "补发吧 哦不 还是退那一桶的钱吧 补发过来生日都过了": the remedy the correction turns to, not the
        # drawbacks told after it
        turned_to = [kind for start, kind in found if corrected[-1] <= start <= corrected[-1] + 6]
        if turned_to:
            return turned_to[0]
    return found[-1][1] if found else None


def remedies_by_clause(text: str) -> list[tuple[str, str]]:
    """Each clause's remedy with the words before it, which say what it is for ("碎的退钱，少的补发"
    gives [("碎的", "refund"), ("少的", "reship")]); clauses naming no remedy or nothing before it
    are left out. One remedy for two things joined by 和 / 跟 ("烂的和少的都退钱") is a pair for each."""
    pairs = []
    for clause in clauses_of(normalize(text)):
        found = remedy_mentions(clause)
        subject = clause[:found[0][0]].strip() if found else ""
        both = re.fullmatch(r"(.+?)(?:和|跟|与|以及|还有)(.+?)(?:都|也都|全都|一起)", subject)
        for part in (both.groups() if both else (subject,)):
            if part.strip():
                pairs.append((part.strip(), found[-1][1]))
    return pairs


@lru_cache(maxsize=4096)
def _remedy_hits(text: str) -> tuple[tuple[int, int, str], ...]:
    """Every remedy the (normalized) words speak of, chosen or not: (start, end, kind), a word inside
    a longer one left out. Haggling ("多赔点") and the hassle of doing it ("换来换去") are no mention."""
    hits: list[tuple[int, int, str]] = []
    if "退" in text:  # "退！马上给我退！": a clause that is only the demand
        at = 0
        for clause in re.split(r"([，,。.!！；;\s]+)", text):
            if clause and _JUST_REFUND.match(clause):
                hits.append((at, at + len(clause), "refund"))
            at += len(clause)
    for kind, words in _REMEDY_WORDS.items():
        for word in words:
            if word in text:  # most words are not: a substring test is far cheaper than a search
                hits += [(match.start(), match.end(), kind) for match in _WORD_PATTERNS[word].finditer(text)]
    hits += [(m.start(), m.end(), "refund") for m in _MONEY_BACK.finditer(text)]  # "退那一盒的钱"
    hits += [(m.start(), m.end(), "refund") for m in _REFUND_THE_BAD.finditer(text)]  # "那就退碎了的那2个"
    hits += [(m.start(), m.end(), "refund") for m in _PART_BACK.finditer(text)]  # "退差的那部分"
    hits += [(m.start() + 1, m.end(), "refund") for m in _THEN_REFUND.finditer(text)]  # "今天到就退"
    hits += [(m.start(), m.end(), "reship") for m in _RESHIP_THE_BAD.finditer(text)]  # "就补那烂的三分之一"
    hits += [(m.start(), m.end(), "replace") for m in _SWAP_TO_SIZE.finditer(text)]  # "换L", "换个38码的"
    hits += [(m.start(), m.end(), "refund") for m in _ALSO_REFUND.finditer(text)]  # "这个也退"
    hits += [(m.start() + 1, m.end(), "refund") for m in _THESE_BACK.finditer(text)]  # "死的先退"
    hits += [(m.start(), m.end(), "reship") for m in _SEND_MORE.finditer(text)]  # "给我补一袋过来"
    hits += [(m.start(), m.end(), "compensation") for m in _PAY_UP.finditer(text)]  # "赶紧给我赔"
    # "发米白的过来"; not "我拍的黑色帽子 给我寄个粉红的来", what came against what was bought
    hits += [(m.start(), m.end(), "reship") for m in _SEND_OVER.finditer(text)
             if not (_BOUGHT.search(text[:m.start()])
                     and not _ASKED_TO_SEND.search(text[max(0, m.start() - 4):m.end()]))]
    hits += [(m.start(), m.end(), "reship") for m in _SEND_IT_TO_ME.finditer(text)]  # "把鱼油寄给我吧"
    hits += [(m.start(), m.end(), "reship") for m in _STILL_SEND.finditer(text)]  # "还是发L的"
    hits += [(m.start(), m.end(), "ship") for m in _SHIP_IT.finditer(text)]  # "赶紧给我发"
    hits += [(m.start(), m.end(), "replace") for m in _CHANGE_TO.finditer(text)]  # "换白色的"
    hits += [(m.start(), m.end(), "replace") for m in _CHANGE_ONE.finditer(text)]  # "换一台吧"
    # "多赔点吧", "多给点补偿", "再加点钱": asking for more than the offer is haggling, not a choice
    hits = [h for h in hits if h[2] not in ("compensation", "refund") or not _MORE_BEFORE.search(text[:h[0]])]
    # "换来换去的闹心", "寄来寄去": the hassle of doing it, never a choice of it
    hassle = [(m.start(), m.end()) for m in _BACK_AND_FORTH.finditer(text)]
    hits = [h for h in hits if not any(a <= h[0] < b for a, b in hassle)]
    # "补发也好退钱也好 … 都不要了": whichever, named in a list, none of them chosen
    either = [h for h in hits if re.match(r"也好|也罢|也行|也可以|还是", text[h[1]:])]
    if len(either) > 1 and len({h[2] for h in either}) > 1 and re.search(r"都不|都别|都算了|都不用", text):
        hits = [h for h in hits if h not in either]
    # "把钱退回去": the money sent back, a refund, not the goods
    hits = [(h[0], h[1], "refund") if h[2] == "return_refund" and re.search(r"钱\s*$", text[max(0, h[0] - 2):h[0]])
            else h for h in hits]
    # "取消订阅", "取消推送": the messages stopped, no order cancelled
    hits = [h for h in hits if h[2] != "cancel" or not _NOT_THE_ORDER.match(text[h[1]:])]
    # "想把剩菜都换成玻璃盒装着": what the goods were for, no swap asked
    hits = [h for h in hits
            if h[2] != "replace" or not re.match(r"[^，。,.!！？?\s]{1,6}?装(?:着|起来|上|进去)", text[h[1]:])]
    # "这次不要再寄错了": sent wrong again, a worry, no mention of a re-ship
    hits = [h for h in hits if h[2] != "reship" or not text.startswith("错", h[1])]
    # "全退给我": the whole line's money, not the share a "退给我" alone would be
    whole = [h for h in hits if h[2] == "full_refund"]
    hits = [h for h in hits if h[2] != "refund" or not any(w[0] <= h[0] < w[1] for w in whole)]
    # a word inside a longer one is not a mention of its own ("退款" in "退货退款")
    hits = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] for o in hits)]
    return tuple(hits)


def set_aside_last(text: str) -> bool:
    """Whether the latest remedy the words speak of is one they do not choose, after one they do
    ("碎了那两瓶退钱就是了，补发的话又要等冷链，算了": the refund chosen, the re-ship waved away)."""
    text = normalize(text)
    chosen = {start for start, _kind in remedy_mentions(text)}
    hits = _remedy_hits(text)
    return bool(chosen and hits) and max(start for start, _end, _kind in hits) not in chosen


def remedy_named(text: str) -> str | None:
    """The remedy the words are about, chosen or not ("补发的话要多久能到", "补发还得等几天吧": the
    re-ship): the latest one not negated, or None. For what a question is about; a choice is
    read_remedy's."""
    text = normalize(text)
    named = [kind for start, _end, kind in _remedy_hits(text)
             if not _NEGATION.search(_clause_before(text, start)[-4:])]
    return named[-1] if named else None


@lru_cache(maxsize=4096)
def remedy_mentions(text: str) -> tuple[tuple[int, str], ...]:
    """The remedies the (normalized) words choose, in order: (position, kind). Kept for the latest
    texts, as normalize: a turn asks the same words for their remedy several times."""
    if _JUST_REFUND.match(text):  # "退！"
        return ((0, "refund"),)
    alone = _JUST_ONE.match(text)
    if alone:  # "补", "换吧"
        return ((0, _ONE_VERB[alone.group(1)]),)
    hits = _remedy_hits(text)
    found = [(start, kind) for start, end, kind in hits
             if (not _NEGATION.search(_clause_before(text, start)[-4:])  # "钱也不要 再给我发2只活的"
                 or _RHETORICAL.match(text[end:]))  # "不退钱难道让我吃吗": the remedy is wanted
             and (not re.match(r"我就|消息|信息|短信", text[end:])  # "再发我就拉黑": messages, a threat
                  or _taken_on_condition(_clause_before(text, start), text[end:]))
             and not _A_PERSON_AFTER.match(text[end:])  # "换个真人来跟我说": a person, not goods
             and not text.startswith("的话", end)  # "退了一部分钱的话 发票还能开吗": a condition, not a choice
             and (kind == "cancel" or not re.search(r"不用|不要|不需要|不必", text[start:end]))  # "钱不用退"
             and not _declined_after(text, end)  # "补发就算了"
             and (_taken_on_condition(_clause_before(text, start), text[end:])  # "…补偿我就再等等"
                  or not (_DRAWBACK_AFTER.match(text[end:])  # "补发还得等好几天"
                          or _CONSEQUENCE_AFTER.match(text[end:])))  # "补过来也化了"
             and not _NO_USE_AFTER.match(text[end:])  # "退二十几块有什么用"
             and not _WEIGHED.match(text[end:])  # "退钱…这个嘛，也不是钱的事": weighed, not chosen
             # "更换数据线及充电头后亦无改善": what the buyer tried already
             and not (kind in ("replace", "reship") and _TRIED_AFTER.match(text[end:]))
             and not (_SHOP_BEFORE.search(_clause_before(text, start))  # "他们补寄了": done by the shop
                      and re.match(r"(?:退|补|赔|发|换|寄|补发|补寄|重发|重寄|再发|再寄)了", text[start:]))
             and not (_DONE_BEFORE.search(_clause_before(text, start)) and _DONE_AFTER.match(text[end:]))
             and not _GOT_AFTER.match(text[end:])  # "上回那个退款收到了": a remedy had, not asked for
             and not _a_reason(_clause_before(text, start), text[end:])  # "免得寄过来又是烂的"
             and not _REPORTED.search(text[max(0, start - 4):start])  # "店里说马上发": what the shop said
             and not _MEANT_ONCE.search(_clause_before(text, start))  # "我本来想干脆取消算了": meant, not chosen
             and not _SOMEONE_SAID.search(_clause_before(text, start))  # "主播说秒杀完马上发": promised, not asked
             and not _CANNOT.search(text[max(0, start - 8):start])  # "我也不会弄那个寄回去的"
             and not (kind == "refund" and text.startswith("的钱", start)
                      and _PAID_FOR.search(_clause_before(text, start)))]
    refused = {kind for start, end, kind in hits if _declined_after(text, end)}
    found = [(start, kind) for start, kind in found if kind not in refused]  # said again after, it is the reason
    turned_down = [(end, end + m.end()) for _s, end, _k in hits for m in [_declined_after(text, end)] if m]
    # "补发也不要了": the 不要了 turns the remedy down; it cancels nothing
    found = [(start, kind) for start, kind in found if not any(a <= start < b for a, b in turned_down)]
    found = [(start, kind) for start, kind in found  # "算了不要了", "算了 不要了": no to the offer
             if kind != "cancel" or not _MONEY_REFUSED_BEFORE.search(text[:start])
             or not text.startswith(("不要了", "不想要了"), start)]
    chosen = [start for start, kind in found if kind != "cancel"]
    if chosen:  # "我要退货退款 不想要了": said after the choice, the reason for it, not a cancel
        found = [(start, kind) for start, kind in found
                 if kind != "cancel" or start < chosen[0] or not text.startswith(("不要了", "不想要了"), start)]
    goods = [start for start, kind in found if kind in ("reship", "replace")]
    if goods:  # "给我换成无糖的吧 这个有糖的我给你们寄回去": sending the wrong one back is part of it
        # ("就给我换一条M的吧，寄回去我明天就去驿站": the sending back, as its own clause, too)
        found = [(start, kind) for start, kind in found if kind != "return_refund" or start < goods[0]
                 or not (_I_SEND_BACK.search(_clause_before(text, start))
                         or (not _clause_before(text, start).strip() and text.startswith(("寄回", "退回去"), start)))]
    parts = clauses_of(text)
    alone = _JUST_ONE.match(parts[0]) if parts and not found else None
    if alone:  # "补吧 恁快点": the one verb as the first clause, the rest only urges
        return ((0, _ONE_VERB[alone.group(1)]),)
    last = _JUST_ONE.match(parts[-1]) if len(parts) > 1 and not found else None
    if last:  # "是的 少1瓶 补": the one verb said last, after the details
        return ((len(text) - len(parts[-1]), _ONE_VERB[last.group(1)]),)
    # The latest mention wins ("补发也行，还是退款吧").
    return tuple(sorted(found, key=lambda hit: hit[0]))


# What is cancelled when it is not the order: "取消订阅", "取消推送".
_NOT_THE_ORDER = re.compile(r"\s*(?:订阅|关注|推送|通知|提醒|消息|短信|会员|续费|自动续费)")
# The buyer gives the order up: "算了不要了", "等不了了", "不想等了" (not "不取消了", "不要退款").
_GIVE_UP = re.compile(r"(?:^|[\s，,。.!！]|算了|了)(?:不要了|不想要了|东西不要了|不等了|等不了了?|不想等了|不想再等了)")


def gives_up_the_order(text: str) -> bool:
    """Whether the words give the order up and name no remedy ("是啊 等不了了 算了不要了"): where the
    order can still be cancelled, that is the cancellation (kind `give_up`); elsewhere no choice."""
    text = normalize(text)
    return bool(_GIVE_UP.search(text)) and not remedy_mentions(text) and "取消" not in text


# One verb turned down: "换也不要", "补就算了", "退也不用" (the verb alone is no mention of a remedy).
# (and "算了 不换了": the one verb, no longer wanted)
_ONE_VERB_DECLINED = re.compile(r"(?:^|[\s，,。.!！])(换|补|退)(?:也|都|就)(?:不要|不用|不需要|不必|算了|免了|不想)"
                                r"|(?:^|[\s，,。.!！]|算了)不(?:用|想)?(换|补|退)了"
                                r"|不(?:想|愿意|要)(?:再)?等(?:着)?(?:你们)?(补|换)"  # "不想等补发了"
                                # "也不要退 我就要个说法", "不要换 换来换去又发错了"
                                r"|(?:^|[\s，,。.!！]|钱)(?:也|都|我|就)?(?:不要|不用|不想|别|不)(?:再)?(换|补|退)货?"
                                r"(?=$|[\s，,。.!！了啦])")  # "钱就不用退了"
_ONE_VERB_KINDS = {"换": "replace", "补": "reship", "退": "refund"}
# The money turned down as a clause of its own: "钱不要" (钞票勿要), "钱就不用了", "那点钱我不要".
_MONEY_DECLINED = re.compile(r"(?:^|[\s，,。.!！])(?:那点|这点)?钱(?:就|也|我|都)?(?:不要|不用|不需要)了?"
                             r"(?=$|[\s，,。.!！了啦吧])")


def refused_kinds(text: str) -> set[str]:
    """The kinds of remedy the words turn down by name ("补发也不要", "不要退款", "换也不要"), whatever
    else they name."""
    text = normalize(text)
    refused = {_ONE_VERB_KINDS[next(g for g in m.groups() if g)] for m in _ONE_VERB_DECLINED.finditer(text)}
    if _MONEY_DECLINED.search(text):
        refused.add("refund")
    for kind, kind_words in _REMEDY_WORDS.items():
        for word in kind_words:
            if word in text and any(((_NEGATION.search(_clause_before(text, m.start())[-4:])
                                      and not _RHETORICAL.match(text[m.end():]))  # "不退钱还能咋办"
                                     or _declined_after(text, m.end()))
                                    # ("这次不要再寄错了": a worry, no re-ship turned down)
                                    and not text.startswith("错", m.end())
                                    for m in _WORD_PATTERNS[word].finditer(text)):
                refused.add(kind)
    # and what the patterns find: "退那点钱也不要" (the money back, turned down)
    refused |= {kind for start, end, kind in _remedy_hits(text)
                if (_NEGATION.search(_clause_before(text, start)[-4:]) and not _RHETORICAL.match(text[end:]))
                or _declined_after(text, end)}
    return refused


# The buyer keeps the goods ("错的我留着凑合穿", "懒得寄来寄去"): a refund that takes them back is not it.
_KEEPS_GOODS = re.compile(r"留着|我留下|自己留|不退货|不用寄回|不寄回|不想寄|懒得寄|不想退回|凑合(?:穿|用|吃|着)")


def keeps_goods(text: str) -> bool:
    return bool(_KEEPS_GOODS.search(normalize(text)))
