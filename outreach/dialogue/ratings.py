"""A satisfaction rating from 1 to 5 as buyers give it: digits, scores ("4分", "五星"), stars
("⭐⭐⭐⭐") or words ("还行", "一般般", "挺满意的", "太差了"). Pure functions over text.
"""

from __future__ import annotations

import re

from outreach.diagnosis.numbers import RATING_WORDS, scored_number
from outreach.dialogue.words import CN_DIGITS as _CN
from outreach.dialogue.words import WRONG_PRESS, normalize, tells_a_slip, without_money
from outreach.dialogue.words import number_of as _number

_STARS = re.compile(r"[★⭐🌟]")
# One star drawn beside how many it stands for: "5⭐", "4颗⭐", "⭐x5", "⭐*3".
_COUNTED_STAR = re.compile(r"(?<![\d.])([1-5一二两三四五])\s*(?:颗|个)?\s*星?\s*[★⭐🌟]"  # "五颗星⭐" too
                           r"|[★⭐🌟]\s*[x×*]\s*([1-5])(?![\d.])")
_EXTRA_RATING_WORDS = {
    "贼满意": 5, "老满意了": 5, "特满意": 5, "可满意了": 5,  # northern "very"
    "还好": 3, "一般般": 3, "凑活": 3, "就那样": 3, "马马虎虎": 3, "中规中矩": 3, "还凑合": 3,
    "普通": 3, "普普通通": 3,  # Taiwan "普通啦": so-so
    "还中": 3, "中不溜": 3,  # Henan 中 (行): "还中吧"
    "倍儿满意": 5, "倍满意": 5, "非常之满意": 5,  # Tianjin 倍儿 (very); Cantonese 非常之
    "挺好的": 4, "蛮好": 4, "满意的": 4, "挺满意的": 4, "还满意": 4, "比较好": 4, "可以的": 4, "不赖": 4,
    "很好": 5, "非常好": 5, "特别好": 5, "超好": 5, "太好了": 5, "很棒": 5, "点赞": 5, "五星好评": 5,
    "不好": 2, "不咋地": 2, "不太好": 2, "不行": 2, "失望": 1, "很失望": 1, "太失望": 1, "一星": 1,
    "贼拉满意": 5, "老鼻子满意": 5, "巨满意": 5, "相当满意": 5,  # northeastern and net intensifiers
    "嘎嘎满意": 5, "嘎嘎好": 5, "杠杠的": 5, "老好了": 5,
    # satisfied, negated with a softener: "不怎么满意", "不是很满意" (a "not quite" is 3)
    "不怎么满意": 2, "不咋满意": 2, "不是很满意": 2, "不大满意": 2, "不是太满意": 2, "不怎么好": 2,
    "不是好满意": 2,  # Cantonese 唔係好滿意 (not very satisfied)
    "不够满意": 2, "不算满意": 2, "不是特别满意": 3, "不是非常满意": 3, "不算太满意": 3,
}
# A score taken back for another: "打个4分 哎算了 给你们满分", "3分吧 不对 还是5分".
# (and a score pressed by mistake: "2 哦按错了 是4")
_TAKEN_BACK = re.compile(rf"算了|不对|还是|改成|改一下|重新|应该是|{WRONG_PRESS}")
# A score denied beside the one given: "是4分不是2分", "不是2分 是4分".
_DENIED_SCORE = re.compile(r"[\s,，]*(?:而)?不是\s*(?:[1-5]|[一二两三四五])\s*(?:分|星|颗星|(?=[\s,，。.!！]|$))")
# A point taken off a score, said beside it: "少一分", "扣一分是因为…", "减两分".
_POINT_OFF = re.compile(r"(?:少|扣|减|差)(?:了|掉)?\s*(?:[1-5]|[一二两三四])\s*(?:分|颗?星)")
# Not a cent less: "一分也不能少", "一分钱都别少" (money, no score of 1).
_NOT_A_CENT = re.compile(r"一分钱|一分(?:也|都)(?:不能|不可以|不好|不|别|没)少")
_RATING_WORDS = {**RATING_WORDS, **_EXTRA_RATING_WORDS}
_FULL_MARKS = re.compile(r"(?<!不)(?<!不给)(?<!没)(?<!不是)满分|给满(?!意)|打满(?!意)")
_BY_LENGTH = sorted(_RATING_WORDS, key=len, reverse=True)
_PAST = re.compile(r"以前|之前|上次|上回|平时|一直|每次|向来|从来")


def satisfied_in_words(text: str) -> int | None:
    """A rating of 4 or 5 said only in words ("非常满意", "挺好的"), no digits, stars or 分: at an
    offer it says the buyer is content with it. None otherwise ("4" at an offer is no answer to it)."""
    if re.search(r"[\d０-９★⭐🌟]|分|星", text or "") or _PAST.search(text or ""):
        return None  # ("你们家以前的都挺好 这回真是意外": praise of the past, no answer to the offer)
    rating = read_rating(text)
    return rating if rating is not None and rating >= 4 else None


_SHARE_OUT = re.compile(r"分一分|分一下|分着|平分|分了吧")
# A clause of what would have been: "要是鱼能活着到就5分了", "如果再快点就满分".
_IF_CLAUSE = re.compile(r"(?:要是|如果|假如|要不是|若是|不然|否则)[^，。,.!！？?；;]*")


# A level denied: "非常不满意倒不至于，就是不太满意" (not 1), "差评谈不上".
_NOT_THAT = re.compile(r"[^\s，,。.!！？?]{1,6}?(?:倒|也|倒也)?(?:不至于|谈不上|说不上)")
# Not unhappy, said round about: "倒也没什么不满意的" (a 4, unless a level is said beside it).
_NOT_UNHAPPY = re.compile(r"(?:倒|也|倒也)?没(?:什么|啥|有|有什么|有啥)?(?:可)?不满意(?:的)?")
# A score given on another scale: "打一百分", "给你们十分", "给个9分".
_OUT_OF_RANGE = re.compile(r"(?:打|给)(?:你们?|您|个)?\s*"
                           r"(?:[6-9]|\d{2,}|[一二两三四五六七八九]?[十百千][一二三四五六七八九十]*|[六七八九])\s*分")
# Goods made do with: "杯子就凑合着用吧", "凑合吃吧" (of the goods, not of the service).
_MAKE_DO = re.compile(r"凑(?:合|活)着?(?:用|吃|穿|过|喝|戴|使)")
# A score given with a verb: "给个4吧", "那就给个2吧", "那就4吧".
_GIVEN = re.compile(r"(?:(?:给|打)(?:个|你|您|你们|您们)?\s*([1-5一二三四五])|(?:那就|就|那)\s*([1-5一二三四五]))"
                    r"\s*(?:分|星)?\s*(?=吧|啊|呀|嘛|了|$|[\s，,。.!！~～])")


def read_rating(text: str) -> int | None:
    """A 1-5 rating in digits ("4"), scores ("4分", "五星", "一颗星"), stars ("⭐⭐⭐⭐") or words
    ("还行", "一般般", "挺满意的", "太差了"); None when the text holds none in range. Words that trail
    off ("哦最多5分啊…那就4吧", "我想想哈…那就给个4吧") are decided by what comes last."""
    weighed = [part for part in re.split(r"\.{2,}|…+", normalize(text)) if part.strip()]
    if len(weighed) > 1:
        for part in reversed(weighed):
            rating = _read_rating(part)
            if rating is not None:
                return rating
        return None
    return _read_rating(text)


def scored_out_of_range(text: str) -> bool:
    """Whether the words give a score on another scale ("给你们打一百分"): no rating, asked again."""
    return bool(_OUT_OF_RANGE.search(normalize(text)))


def _read_rating(text: str) -> int | None:
    # "5份", "给你五份": 分 mistyped, as a score said alone
    text = re.sub(r"^(\s*(?:给你|给您|给|打)?\s*[1-5一二三四五])\s*份(?=\s*[吧啊呀哦的了]?\s*[。.!！~～]*\s*$)",
                  r"\1分", normalize(text))
    if _OUT_OF_RANGE.search(text):
        return None  # "给你们打一百分 满分一百那种": a score on another scale is no rating; asked again
    text = _NOT_A_CENT.sub(" ", text)  # "钱全部退给我 一分也不能少": money, no score
    text = _POINT_OFF.sub(" ", text)  # "给四分吧 少一分是因为发货慢": the point taken off is no score
    text = without_money(text)  # "5块？凑个10块呗": a sum of money is no score
    text = _SHARE_OUT.sub(" ", text)  # "4分，我们四个分一分": the money shared out, no score of 1
    unless = _IF_CLAUSE.sub(" ", text)
    if unless != text and scored_number(unless) is not None:
        text = unless  # "给你们4分吧，要是鱼能活着到就5分了": the score it would have been is none
    text = text.replace("不好意思", " ")  # "不好意思 刚看到": an apology, no 不好 of the service
    text = text.replace("满意度", " ")  # "你问的满意度我不评": the question named, no score
    text = _MAKE_DO.sub(" ", text)  # "满意，杯子就凑合着用吧": the goods made do with, no score of 3
    text = _NOT_THAT.sub(" ", text)  # "非常不满意倒不至于": that level denied
    kept = _NOT_UNHAPPY.sub(" ", text)
    if kept != text:  # "倒也没什么不满意的，就一般吧": the level said beside it, else content
        return _read_rating(kept) if _read_rating(kept) is not None else 4
    kept = _DENIED_SCORE.sub(" ", text).strip()
    if kept != text and kept:  # "是4分不是2分": the score denied is no answer
        text = kept
    stars = len(_STARS.findall(text))
    counted = _COUNTED_STAR.search(text) if stars == 1 else None
    if counted:  # "5⭐", "⭐x4": one star drawn beside how many
        return int(_number(counted.group(1) or counted.group(2)) or 0) or None
    if stars:
        return stars if 1 <= stars <= 5 else None
    for corrected in reversed(list(_TAKEN_BACK.finditer(text))):
        if corrected.start() == 0:
            continue
        # ("按错了 是4": the score said again, after what takes the first back)
        again = read_rating(re.sub(r"^[了的啦]?[\s,，。.!！]*(?:是|给|打|改成|应该是)?\s*", "", text[corrected.end():]))
        if again is not None:  # what is said after taking the first answer back
            return again
    value = scored_number(text)
    given = list(_GIVEN.finditer(text)) if value is None else []
    if given:  # "给个2吧，不想多说", "那就4吧"
        value = int(_number(given[-1].group(1) or given[-1].group(2)) or 0)
    if value is None and _FULL_MARKS.search(text):  # "挺好的 给满分": the score given, not the remark
        value = 5
    if value is None:
        # a digit said beside the words ("交关满意 5", "5 这次算你们快"): the score given is the digit
        alone = re.search(r"(?:^|\s)([1-5])\s*[。.!！~～]*\s*$", text) \
            or re.match(r"\s*([1-5])(?:\s+|[，,。.!！]\s*)(?=\D)", text)
        if alone:
            return int(alone.group(1))
        # the longest phrase wins, so "不满意" is never read as "满意"; a question ("全退不行吗？") rates nothing
        asked = re.search(r"吗|(?<![这那怎什多要])么", text)
        word = None if asked else next((w for w in _BY_LENGTH if w in text), None)
        if word is not None:
            return _RATING_WORDS[word]
        bare = re.fullmatch(rf"\s*(?:给|打)?\s*(\d+|[{_CN}])\s*(?:吧|啊|呀|哦|的|。|!|！)?\s*", text) \
            or re.match(r"\s*([1-5])(?:\s+|[，,。.!！]\s*)(?=\D)", text)  # "5 这次算你们快": a score, then words
        if bare:
            number = _number(bare.group(1))
            value = int(number) if number is not None and number.denominator == 1 else None
    return value if value is not None and 1 <= value <= 5 else None


# The rating question turned down: "不评了", "跳过", "不想打分 没啥好说的", "分就不打了".
_NO_RATING = re.compile(r"不评|不想评|不用评|不打分|不想打分|不用打分|分就不打|分不打了|不打了|跳过|skip|免评|不参与")


def declines_rating(text: str) -> bool:
    """Whether the words turn the rating question down and give no rating."""
    text = normalize(text)
    return bool(_NO_RATING.search(text)) and read_rating(text) is None


def corrected_rating(text: str) -> int | None:
    """The rating the words give in place of one just given by a slip ("啊手滑点错了 是4分不是2分":
    4); None when they tell no slip or give no rating."""
    text = normalize(text)
    if not tells_a_slip(text):
        return None
    rating = read_rating(text)
    if rating is None:  # "啊点错了 是4 不是2 手滑": the one score left when the denied one is taken out
        digits = re.findall(r"(?<![\d.])[1-5](?![\d.])", _DENIED_SCORE.sub(" ", text))
        rating = int(digits[0]) if len(digits) == 1 else None
    return rating


# A rating just given taken back in so many words ("啊说错了 是满意", "不对不对 应该是4分", "口误").
_RATING_TAKEN_BACK = re.compile(r"说错|打错|点错|按错|选错|手滑|口误|不对|哦不|噢不|更正|改成|改为|改一下")
# Words that make a score a rating (1-5), not the 0-10 answer to the recommendation question.
_RATING_SAID = re.compile(r"满意|星|分|差评|好评|中评|一般|还行|凑合")


def rating_taken_back(text: str) -> int | None:
    """At the recommendation question, the rating the words give in place of the one just recorded
    ("啊说错了 是满意 还没到非常的程度": 4); None when they take nothing back or name no rating in
    words (a bare "说错了 是8" corrects the 0-10 answer)."""
    text = normalize(text)
    if not _RATING_TAKEN_BACK.search(text) or not _RATING_SAID.search(text):
        return None
    return corrected_rating(text) or read_rating(_RATING_TAKEN_BACK.split(text)[-1]) or read_rating(text)


# A level said alone, its word to follow in the next message: "非常" / "满意", "不太" / "满意".
_LEVEL_ONLY = re.compile(r"(?:非常|十分|特别|超级|超|很|挺|蛮|相当|真的|贼|巨"
                         r"|不|不太|不是很|不怎么|不大|一点都不|一点也不)[\s!！。.~～…,，]*")


def rating_over_two(before: str, text: str) -> int | None:
    """A rating said over two messages ("非常" then "满意": 5): the rating of both read together
    when the earlier one is a level alone; None otherwise."""
    before = normalize(before or "").strip()
    if not before or not _LEVEL_ONLY.fullmatch(before):
        return None
    return read_rating(re.sub(r"[\s!！。.~～…,，]+", "", before) + normalize(text).strip())
