"""The bot reads problems with the same model as bulk triage (outreach.diagnosis).

Placed after the intent classifier, which tells conversation intents (yes, no, a rating, a request for a
person...) from problem descriptions; when the message describes a problem, this component names it
with the diagnosis model in use, loaded exactly as `outreach diagnose` loads it, so the two agree. A
message the model cannot decide gets a low confidence, and FallbackClassifier then has the bot ask
which of the likeliest problems it is. A message in a language the model does not read becomes the
intent `other_language`: a person takes over, nothing is guessed. Every reading carries the model's
version (`diagnosis` in the parse result), so what the buyer confirms or corrects is recorded with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from outreach.diagnosis.classifier import VAGUE_CONFIDENCE, Diagnoser, Diagnosis
from outreach.diagnosis.decisions import Decision
from outreach.diagnosis.features import readable
from outreach.diagnosis.language import detect
from outreach.diagnosis.registry import load_diagnoser
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy
from outreach.dialogue.knowledge import without_words_said_back
from outreach.dialogue.words import (
    PIECE_WORDS,
    is_command_like,
    is_key_mash,
    normalize,
    own_words,
    without_markup,
    without_money,
)

OTHER_LANGUAGE = "other_language"


# A yes or no this long may carry details naming problems (several, or a more urgent one;
# "不是 是少发了" is 7 characters).
MIN_DETAIL_CHARS = 5
# A clause names a problem of its own only when the model is this sure of it: the whole-text
# second labels are too loose for acting on ("退钱" is no price problem).
CLAUSE_SURE = 0.7
# Beside another problem the message names surely, a clause names one more by the model alone only
# when the model is surer still, or the clause holds one of the label's cues (taxonomy file: `cues`,
# "晚发了好几天", "客服态度特别冲", "整箱才9斤"): the stories around a problem ("想着能撑一个月", "还没给
# 她吃", "孩子那本子全泡了") are read as problems of their own at 0.7-0.8 far more often than a real
# second problem without a word of it is.
SECOND_SURE = 0.8
# Beside a problem told in its own words (its signs or cues), a clause with no word of its label names
# one more only when the model is all but certain: "结果等来的是这样的东西" beside dead shrimp (0.95
# for a wrong item) and "又按了一次" beside a double charge (0.86 for a defect) are the story.
WORDLESS_SURE = 0.97
# A message with more clauses than this for the model is a long story (a rant): the model names
# only the whole text's problem in it; further problems need their signs.
LONG_CLAUSES = 8
_CLAUSES = re.compile(r"[，,。！!？?；;：:、\s]+|而且|并且|另外|还有|再加上")
# A clause that is only an amount ("一斤半", "3个", "三分之一") names no problem of its own.
_AMOUNT_ONLY = re.compile(
    # ("两斤出头，就算两斤": how much, said roughly and settled)
    r"^(?:箱子里|盒子里|袋子里|包裹里|里面|一共|总共|只有|就有|就算|算|就|才|只|有|共|大概|大约|差不多|估计)*\s*"
    r"(?:(?:一|每)\s*[盒箱袋包份])?\s*"  # "一盒十只": what a box holds
    r"(?:[\d.]+|[零〇一二两三四五六七八九十百半几]+)(?:分之[零〇一二两三四五六七八九十\d]+)?\s*"
    # (money alone too: "就5块钱？？" of the offer is no price problem)
    rf"(?:[{PIECE_WORDS}]|斤|两|克|公斤|kg|g|%|成|块钱|元|钱|毛钱?)?\s*(?:半|多|左右|出头)?[吧吗啊呀]?$")
_SOME_AMOUNT = re.compile(r"[\d一两二三四五六七八九十半俩仨]")
_WEIGHT_UNIT = re.compile(r"斤|克|公斤|kg|(?<![a-z])g(?![a-z])")
# How many pieces were promised ("说是10双", "说的4袋"): an amount, no problem of its own (what came
# short is told beside it). A weight promised ("说好的8斤") is the listing's, against a weighing.
_PROMISED_PIECES = re.compile(r"^(?:我|我们|明明)?(?:说是|说的是?|说好的?|不是说|标的是?|写的是?|写着|页面上?写的?"
                              r"|买的是?|拍的是?|订的是?)\s*"
                              rf"(?:[\d.]+|[零〇一二两三四五六七八九十百几]+)\s*[{PIECE_WORDS}](?:装)?$"
                              # a weight bought ("买的5斤") is the order's quantity, no problem either
                              r"|^(?:我|我们)?(?:买的是?|拍的是?|订的是?|买了|拍了|订了)\s*"
                              r"(?:[\d.]+|[零〇一二两三四五六七八九十百几]+)\s*(?:斤|公斤|千克|kg|克|g)半?$")
# A clause right after a correction ("烂了3斤 哦不对 我刚称了是2斤半") that only restates the amount,
# weighed or counted again: it corrects the amount before it and names no problem of its own.
_CORRECTION = re.compile(r"不对|说错了?|搞错了?|看错了?|数错了?|打错了?|哦不|应该是|更正")
_RESTATED = re.compile(r"^(?:我|又|刚|刚刚|才|重新|仔细|再)*(?:称|数|点|量|看)(?:了|过)?(?:一下|下|一遍)?(?:是|有|就)?")
# What happened with goods bought elsewhere before ("我上次在别的店买的那个用了半年就鼓包了"): no
# problem of this order, whatever its signs.
_ELSEWHERE_BEFORE = re.compile(r"(?:上次|上回|以前|之前|去年|前年)(?:在|从)?(?:别的|别家|其他|另一家|另外一家)")
# A remedy waved away or turned down, alone ("退钱没用", "别退钱"): no problem named.
_REMEDY_ALONE = 6
# Who the goods were for ("给我小姨寄的", "我姐乔迁我买的", "帮闺蜜她妈订的", "送老丈人的"): no problem.
_FOR_SOMEONE = re.compile(r"^(?:是的?|对的?|嗯)?(?:这是|这个是|东西是)?(?:我)?"
                          r"(?:(?:给|帮|替|送)[^，,。\s]{1,8}?(?:寄|买|订|拍|送|带)(?:的|了)?|送[^，,。\s]{1,8}的"
                          r"|(?:寄|送|买)给[^，,。\s]{1,8}的)"
                          # and the goods named after it: "孩子给俺拍的鸡蛋" (not "给我发的是黑色")
                          r"(?:(?<=的)(?!是)[\u4e00-\u9fff]{1,4})?$"
                          r"|^(?:是的?|对的?|嗯)?[^，,。\s]{1,8}?我(?:买|订|拍|送)的(?:(?!是)[\u4e00-\u9fff]{1,4})?$"
                          # who paid: "是孙子付的钱", "钱是我闺女出的"
                          r"|^(?:是|钱是|这钱是)?[^，,。\s]{1,6}?(?:付|出|垫|掏)的(?:钱|款)?$")
# A share said of what is short or the same amount said as a share ("少了两成", "半斤就是四分之一"): how
# much, no problem of its own (the weighing or the count beside it tells which).
_SHARE_ONLY = re.compile(r"^(?:少了|差了|缺了|少|差)\s*(?:[\d.]+|[零〇一二两三四五六七八九十百半]+)\s*(?:成|%|个点)$"
                         r"|^[^，,。\s]{1,6}(?:就是|等于|相当于|也就是)\s*(?:[\d.]+\s*%|[零〇一二两三四五六七八九十百]+成"
                         r"|[零〇一二两三四五六七八九十百\d]+分之[零〇一二两三四五六七八九十百\d]+|一半|一小半|一大半)$")
# The whole a count is of, said as a clause of its own ("三斤里面", "12个当中"): no problem in it.
_WHOLE_ONLY = re.compile(r"^(?:一共|总共)?(?:[\d.]+|[零〇一二两三四五六七八九十百几]+)\s*"
                         rf"(?:[{PIECE_WORDS}]|斤|公斤|克)?\s*(?:里头|里面|里边|当中|中间|之中)的?$")
# A part named with its count, as in a list ("缺配件：充电器1个、钻头盒1个"): what is meant, no problem
# of its own (one told names a harm: "碎了1个").
_PART_COUNTED = re.compile(rf"^[\u4e00-\u9fff]{{1,6}}?(?:\d+|[一两二三四五六七八九十])\s*[{PIECE_WORDS}]$")
_HARM_WORD = re.compile(r"[碎坏烂破裂死臭霉少缺漏错丢化扁瘪]")
# Words to the bot about talking to it ("跟你说也一样", "和你讲也没用"): no problem in them.
_TO_THE_BOT = re.compile(r"^(?:那|那就)?(?:算了)?(?:跟|和|同|对)(?:你|您)(?:们)?(?:说|讲)(?:了)?(?:也|都)?"
                         r"(?:一样|没用|白说|行|成)")
# Words that only say yes or no, however often repeated ("是啊是啊", "对对对对"): no problem in them.
# A clause that only takes back what was said ("我说错了", "搞错了"): no problem in it.
_ONLY_TAKEN_BACK = re.compile(r"^(?:我|哦|噢|啊|哎)?(?:刚才|刚刚)?(?:说错|搞错|打错|看错|弄错|记错|写错|讲错)了?$")
_ONLY_YES_NO = re.compile(r"^(?:是的?|是啊|对的?|对啊|嗯|恩|好的?|行|可以|没错|不是|不对|没有)+[啊呀啦嘛哈的了~～]*$")


def clause_problems(diagnoser: Diagnoser, text: str) -> dict[str, str]:
    """The problems the clauses of a message name, each surely, in order, with the clauses that
    name it; a clause that asks for a remedy ("退钱") or only says yes or no names none by the
    model. The words are read as meant first (typing slips, dialect, traditional characters:
    outreach.dialogue). A clause told rather than asked that shows a label's signs (taxonomy
    file: `signs`, "又吐又拉", "没发") names that label whatever the model says, however short.
    A problem a person must take first (rules file: person_first), in a clause that asks rather
    than tells, is named only as surely as triage makes it the primary problem (PRIMARY_MIN):
    "你们眼睛长哪里去了" is an insult, not an eye injury; "狗吃了以后一直拉肚子" is told, and named."""
    clauses = clauses_to_read(text)
    reads = model_reads(clauses)
    if len(reads) <= LONG_CLAUSES:
        return problems_named(diagnoser.tax, clauses, diagnoser.diagnose_many(reads))
    diagnoses = diagnoser.diagnose_many([text, *reads])  # a rant: the whole text's problem too
    return problems_named(diagnoser.tax, clauses, diagnoses[1:], only=diagnoses[0].category)


def clauses_to_read(text: str) -> list[tuple[str, bool]]:
    """Every clause of a message, in order, with whether the model reads it (clause_problems)."""
    from outreach.dialogue.remedy_words import read_remedy, refused_kinds, remedy_named
    from outreach.dialogue.words import normalize
    from outreach.dialogue.yes_no import read_yes_no, says_fine

    clauses = []
    corrected = False  # the clause before took something back
    for told in _CLAUSES.split(normalize(text)):
        told = told.strip()
        # (a sum of money worked out names no problem: "两斤一百三十九块六" is only how much)
        clause = without_money(told).strip() or told
        if not told:
            continue
        restated = corrected and bool(_AMOUNT_ONLY.match(_RESTATED.sub("", clause)))
        corrected = bool(_CORRECTION.search(clause))
        skipped = (restated or len(clause) < 3 or read_remedy(clause) is not None
                   or (len(clause) <= _REMEDY_ALONE and bool(remedy_named(clause) or refused_kinds(clause)))
                   or (len(clause) <= 4 and bool(read_yes_no(clause)))
                   or bool(_ONLY_YES_NO.match(clause)) or bool(_AMOUNT_ONLY.match(clause))  # "一斤半": how much
                   or bool(_PROMISED_PIECES.match(clause))
                   or bool(_FOR_SOMEONE.match(clause))  # "给我小姨寄的": whom the goods were for
                   or bool(_SHARE_ONLY.match(clause))  # "少了两成", "半斤就是四分之一": how much
                   or bool(_WHOLE_ONLY.match(clause))  # "三斤里面": of how much
                   or (bool(_PART_COUNTED.match(clause)) and not _HARM_WORD.search(clause))  # "充电器1个"
                   or bool(_ONLY_TAKEN_BACK.match(clause))
                   or bool(_TO_THE_BOT.match(clause))
                   or len(set(clause)) * 3 < len(clause)  # "等了好久好久好久…": a rambling clause
                   or says_fine(clause))  # "芒果挺新鲜的", "物流还行": what is fine names no problem
        clauses.append((told, not skipped))
    return clauses


def model_reads(clauses: list[tuple[str, bool]]) -> list[str]:
    """The clauses the model reads, in order (one batch for all of them)."""
    return [clause for clause, read in clauses if read]


def problems_named(tax: Taxonomy, clauses: list[tuple[str, bool]], diagnoses: Sequence[Diagnosis],
                   only: str | None = None) -> dict[str, str]:
    """What clause_problems makes of the clauses, their signs and the diagnoses of those the model
    reads (`diagnoses`, in the order of model_reads). `only`: in a long message (more than
    LONG_CLAUSES clauses the model reads), the model names only the whole text's problem; others
    come from their signs ("我3号拍的", "说是4到5斤" in a rant about rot are no problems of their own)."""
    from outreach.diagnosis.classifier import PRIMARY_MIN
    from outreach.dialogue.knowledge import is_question
    from outreach.rules.loader import rules

    urgent = set(rules().person_first)
    message = " ".join(clause for clause, _read in clauses)
    found: dict[str, str] = {}
    sure: set[str] = set()  # labels named by their signs, by a cue or by the model at SECOND_SURE or above
    worded: set[str] = set()  # labels named by their signs or with a cue
    certain: set[str] = set()  # labels the model names at WORDLESS_SURE or above
    read = iter(diagnoses)
    for at, (clause, by_model) in enumerate(clauses):
        if _ELSEWHERE_BEFORE.search(clause):
            if by_model:
                next(read)  # (read with the others, in one batch: its diagnosis is passed over)
            continue
        asked = is_question(clause)
        # (a weight said as a clause of its own belongs to the clause before: "称了一下 才9斤")
        then = clauses[at + 1][0] if at + 1 < len(clauses) else ""
        weighed = bool(_AMOUNT_ONLY.match(then)) and bool(_WEIGHT_UNIT.search(then))
        named = [] if asked else tax.signs_in(f"{clause} {then}" if weighed else clause)
        if by_model:
            result = next(read)
            least = PRIMARY_MIN if result.category in urgent and asked else CLAUSE_SURE
            if result.hurt and result.category != NO_PROBLEM and result.confidence >= least \
                    and (only is None or result.category == only) \
                    and not named and tax.model_may_name(result.category, clause, message):
                # (a clause whose signs name its problem is that problem: "上面一片片绿点" of mouldy bread
                # is the mould, not a listing the model half suspects)
                named.append(result.category)
                cued = tax.cued(result.category, clause)
                if result.confidence >= SECOND_SURE or cued:
                    sure.add(result.category)
                if cued:
                    worded.add(result.category)
                if result.confidence >= WORDLESS_SURE:
                    certain.add(result.category)
            else:
                sure.update(named)
                worded.update(named)
        else:
            sure.update(named)
            worded.update(named)
        # (an amount said as a clause of its own is how much of it, when the clause says none:
        # "烂的我都挑出来了，一共3斤"; not "死了两只 盒子里一共才7只", how many the box held)
        told = f"{clause} {then}" if then and _AMOUNT_ONLY.match(then) and not _SOME_AMOUNT.search(clause) else clause
        for label in named:
            # every clause naming it: "满减没减 多付了15块" says which price problem together
            found[label] = f"{found[label]} {told}" if label in found else told
    if sure & set(found) and len(found) > 1:
        # another problem is named surely: the guesses beside it are stories, not problems
        found = {label: clause for label, clause in found.items() if label in sure}
    if worded & set(found) and len(found) > 1:
        found = {label: clause for label, clause in found.items() if label in worded | certain}
    return found


def remedy_clauses(diagnoser: Diagnoser, text: str, several_problems: bool = False) -> list[dict[str, Any]]:
    """When one message picks several remedies ("碎的退钱，少的补发"): each remedy with how likely each
    problem is to be what the words before it point at ("碎的"); the conversation matches them to
    the problems the buyer named (outreach.cases.conversation.choose_remedy). Empty for one remedy,
    unless the message names several problems (`several_problems`): then the one remedy goes with
    what it is said of ("芒果烂了3个 还少发了2个 少的那两个直接退钱就行"), or with the clause told
    right before it ("吹风机不出热风了 给我换个新的 另外客服态度也太差了")."""
    from outreach.dialogue.remedy_words import remedies_by_clause, remedy_mentions

    pairs = remedies_by_clause(text)
    if len(pairs) < 2 and several_problems:
        pairs = pairs or _remedy_after_clause(text, remedy_mentions)
        if len(pairs) != 1:
            return []
    elif len(pairs) < 2:  # one remedy for one thing: the usual reading
        return []
    probabilities = diagnoser.probabilities_many([subject for subject, _remedy in pairs])
    return [{"remedy": remedy, "problems": {label: round(p, 4) for label, p in found.items()}}
            for (_subject, remedy), found in zip(pairs, probabilities)]


def _remedy_after_clause(text: str, mentions: Any) -> list[tuple[str, str]]:
    """The one remedy named in a clause of its own, with the clause told before it as its subject."""
    from outreach.dialogue.words import clauses_of, normalize

    clauses = clauses_of(normalize(text))
    named = [(i, mentions(clause)) for i, clause in enumerate(clauses) if mentions(clause)]
    if len(named) != 1 or named[0][0] == 0 or len({kind for _at, kind in named[0][1]}) != 1:
        return []
    i, found = named[0]
    return [(clauses[i - 1], found[0][1])]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ProblemClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, config: dict[str, Any], diagnoser: Diagnoser) -> None:
        self.config = {**self.get_default_config(), **config}
        self.diagnoser = diagnoser
        self.labels = set(diagnoser.tax.ids)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProblemClassifier:
        # The model in use (outreach.diagnosis.registry); a model that does not fit the code or
        # the taxonomy stops the server here with a message naming the file and what to run.
        return cls(config, load_diagnoser())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):  # buttons send intents directly
                continue
            # "{amount}" pasted is no English; "keyi jiu zheyang ba" read as meant is Chinese
            language = detect(normalize(without_markup(text)))
            if not language.chinese and readable(without_markup(text)) and not is_key_mash(text) \
                    and not is_command_like(text):
                self._other_language(message, language.code)
            else:
                # (a courier's notice pasted before the buyer's words names no problem of theirs)
                # (nor the bot's words said back in a question: "你说「全额退回219元」 那手机寄到哪？")
                text = own_words(without_words_said_back(text), quotes=False)
                self._name_problem(message, text)
                remedies = remedy_clauses(self.diagnoser, text, len(message.get("problems") or []) > 1)
                if remedies:
                    message.set("remedy_clauses", remedies, add_to_output=True)
        return messages

    def _other_language(self, message: Message, code: str) -> None:
        original = dict(message.get(INTENT) or {})
        message.set("conversation_intent", original, add_to_output=True)
        message.set(INTENT, {INTENT_NAME_KEY: OTHER_LANGUAGE, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(message.get(INTENT))], add_to_output=True)
        message.set("diagnosis", {"language": code, "model_version": self.diagnoser.version}, add_to_output=True)

    def _name_problem(self, message: Message, text: str) -> None:
        original = dict(message.get(INTENT) or {})
        intent = original.get(INTENT_NAME_KEY)
        if intent not in self.labels:  # a conversation intent: yes, no, a rating...
            if len(text) >= MIN_DETAIL_CHARS:  # "是的，颜色发错了，还晚发了几天": the problems it names
                found = clause_problems(self.diagnoser, text)
            else:  # shorter, only a sign says one: "不热了👎" (the classifier's "no" for the thumbs-down)
                found = {label: text for label in self.diagnoser.tax.signs_in(normalize(text))}
            if found:
                message.set("problems", list(found), add_to_output=True)
                message.set("problem_clauses", found, add_to_output=True)
            return
        # The whole text and each clause that may name a problem, diagnosed in one batch; the
        # text's twelve probabilities from the same scoring.
        clauses = clauses_to_read(text)
        diagnoses, probabilities_of = self.diagnoser.diagnose_with_probabilities([text, *model_reads(clauses)])
        diagnosis = diagnoses[0]
        if diagnosis.confidence == 0.0:  # nothing to read
            return
        confidence = diagnosis.confidence
        if diagnosis.decision is Decision.LOOK:  # the model cannot tell praise from complaint: ask
            confidence = min(confidence, VAGUE_CONFIDENCE)
        ranking = [{INTENT_NAME_KEY: diagnosis.category, PREDICTED_CONFIDENCE_KEY: confidence}]
        probabilities = probabilities_of[0] or self.diagnoser.probabilities(text)  # scored, as confidence > 0
        ranking += [
            {INTENT_NAME_KEY: label, PREDICTED_CONFIDENCE_KEY: probability}
            for label, probability in sorted(probabilities.items(), key=lambda pair: -pair[1])
            if label != diagnosis.category
        ]
        others = [
            entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) not in self.labels
        ]
        message.set("conversation_intent", original, add_to_output=True)  # what the first classifier said
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking + others, add_to_output=True)
        reads = len(diagnoses) - 1  # only what clauses name surely; in a rant, the text's problem or signs
        found = problems_named(self.diagnoser.tax, clauses, diagnoses[1:],
                               only=diagnosis.category if reads > LONG_CLAUSES else None)
        message.set("problems", list(found), add_to_output=True)
        message.set("problem_clauses", found, add_to_output=True)
        message.set("diagnosis", {"model_version": diagnosis.model_version,
                                  "hurt_probability": round(diagnosis.hurt_probability, 3),
                                  "decision": diagnosis.decision.value}, add_to_output=True)
