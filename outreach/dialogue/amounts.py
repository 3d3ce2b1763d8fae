"""How much of an order line the buyer's words say was affected: pieces counted, shares (half,
a third, "大部分", percentages, 成), weights, what arrived against what was bought, and a count
corrected in the same words.

Pure functions over the words and the line (quantity, unit, promised weight); no Rasa, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from outreach.diagnosis.weights import GRAMS, weights_in
from outreach.dialogue.words import CN_DIGITS as _CN
from outreach.dialogue.words import PIECE_WORDS, clause_before, clauses_of, normalize, without_money
from outreach.dialogue.words import number_of as _number

_NUM = re.compile(rf"-?\d+(?:\.\d+)?|[{_CN}]+")
# Words after a number that make it something other than a count of affected pieces.
_NOT_A_COUNT = re.compile(
    r"\s*(?:分钟|分|星|颗星|颗|天|日|号|小时|个小时|点|周|星期|礼拜|月|年|元|块|毛|角|%|％|成|倍|岁|次|遍|楼|层|公里|里|米|cm|mm"
    r"|厘米|毫米|公分|寸"
    r"|斤|两|公斤|千克|kg|克|g\b|ml|毫升|升"
    r"|个?零)",  # "手滑多打了俩零": zeros typed, no count
    re.IGNORECASE,
)
# Marks on the goods, not pieces of them, in whatever unit: "一按一个坑", "有两个黑点".
# (and parts of the box or of a piece: "箱子一个角都瘪进去了", "一个边", "一侧")
_MARKS = re.compile(r"\s*[个只处道条]?(?:坑|洞|窟窿|口子|印子|印|疤|黑点|斑点|斑|缺口|裂缝|裂口|划痕"
                    r"|角(?!钱)|边(?!的)|侧)")
_MEASURE = re.compile(
    r"\s?(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|串|根|片|块|对|套|本|张|台|把|听|桶|副|斤|两|公斤|克)")
# Words naming what went wrong; a number next to one is the affected count. Words, not letters:
# "还有一个只是有点脏" names no harm by its "有".
_HARM = re.compile(r"[坏烂碎破裂死臭霉化漏瘪扁少缺丢损]|压[得成]|没了|没有|没到|没收到|没发|不能|不新鲜|变质"
                   r"|发黑|发软|不动|有问题|不行|不好|不对|错")
# and for so many of so many, mould and rot seen too ("两串有一串长白毛了")
_HARM_SEEN = re.compile(rf"{_HARM.pattern}|长毛|白毛|绿毛|出水|软了|黑了|虫")
# Words that take back what was just said ("坏了3个 不对 应该是4个", "重新数了一下 是5个"): what follows wins.
# not the 不对 of what is wrong with the goods ("数量不对", "颜色不对"): that is the complaint
# ("分量也不对" is the complaint too)
_CORRECTION = re.compile(r"不对不对"
                         # ("应该是路上磕的": the cause guessed, nothing taken back)
                         r"|应该是(?!在?路上|快递|运输|物流|被|因为|途中|[^，,。\s]{0,4}(?:压|磕|摔|碰|挤|颠|冻|晒)的)|(?<![量数目色码式号货价])(?<![量数目色码式号货价][也都还])不对"
                         r"|说错了|打错了|写错了|看错了|数错了|搞错了|准确说|准确地说|更正|纠正|"
                         r"又数了一?遍|重新数了一?下?|再数了一?下?|仔细数了一?下?|哦不|噢不|啊不|其实是|漏看了?|看漏了?|漏数了?|少数了?"
                         r"|又翻了一?[遍下]|重新翻了一?[遍下]?|又找了一?[遍下]|又看了一?[遍下]"
                         # "我再翻了翻 不止 磕烂了一半"
                         r"|[再又]翻了翻|[再又]看了看|仔细看了看|(?:^|(?<=[\s，,。…]))不止(?=$|[\s，,。…])"
                         # "碎了6个 等等我再数数 是8个", "我再点一下"
                         r"|再数数|再数一[遍下]|再点点|再点一[遍下]|重数|重新点了?一?[遍下]?"
                         r"|又[^，,。.!！？?\s]{1,4}数了一?[遍下]"  # "俺又扒拉着数了一遍"
                         r"|[哎唉诶额呃]\s*不是"  # "烂了四个 哎不是四个 是十个"
                         # "烂了一半……也没一半那么多，三分之一吧": the share said taken back
                         # (not after a correction already: "说错了，没有那么多，3斤里面烂了1斤")
                         r"|(?:也|倒也|其实|好像)没(?:有)?[^，,。.!！？?\s]{0,4}那么(?:多|严重)"
                         # "死了4只…等等 我再翻一下 是3只", "数岔了 是八双", "碎了4个…不是 3个", "2斤…哦 是两斤半"
                         r"|等等|等一下|等下|[数看]岔了?|\.{2,}\s*不是(?=\s*[\d一两二三四五六七八九十])"
                         r"|\.{2,}\s*哦\s*(?=是\s*[\d一两二三四五六七八九十])")
_ALL = re.compile(r"全部|全都|都坏|都烂|都碎|都死|全坏|全烂|全碎|全死|整箱|整盒|整袋|所有的?|统统|通通")
_NONE_GOOD = re.compile(r"一个都没好|一个好的都没|没有一个好|一个也没好|没一个好|一个好的也没"
                        # "一条活的都没有", "一只都没活": all dead
                        r"|一[个只条尾]活的?(?:都|也)没|没有?一[个只条尾]活的?|一[个只条尾](?:都|也)没(?:有)?活")
_HALF = re.compile(r"(?<![大小])一半|半箱|半盒|半袋|半数")
# Half of one container, not half the line: "半盒" of two boxes.
_HALF_ONE = re.compile(r"(?<![一两二三四五六七八九十\d大小])半(箱|盒|袋|筐|包|罐|桶)")
# The whole a count is of, said on its own: "7个里头", "12个当中".
_TOTAL_ONLY = re.compile(rf"([{_CN}\d]+)\s*[{PIECE_WORDS}斤]?\s*(?:里头|里面|里边|当中|中间|之中)的?"
                         r"\s*(?=$|[\s，,。.!！])")
_VAGUE = re.compile(
    r"一大半|一小半|大部分|大多数|大半|多数|绝大部分|好多|很多|不少|一些|一部分|部分|小部分|少部分|几个|一点点|有的"
    r"|好些|好几个|好几[斤只个颗盒]|挺多|蛮多")
_FRACTION_CN = re.compile(rf"([{_CN}\d]+)\s*分之\s*([{_CN}\d]+)")
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")
_PERCENT = re.compile(rf"(\d+(?:\.\d+)?)\s*[%％]|百分之\s*([{_CN}\d]+(?:\.\d+)?)")
_TENTHS = re.compile(rf"(?<![{_CN}\d])([一二两三四五六七八九\d])\s*成(?!功|了|交|本|色)")
_TENTHS_RANGE = re.compile(r"[一二两三四五六七八九]\s*[一二两三四五六七八九]\s*成")
# The rest of the goods, told fine after the harmed ones: "另外5盒都好好的", "其他的都是好的".
_THE_REST_BEFORE = re.compile(rf"(?:另外|其他|其余|剩下|别的|剩余)[^，,。\s]{{0,4}}$|[\d{_CN}]+\s*[{PIECE_WORDS}]$")
_NONE = re.compile(r"^(?:没有坏的?|没坏|都没问题|一个没坏|完好无损)"
                   r"|都是好的|都好好的|都没坏|一个都没坏|一个也没坏|没有坏的"
                   # missing goods found after all: "一本都没少", "一个也不少"
                   r"|一[个只件本盒瓶袋包双条支罐副套片根块箱]?(?:都|也)(?:没|不)少|都没少|都齐了|都在")


@dataclass(frozen=True)
class Affected:
    """How much of the line the buyer says was affected.

    status: ok | none (no amount in the words) | vague ("大部分") | too_many | zero
    """

    status: str
    pieces: int | None = None  # whole pieces, when the buyer counted them
    share: Fraction | None = None  # the part of the line, exact
    said: str = ""  # how the share is said back ("一半", "2斤", "30%")
    limit: int | None = None  # for too_many: the pieces bought


def _share_said(share: Fraction) -> str:
    names = {Fraction(1, 2): "一半", Fraction(1, 3): "三分之一", Fraction(2, 3): "三分之二",
             Fraction(1, 4): "四分之一", Fraction(3, 4): "四分之三", Fraction(1): "全部"}
    if share in names:
        return names[share]
    percent = share * 100
    return f"{percent.numerator // percent.denominator}%" if percent.denominator == 1 else f"{float(percent):.1f}%"


def _of_share(share: Fraction, quantity: int, said: str | None = None) -> Affected:
    if share <= 0:
        return Affected("zero")
    if share > 1:
        return Affected("too_many", limit=quantity)
    pieces = share * quantity
    if pieces.denominator == 1:  # a share that is whole pieces is said in pieces
        return Affected("ok", pieces=int(pieces), share=share, said=said or "")
    return Affected("ok", share=share, said=said or _share_said(share))


# A share said of what is still good: "七成还是好的", "一半是好的", "80%都没问题".
_SHARE_GOOD = re.compile(rf"((?:[{_CN}\d]+\s*分之\s*[{_CN}\d]+|\d+(?:\.\d+)?\s*[%％]|[一二两三四五六七八九]\s*成|一半))"
                         r"\s*(?:左右)?\s*(?:还|都|也)?(?:是)?(?:好的|好好的|没问题|没坏|完好|能吃|能用)")
_PRICE_BEFORE = re.compile(r"(?:降到|降了|降|卖|价|到手|只要|才要)\s*$")
_AND_A_HALF = re.compile(rf"\s*[{PIECE_WORDS}]半(?![斤两年月天钟小个])")


def _counts(text: str, unit: str | None = None) -> list[tuple[int, Fraction, str]]:
    """Numbers that may be counts: (position, value, the words right after it). The line's own
    unit counts even where it would be money or time ("少了两块" of soap sold by the 块)."""
    found = []
    for match in _NUM.finditer(text):
        raw = match.group()
        after = text[match.end():match.end() + 6]
        before = text[max(0, match.start() - 1):match.start()]
        in_unit = bool(unit) and after.lstrip().startswith(unit) and not after.lstrip()[len(unit):].startswith("钱")
        if (_NOT_A_COUNT.match(after) and not in_unit) or _MARKS.match(after) or before in ("第", "¥", "$", "#") \
                or len(raw.lstrip("-")) > 6:
            continue
        price = _PRICE_BEFORE.search(text[max(0, match.start() - 3):match.start()])
        if price and not (price.group().startswith("到手") and _MEASURE.match(after) and not after.startswith("块")):
            continue  # "降到29.9": a price (not "到手四只": four arrived)
        if after.startswith(("分之", "半", "大半", "小半", "部分", "些", "点")) or raw in ("十分", "万"):
            continue
        if not raw.lstrip("-")[0].isdigit() and raw != text.strip() and not _MEASURE.match(after) and not in_unit:
            continue  # a Chinese numeral counts only with a measure word: "一看", "一下" are no counts
        value = _number(raw)
        if value is not None and _AND_A_HALF.match(after):  # "烂了一盒半": a box and a half
            value += Fraction(1, 2)
        if value is not None:
            found.append((match.start(), value, after))
    return found

# A time of day: "1030时", "2200时" (24-hour, as reports write it), "10:30".
_CLOCK = re.compile(r"(?<![\d.])\d{1,4}时(?![间候])|(?<![\d.])\d{1,2}[:：]\d{2}(?![\d])")
# What arrived, told before the verb: "五条买的 三条来了", "到手三条" is above.
_RECEIVED_AFTER = re.compile(rf"(?<![{_CN}\d])([{_CN}\d]+)\s*[{PIECE_WORDS}]\s*(?:来了|到了|收到了)"
                             rf"(?=$|[\s，,。.!！~～]|[啊呀嘛哦])")


def _all_of_those(text: str, counts: list[tuple[int, Fraction, str]], quantity: int) -> bool:
    """Whether the "都" of "都烂了" is of a count told before it ("有三颗软软的 都烂掉了"), or the "全部"
    of a count in its clause ("一个盒子的葡萄全部烂掉了"), not the line."""
    found = _ALL.search(text)
    if found is None:
        return False
    if not found.group().startswith("都"):
        # "两个盒子 一个盒子的葡萄全部烂掉了": all of the one box named in the same clause
        inside = [p for p, v, _ in counts if p < found.start() and v < quantity
                  and re.fullmatch(r"[^，。,.!！？?\s]{1,4}(?:的|里的|里面的|里面|里头|内部|瓤)[^，。,.!！？?\s]{0,4}",
                                   text[p + 1:found.start()])]
        return bool(inside)
    before = [(p, v) for p, v, _ in counts if p < found.start() and v < quantity]
    return bool(before) and not _THE_REST.search(text, before[-1][0], found.start())


_THE_REST = re.compile(r"其他|其余|其它|剩下|别的|另外|其他的")


# Pieces added to those told: "还有一个裂了", "另外两个也碎了" (right before the count).
_ADDED = re.compile(r"(?:还有|另外|又有|又)\s*$")


# Harm to the goods' condition (not pieces missing): only such counts add up ("碎了三个 还有一个裂了";
# not "少了2盒 还有3盒压破了", two problems).
_CONDITION_HARM = re.compile(r"[碎裂破坏烂死臭霉漏瘪扁化]|压[得成坏破扁瘪]|发黑|变质")


def _near_condition_harm(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 4):start], text[end:end + 6]
    return bool(_CONDITION_HARM.search(before) or _CONDITION_HARM.search(after)) \
        and not re.search(r"[少缺丢]", before + after[:3])


def _near_harm(text: str, start: int, end: int) -> bool:
    return bool(_HARM.search(text[max(0, start - 4):start]) or _HARM.search(text[end:end + 6]))


# Words that make a weight the whole's ("一共才8斤", "整箱称了8斤"), not the affected part's.
_TOTAL = re.compile(r"一共|总共|共计|合计|加起来|算上|整箱|整盒|整袋|总重|净重|称了|秤上|上秤|连同|在内|连着")
# Words that weigh the whole goods, not what went bad ("连烂的算上一共才8斤").
_WEIGHS_WHOLE = re.compile(r"整箱|整盒|整袋|总重|净重|称了|秤上|上秤|连[^，。,.!！？?]{0,4}算上|才")


# More found on a second look, then the total of it: "箱底又翻出来一斤烂的 总共是3斤".
_FOUND_MORE = re.compile(r"又|再|另外|还有")
_RECOUNT_TOTAL = re.compile(r"(?:总共|一共|加起来|合计|算上)(?:是|有)?")


# The part said to be fine: "剩下三斤还好", "其余的都是好的".
_GOOD_PART = re.compile(r"(?:剩下|剩余|其余|其他|其它|别的)[^，。,.!！？?\s]{0,6}"
                        r"(?:还好|好的|好好的|没事|没坏|没问题|完好|还行|能吃|正常)")


def _weight_share(text: str, promised_g: int | None) -> tuple[Fraction, str] | None:
    if not promised_g:
        return None
    recount = [clause for clause in clauses_of(text) if _RECOUNT_TOTAL.search(clause) and weights_in(clause)]
    if recount and _FOUND_MORE.search(text) and not _WEIGHS_WHOLE.search(text):
        text = recount[-1]  # the total of what went bad, said after more was found
    told = [clause for clause in clauses_of(text) if not _TOTAL.search(clause) and not _GOOD_PART.search(clause)]
    if len(told) < len(clauses_of(text)) and any(weights_in(clause) for clause in told):
        # "烂了2斤 连烂的算上一共才8斤": the 8斤 is what the box weighed; "压烂了两斤 剩下三斤还好":
        # the 3斤 are the good part
        text = "，".join(told)
    text = re.sub(r"(?<![\d一二两三四五六七八九十斤])半斤", "0.5斤", text)
    stated = [g for g in weights_in(text) if g < promised_g or len(weights_in(text)) == 1]
    if not stated:
        return None
    grams = stated[-1] if len(stated) > 1 else stated[0]
    if grams > promised_g:
        return Fraction(2), ""  # more than was bought: out of range
    jin = Fraction(grams, GRAMS["斤"])
    said = f"{jin.numerator}斤" if jin.denominator == 1 else (
        f"{jin.numerator // jin.denominator}斤半" if jin.denominator == 2 and jin > 1 else f"{grams}克")
    if jin == Fraction(1, 2):
        said = "半斤"
    return Fraction(grams, promised_g), said


# "只收到3盒", "就到了3盒", "数了一下才16个": what arrived, for missing pieces the rest is what is affected.
_RECEIVED = re.compile(rf"(?:只收到|只到了|就到了|才到了|才收到|只来了|就来了|收到了?|到了|来了|只有|就只有"
                       rf"|(?:只|才|就)到"
                       rf"|(?:就|只|才)(?:给了?|(?:给(?:我|我们)?)?(?:发|寄|送|整)(?:来|过来)?了?)|就|才"
                       # right after what was bought: "买10双来8双", Cantonese "买了6瓶得4瓶"
                       rf"|(?<=[{PIECE_WORDS}])[\s，,]*(?:来|得|到))"
                       rf"\s*([{_CN}\d]+)\s*[{PIECE_WORDS}斤](?!钱)")


# "除了两个 别的都烂了", "除了3只以外其他全死了": all but the pieces named.
_ALL_BUT = re.compile(rf"除了?\s*([{_CN}\d]+)\s*[{PIECE_WORDS}]?\s*(?:以外|之外)?[\s，,]*"
                      r"(?:别的|其他|其它|其余|剩下的?)的?\s*(?:都|全)")
_GOOD_AFTER = re.compile(r"\s*(?:是)?(?:好的|好好的|没问题|没坏|正常|完好|能吃|能用)")
# Voice-to-text writes a measure word as a word that sounds the same ("有一代长白毛了" for 一袋):
# after a number, read as the line's own unit when that is the unit it sounds like.
_SOUNDS_LIKE = {"袋": "代带", "盒": "合", "箱": "厢", "瓶": "平"}
# Pieces counted in another everyday word for a piece ("四颗烂了两颗" of pineapples sold by the 个).
_SAME_PIECE = {"个": "颗只枚粒", "颗": "个粒", "只": "个", "枚": "个颗", "粒": "颗个",
               # "六瓶碎了俩" (两个): 个 for a piece that holds no countable pieces of its own (not 箱, 盒,
               # 袋 or 套, whose 个 may be what is inside)
               **{unit: "个" for unit in "瓶罐台件条把盆碗杯支顶副张"}}


def _in_own_unit_word(text: str, unit: str | None) -> str:
    heard = _SOUNDS_LIKE.get(unit or "", "") + _SAME_PIECE.get(unit or "", "")
    if not heard:
        return text
    return re.sub(rf"(?<=[{_CN}\d几])\s*[{heard}](?!零)", unit or "", text)  # (not "俩零": zeros typed)


# One whole container among several ("有一整盒全烂了"): one of them, whatever "全" says of it.
_ONE_WHOLE = re.compile(rf"一整([{PIECE_WORDS}筐篮])")


def read_affected(text: str, quantity: int, promised_g: int | None = None, label: str | None = None,
                  unit: str | None = None) -> Affected:
    """How much of a line of `quantity` pieces the text says was affected.

    `promised_g`: the line's weight when it is sold by weight (a weight in the text is then a
    share of it). Shares ("一半", "三分之一", "30%", "三成", "2斤" of 5斤) are exact fractions;
    a share that is whole pieces comes back as pieces.
    """
    text = normalize(text)
    if unit != "块":  # sums of money are no counts ("一只二十九块八"), unless the goods are counted in 块
        text = without_money(text)
    text = _CLOCK.sub(" ", _in_own_unit_word(text, unit))  # "今日1030时签收": a time, no count
    text = _ONE_WHOLE.sub(r"一\1", text)  # "两盒里有一整盒全烂了": one box, all of it
    text = _OPTION_PICKED.sub(" ", text)  # "选9": an option picked by its number, no count
    # "7个里头" (of 7 bought), said on its own: the whole the count is of, no count itself
    text = _TOTAL_ONLY.sub(lambda m: "" if _number(m.group(1)) == quantity else m.group(0), text).strip()
    if not text:
        return Affected("none")
    is_not = _IS_NOT.search(text)
    if is_not:  # "是5只不是4只": the count said first, the one denied after
        return read_affected(is_not.group(1), quantity, promised_g, label, unit)
    # ("碎了4个…不是 3个": after a pause, 不是 takes the count before back; it denies none)
    kept = text if re.search(r"\.{2,}\s*不是", text) else _DENIED_AMOUNT.sub("", text)
    if kept != text and kept.strip():  # "烂的有一半 不是三分之一": the share denied is no reading
        reading = read_affected(kept, quantity, promised_g, label, unit)
        if reading.status != "none":
            return reading
    corrected = _after_correction(text)
    if corrected is not None and not _counts_another_problem(corrected, label, unit):
        # "坏了3个 不对 应该是4个": the amount after the correction, when it says one (not a recount of
        # another problem: "漏了3盒 … 我又数了一遍 总共才11盒 少了一盒" of leaked yogurt)
        # the count it states ("又数了一遍 死的是6个 刚才漏了一个"), or the one said right after it ("哦不 6只
        # 有一只我一碰它又动了": what follows tells why), not a count of what is told after
        stated = _STATED.search(corrected) or (None if label == "missing_item" else _RIGHT_AFTER.match(corrected))
        told = stated.group(1) if stated else corrected
        if stated and label == "missing_item" and _RECEIVED.search(text[:len(text) - len(corrected)]):
            told = "收到" + told  # "我数了就七双…数岔了 是八双": the recount corrects what arrived
        reading = read_affected(told, quantity, promised_g, label, unit)
        if reading.status != "none":
            return reading
    if _NONE_GOOD.search(text):
        return _of_share(Fraction(1), quantity)
    all_but = _ALL_BUT.search(text)
    if all_but and (kept := _number(all_but.group(1))) is not None and kept.denominator == 1:
        if not 0 <= kept < quantity:
            return Affected("too_many", limit=quantity)
        if _GOOD_AFTER.match(text[all_but.end():]):  # "除了一个 别的都是好的": the one named is it
            return _of_share(kept / quantity, quantity)
        return _of_share((quantity - kept) / quantity, quantity)  # "除了两个 别的都烂了": all but those
    none = _NONE.search(text)
    if none and not _THE_REST_BEFORE.search(text[:none.start()]):  # (not "另外5盒都好好的": the rest fine)
        return Affected("zero")
    half_one = _HALF_ONE.search(text)
    if half_one and quantity > 1 and unit == half_one.group(1) and not re.search(r"一半|半数", text):
        return _of_share(Fraction(1, 2 * quantity), quantity, half_one.group())  # "半盒" of two boxes
    if quantity == 1 and unit and not re.search(r"一半|半数", text) \
            and re.search(rf"(?<![一两二三四五六七八九十\d大小])半{re.escape(unit)}", text):
        return _of_share(Fraction(1, 2), quantity)  # "半只吃起来酸了 另外半只还好" of one goose
    weight = _weight_share(text, promised_g)
    if weight is not None and weight[0] == 1 and _HALF.search(text):  # "三斤虾死了一半": half the whole
        return _of_share(Fraction(1, 2), quantity)
    if weight is not None and weight[0] == 1 and (_TENTHS.search(text) or _PERCENT.search(text)
                                                  or _FRACTION_CN.search(text)):
        weight = None  # "五斤芒果打开烂了三成": the weight is the whole, the share is said apart
    if weight is not None and weight[0] == 1 and _VAGUE.search(text):
        weight = None  # "两斤虾到了死了一大半": the weight is the whole, the share is vague
    if weight is not None:
        return _of_share(weight[0], quantity, weight[1])
    fraction = _FRACTION_CN.search(text)
    if fraction:
        whole, part = _number(fraction.group(1)), _number(fraction.group(2))
        if whole and part is not None:
            return _of_share(part / whole, quantity)
    fraction = _FRACTION.search(text)
    if fraction and int(fraction.group(2)) and int(fraction.group(2)) != quantity:
        return _of_share(Fraction(int(fraction.group(1)), int(fraction.group(2))), quantity)
    good = _SHARE_GOOD.search(text)
    if good:  # "大概七成还是好的 剩下的都烂了": the rest of the share said good
        reading = read_affected(good.group(1), quantity, None, label, unit)
        if reading.status == "ok" and reading.share is not None and reading.share < 1:
            return _of_share(1 - reading.share, quantity)
    percent = _PERCENT.search(text)
    if percent:
        value = _number(percent.group(1) or percent.group(2))
        if value is not None:
            return _of_share(value / 100, quantity, f"{percent.group(1) or percent.group(2)}%"
                             if percent.group(1) else None)
    if _TENTHS_RANGE.search(text):
        return Affected("vague")
    tenths = _TENTHS.search(text)
    if tenths:
        value = _number(tenths.group(1))
        if value is not None:
            return _of_share(value / 10, quantity)
    good = _GOOD_LEFT.search(text)
    if good:  # "能有几个好的？就剩2个好的": what is left good, the rest affected
        left = _number(good.group(1) or good.group(2))
        if left is not None and left.denominator == 1 and 0 <= left < quantity:
            return _of_share(Fraction(quantity - int(left), quantity), quantity)
    boxes = _box_shares(text, quantity, unit)
    if boxes is not None:  # "一盒全烂了 另一盒也坏了一半" of 2 boxes: 3/4
        return _of_share(boxes, quantity)
    out_of = _share_out_of(text, quantity, unit)
    if out_of is not None:  # "两串里有一串基本全烂了" of one box: half of it
        return _of_share(out_of[0], quantity, out_of[1])
    if label == "missing_item":
        received = _RECEIVED.search(text) or _RECEIVED_AFTER.search(text)
        if received:
            got = _number(received.group(1))
            if got is not None and got.denominator == 1 and 0 <= got < quantity:
                return _of_share(Fraction(quantity - int(got), quantity), quantity)
    counts = _counts(text, unit)
    if _HALF.search(text) and counts and all(value >= quantity or _one_container(value, after, unit)
                                             for _, value, after in counts):
        # "一盒里面一半都烂了" of one box, "三斤虾死了一半" of 3斤, "一箱子化了得有一半" of a 10斤 box: the
        # count said is the whole line, the half is the share ("60个碎了30个 是一半" of one box of 60:
        # pieces inside it, told as the half they are)
        counts = []
    if _VAGUE.search(text) and any(value == quantity for _, value, _ in counts) and all(
            (value == quantity and _names_the_goods(after)) or _one_container(value, after, unit)
            for _, value, after in counts):
        counts = []  # "30个鸡蛋碎了不少": the count names what was bought, the harm is vague
    if _HALF.search(text) and not counts:  # "烂了一半 好多都发霉了": the share said beats the vague words
        return _of_share(Fraction(1, 2), quantity)
    if _VAGUE.search(text) and not counts:
        return Affected("vague")
    if _ALL.search(text) and not any(v != quantity and _near_harm(text, p, p + 1) for p, v, _ in counts) \
            and not _all_of_those(text, counts, quantity):
        return _of_share(Fraction(1), quantity)
    if len(counts) > 1:  # "只有2只死了 另一只刚才动了一下": the one alive is no count
        counts = [c for c in counts if not _ALIVE.match(text, c[0] + len(str(c[1])))] or counts
    if len(counts) > 1 and label is not None:  # "碎了两个还少了一个 就收到四个": each problem's own count
        counts = _counts_of_problem(text, counts, label)
    if len(counts) > 1 and quantity > 1:  # (of one box, the pieces inside are counted in another unit)
        counts = _in_own_unit(counts, unit)
    if counts:
        return _pick_count(text, counts, quantity)
    if _HALF.search(text):
        return _of_share(Fraction(1, 2), quantity)
    if _VAGUE.search(text):
        return Affected("vague")
    return Affected("none")


# What the words right before a count make it: missing pieces ("少了一个"), what arrived ("只收到4袋",
# "数了好几遍就四个"), or pieces gone bad ("碎了两个").
_MISSING_BEFORE = re.compile(r"(?:少了|缺了|少发了?|漏发了?|漏了|差了|少|缺)\s*$")
# (of goods broken or leaking, "漏了3盒" is a leak: 漏 names missing goods only with 发)
_MISSING_BEFORE_DAMAGED = re.compile(r"(?:少了|缺了|少发了?|漏发了?|差了|少|缺)\s*$")
# (not the 只有 of "10只有5只": so many 只, then 有)
_ARRIVED_BEFORE = re.compile(r"(?:收到了?|到了|来了|(?<![\d一二两三四五六七八九十几])只有|才有|"
                             r"剩下?|(?:遍|数了?|一共|总共)就|一共才|总共才)\s*$")
_GONE_BAD_AFTER = re.compile(rf"\s*[{PIECE_WORDS}]?\s*(?:都|全|已经|就)?(?:[坏烂碎破裂死臭霉化]|发霉|变质|不动|一动不动"
                             r"|发黑|翻肚|肚皮朝上)")
_GONE_BAD_BEFORE = re.compile(r"(?:[坏烂碎破裂死臭霉化]|发霉|变质)(?:掉|透|开)?了?\s*$")


_CONTAINERS = "箱盒袋筐篮"
# A count's measure word followed by what the goods are ("30个鸡蛋", "六只螃蟹"), not by what befell them.
_GOODS_NAMED = re.compile(rf"\s*[{PIECE_WORDS}斤]\s*(?![都全也是有的了还就])[\u4e00-\u9fff]")


def _names_the_goods(after: str) -> bool:
    """Whether the words after a count name the goods it counts ("个鸡蛋碎了"), not a harm ("个碎了")."""
    named = _GOODS_NAMED.match(after)
    return named is not None and not _HARM.match(after[named.end() - 1:])


def _one_container(value: Fraction, after: str, unit: str | None) -> bool:
    """Whether a count is the one box the line came in, told in a measure word not the line's own
    ("一箱子" of 10斤 of pears)."""
    word = after.lstrip()[:1]
    return value == 1 and word in _CONTAINERS and word != unit


def _counts_of_problem(text: str, counts: list[tuple[int, Fraction, str]],
                       label: str | None) -> list[tuple[int, Fraction, str]]:
    """Of several counts told beside each other, those of the problem `label`: not the missing
    pieces nor what arrived for goods gone bad, not the pieces gone bad for missing goods; all of
    them when that leaves none."""
    return _own_counts(text, counts, label) or counts


def _own_counts(text: str, counts: list[tuple[int, Fraction, str]],
                label: str | None) -> list[tuple[int, Fraction, str]]:
    def before(count: tuple[int, Fraction, str]) -> str:
        return clause_before(text, count[0])[-6:]

    if label == "missing_item":  # the pieces told missing, when some are ("是八双 少俩": 2, not 8)
        kept = [c for c in counts if not _GONE_BAD_BEFORE.search(before(c))]
        return [c for c in kept if _MISSING_BEFORE.search(before(c))] or kept
    missing = _MISSING_BEFORE_DAMAGED if label == "damaged" else _MISSING_BEFORE
    # ("三条鲈鱼到了两条死了": what arrived, when harm follows it at once, is the count gone bad)
    return [c for c in counts if not missing.search(before(c))
            and not (_ARRIVED_BEFORE.search(before(c)) and not _GONE_BAD_AFTER.match(c[2]))]


def _counts_another_problem(text: str, label: str | None, unit: str | None) -> bool:
    """Whether every count in the words is another problem's (missing or arrived for goods gone bad,
    gone bad for missing goods)."""
    counts = _counts(text, unit)
    return label is not None and bool(counts) and not _own_counts(text, counts, label)


def counts_the_good(text: str) -> bool:
    """Whether the words count what is still good ("10个就剩3个是好的 其他都坏了", "除了两个 别的都烂了"):
    the harm is the rest, read from all the words, not from the clause naming it."""
    text = normalize(text)
    return bool(_GOOD_LEFT.search(text) or _ALL_BUT.search(text))


# ("6个椰子就一个能喝 剩下全馊了": what is still good, in any word for it)
_GOOD_LEFT = re.compile(rf"(?:剩|剩下|只有|就|才|其他|其余|另外|剩下的)\s*([{_CN}\d]+)\s*[{PIECE_WORDS}斤]?\s*"
                        rf"(?:是好的|好的|(?:还)?(?:能喝|能吃|能用)|没坏|完好|(?:是)?完整|(?:都|也)?(?:还行|还好|没事|正常|好好的))"
                        rf"|好的(?:只有|就|才|剩)\s*([{_CN}\d]+)")
_OPTION_PICKED = re.compile(r"(?:^|(?<=[\s，,我]))(?:选|选择)\s*(?:第)?[\d一二三四五六七八九十]+\s*(?:号|项|个方案)?"
                            r"(?!\s*[个只件盒瓶袋斤双条包罐])")
_GOOD_BEFORE_COUNT = re.compile(r"(?<![个只件])(?:完好|好|完整|没坏|没碎|没破|没烂|活着?)的(?:有|是|还有)?$")
_BOX_COUNT = re.compile(rf"([{_CN}\d]+)\s*([盒箱袋包筐])")


def _box_shares(text: str, quantity: int, unit: str | None) -> Fraction | None:
    """The share of a line of several boxes when boxes are told half gone ("两盒里有一盒坏了一半",
    "一盒全烂了 另一盒也坏了一半"): each clause's boxes, half or whole, over the boxes bought."""
    if quantity < 2 or unit not in ("盒", "箱", "袋", "包", "筐"):
        return None
    total, halves = Fraction(0), False
    for clause in clauses_of(text):
        boxes = [m for m in _BOX_COUNT.finditer(clause) if m.group(2) == unit]
        rest = clause[boxes[-1].end():] if boxes else ""
        if not boxes or not _HARM.search(rest):
            continue
        count = _number(boxes[-1].group(1))
        if count is None or count.denominator != 1:
            return None
        if _HALF.search(rest) or re.search(r"(?<![大小])半", rest):
            total, halves = total + count / 2, True
        elif re.search(r"全|都|整", rest):
            total += count
        else:
            return None  # pieces inside a box, or no share: read the usual way
    return total / quantity if halves and 0 < total <= quantity else None


# "两串里有一串全烂了", "八只里面死了三只", "20个里头碎了3个": so many of so many, in one measure word.
# ("两串有一串长白毛了": 有 alone says it too)
_OUT_OF = re.compile(rf"([{_CN}\d]+)\s*([{PIECE_WORDS}])"
                     rf"(?:(?:里面|里头|里|当中|之中|中)[^，,。.!！？?\d{_CN}]{{0,4}}|\s*有)"
                     rf"([{_CN}\d]+)\s*\2")


def received_count(text: str) -> int | None:
    """How many pieces the words say came ("鱼油就来了一瓶": 1), or None when they say no such count."""
    found = _RECEIVED.search(normalize(text))
    got = _number(found.group(1)) if found else None
    return int(got) if got is not None and got.denominator == 1 else None


def _share_out_of(text: str, quantity: int, unit: str | None) -> tuple[Fraction, str] | None:
    """The share told as so many of so many ("两串里有一串基本全烂了": 1/2; "两串里有一串烂了一半": 1/4),
    when the clause names harm and the whole is not the line's own pieces counted another way
    (then the usual count reads it: "10个里3个坏了" of 10 pieces)."""
    for clause in clauses_of(text):
        found = _OUT_OF.search(clause)
        if not found:
            continue
        whole, part = _number(found.group(1)), _number(found.group(3))
        rest = clause[found.end():]
        if not whole or part is None or not 0 < part <= whole or not _HARM_SEEN.search(clause):
            return None
        if found.group(2) == unit and whole == quantity:  # the line's own pieces: "两盒里有一盒整盒都烂了"
            return None if "半" in rest else (part / whole, "")  # ("一盒半": the count reads it)
        if re.search(rf"[坏烂碎破裂死臭霉化漏]了?\s*{re.escape(found.group(1))}\s*{found.group(2)}", text):
            return None  # "烂了7个 7个里面3个都长绿毛了": the whole is the harmed count itself, told again
        if found.group(2) in (unit, "个") and whole < quantity and "半" not in rest:
            # some of the line's own pieces ("买了6个碗只来了5个 来的5个里头还碎了一个"): the count of the line
            return part / quantity, f"{int(part)}{unit}" if part.denominator == 1 else ""
        if _HALF.search(rest) or re.search(r"(?<![大小])半", rest):
            return part / whole / 2, ""
        return part / whole, f"{int(part)}{found.group(2)}" if part.denominator == 1 else ""
    return None


def adds_pieces(text: str) -> bool:
    """Whether the words add harmed pieces to those told, or say their total ("碎了三个 还有一个裂了",
    "…一共坏了四个"): a count read from one clause alone would be short."""
    text = normalize(text)
    return bool(re.search(r"(?:还有|另外|又有)\s*(?:\d+|[一两二三四五六七八九十俩仨])"
                          r"(?![个只件盒瓶袋包双条支罐颗枚]?半)"
                          rf"\s*[个只件盒瓶袋包双条支罐颗枚]?[^，。,.!！？?\s]{{0,3}}(?:也)?(?:{_CONDITION_HARM.pattern})"
                          r"|(?:一共|总共|加起来)(?:坏|烂|碎|破|裂|死)了?\s*(?:\d+|[一两二三四五六七八九十])", text))


def corrects_itself(text: str) -> bool:
    """Whether the words take back something said in them ("坏了3个 不对 应该是4个", "有两袋胀了 …
    是三袋 不是两袋")."""
    text = normalize(text)
    return _after_correction(text) is not None or _IS_NOT.search(text) is not None


# "是5只不是4只", "是5只 不是4只": the count it is, then the one it is not.
_IS_NOT = re.compile(rf"是\s*((?:\d+|[{_CN}]+)\s*(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|斤半?|两|公斤|克))"
                     rf"[\s,，]*(?:而)?不是")
# An amount denied after another is said ("烂的有一半 不是三分之一", "坏了4个 不是3个").
# (not "哦不是 三分之一": that takes back the amount before it)
_DENIED_AMOUNT = re.compile(rf"[\s,，]*(?:而)?(?<![哦噢啊哎呃喔])不是\s*"
                            rf"(?:[\d{_CN}]+\s*分之\s*[\d{_CN}]+|一半|百分之\s*[\d{_CN}]+|\d+\s*[%％]|(?:\d+|[{_CN}]+)\s*(?:[{PIECE_WORDS}]|斤半?|两|公斤|克))")
# A count with its measure ("6只", "两斤半").
_COUNT_SAID = rf"(?:\d+|[{_CN}]+)\s*(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|斤半?|两|公斤|克)"
# The count said right after a correction ("哦不 6只 有一只我一碰它又动了").
_RIGHT_AFTER = re.compile(rf"^[\s,，。.!！]*(?:就|其实|应该)?\s*({_COUNT_SAID})")
# A count stated after a correction with 是 ("死的是6个", "应该是4个", "称了是2斤半"): the count,
# whatever reason follows.
# (not what was bought: "我看错了 买的是5罐 到了4罐 就少1罐" states the order, the recount follows)
_STATED = re.compile(rf"(?<!买的)(?<!拍的)(?<!订的)(?<!下单的)是\s*({_COUNT_SAID})")


def _after_correction(text: str) -> str | None:
    """The words after the last correction in the text ("不对", "说错了", "应该是"), or None."""
    ends = [found.end() for found in _CORRECTION.finditer(text) if found.end() < len(text)]
    # (the last that states a count: "死了两条——更正，是三条，刚才漏看了一条" tells why after it)
    stating = [end for end in ends if _STATED.search(text[end:])]
    return text[stating[-1]:] if stating else text[ends[-1]:] if ends else None


_EXCEPTION = re.compile(r"[^，,。.!！？?\s]{0,3}(?:只是|只不过|不算|没坏|是好的|好的|好好的|没问题|还好|还能)")
# A piece told alive after all: "另一只刚才动了一下".
_ALIVE = re.compile(r"[^，,。.!！？?\s]{0,3}(?<![不没])(?:动了|在动|还动|活着|还活|没死|会动)")  # (not "都不动了")


_THE_REST_BEFORE_COUNT = re.compile(r"(?:其他|其余|其它|剩下|剩余|另外)的?\s*$")
_FINE_SOON_AFTER = re.compile(r"[^，,。.!！？?]{0,10}?"
                              r"(?:没事|没问题|好好的|是好的|没坏|完好|还行|还好|还得行|能用|能吃)")
_ALL_OF_COUNT = re.compile(r"\s*[个只件盒箱袋包瓶份双条支罐颗枚斤]?\s*(?:都|全)(?:是)?"
                           r"(?:坏|烂|碎|死|裂|破|漏|发霉|不动|没气|翻肚|臭|发黑|变质)")
# More found besides what was told: "又", "另外", "还有", "也碎了", "底下还压着两个".
_MORE_FOUND = re.compile(r"又|另外|还有|也(?:是)?[裂碎坏烂破死漏化臭]"
                         r"|还[^，,。.!！？?\s]{0,3}[\d一两二三四五六七八九十俩仨]")
_TOTAL_BEFORE = re.compile(r"(?:一共|总共|加起来|合起来|合计|总计)(?:是|有)?\s*$")


def _in_own_unit(counts: list[tuple[int, Fraction, str]], unit: str | None) -> list[tuple[int, Fraction, str]]:
    """The counts said in the line's own unit, when some are and others are not ("箱子瘪进去一个大坑 …
    6袋里碎了2袋" of bags: not the 一个 of the dent); all of them otherwise."""
    if not unit or len(unit) != 1:
        return counts
    own = [c for c in counts if c[2].lstrip().startswith(unit)]
    return own if own and len(own) < len(counts) and any(re.match(r"\s*[个只件盒瓶袋包箱条支罐颗枚双套副]", c[2])
                                                           for c in counts if c not in own) else counts


def _pick_count(text: str, counts: list[tuple[int, Fraction, str]], quantity: int) -> Affected:
    """The count among several numbers: not the order's own quantity when another is said
    ("一箱12个有4个是烂的"), preferably the one next to what went wrong, else the last. A larger
    number said first that is not the order's quantity is how many pieces the line holds ("8只
    死了4只" of one box): the count is a share of it."""
    # "完好的19个 碎了11个": the pieces told whole are no count of the harm beside them
    counts = [c for c in counts if not _GOOD_BEFORE_COUNT.search(text[max(0, c[0] - 6):c[0]])] or counts
    whole = [c for c in counts if c[1].denominator == 1 and c[1] > 0 and not re.match(r"\s*[箱盒袋包件份]", c[2])]
    if len(whole) >= 2 and whole[0][1] != quantity:  # (the order's own quantity said first is no content)
        total, hurt = whole[0][1], whole[-1][1]
        # the line's content is told first and is no harm itself ("死了两只 一共才7只 少了一只" is not)
        told_harm = _HARM.search(text[max(0, whole[0][0] - 4):whole[0][0]])
        if 0 < hurt < total and not told_harm and _near_harm(text, whole[-1][0], whole[-1][0] + len(str(hurt))):
            per_unit = re.search(r"(?:一|每)\s*[箱盒袋包]", text[:whole[0][0]]) is not None and quantity > 1
            share = hurt / (total * quantity) if per_unit else hurt / total
            unit = re.match(r"\s*([个只件斤枚颗瓶条支])", whole[-1][2])
            said = f"{int(hurt)}{unit.group(1)}" if unit else _share_said(share)
            return _of_share(share, quantity, said)
    # "三罐里两罐压得跟饼一样，其中一罐盖子都裂了": 其中 tells more of some of the harmed ones, which
    # stay the count (not "三个电炖锅 其中一个 …裂了一半", where the count before is the line's own)
    detail = [c for c in counts if text[max(0, c[0] - 2):c[0]] == "其中"]
    if detail and any(0 < c[1] < quantity and c[0] < detail[0][0] and c[1] > detail[0][1]
                      and _near_harm(text, c[0], c[0] + len(str(c[1]))) for c in counts):
        counts = [c for c in counts if c not in detail]
    # "另一瓶也裂了 两瓶都坏了": a count with 都 and harm is the affected one, whatever else is said
    every = [c for c in counts if _ALL_OF_COUNT.match(c[2])]
    if every:
        counts = every[-1:]
    elif _MORE_FOUND.search(text):
        # "又翻出来三个碎的 一共五个", "底下还压着一瓶也裂了 一共两瓶": the total said at the end
        # (a total that is the order's own quantity is how many were bought: "一共6瓶 碎了2瓶")
        totals = [c for c in counts if _TOTAL_BEFORE.search(text[max(0, c[0] - 5):c[0]]) and c[1] != quantity]
        harmed = [c for c in counts if c[1] != quantity and c[1].denominator == 1 and c[1] > 0
                  and _near_condition_harm(text, c[0], c[0] + len(str(c[1])))]
        if not totals and len(harmed) >= 2 and all(_ADDED.search(text[max(0, c[0] - 6):c[0]]) for c in harmed[1:]):
            # "八个碗碎了三个 还有一个裂了": more harmed pieces added to those told, no total said
            added = sum(c[1] for c in harmed)
            if added > quantity:
                return Affected("too_many", limit=quantity)
            return Affected("ok", pieces=int(added), share=Fraction(int(added), quantity))
        counts = totals[-1:] or counts
    # "是4个 有一个只是碰青了": a count said as an exception is not the affected one
    counts = [c for c in counts if not _EXCEPTION.match(text, c[0] + len(str(c[1])))] or counts
    # "其他三个她说看着没事", "其他四瓶还得行": the rest, told fine
    counts = [c for c in counts if not (_THE_REST_BEFORE_COUNT.search(text[max(0, c[0] - 4):c[0]])
                                        and _FINE_SOON_AFTER.match(text[c[0]:c[0] + 14]))] or counts
    if len(counts) > 1:
        others = [c for c in counts if c[1] != quantity]
        counts = others or counts
    if len(counts) > 1:
        harmed = [c for c in counts if _near_harm(text, c[0], c[0] + len(str(c[1])))]
        counts = harmed or counts
        # a container before the count ("一箱...") is not the count
        counts = [c for c in counts if not re.match(r"[箱盒袋包件份]", c[2])] or counts
    value = counts[-1][1]
    if value <= 0:
        return Affected("zero")
    if value.denominator != 1:
        return _of_share(value / quantity, quantity)
    if value > quantity:
        return Affected("too_many", limit=quantity)
    return Affected("ok", pieces=int(value), share=Fraction(int(value), quantity))
