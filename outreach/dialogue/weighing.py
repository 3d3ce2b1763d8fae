"""What a buyer's words say about weighing the goods: what they weighed, what was promised, by
how much they fell short ('标的1斤 实际称了才8两', '少了半斤', '一共只有7斤3两 说好的8斤').

Only words are read here; outreach.cases.conversation keeps what is found on the case, and the
listing's own weight (when it states one) always wins over a promise the buyer quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.diagnosis.weights import weights_in
from outreach.dialogue.words import clauses_of, normalize, without_money

_NUMBER = r"[\d.一二两三四五六七八九十百半]+"
# A weight told as what is missing: "少了半斤", "差了3两", "不够2斤", "少了1斤2两", or a guess at it
# ("差了快半斤", "少了差不多两斤").
_SHORT_PHRASE = re.compile(r"(?:少了|差了|差着|缺了|少|差|缺|不够)\s*(?P<guess>快|将近|接近|差不多|大概|约)?\s*"
                           rf"{_NUMBER}\s*(?:公斤|千克|斤|两|克|kg|g)(?:\s*(?:半|{_NUMBER}\s*两))?",
                           re.IGNORECASE)
# A weight told as what was promised, not weighed: "说好的8斤", "标的2斤", "页面写着5斤".
_PROMISED = re.compile(r"说好|标称|标的|标着|写的|写着|承诺|宣传|页面上?|商品页|主播说")
# Words that tell a weight was read off a scale, or is all there was.
_WEIGHED = re.compile(r"称|秤|实际|只有|才有|净含量|一共|总共|才\s*[\d一二两三四五六七八九十]")
# A clause that weighs the whole ("整箱称了一下才8斤7两"), not the rotten part ("称了一下 烂的有2斤").
_WEIGHS = re.compile(r"称|秤|净重")
_ALL_THERE_WAS = re.compile(r"才|只有|就|一共|总共|整")
# A weight without its packaging: "净重1斤6两", "去掉盒子1斤6两".
_NET = re.compile(r"净重|净含量|去皮|(?:去掉?|去了|去咯|除去|除掉|扣掉|扣除|扣了|减掉|减去|不算|不带|不连)\s*"
                  r"(?:盒子|包装|箱子|纸箱|泡沫箱|袋子|筐|篮子|壳|皮)")
_HARM = re.compile(r"[烂坏死碎臭霉]")
# A weight read off the scale: "称了称一共才9斤2两", "上秤只有4斤3两".
# (not the promise said after the weighing: "称了一下说是五斤的只有四斤二两")
_READ_OFF = re.compile(r"(?:称|秤)[^，。,.!！？?\s说标写讲]{0,8}?(?:是|有|才|只有|就|共)\s*"
                       r"(?P<weight>[\d.一二两三四五六七八九十百半]+\s*(?:斤|公斤|千克|克|kg|g)"
                       r"(?:半|\s*[\d一二两三四五六七八九]\s*两)?)")
# A weight taken back for another told after it: "哦不对", "刚才没看清", "重新称了一下".
_CORRECTED = re.compile(r"不对|说错了?|搞错了?|看错了?|没看清|打错了?|哦不|应该是|更正|重新称|再称了?一下")


def short_by(text: str) -> int | None:
    """The grams the words say are missing ("少了半斤": 250), when they say it of their one weight
    and not as a guess ("少了差不多两斤" asks what the goods weighed)."""
    told = _SHORT_PHRASE.search(text)
    if told is None or told.group("guess") or len(weights_in(text)) != 1:
        return None
    found = weights_in(told.group(0))
    return found[0] if found else None


def says_weighed(text: str) -> bool:
    """Whether the words state what the goods weighed ("标的1斤 实际称了才8两", "秤上是1斤7两",
    "去掉箱子是3斤8两"), or by how much they fell short ("少了半斤")."""
    weights = weights_in(text)
    return len(weights) >= 2 or bool(weights and (_WEIGHED.search(text) or _NET.search(text))) \
        or short_by(text) is not None


def weighs_beyond_promise(text: str) -> bool:
    """Whether some clause gives a weight that is not only the promise ("说好的8斤" alone is not)."""
    return any(weights_in(clause) and not _PROMISED.search(clause) for clause in clauses_of(text))


def weighing_clauses(text: str) -> str:
    """The clauses that tell a weighing: a weight read off a scale, or the act of weighing itself
    ("我上秤称了"); empty when there is none."""
    return " ".join(clause for clause in clauses_of(text)
                    if (weights_in(clause) and says_weighed(clause))
                    or (not weights_in(clause) and re.search(r"称|秤", clause)))


def whole_weighed_below(text: str, promised_g: int) -> str:
    """The clauses that weigh the whole goods below the promised weight ("整箱称了一下才8斤7两" of
    10斤), not a weighing of the bad part ("称了一下 烂的有2斤"); empty when there is none."""
    return " ".join(clause for clause in clauses_of(text)
                    if _WEIGHS.search(clause) and _ALL_THERE_WAS.search(clause) and not _HARM.search(clause)
                    and _weighed_below(weights_in(clause), promised_g))


def _weighed_below(weights: list[int], promised_g: int) -> bool:
    """One weight below the promise, or the promise and then one below it ("三斤虾过秤只有2斤6两")."""
    return (len(weights) == 1 and weights[0] < promised_g) or (
        len(weights) == 2 and weights[0] == promised_g and weights[1] < promised_g)


@dataclass(frozen=True)
class Weighing:
    promised_g: int
    weighed_g: int


def read_weighing(text: str, listed_g: int | None) -> Weighing | None:
    """The promised and weighed weight the words give, the listing's weight standing for the promise
    when it states one; None when the words give no usable weighing of these goods."""
    text = without_money(normalize(text))  # "两斤一百三十九块六": the price is no weight
    without_shortfall = _SHORT_PHRASE.sub("", text)
    stated = weights_in(without_shortfall) or weights_in(text)
    missing = short_by(text)
    if listed_g and missing is not None:  # "少了半斤" of 5斤: 4.5斤 weighed
        stated = [listed_g - missing] if missing < listed_g else []
    if listed_g:
        # the weighed amount is the last weight said ("标称100斤，实际1斤8两" on a 2斤 listing: 1斤8两),
        # not one told as the promise after it ("一共只有7斤3两 说好的8斤": 7斤3两)
        # ... and of several weights told, the net one ("连盒子才1斤8两，去掉盒子净重1斤6两"), else those
        # read off a scale rather than said in passing ("1斤6两的东西卖我2斤的价")
        told = [clause for clause in clauses_of(without_shortfall) if not _PROMISED.search(clause)]
        weighed_words = ([w for clause in told if _NET.search(clause) for w in weights_in(clause)]
                         or [w for clause in told if _WEIGHED.search(clause) for w in weights_in(clause)]
                         or [w for clause in told for w in weights_in(clause)])
        if missing is None and weighed_words:
            stated = weighed_words
        corrected = list(_CORRECTED.finditer(without_shortfall))
        later = weights_in(without_shortfall[corrected[-1].end():]) if corrected and missing is None else []
        if later:  # "称了一下是8斤……哦不对，刚才没看清，是8斤5两": the weight told after taking it back
            stated = later
        elif missing is None:
            # a weight read off the scale in a long clause ("放秤上称了称一共才9斤2两明明买的是10斤 …
            # 烂掉的有两斤"): that one, not the promise or the bad part said after it
            read_off = [w for m in _READ_OFF.finditer(without_shortfall) for w in weights_in(m.group("weight"))]
            if read_off and len(weights_in(without_shortfall)) > len(read_off):
                stated = read_off
        promised, weighed = listed_g, (stated[-1] if stated else None)
    elif len(stated) >= 2:
        promised, weighed = stated[0], stated[1]
    else:
        return None
    if weighed is None or weighed > promised * 3:  # not a weighing of these goods
        return None
    return Weighing(promised_g=promised, weighed_g=weighed)


# The weighing itself said to be wrong: "刚才是连箱子一起称的", "称的时候没去皮", "秤不准".
_WEIGHING_WRONG = re.compile(r"连[^，,。.!！？?\s]{0,4}(?:箱子?|盒子?|袋子?|筐|包装|泡沫|皮)"
                             r"[^，,。.!！？?\s]{0,4}(?:一起|一块儿?)?称"
                             r"|没去皮|没扣(?:掉)?(?:箱子|盒子|包装|皮)|秤不准|称错了?|称得不对")


def takes_back_weighing(text: str) -> bool:
    """Whether the words take back the weight told before without giving another ("不对 刚才是连箱子
    一起称的"): the weight is to be asked again."""
    text = normalize(text)
    return bool(_WEIGHING_WRONG.search(text)) and not weights_in(text)
