"""Which language a text is written in, as far as the diagnosis needs to know: Chinese, which the
model reads, or another language, which it must not guess at.

Mixed text is Chinese when it has Chinese characters ("iPhone屏幕碎了", "质量good"); a short Latin
reply ("ok", "好评 5 stars") is not flagged; Japanese is told from Chinese by its kana.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

CHINESE = "zh"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_WORD = re.compile(r"[^\W\d_]+")
_KANA_OR_HANGUL = re.compile(_KANA.pattern[:-1] + _HANGUL.pattern[1:])
# Other scripts by the first word of their Unicode character names.
_SCRIPTS = {"LATIN": "en", "CYRILLIC": "ru", "ARABIC": "ar", "THAI": "th", "DEVANAGARI": "hi", "HEBREW": "he",
            "GREEK": "el", "HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja"}
NAMES = {"en": "English", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "ar": "Arabic", "th": "Thai",
         "hi": "Hindi", "he": "Hebrew", "el": "Greek", "other": "a language other than Chinese"}
NAMES_ZH = {"en": "英文", "ja": "日文", "ko": "韩文", "ru": "俄文", "ar": "阿拉伯文", "th": "泰文", "hi": "印地文",
            "he": "希伯来文", "el": "希腊文", "other": "中文以外的语言"}
MIN_LETTERS = 6  # fewer letters in another script ("ok", "thx") are not taken as a language
MIN_KANA = 2
# A face drawn with symbols ("(ー_ー)!!", "ヽ(｀Д´)ノ", "¯\\_(ツ)_/¯") is no Japanese: the brackets and what
# they hold (no Chinese in them), with a hand or an arm beside them, and the long-vowel mark and middle
# dot, which faces use alone, are not counted as kana.
_FACE = re.compile(r"[ヽ\\ノ╯┐└┘ლ٩¯]*[(（][^()（）\u4e00-\u9fff]{1,14}[)）][ノ╯┌┐ლ۶و/¯_]*")
_FACE_MARKS = re.compile(r"[ー・ｰ･]")


class Language(NamedTuple):
    code: str  # "zh" or another code (en for any Latin-script text)

    @property
    def chinese(self) -> bool:
        return self.code == CHINESE

    @property
    def name(self) -> str:
        return "Chinese" if self.chinese else NAMES.get(self.code, NAMES["other"])


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return _SCRIPTS.get(name.split(" ", 1)[0], "other")


def plainly_chinese(text: str) -> bool:
    """A quick yes for most texts: Chinese characters and no kana or hangul (then detect says zh)."""
    return _HAN.search(text) is not None and _KANA_OR_HANGUL.search(text) is None


def detect(text: str) -> Language:
    """Chinese unless the text has no Chinese characters and enough words in another script, or
    Japanese kana or Korean hangul."""
    kana = _FACE_MARKS.sub("", _FACE.sub(" ", text))
    if len(_KANA.findall(kana)) >= MIN_KANA:
        return Language("ja")
    if len(_HANGUL.findall(kana)) >= MIN_KANA:
        return Language("ko")
    if _HAN.search(text):
        return Language(CHINESE)
    words = _WORD.findall(text)
    letters = sum(map(len, words))
    if letters < MIN_LETTERS:
        return Language(CHINESE)  # nothing much to read: "ok", digits, emoji
    scripts: dict[str, int] = {}
    for word in words:
        script = _script(word[0])
        scripts[script] = scripts.get(script, 0) + len(word)
    return Language(max(scripts, key=lambda script: scripts[script]))
