"""What a buyer's words say, read against the question the conversation is at.

Pure functions over text and the order line; no Rasa, no database. They read the parts of a
care conversation a classifier of intents cannot: how much was affected (pieces, shares,
percentages, weights), which remedy the buyer picks in their own words, a rating in words,
digits or stars, and a yes or no that carries details.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from outreach.diagnosis.numbers import RATING_WORDS, chinese_to_int, scored_number
from outreach.diagnosis.weights import GRAMS, weights_in
from outreach.dialogue.traditional import to_simplified

# A phrase said twice or more in a row, as buyers stress it ("不要了不要了", "是的是的").
_ONE_BY_ONE = re.compile(r"一([个只件盒瓶袋])一\1")
_REPEATED = re.compile(r"([\u4e00-\u9fff]{2,4})\1+")
# Dialect and spoken forms of small numbers ("俩" two, "仨" three), read like digits.
_SPOKEN = {"俩": "两个", "仨": "三个"}
# Typing slips of pinyin input and net spellings, as buyers type them: read as meant.
_SLIPS = (
    (re.compile(r"^号的|^号滴|^号$|^号吧|挺号"), lambda m: m.group().replace("号", "好")),
    (re.compile(r"是德|是得(?=[\s，,。!！]|$)"), "是的"),
    (re.compile(r"^恩"), "嗯"),
    (re.compile(r"(?<![a-z])(?:tuikuan|tui kuan)(?![a-z])"), "退款"),
    (re.compile(r"推(?=款|宽|狂|矿|钱)|tui(?=\s*[款钱货前宽])"), "退"),  # 推款, 推宽, tui钱, tui前 (tui)
    (re.compile(r"(?<=[\u4e00-\u9fff])\s*le\b"), "了"),  # 包的太随便le
    (re.compile(r"列(?=了|开|缝|口)"), "裂"),  # 列了两个 (lie)
    (re.compile(r"(?<![关开释心胸情缅])怀(?=了|掉)"), "坏"),  # voice input: 有两个怀了 (huai)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*和(?=[\s，,。.!！]|$|的|都|全|坏|烂|少|没|退|补)|(?<=[那这])和(?=[退补换的])"),
     "盒"),  # 少一和, 那和退钱 (he)
    (re.compile(r"退狂|退宽|退矿"), "退款"),
    (re.compile(r"(?<=[烂坏碎死霉了有])一般(?!般)"), "一半"),  # 烂了一般 (yi ban)
    (re.compile(r"退前|退线"), "退钱"),
    (re.compile(r"(?<=重新)法|(?<=给我)法|(?<=补)法"), "发"),
    (re.compile(r"(?<=[\d一二两三四五六七八九十])\s*ge\b"), "个"),
    (re.compile(r"一伴|一办"), "一半"),
    (re.compile(r"肿么|咋个"), "怎么"),
    (re.compile(r"木有|没得|莫得|冇得|冇"), "没有"),  # south-western, Cantonese "none"
    (re.compile(r"^是撒|^是噻|^系啊|^係啊"), "是的"),
    # "三分只一": a slip of 之 between two numbers
    (re.compile(r"(?<=[一二两三四五六七八九十\d])\s*分[只之支知治]\s*(?=[一二两三四五六七八九十\d])"), "分之"),
    # pinyin slips of 个 (ge) after a number: 两各, 三格, 2哥
    (re.compile(r"(?<=[一二两三四五六七八九十几\d])[各格哥](?![种位自类子外式局调电])"), "个"),
    (re.compile(r"满以|满义|蛮意|瞒意|满易|满一(?=[的啊呀了吧哦!！。~～\s]|$)"), "满意"),
    (re.compile(r"神马"), "什么"),
    (re.compile(r"多就(?=到|能|可以|退|回|发|才|会)"), "多久"),  # 退款多就到账
    (re.compile(r"从新"), "重新"),
    (re.compile(r"发措|发挫"), "发错"),
    (re.compile(r"(?<=[退补])查价"), "差价"),  # 退查价
    (re.compile(r"(?<=价格|价钱|降价|便宜)讲了|(?<=[今昨前当]天)讲了(?=\d|[一二三四五六七八九十几])"), "降了"),
    (re.compile(r"伐要|勿要|覅|不消"), "不要"),  # Wu and south-western "don't want"
    (re.compile(r"铜钿|钞票"), "钱"),
    (re.compile(r"(?<=[一两二三四五六七八九十\d])之(?![一二三四五六七八九十\d])"), "只"),  # voice input: 两之
    # pinyin slips of measure words after a number: 一合 (盒), 一平 (瓶)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*合(?![适格同理作算计并成约法一])"), "盒"),
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*平(?![方米安时常台均衡板])"), "瓶"),
    (re.compile(r"(?<![宣公发分散跑进脚漫])[布步捕]发(?![现布表展生])"), "补发"),  # pinyin slips of 补发 (bu fa)
    (re.compile(r"[俾畀](?=我|返)"), "给"),  # Cantonese "give": 赔啲俾我
    (re.compile(r"(?<=[赔退补])啲"), "点"),  # Cantonese "some": 赔啲, 退啲钱

    (re.compile(r"(?<=[吧了的啊])把$|(?<=[^\s])把(?=[\s!！。]*$)"), "吧"),
    (re.compile(r"可义|可已|可一(?=$|[\s，,。.!！])"), "可以"),  # typing slips of 可以
    (re.compile(r"(?<=[一二三四五12345])粉"), "分"),  # 五粉
    (re.compile(r"俺"), "我"),  # northern "I"
    (re.compile(r"(?<=[行好样])8(?=$|[\s，,。!！~～])"), "吧"),  # 行8 就这样8 (ba)
    (re.compile(r"拉倒"), "算了"),  # northern "forget it"
    (re.compile(r"(?<=[到入])帐"), "账"),  # 到帐
    (re.compile(r"(人工|真人|机器人|客服|官方)妈"), r"\1吗"),  # 你是人工妈 (ma)
    (re.compile(r"哪哒|哪嗒"), "哪里"),  # Hunan "where"
    # Cantonese: 死咗 (died), 唔该 (thanks), 唔 (not), 郁都唔郁 (not moving at all), 嘅 (of)
    (re.compile(r"唔该晒?|唔該晒?"), "谢谢"),
    (re.compile(r"郁都唔郁|郁都不郁|唔识郁"), "一动不动"),
    (re.compile(r"咗"), "了"),
    (re.compile(r"[唔不]使"), "不用"),  # 唔使退钱: no need
    (re.compile(r"唔好(?=[\u4e00-\u9fff])"), "不要"),  # 唔好取消: don't cancel
    (re.compile(r"几耐"), "多久"),  # 几耐先到账: how long
    (re.compile(r"唔"), "不"),
    (re.compile(r"嘅"), "的"),
    # belly up, said of fish and shrimp: dead ("反晒肚", "虾都翻肚皮了")
    (re.compile(r"[反翻]晒?肚(?:皮|白)?(?:了)?"), "死了"),
    # answers typed in pinyin: "shi的", "keyi", "liang只", "4fen"
    (re.compile(r"(?<![a-z])shide(?![a-z])"), "是的"),
    (re.compile(r"(?<![a-z])shi(?=的|$|[\s，,。.!！])"), "是"),
    (re.compile(r"(?<![a-z])(?:keyi|ke yi|kyi)(?![a-z])"), "可以"),
    (re.compile(r"(?<![a-z])jiu\s*zhe\s*yang(?:\s*ba)?(?![a-z])"), "就这样吧"),  # keyi jiu zheyang ba
    (re.compile(r"(?<![a-z])(?:fei\s*chang|hen|ting)\s*man\s*yi(?![a-z])"), "非常满意"),  # fei chang man yi
    (re.compile(r"(?<![a-z])bu\s*man\s*yi(?![a-z])"), "不满意"),
    (re.compile(r"(?<![a-z])man\s*yi(?![a-z])"), "满意"),
    (re.compile(r"(?<![a-z])tui\s*qian(?![a-z])"), "退钱"),
    (re.compile(r"(?<![a-z])xie\s*xie(?![a-z])"), "谢谢"),
    (re.compile(r"(?<![a-z])refund(?=\s*[\u4e00-\u9fff])"), "退款"),  # "refund吧" (not "refund please")
    (re.compile(r"(?<![a-z])(?:bu\s*yao\s*le|buyaole)(?![a-z])"), "不要了"),
    (re.compile(r"(?<![a-z])(?:hao\s*de|haode)(?![a-z])"), "好的"),
    (re.compile(r"(?<![a-z])(?:haode|hao de)(?![a-z])"), "好的"),
    (re.compile(r"(?<![a-z])(?:duide|dui de)(?![a-z])"), "对的"),
    (re.compile(r"(?<=是)\s*de(?![a-z])"), "的"),  # 是de
    (re.compile(r"(?<=退)\s*kuan(?![a-z])"), "款"),  # 退kuan
    (re.compile(r"(?<![a-z])sui(?=\s*了)"), "碎"),  # sui了2个
    (re.compile(r"(?<![a-z])dui(?![a-z])"), "对"),
    (re.compile(r"(?<![a-z])(?:buyong|bu yong)(?![a-z])"), "不用"),
    (re.compile(r"(?<![a-z])(?:bushi|bu shi)(?![a-z])"), "不是"),
    (re.compile(r"(?<![a-z])liang(?=\s*[个只件盒斤瓶包袋箱])"), "两"),
    (re.compile(r"(?<=[\d一二两三四五])\s*fen(?![a-z])"), "分"),
)
_CN = "零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百"
_NUM = re.compile(rf"-?\d+(?:\.\d+)?|[{_CN}]+")
# Words after a number that make it something other than a count of affected pieces.
_NOT_A_COUNT = re.compile(
    r"\s*(?:分钟|分|星|颗星|颗|天|日|号|小时|个小时|点|周|星期|礼拜|月|年|元|块|毛|角|%|％|成|倍|岁|次|遍|楼|层|公里|里|米|cm|mm"
    r"|斤|两|公斤|千克|kg|克|g\b|ml|毫升|升)",
    re.IGNORECASE,
)
_MEASURE = re.compile(
    r"\s?(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|串|根|片|块|对|套|本|张|台|把|听|桶|副|斤|两|公斤|克)")
# Words naming what went wrong; a number next to one is the affected count. Words, not letters:
# "还有一个只是有点脏" names no harm by its "有".
_HARM = re.compile(r"[坏烂碎破裂死臭霉化漏瘪扁少缺丢损]|没了|没有|没到|没收到|没发|不能|不新鲜|变质|发黑|发软|不动"
                   r"|有问题|不行|不好|不对|错")
# Words that take back what was just said ("坏了3个 不对 应该是4个", "重新数了一下 是5个"): what follows wins.
# not the 不对 of what is wrong with the goods ("数量不对", "颜色不对"): that is the complaint
_CORRECTION = re.compile(r"不对不对|(?<!数量)(?<!数目)(?<!个数)(?<!件数)(?<!颜色)(?<!尺码)(?<!款式)(?<!型号)(?<!货)不对"
                         r"|说错了|打错了|写错了|看错了|数错了|搞错了|应该是|准确说|准确地说|更正|纠正|"
                         r"又数了一?遍|重新数了一?下?|再数了一?下?|仔细数了一?下?|哦不|噢不|啊不|其实是|漏看了?|看漏了?|漏数了?|少数了?")
_ALL = re.compile(r"全部|全都|都坏|都烂|都碎|都死|全坏|全烂|全碎|全死|整箱|整盒|整袋|所有的?|统统|通通")
_NONE_GOOD = re.compile(r"一个都没好|一个好的都没|没有一个好|一个也没好|没一个好|一个好的也没")
_HALF = re.compile(r"(?<![大小])一半|半箱|半盒|半袋|半数")
_VAGUE = re.compile(
    r"一大半|一小半|大部分|大多数|大半|多数|绝大部分|好多|很多|不少|一些|一部分|部分|小部分|少部分|几个|一点点|有的")
_FRACTION_CN = re.compile(rf"([{_CN}\d]+)\s*分之\s*([{_CN}\d]+)")
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")
_PERCENT = re.compile(rf"(\d+(?:\.\d+)?)\s*[%％]|百分之\s*([{_CN}\d]+(?:\.\d+)?)")
_TENTHS = re.compile(rf"(?<![{_CN}\d])([一二两三四五六七八九\d])\s*成(?!功|了|交|本|色)")
_TENTHS_RANGE = re.compile(r"[一二两三四五六七八九]\s*[一二两三四五六七八九]\s*成")
_NONE = re.compile(r"^(?:没有坏的?|没坏|都没问题|一个没坏|完好无损)"
                   r"|都是好的|都好好的|都没坏|一个都没坏|一个也没坏|没有坏的")


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


# Markup and template placeholders typed or pasted by a buyer: nothing of theirs to read in them.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[a-z/!][^>]{0,200}>|\{\{?\s*[a-z_]\w*\s*\}?\}",
                     re.IGNORECASE | re.DOTALL)
# A system notice pasted by mistake ("【中通快递】您的快件已由【菜鸟驿站】代收，请凭取件码…").
_NOTICE = re.compile(r"^\s*【[^】]{2,12}】.*(?:取件码|验证码|快件|包裹已|驿站|已签收|代收|退订回)", re.DOTALL)


def without_markup(text: str) -> str:
    """The buyer's words without markup and template placeholders ("<script>…</script>", "{amount}")."""
    return _MARKUP.sub(" ", text or "").strip()


# A bot command typed or forged as words ("zzz_not_an_intent", 'accept{"rule_id": …}'): no words of a buyer.
_COMMAND = re.compile(r"^\s*/?[A-Za-z]\w*(?:\s*\{.*\}|_\w*)\s*$", re.DOTALL)


def is_command_like(text: str) -> bool:
    """Whether the words are a bot command or payload sent as text, not anything a buyer says."""
    return bool(_COMMAND.match(text or ""))


_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def is_key_mash(text: str) -> bool:
    """Whether the words are keys pressed at random ("jjjjjjkkk", "asdfgh"): no language at all."""
    letters = re.sub(r"[\s\W\d_]+", "", text or "").lower()
    if len(letters) < 4 or not letters.isascii() or not letters.isalpha():
        return False
    return len(set(letters)) <= 3 or not re.search(r"[aeiouy]", letters) or any(
        letters in row for row in _KEY_ROWS)


def is_pasted_notice(text: str) -> bool:
    """Whether the words are a courier's or a platform's notice pasted by mistake, not the buyer's."""
    return bool(_NOTICE.search(text or ""))


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Full-width to half-width, spoken small numbers as numerals, lower case, trimmed.

    Kept for the latest texts: one turn reads the same words many times (remedy, yes or no,
    amount, question), each reading normalizing them first, and the result depends on the text alone."""
    text = to_simplified(unicodedata.normalize("NFKC", text or "").lower().strip())
    for spoken, written in _SPOKEN.items():
        text = text.replace(spoken, written)
    for slip, meant in _SLIPS:
        text = slip.sub(meant, text)
    text = _ONE_BY_ONE.sub(r"逐\1", text)  # "一个一个数的": one by one, no count of one
    return _REPEATED.sub(r"\1", text)  # "不要了不要了退钱吧", "是的是的": said once


# Clause boundaries: punctuation and spaces, but not the point of a decimal ("称了只有1.6斤").
_BOUNDARY = re.compile(r"[，,。!！？?；;\s]+|(?<!\d)\.+|\.+(?!\d)")


def clauses_of(text: str) -> list[str]:
    """The clauses of the words, in order (empty ones left out); "1.6斤" stays whole."""
    return [clause for clause in _BOUNDARY.split(text) if clause]


def _number(raw: str) -> Fraction | None:
    raw = raw.strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        return Fraction(raw)
    value = chinese_to_int(raw)
    return Fraction(value) if value is not None else None


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


_PRICE_BEFORE = re.compile(r"(?:降到|降了|降|卖|价|到手|只要|才要)\s*$")


def _counts(text: str, unit: str | None = None) -> list[tuple[int, Fraction, str]]:
    """Numbers that may be counts: (position, value, the words right after it). The line's own
    unit counts even where it would be money or time ("少了两块" of soap sold by the 块)."""
    found = []
    for match in _NUM.finditer(text):
        raw = match.group()
        after = text[match.end():match.end() + 6]
        before = text[max(0, match.start() - 1):match.start()]
        in_unit = bool(unit) and after.lstrip().startswith(unit) and not after.lstrip()[len(unit):].startswith("钱")
        if (_NOT_A_COUNT.match(after) and not in_unit) or before in ("第", "¥", "$", "#") or len(raw.lstrip("-")) > 6:
            continue
        if _PRICE_BEFORE.search(text[max(0, match.start() - 3):match.start()]):  # "降到29.9": a price
            continue
        if after.startswith(("分之", "半", "大半", "小半", "部分", "些", "点")) or raw in ("十分", "万"):
            continue
        if not raw.lstrip("-")[0].isdigit() and raw != text.strip() and not _MEASURE.match(after) and not in_unit:
            continue  # a Chinese numeral counts only with a measure word: "一看", "一下" are no counts
        value = _number(raw)
        if value is not None:
            found.append((match.start(), value, after))
    return found


def _near_harm(text: str, start: int, end: int) -> bool:
    return bool(_HARM.search(text[max(0, start - 4):start]) or _HARM.search(text[end:end + 6]))


# Words that make a weight the whole's ("一共才8斤", "整箱称了8斤"), not the affected part's.
_TOTAL = re.compile(r"一共|总共|共计|合计|加起来|算上|整箱|整盒|整袋|总重|净重|称了|秤上|上秤")


def _weight_share(text: str, promised_g: int | None) -> tuple[Fraction, str] | None:
    if not promised_g:
        return None
    told = [clause for clause in clauses_of(text) if not _TOTAL.search(clause)]
    if len(told) < len(clauses_of(text)) and any(weights_in(clause) for clause in told):
        text = "，".join(told)  # "烂了2斤 连烂的算上一共才8斤": the 8斤 is what the box weighed
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


# "只收到3盒", "就到了3盒": what arrived, for missing pieces the rest is what is affected.
_RECEIVED = re.compile(rf"(?:只收到|只到了|就到了|才到了|才收到|只来了|就来了|收到了?|到了|只有|就只有|就)"
                       rf"\s*([{_CN}\d]+)\s*[个只件盒箱袋包瓶份双条支罐斤本台把张套片根枚副块](?!钱)")


def read_affected(text: str, quantity: int, promised_g: int | None = None, label: str | None = None,
                  unit: str | None = None) -> Affected:
    """How much of a line of `quantity` pieces the text says was affected.

    `promised_g`: the line's weight when it is sold by weight (a weight in the text is then a
    share of it). Shares ("一半", "三分之一", "30%", "三成", "2斤" of 5斤) are exact fractions;
    a share that is whole pieces comes back as pieces.
    """
    text = normalize(text)
    if not text:
        return Affected("none")
    is_not = _IS_NOT.search(text)
    if is_not:  # "是5只不是4只": the count said first, the one denied after
        return read_affected(is_not.group(1), quantity, promised_g, label, unit)
    corrected = _after_correction(text)
    if corrected is not None:  # "坏了3个 不对 应该是4个": the amount after the correction, when it says one
        stated = _STATED.search(corrected)  # "又数了一遍 死的是6个 刚才漏了一个": the count it states
        reading = read_affected(stated.group(1) if stated else corrected, quantity, promised_g, label, unit)
        if reading.status != "none":
            return reading
    if _NONE_GOOD.search(text):
        return _of_share(Fraction(1), quantity)
    if _NONE.search(text):
        return Affected("zero")
    weight = _weight_share(text, promised_g)
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
    if label == "missing_item":
        received = _RECEIVED.search(text)
        if received:
            got = _number(received.group(1))
            if got is not None and got.denominator == 1 and 0 <= got < quantity:
                return _of_share(Fraction(quantity - int(got), quantity), quantity)
    counts = _counts(text, unit)
    if quantity == 1 and _HALF.search(text) and all(value == 1 for _, value, _ in counts):
        counts = []  # "一盒里面一半都烂了" of one box: the one said is the box, the half is the share
    if _HALF.search(text) and not counts:  # "烂了一半 好多都发霉了": the share said beats the vague words
        return _of_share(Fraction(1, 2), quantity)
    if _VAGUE.search(text) and not counts:
        return Affected("vague")
    if _ALL.search(text) and not any(v != quantity and _near_harm(text, p, p + 1) for p, v, _ in counts):
        return _of_share(Fraction(1), quantity)
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
_ARRIVED_BEFORE = re.compile(r"(?:收到了?|到了|来了|只有|才有|剩下?|(?:遍|数了?|一共|总共)就|一共才|总共才)\s*$")
_GONE_BAD_BEFORE = re.compile(r"(?:[坏烂碎破裂死臭霉化]|发霉|变质)(?:掉|透|开)?了?\s*$")


def _counts_of_problem(text: str, counts: list[tuple[int, Fraction, str]],
                       label: str | None) -> list[tuple[int, Fraction, str]]:
    """Of several counts told beside each other, those of the problem `label`: not the missing
    pieces nor what arrived for goods gone bad, not the pieces gone bad for missing goods; all of
    them when that leaves none."""
    def before(count: tuple[int, Fraction, str]) -> str:
        return _clause_before(text, count[0])[-6:]

    if label == "missing_item":
        kept = [c for c in counts if not _GONE_BAD_BEFORE.search(before(c))]
    else:
        kept = [c for c in counts if not _MISSING_BEFORE.search(before(c)) and not _ARRIVED_BEFORE.search(before(c))]
    return kept or counts


_GOOD_LEFT = re.compile(rf"(?:剩|剩下|只有|就|才)\s*([{_CN}\d]+)\s*[个只件盒瓶袋包颗枚斤]?\s*(?:是)?好的"
                        rf"|好的(?:只有|就|才|剩)\s*([{_CN}\d]+)")
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


def corrects_itself(text: str) -> bool:
    """Whether the words take back something said in them ("坏了3个 不对 应该是4个")."""
    return _after_correction(normalize(text)) is not None


# "是5只不是4只", "是5只 不是4只": the count it is, then the one it is not.
_IS_NOT = re.compile(rf"是\s*((?:\d+|[{_CN}]+)\s*(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|斤|两|公斤|克))"
                     rf"[\s,，]*(?:而)?不是")
# A count stated after a correction with 是 ("死的是6个", "应该是4个"): the count, whatever reason follows.
_STATED = re.compile(rf"是\s*((?:\d+|[{_CN}]+)\s*(?:个|只|件|盒|箱|袋|包|瓶|份|双|条|支|罐|颗|粒|枚|斤|两|公斤|克))")


def _after_correction(text: str) -> str | None:
    """The words after the last correction in the text ("不对", "说错了", "应该是"), or None."""
    ends = [found.end() for found in _CORRECTION.finditer(text)]
    return text[ends[-1]:] if ends and ends[-1] < len(text) else None


_EXCEPTION = re.compile(r"[^，,。.!！？?\s]{0,3}(?:只是|只不过|不算|没坏|是好的|还好|还能)")


_ALL_OF_COUNT = re.compile(r"\s*[个只件盒箱袋包瓶份双条支罐颗枚斤]?\s*(?:都|全)(?:是)?(?:坏|烂|碎|死|裂|破|漏|发霉)")
_TOTAL_BEFORE = re.compile(r"(?:一共|总共|加起来|总共是|一共是)\s*$")


def _in_own_unit(counts: list[tuple[int, Fraction, str]], unit: str | None) -> list[tuple[int, Fraction, str]]:
    """The counts said in the line's own unit, when some are and others are not ("箱子瘪进去一个大坑 …
    6袋里碎了2袋" of bags: not the 一个 of the dent); all of them otherwise."""
    if not unit or len(unit) != 1:
        return counts
    own = [c for c in counts if c[2].lstrip().startswith(unit)]
    return own if own and len(own) < len(counts) and any(re.match(r"\s*[个只件盒瓶袋包箱条支罐颗枚双]", c[2])
                                                           for c in counts if c not in own) else counts


def _pick_count(text: str, counts: list[tuple[int, Fraction, str]], quantity: int) -> Affected:
    """The count among several numbers: not the order's own quantity when another is said
    ("一箱12个有4个是烂的"), preferably the one next to what went wrong, else the last. A larger
    number said first that is not the order's quantity is how many pieces the line holds ("8只
    死了4只" of one box): the count is a share of it."""
    whole = [c for c in counts if c[1].denominator == 1 and c[1] > 0 and not re.match(r"\s*[箱盒袋包件份]", c[2])]
    if len(whole) >= 2 and quantity not in [c[1] for c in whole]:
        total, hurt = whole[0][1], whole[-1][1]
        # the line's content is told first and is no harm itself ("死了两只 一共才7只 少了一只" is not)
        told_harm = _HARM.search(text[max(0, whole[0][0] - 4):whole[0][0]])
        if 0 < hurt < total and not told_harm and _near_harm(text, whole[-1][0], whole[-1][0] + len(str(hurt))):
            per_unit = re.search(r"(?:一|每)\s*[箱盒袋包]", text[:whole[0][0]]) is not None and quantity > 1
            share = hurt / (total * quantity) if per_unit else hurt / total
            unit = re.match(r"\s*([个只件斤枚颗瓶条支])", whole[-1][2])
            said = f"{int(hurt)}{unit.group(1)}" if unit else _share_said(share)
            return _of_share(share, quantity, said)
    # "另一瓶也裂了 两瓶都坏了": a count with 都 and harm is the affected one, whatever else is said
    every = [c for c in counts if _ALL_OF_COUNT.match(c[2])]
    if every:
        counts = every[-1:]
    elif re.search(r"又|另外|还有", text):  # "又翻出来三个碎的 一共五个": the total said at the end
        totals = [c for c in counts if _TOTAL_BEFORE.search(text[max(0, c[0] - 4):c[0]])]
        counts = totals[-1:] or counts
    # "是4个 有一个只是碰青了": a count said as an exception is not the affected one
    counts = [c for c in counts if not _EXCEPTION.match(text, c[0] + len(str(c[1])))] or counts
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


# ------------------------------------------------------------------- remedies

# What the buyer wants, in their words; the keys are kinds of remedy (`REMEDY_KINDS`).
_REMEDY_WORDS: dict[str, tuple[str, ...]] = {
    "return_refund": ("退货退款", "退货", "寄回去", "退回去", "把货退"),
    # the whole line's money ("全退行不行", "不要了 全退"): only where a full refund or a cancel is offered
    "full_refund": ("全退", "全额退", "全部退"),
    "replace": ("换货", "换新", "换一个", "换个", "换一件", "换件", "给我换", "调换", "更换", "重新换", "换成", "换回",
                "换一下", "换掉", "帮我换", "换一双", "换一条", "换一盒", "换正确", "换对"),
    "reship": ("补发", "重发", "再发", "补寄", "重新发", "再寄", "补一个", "补几个", "补给我", "发一个新", "寄一个",
               "发正确", "发对的", "重新寄", "补上", "补就行", "慢慢补", "补齐", "补全"),
    "cancel": ("取消订单", "取消吧", "不要了", "不想要了", "取消", "撤单", "撤销订单", "单子撤", "订单撤"),
    "compensation": ("补偿", "赔偿", "赔我", "赔点", "必须赔", "要赔", "给我核实", "帮我核实", "核实一下", "给个说法",
                     "要个说法", "讨个说法", "意思一下"),
    # a coupon is no money back ("给个优惠券算了" on missing goods: not allowed, the offers stay)
    "coupon": ("优惠券", "券"),
    # a legal multiple is for fakes and false claims only ("能赔三倍不" on a dented cup is no refund)
    "legal": ("赔三倍", "赔十倍", "假一赔三", "假一赔十", "三倍赔偿", "十倍赔偿"),
    "refund": ("退款", "退钱", "退我钱", "把钱退", "钱退", "退回钱", "退给我", "退费", "仅退款", "退差价", "退了吧",
               "要钱", "返钱", "返现", "退点钱", "退部分", "退那部分", "退坏", "退款吧", "的钱就行", "赔钱",
               "直接退", "退吧", "退我", "退就行", "退回来", "退回给我", "折现", "折成钱", "折成现金", "给现金",
               "钱还我", "还我钱", "把钱还", "还钱"),
    # the goods, not the money: "赶紧给我发", "让商家快点发货" (a late order shipped with its compensation)
    "ship": (),
}
_WORD_PATTERNS = {word: re.compile(re.escape(word)) for words in _REMEDY_WORDS.values() for word in words}
# The kinds of offer each remedy word picks.
REMEDY_KINDS: dict[str, tuple[str, ...]] = {
    "refund": ("refund_share", "refund_full", "cancel_refund", "refund_difference", "refund_excess",
               "refund_shortfall"),
    "return_refund": ("refund_full",),
    "replace": ("reship_full", "reship_share"),
    "reship": ("reship_share", "reship_full"),
    "cancel": ("cancel_refund",),
    # (a share refund only while it is open: "我要商家赔我损失" after turning it down does not take it;
    # outreach.cases.conversation._offer_matching)
    "compensation": ("compensation_percent", "coupon", "legal_multiple", "refund_share"),
    "coupon": ("coupon",),
    "legal": ("legal_multiple",),
    "full_refund": ("refund_full", "cancel_refund"),
    "ship": ("reship_full", "reship_share", "compensation_percent"),
}
_NEGATION = re.compile(r"(?:不要|不用|不想|别|不需要|不必|没必要|不|不同意|不接受|不愿意|拒绝)\s*(?:再|给我|帮我)?\s*$")


_SEND_MORE = re.compile(r"补[一两二三四五六七八九十几\d]*[个只件盒箱袋包瓶份双条支罐本台把张套片根副斤]|补过来|补给我"
                        # "重新给我发65寸的吧"; not "再发我就拉黑" (messages, a threat)
                        r"|(?:重新|再)\s*(?:给我|帮我|给|帮)?\s*(?:发|寄)(?![票错]|我就|消息|信息|短信)")
# "发米白的过来", "寄个新的过来": goods sent (again).
_SEND_OVER = re.compile(r"(?:给我|帮我)(?:重新|再)?(?:发|寄)(?:个|一个|一件|一双|一盒)?[^，。,.!！？?\s]{1,4}的"
                        r"(?:吧|啊|呀)(?=$|[\s，,。.!！])"  # "那给我发灰色的吧" (not "你们给我发个39的": what came)
                        r"|(?:发|寄)(?:个|一个|一件|一份|几个|[一两二三四五六七八九十\d]+[个只件盒份双条])?"
                        r"(?:新的|对的|正确的|好的|[^，。,.!！？?\s]{1,4}的)过?来(?!的)")  # not "寄死蟹过来恶心谁呢"
# "赶紧给我发", "让商家快点发货": the goods wanted, not the money.
_SHIP_IT = re.compile(r"(?:快点|赶紧|尽快|马上|赶快|抓紧|立刻|立即)\s*(?:给我|帮我|让他|让商家)?\s*发"
                      r"(?:货|出来|出去)?(?![错票])|(?:让|叫|催)(?:他|商家|店家|卖家)?(?:快点?|赶紧)?发货")
# "赔" alone as a demand ("赶紧给我赔", "赔啲俾我"); longer words that hold it ("赔钱") name their own kind.
_PAY_UP = re.compile(r"(?<![才只])赔(?![率本])|补(?:偿|[几一两点]|个)?[^，。,.!！？?\s]{0,2}(?:块|元)?钱")  # "补几块钱"
# "退那一盒的钱"; not "退这点钱" (the amount offered, called too little)
_MONEY_BACK = re.compile(r"退(?![^，。,.!！？?]{0,3}(?:这点|这么点|这几))[^，。,.!！？?]{1,6}钱"
                         r"|钱[^，。,.!！？?]{0,3}退(?!货)")
_JUST_REFUND = re.compile(
    r"^(?:那就|那|就|快|赶紧|马上|直接)?\s*(?:给我|帮我)?\s*退{1,3}(?:吧|啊|呀|了吧|掉)?\s*[!！。.~～]*$")
# One word alone: "补", "换吧", "补发" said as the whole answer.
_JUST_ONE = re.compile(r"^(?:快|赶紧|马上|直接|那就|那|就)?\s*(补|换)(?:吧|啊|呀|一下|上)?\s*[!！。.~～]*$")
# "换白色的", "换L码的": a change to another colour, size or flavour is a replacement.
_CHANGE_TO = re.compile(r"(?<![退交])换(?:个|成|一?[个件双条盒])?[^，。,.!！？?\s]{1,6}的")
# A remedy named after these words is a reason or a worry, not the choice ("免得寄过来又是烂的").
_REASON = re.compile(r"怕|担心|万一|免得|省得|以免|要是|如果|不然|否则|^等")  # "等补过来都过季了"
# A remedy the buyer cannot or will not go through with: "我也不会弄那个寄回去的", "懒得寄回去".
_CANNOT = re.compile(r"(?:不会|懒得|没法|不方便|不想)[^，。,.!！？?\s]{0,4}$")
# A remedy declined after it is named: "退钱就不必了", "补发就算了".
# ("退货退款算了", without 就 / 也, picks it: "just do that")
_DECLINED_AFTER = re.compile(r"^(?:的话)?(?:我)?(?:[一两二三四五六七八九十几\d]*[个只件盒份双条瓶袋])?"
                             r"(?:(?:就|也|都)?(?:不用|不要|不需要|不必|免了)|(?:就|也|都)算了)")  # "补发一个也不要"
# A remedy named with its drawback: "补发还得等好几天" is why not.
_DRAWBACK_AFTER = re.compile(r"^(?:的话)?(?:我)?(?:还得|还要|又得|得|要)?(?:再)?"
                             r"(?:等|太慢|太久|太麻烦|麻烦|费劲|去买|重新买)")  # "退钱我还得再去买"
# A remedy told as done by someone ("商家已经私下把钱退给我了"): news, not a choice.
_DONE_BEFORE = re.compile(r"已经|早就|早已|已")
_DONE_AFTER = re.compile(r"^[^，。,.!！？?\s]{0,4}了")


# After "不 + remedy", words that make the no rhetorical: "不退钱难道让我吃吗", "不补发还能怎样".
_RHETORICAL = re.compile(r"\s*(?:难道|还能|那还能|不然)")


def _clause_before(text: str, start: int) -> str:
    """The words of the clause before position `start`."""
    return re.split(r"[，,。!！？?；;\s]|(?<!\d)\.|\.(?!\d)", text[:start])[-1]


_ASKS_FOR = re.compile(r"行不行|行吗|可以吗|可以不|能不能|可不可以|好不好|好吗|成不成|成吗|得唔得|得不得|中不中"
                       r"|能[^，。,.!！？?]{0,6}吗")
_ASKS_ABOUT = re.compile(r"多久|几天|什么时候|啥时候|怎么|为什么|为啥|多少|哪")


def asks_for_it(text: str) -> bool:
    """Whether a question asks for something ("退钱行不行", "能给我补发吗") rather than about it
    ("补发要多久？", "退多少？")."""
    text = normalize(text)
    return bool(_ASKS_FOR.search(text)) and not _ASKS_ABOUT.search(text)


def read_remedy(text: str) -> str | None:
    """The remedy the buyer picks in their own words (a key of REMEDY_KINDS), or None.

    A remedy said after a negation ("不要补发了，退款吧") is not the choice.
    """
    found = _remedy_mentions(normalize(text))
    return found[-1][1] if found else None


def remedies_by_clause(text: str) -> list[tuple[str, str]]:
    """Each clause's remedy with the words before it, which say what it is for ("碎的退钱，少的补发"
    gives [("碎的", "refund"), ("少的", "reship")]); clauses naming no remedy or nothing before it
    are left out. One remedy for two things joined by 和 / 跟 ("烂的和少的都退钱") is a pair for each."""
    pairs = []
    for clause in clauses_of(normalize(text)):
        found = _remedy_mentions(clause)
        subject = clause[:found[0][0]].strip() if found else ""
        both = re.fullmatch(r"(.+?)(?:和|跟|与|以及|还有)(.+?)(?:都|也都|全都|一起)", subject)
        for part in (both.groups() if both else (subject,)):
            if part.strip():
                pairs.append((part.strip(), found[-1][1]))
    return pairs


@lru_cache(maxsize=4096)
def _remedy_mentions(text: str) -> tuple[tuple[int, str], ...]:
    """The remedies the (normalized) words choose, in order: (position, kind). Kept for the latest
    texts, as normalize: a turn asks the same words for their remedy several times."""
    if _JUST_REFUND.match(text):  # "退！"
        return ((0, "refund"),)
    alone = _JUST_ONE.match(text)
    if alone:  # "补", "换吧"
        return ((0, "reship" if alone.group(1) == "补" else "replace"),)
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
    hits += [(m.start(), m.end(), "reship") for m in _SEND_MORE.finditer(text)]  # "给我补一袋过来"
    hits += [(m.start(), m.end(), "compensation") for m in _PAY_UP.finditer(text)]  # "赶紧给我赔"
    hits += [(m.start(), m.end(), "reship") for m in _SEND_OVER.finditer(text)]  # "发米白的过来"
    hits += [(m.start(), m.end(), "ship") for m in _SHIP_IT.finditer(text)]  # "赶紧给我发"
    hits += [(m.start(), m.end(), "replace") for m in _CHANGE_TO.finditer(text)]  # "换白色的"
    # a word inside a longer one is not a mention of its own ("退款" in "退货退款")
    hits = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] for o in hits)]
    found = [(start, kind) for start, end, kind in hits
             if (not _NEGATION.search(_clause_before(text, start)[-4:])  # "钱也不要 再给我发2只活的"
                 or _RHETORICAL.match(text[end:]))  # "不退钱难道让我吃吗": the remedy is wanted
             and not re.match(r"我就|消息|信息|短信", text[end:])  # "再发我就拉黑": messages, a threat
             and (kind == "cancel" or not re.search(r"不用|不要|不需要|不必", text[start:end]))  # "钱不用退"
             and not _DECLINED_AFTER.match(text[end:])  # "补发就算了"
             and not _DRAWBACK_AFTER.match(text[end:])  # "补发还得等好几天"
             and not (_DONE_BEFORE.search(_clause_before(text, start)) and _DONE_AFTER.match(text[end:]))
             and not _REASON.search(_clause_before(text, start))  # "免得寄过来又是烂的"
             and not _CANNOT.search(text[max(0, start - 8):start])]  # "我也不会弄那个寄回去的"
    refused = {kind for start, end, kind in hits if _DECLINED_AFTER.match(text[end:])}
    found = [(start, kind) for start, kind in found if kind not in refused]  # said again after, it is the reason
    turned_down = [(end, end + m.end()) for _s, end, _k in hits for m in [_DECLINED_AFTER.match(text[end:])] if m]
    # "补发也不要了": the 不要了 turns the remedy down; it cancels nothing
    found = [(start, kind) for start, kind in found if not any(a <= start < b for a, b in turned_down)]
    found = [(start, kind) for start, kind in found  # "算了不要了", "算了 不要了": no to the offer
             if kind != "cancel" or not re.search(r"(?:算了[\s，,]*|钱|款|补发|退款|券)$", text[:start])
             or not text.startswith(("不要了", "不想要了"), start)]
    chosen = [start for start, kind in found if kind != "cancel"]
    if chosen:  # "我要退货退款 不想要了": said after the choice, the reason for it, not a cancel
        found = [(start, kind) for start, kind in found
                 if kind != "cancel" or start < chosen[0] or not text.startswith(("不要了", "不想要了"), start)]
    # The latest mention wins ("补发也行，还是退款吧").
    return tuple(sorted(found, key=lambda hit: hit[0]))


# -------------------------------------------------------------------- ratings

_STARS = re.compile(r"[★⭐🌟]")
_EXTRA_RATING_WORDS = {
    "贼满意": 5, "老满意了": 5, "特满意": 5, "可满意了": 5,  # northern "very"
    "还好": 3, "一般般": 3, "凑活": 3, "就那样": 3, "马马虎虎": 3, "中规中矩": 3, "还凑合": 3,
    "挺好的": 4, "蛮好": 4, "满意的": 4, "挺满意的": 4, "还满意": 4, "比较好": 4, "可以的": 4, "不赖": 4,
    "很好": 5, "非常好": 5, "特别好": 5, "超好": 5, "太好了": 5, "很棒": 5, "点赞": 5, "五星好评": 5,
    "不好": 2, "不咋地": 2, "不太好": 2, "不行": 2, "失望": 1, "很失望": 1, "太失望": 1, "一星": 1,
}
_RATING_WORDS = {**RATING_WORDS, **_EXTRA_RATING_WORDS}
_BY_LENGTH = sorted(_RATING_WORDS, key=len, reverse=True)


def satisfied_in_words(text: str) -> int | None:
    """A rating of 4 or 5 said only in words ("非常满意", "挺好的"), no digits, stars or 分: at an
    offer it says the buyer is content with it. None otherwise ("4" at an offer is no answer to it)."""
    if re.search(r"[\d０-９★⭐🌟]|分|星", text or ""):
        return None
    rating = read_rating(text)
    return rating if rating is not None and rating >= 4 else None


def read_rating(text: str) -> int | None:
    """A 1-5 rating in digits ("4"), scores ("4分", "五星", "一颗星"), stars ("⭐⭐⭐⭐") or words
    ("还行", "一般般", "挺满意的", "太差了"); None when the text holds none in range."""
    text = re.sub(r"^\s*([1-5])\s*份\s*$", r"\1分", normalize(text))  # "5份": 分 mistyped
    stars = len(_STARS.findall(text))
    if stars:
        return stars if 1 <= stars <= 5 else None
    value = scored_number(text)
    if value is None:
        # the longest phrase wins, so "不满意" is never read as "满意"
        word = next((w for w in _BY_LENGTH if w in text), None)
        if word is not None:
            return _RATING_WORDS[word]
        bare = re.fullmatch(rf"\s*(?:给|打)?\s*(\d+|[{_CN}])\s*(?:吧|啊|呀|哦|的|。|!|！)?\s*", text) \
            or re.match(r"\s*([1-5])(?:\s+|[，,。.!！]\s*)(?=\D)", text)  # "5 这次算你们快": a score, then words
        if bare:
            number = _number(bare.group(1))
            value = int(number) if number is not None and number.denominator == 1 else None
    return value if value is not None and 1 <= value <= 5 else None


# ------------------------------------------------------------------- yes / no

# Words that lead into a yes without changing it: "那行", "亲 可以", "哦 好的".
_LEAD_IN = (r"(?:您好|你好|喂)?[\s，,]*(?:(?:那就?|就|亲|哦|噢|喔|额|呃|嗯|勉强|还是"
            r"|(?:他|她|我老公|我老婆|我爱人|我家里人|家里人|我儿子|我女儿)说|算了)[\s，,]*){0,2}")
# Short words that are a yes only when they are all there is ("收到", "成", "可"): "收到的是坏的" is none.
_ALONE = r"(?=[\s，,。.!！~～]|$)"
_YES = re.compile(
    r"^" + _LEAD_IN
    # (not the 对了 of "对了 我还想开个发票": by the way)
    + r"(?:是的?|是啊|是呀|对(?!了[\s，,。]+\S)|对的|对啊|对呀|没错|嗯+|恩+|en|好|好的|好滴|好嘞|好吧|行|行吧"
    r"|可以|可以的|中|要得|得行"
    r"|要的|确实|就是|可不咋的|可不咋地|可不是|那可不|嗯呐|"
    r"yes|ok|okay|👌|👍|同意|接受|就这样|就这么办|那就这样|麻烦了|麻烦你了|谢谢|嗯嗯|对头|係|系|是滴|没毛病|妥"
    # going ahead in other words: "提交吧", "办吧", "安排吧", Cantonese "得啦"
    r"|(?:那就|就)?提交(?!投诉)|申请吧|(?:那就|就|给我|帮我)?办(?:吧|理吧|了吧)|(?:那就|就)?安排(?:吧|一下|上)|处理吧|弄吧|搞吧|成交|没意见|听你的"
    r"|按你说的|照办|得(?:啦|嘞|咯|喇|吖|㗎)"
    r"|按(?:你们的?|平台的?)?(?:规矩|规定|规则|流程)|也行|也可以|也好|这么着|这么办|按这个|就这个|就它|选这个|要这个|彳亍|阔以|整吧|搞快点|麻烦你?了"
    r"|(?:成|可|掂|收到|了解|明白|得)(?:吧|啊|呀|的|了|啦)?" + _ALONE + ")"
)
_NO = re.compile(
    r"^(?:还是|也|都|那也|那还是|我(?=不同意|不接受|不要|不想要|不需要|拒绝|不想退|不退|不换|不补))?(?!不错|不好意思|不客气|没错|没毛病|不等|不想等|不想再等|不愿意等|不耐烦|没发|没到|没收到|没动静|没物流|不发货)(?:不是|不对|不用|不要|不需要|不行|不可以|不同意|不接受|算了(?![吧\s，,]*(?:可以|行|好的?|就这样|同意|接受|给吧))|没有|没|no|不|并不是|也不是|都不是|错了|不必|别"
    r"|免了|拒绝)"
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
    r"(?:给就给|那就给|给吧|凑合|将就|只能这样|就这样|就这么(?:整|办|弄)|行吧|好吧|收下|收着|我收了|拿着"
    r"|总比没有强|总比没有好|(?<![不没])同意|(?<![不没])接受"
    r"|[\s，,。.!！？?](?:是的|是啊|对的|对啊|嗯|可以|行))[了吧啊呀。.!！~～\s]*$")  # "咋的 还得我给你证明啊？是的"
_TRAILING_NO = re.compile(
    r"(?:(?<!要)不要|(?<!用)不用了?|不需要|不接受|不同意|(?<!行)不行|算了|不用(?:处理|管|麻烦))[了吧啊呀。.!！~～\s]*$")


# Going ahead with whatever the process is ("那你就给我提交吧", "帮我申请吧", "就按这个办").
_GO_AHEAD = re.compile(r"提交(?!投诉)|申请吧|帮我申请|给我申请|办吧|办理吧|按这个办|照办|走流程|核实吧|核实一下")


def goes_ahead(text: str) -> bool:
    """Whether the words tell us to go ahead with the process, not only say yes."""
    return bool(_GO_AHEAD.search(normalize(text)))


# A last clause that agrees and says nothing else ("对，6个，可以了", "那就这样吧").
_ACCEPT_END = re.compile(r"[\s,，。.!！~～]\s*(?:那就|就)?(?:可以|行|好|好的|没问题|就这样|同意|ok)(?:了|的|吧|啊|呀)?"
                         r"[。.!！~～\s]*$")


def ends_accepting(text: str) -> bool:
    """Whether the words end by agreeing in a clause of its own, after other words."""
    return bool(_ACCEPT_END.search(normalize(text)))


# The buyer keeps the goods ("错的我留着凑合穿", "懒得寄来寄去"): a refund that takes them back is not it.
_KEEPS_GOODS = re.compile(r"留着|我留下|自己留|不退货|不用寄回|不寄回|不想寄|懒得寄|不想退回|凑合(?:穿|用|吃|着)")


def keeps_goods(text: str) -> bool:
    return bool(_KEEPS_GOODS.search(normalize(text)))


def ends_refusing(text: str) -> bool:
    """Whether the words end by refusing ("5块钱的券？打发谁呢 不要"), whatever they named before;
    not "退了吧 不要了", where 不要了 gives the order up, nor "退货退款算了", which picks it."""
    text = normalize(text)
    named = _remedy_mentions(text)
    if named and re.fullmatch(r"[^，,。\s就也都]{1,6}算了[了吧啊呀。.!！~～\s]*", text[named[-1][0]:]):
        return False
    return bool(_TRAILING_NO.search(text)) and not re.search(r"不(?:想)?要了[了吧啊呀。.!！~～\s]*$", text)


def ends_with_yes(text: str) -> bool:
    """Whether the words end by going along ("五块钱打发要饭的呢……行吧 券我收着"), whatever comes before."""
    return bool(_TRAILING_YES.search(normalize(text)))


_LEADING_SYMBOLS = re.compile(r"^[^\w👌👍]+")
# "不好意思 刚才复制错了 是的": the earlier message was a mistake; what follows answers
_MISTAKE_BEFORE = re.compile(r"^(?:不好意思|抱歉|对不起|sorry)?[\s,，。.!！]*(?:刚才|刚刚)?[^\s,，。.!！]{0,3}"
                             r"(?:复制|发|打|点|贴)错了[\s,，。.!！]*")
# "……算了 给吧 懒得跟你们扯": a grudging yes, whatever remark follows
# "退就退呗", "给就给吧": fine, have it so
_X_THEN_X = re.compile(r"^([\u4e00-\u9fff]{1,2})就\1(?:呗|吧|啊)?")
# A yes said as a question back: "这还用问吗 当然是坏了", "你说呢 螃蟹都臭了", "这不明摆着吗".
_EMPHATIC_YES = re.compile(r"^(?:这|那)?(?:还用(?:问|说)|不是明摆着|不明摆着|明摆着|你说呢|废话|当然(?:是|了|啦))")
_GRUDGING_CLAUSE = re.compile(r"(?:^|[\s，,。.!！？?])(?:那)?(?:行吧|好吧|先收着|收着吧|收下了|那就这样吧|凑合吧)"
                              r"(?=$|[\s，,。.!！])"
                              # resigned: "随便吧 你们看着办", "那还能怎么办", "爱咋咋地", "懒得跟你们计较"
                              r"|^(?:那|唉|哎|行|好)?[\s，,]*(?:随便(?:吧|啦|了)?(?=$|[\s，,。.!！])|你们看着办|看着办吧|无所谓了?|还能怎么办|那还能怎么办"
                              r"|还能咋(?:地|样|办)|你们说了算呗?|你说了算呗?|爱咋咋地|爱咋咋滴|懒得(?:跟你们)?计较"
                              r"|也只能这样了?|只能这样了?)")
_RESIGNED_YES = re.compile(r"算了[吧\s,，。.…]*(?:给吧|行吧|好吧|就这样吧?|可以|同意|接受|收下吧?)")


def read_yes_no(text: str) -> bool | None:
    """Whether the message opens with a yes or a no ("是的，有4个烂了" is a yes with details), or
    ends with a refusal ("5块钱打发叫花子呢？不要")."""
    text = _MISTAKE_BEFORE.sub("", _LEADING_SYMBOLS.sub("", normalize(text)))  # "🙏🙏 好的 谢谢"
    if not text:
        return None
    if _RESIGNED_YES.search(text) or _X_THEN_X.match(text) or _EMPHATIC_YES.match(text):
        return True
    turn = _BUT.search(text)
    if turn is not None and turn.start() > 0:  # "好的谢谢 但是算了": what follows the "but" decides
        after = read_yes_no(text[turn.end():])
        if after is not None:
            return after
    no = _NO.match(text)
    if no and not _REMEDY_AFTER_NO.match(text, no.end()) \
            and not any(start == 0 for start, _kind in _remedy_mentions(text)):
        # "不用补了 把钱退我" turns a remedy down and "不要了 退钱吧" cancels: neither answers the question no
        return False
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
    r"^(?:没有?问题|没事|没啥事|没什么问题|都挺好|挺好的|都收到了|都好好的|一切正常|误会|点错了|搞错了|没毛病|不用了都好)"
    r"|没有?问题了|东西都收到了|都收到了|已经解决|已经好了|商家已经处理|误会了|点错了")


# A clause that says one thing is fine ("芒果挺新鲜的", "没坏", "款式是对的", "物流还行", "快递早到了"),
# told before the problem that is ("就是箱子里少了两个"): it names no problem of its own.
_FINE_CLAUSE = re.compile(r"^(?:都|也|倒是?|东西|款式|颜色|尺码|质量|物流|快递|包装|味道|[^，,。\s]{0,4})?"
                          r"(?:挺|很|还|都)?(?:新鲜|好好的|是对的|没错|没问题|没坏|没烂|没碎|没死|活蹦乱跳|活着|还行"
                          r"|挺好|挺快|早到了|早就到了|按时到|准时|正常|完好)(?:的|了|啊|呀)?$")


def says_fine(clause: str) -> bool:
    """Whether a clause only says something is fine (it names no problem)."""
    return bool(_FINE_CLAUSE.match(normalize(clause).strip()))


# The words turn from what is fine to what is wrong: "…就是少了两个", "不是…是耳机不响".
_PIVOT = re.compile(r"就是|只是|而是|但是|不过|(?:^|[\s,，。])是(?!的|啊|呀|不是)")


def turns_to_another(text: str) -> bool:
    """Whether the words deny or set aside one thing to name what is wrong instead."""
    text = normalize(text)
    return bool(_PIVOT.search(text)) and (read_yes_no(text) is False or any(
        says_fine(c) for c in clauses_of(text)))


def read_no_problem(text: str) -> bool:
    """Whether the words say nothing is wrong after all ("没有问题了", "东西都收到了，挺好的")."""
    return bool(_NO_PROBLEM.search(normalize(text)))


# At the quantity question: the goods turn out fine ("剥开看了 里面好好的 能吃"), or nothing needs doing.
_FINE_AFTER_ALL = re.compile(r"好好的|都是好的|是好的|没坏|没有坏|(?<![不没])能吃|(?<![不没])能用|(?<![不没])可以吃"
                             r"|不用处理|不需要处理|无需处理|不用管了|不用麻烦")


def read_fine_after_all(text: str) -> bool:
    """Whether an answer to "how many were affected" says none were after all: the words of
    read_no_problem, or that the goods are fine ("里面好好的 能吃") or need nothing done."""
    text = normalize(text)
    return bool(_NO_PROBLEM.search(text) or _FINE_AFTER_ALL.search(text))


# An offer turned down as too little: "太少了", "才这么点？", "打发要饭的呢".
_TOO_LITTLE = re.compile(r"太少|才这么点|就这么点|这么点钱|这点钱|就这点|少得可怜|打发(?:要饭|叫花|乞丐)|要饭的|叫花子")


def rejects_offer(text: str) -> bool:
    """Whether words at an offer turn it down without a plain no: a remedy turned down by name
    ("补发也不要") or the offer called too little ("才这么点？")."""
    return declines_remedy(text) or bool(_TOO_LITTLE.search(normalize(text)))


def refused_kinds(text: str) -> set[str]:
    """The kinds of remedy the words turn down by name ("补发也不要", "不要退款"), whatever else they name."""
    text = normalize(text)
    refused = set()
    for kind, kind_words in _REMEDY_WORDS.items():
        for word in kind_words:
            if word in text and any(_NEGATION.search(text[max(0, m.start() - 4):m.start()])
                                    or _DECLINED_AFTER.match(text[m.end():])
                                    for m in _WORD_PATTERNS[word].finditer(text)):
                refused.add(kind)
    return refused


def declines_remedy(text: str) -> bool:
    """Whether the words turn down a remedy by name ("补发也不要", "退款就算了", "不要换货") and choose
    none: at an offer they decline it."""
    text = normalize(text)
    if _remedy_mentions(text):
        return False
    no = _NO.match(text)
    if no and _REMEDY_AFTER_NO.match(text, no.end()):  # "不用补了", "不要退钱"
        return True
    for kind_words in _REMEDY_WORDS.values():
        for word in kind_words:
            if word not in text:
                continue
            for match in _WORD_PATTERNS[word].finditer(text):
                if _NEGATION.search(text[max(0, match.start() - 4):match.start()]) \
                        or _DECLINED_AFTER.match(text[match.end():]):
                    return True
    return False


# ------------------------------------------------------------------ a person

_PERSON = re.compile(
    r"人工|(?<!是)真人(?!吗|还是|呢)|换个人|换人|找人|叫人|活人|[找叫派来]个(?:真)?人(?!信息|资料|中心)|换个客服|不要机器人|不跟机器人|别用机器人"
    r"|唔好同机器人|客服来|你们(?:领导|经理|主管|负责人)|找(?:领导|经理|主管)"
    r"|打电话给我|给我打电话|来电话|打给我|专人|转接|接线员")
_COMPLAINT = re.compile(r"投诉")  # a request for a person, or a threat ("再不发我就打12315投诉你们")
_NOT_ASKING = re.compile(r"是不是真人|是真人|真人还是|还是真人|是人吗|是机器人|机器人吗|还是机器人|是人还是|人工还是"
                         r"|是人工吗|还是自动|自动回复吗")


def asks_for_person(text: str) -> bool:
    """Whether the words ask for a person to take over ("转人工", "叫你们经理来", "给我打电话"),
    as opposed to asking who is talking ("你是真人还是机器人") or naming a remedy."""
    text = normalize(text)
    if _NOT_ASKING.search(text) and not re.search(r"转人工|人工客服|要人工|找人工|接人工", text):
        return False
    return bool(_PERSON.search(text) or _COMPLAINT.search(text))


def wants_a_person(text: str) -> bool:
    """Whether the words plainly ask for a person ("找个人来处理", "转人工"), not only threaten a
    complaint: words that do this win over whatever else they say."""
    text = normalize(text)
    return asks_for_person(text) and bool(_PERSON.search(text))
