"""Diagnosis: the fixed taxonomy, severity, numbers as buyers write them, and the classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.features import MAX_CHARS, normalise
from outreach.diagnosis.numbers import first_number, parse_rating
from outreach.diagnosis.severity import severity_of
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.diagnosis.training_data import labelled_examples, plain_text

PRODUCT_LABELS = {
    "quality_defect": "质量问题",
    "damaged": "运输破损",
    "spoiled": "生鲜变质",
    "late_delivery": "发货物流延迟",
    "wrong_item": "发错货",
    "missing_item": "少件漏发",
    "not_as_described": "货不对板",
    "counterfeit": "假冒",
    "price_issue": "价格问题",
    "health_reaction": "人身健康",
    "service_attitude": "服务态度",
    "no_problem": "无问题",
}


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser.load()


# --- taxonomy ------------------------------------------------------------------------------


def test_taxonomy_has_exactly_the_twelve_product_labels_with_their_chinese_names() -> None:
    tax = taxonomy()
    assert len(tax.ids) == 12
    assert set(tax.ids) == set(PRODUCT_LABELS)
    for label, zh in PRODUCT_LABELS.items():
        assert tax.zh(label).startswith(zh)
    with pytest.raises(KeyError):
        tax.label("fake_label")


def test_every_label_has_training_examples() -> None:
    examples = labelled_examples(taxonomy().ids)
    assert {label for _, label in examples} == set(PRODUCT_LABELS)


def test_training_data_loader_names_labels_without_examples(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(
        "nlu:\n- intent: spoiled\n  examples: |\n    - 螃蟹死了[3](n)只\n", encoding="utf-8"
    )
    assert labelled_examples(["spoiled"], tmp_path) == [("螃蟹死了3只", "spoiled")]
    with pytest.raises(ValueError, match="counterfeit"):
        labelled_examples(["spoiled", "counterfeit"], tmp_path)


def test_rasa_entity_markup_is_removed_from_examples() -> None:
    assert plain_text("死了[三](quantity)只") == "死了三只"
    assert plain_text('少了[2]{"entity": "n"}盒') == "少了2盒"


# --- severity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "text", "level"),
    [
        ("health_reaction", "吃了以后全身起红疹", 1),
        ("counterfeit", "专柜鉴定是假的", 2),
        ("not_as_described", "主播说这个枕头能治失眠，睡了一周根本没用", 2),
        ("not_as_described", "说是纯棉的，其实是涤纶", 4),
        ("not_as_described", "", 4),
        ("price_issue", "同一笔订单被扣了两次钱", 3),
        ("price_issue", "付了两次款，钱都没退", 3),
        ("price_issue", "买完第二天就降价了二十块", 4),
        ("spoiled", "螃蟹死了", 3),
        ("damaged", "杯子碎了", 3),
        ("wrong_item", "发错颜色了", 3),
        ("missing_item", "少了一盒", 3),
        ("quality_defect", "用两天就坏了", 4),
        ("late_delivery", "五天了还没发货", 4),
        ("service_attitude", "客服骂人", 4),
        ("no_problem", "挺好的", 4),
    ],
)
def test_base_severity_follows_the_product_brief(label: str, text: str, level: int) -> None:
    assert severity_of(label, text).level == level


@pytest.mark.parametrize(
    ("label", "text", "age_band", "total_fen", "level"),
    [
        pytest.param("quality_defect", "", "60+", None, 3, id="elderly-raises-4-to-3"),
        pytest.param("spoiled", "", "60+", None, 2, id="elderly-raises-3-to-2"),
        pytest.param("not_as_described", "说能治失眠", "60+", None, 1, id="elderly-and-health-claim"),
        pytest.param("health_reaction", "", "60+", None, 1, id="never-below-1-for-elderly"),
        pytest.param("health_reaction", "", "60+", 500000, 1, id="never-below-1-with-both"),
        pytest.param("counterfeit", "", None, 150000, 1, id="order-above-1000-yuan"),
        pytest.param("spoiled", "", None, 100000, 3, id="order-of-exactly-1000-yuan-not-raised"),
        pytest.param("spoiled", "", None, 100001, 2, id="order-of-1000.01-yuan-raised"),
        pytest.param("quality_defect", "", "60+", 200000, 3, id="both-raise-only-one-step"),
        pytest.param("quality_defect", "", "45-59", 5000, 4, id="middle-aged-small-order-not-raised"),
        pytest.param("no_problem", "", "60+", 500000, 4, id="no-problem-never-raised"),
    ],
)
def test_elderly_buyer_or_big_order_raises_urgency_one_step(
    label: str, text: str, age_band: str | None, total_fen: int | None, level: int
) -> None:
    assert severity_of(label, text, age_band=age_band, order_total_fen=total_fen).level == level


def test_severity_explains_why_it_was_raised() -> None:
    severity = severity_of("not_as_described", "直播间说能治失眠", age_band="60+", order_total_fen=120000)
    assert severity.level == 1
    assert severity.reasons[0] == "not_as_described base 4"
    assert "health or medical claim" in severity.reasons
    assert "buyer aged 60+" in severity.reasons
    assert "order above 1000 yuan" in severity.reasons


def test_unknown_label_has_no_severity() -> None:
    with pytest.raises(KeyError):
        severity_of("fake_label")


# --- numbers and ratings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3),
        ("３个", 3),
        ("三只", 3),
        ("两盒", 2),
        ("十二", 12),
        ("十只全死了", 10),
        ("二十个", 20),
        ("一百零五", 105),
        ("叁只", 3),
        ("五星", 5),
        ("4分", 4),
        ("死了 2 只", 2),
        ("１２只", 12),
        ("三个里面有2个是坏的", 3),
        ("坏了5个，一共三十个", 5),
        ("没有数字", None),
        ("", None),
    ],
)
def test_first_number_reads_digits_and_chinese_numerals(text: str, number: int | None) -> None:
    assert first_number(text) == number


@pytest.mark.parametrize(
    ("text", "rating"),
    [("五星", 5), ("4分", 4), ("1", 1), ("５", 5), ("给个三分吧", 3), ("两星，不太满意", 2), ("5星好评", 5)],
)
def test_parse_rating_accepts_one_to_five(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize("text", ["0", "6", "10分", "很好", "", "零分"])
def test_parse_rating_rejects_what_is_not_a_rating_from_1_to_5(text: str) -> None:
    assert parse_rating(text) is None


# --- classifier -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("耳机戴了两天左边就没声音了", "quality_defect"),
        ("快递箱子被压扁了，里面的玻璃杯碎了两个", "damaged"),
        ("收到的大闸蟹死了三只，还有股臭味", "spoiled"),
        ("下单五天了还没发货，物流一直不动", "late_delivery"),
        ("我买的是黑色43码，寄来的是白色41码", "wrong_item"),
        ("买了三盒只收到两盒，赠品也没有", "missing_item"),
        ("主播说是纯羊毛的，收到一看是化纤", "not_as_described"),
        ("专柜验了是假货，根本不是正品", "counterfeit"),
        ("刚买完第二天就降价了50块，能补差价吗", "price_issue"),
        ("用了这个面霜脸上起了好多红疹子，又痒又肿", "health_reaction"),
        ("客服一直不回消息，问了三遍都不理人", "service_attitude"),
        ("东西很好，已经收到了，谢谢", "no_problem"),
    ],
)
def test_classifier_recognises_everyday_complaints(diagnoser: Diagnoser, text: str, label: str) -> None:
    result = diagnoser.diagnose(text)
    assert result.category == label
    assert result.hurt is (label != NO_PROBLEM)
    assert 0 < result.confidence <= 1
    assert result.severity == severity_of(label, normalise(text)).level


def test_classifier_applies_buyer_age_and_order_size(diagnoser: Diagnoser) -> None:
    plain = diagnoser.diagnose("收到的大闸蟹死了三只，还有股臭味")
    elderly = diagnoser.diagnose("收到的大闸蟹死了三只，还有股臭味", age_band="60+")
    assert (plain.severity, elderly.severity) == (3, 2)
    assert "buyer aged 60+" in elderly.severity_reasons


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t\n", "😡😡😡", "👍🏻👍🏻", "！！！？？？", "……。。。", "?!...", "\x00\x01\x07", "\u200b\u200b"],
)
def test_nothing_to_read_is_no_problem_with_zero_confidence(diagnoser: Diagnoser, text: str) -> None:
    result = diagnoser.diagnose(text)
    assert result.category == NO_PROBLEM
    assert result.confidence == 0.0
    assert result.hurt is False


def test_batch_keeps_results_in_input_order(diagnoser: Diagnoser) -> None:
    results = diagnoser.diagnose_many(["", "收到的大闸蟹死了三只，还有股臭味", "😡", "专柜验了是假货，根本不是正品"])
    assert [r.category for r in results] == [NO_PROBLEM, "spoiled", NO_PROBLEM, "counterfeit"]
    assert [r.confidence == 0.0 for r in results] == [True, False, True, False]


def test_a_100000_character_text_is_judged_without_crashing(diagnoser: Diagnoser) -> None:
    text = "螃蟹死了，臭了。" * 12500
    assert len(text) == 100_000
    result = diagnoser.diagnose(text)
    assert result.category in taxonomy().ids
    assert result.category == "spoiled"
    assert len(normalise(text)) == MAX_CHARS


def test_control_characters_are_dropped_before_judging(diagnoser: Diagnoser) -> None:
    text = "螃蟹\x00死了\x07三只\u200b，\x1b[31m臭了\r\n"
    assert normalise(text) == "螃蟹死了三只,[31m臭了"  # NFKC: full-width comma to ASCII
    result = diagnoser.diagnose(text)
    assert result.category == "spoiled"


def test_normalise_turns_full_width_into_half_width() -> None:
    assert normalise("  买了３盒　少了１盒！ ") == "买了3盒 少了1盒!"


# --- one batch for a message and its clauses (bot.nlu.problem_classifier) -----------------------

BATCH_TEXTS = [
    "虾都死了，还发臭", "是啊是啊 碎了两个", "杯子碎了一个 而且结账时满减没减 多付了15块", "有点问题", "态度太差了",
    "可以，就这样吧", "", "？？？", "The shrimp arrived dead", "碎了的退钱", "少了的补一个", "3个", "螃蟹死了三隻",
]


def test_a_batch_reads_each_text_as_it_reads_it_alone(diagnoser: Diagnoser) -> None:
    """Diagnosing or scoring texts together gives each text exactly its own reading: the bot reads
    a message and its clauses in one batch, to the same figures as one by one."""
    assert diagnoser.diagnose_many(BATCH_TEXTS) == [diagnoser.diagnose(text) for text in BATCH_TEXTS]
    readable = [text for text in BATCH_TEXTS if text and text != "？？？"]  # probabilities need words
    assert diagnoser.probabilities_many(readable) == [diagnoser.probabilities(text) for text in readable]
    assert diagnoser.probabilities_many([]) == []


def test_diagnosis_and_probabilities_come_from_one_scoring(diagnoser: Diagnoser) -> None:
    chinese = [text for text in BATCH_TEXTS if text and "shrimp" not in text and text != "？？？"]
    for texts in (chinese, BATCH_TEXTS):  # every text scored by the diagnosis, or some not (English, empty)
        diagnoses, probabilities = diagnoser.diagnose_with_probabilities(texts)
        assert diagnoses == diagnoser.diagnose_many(texts)
        for text, diagnosis, found in zip(texts, diagnoses, probabilities):
            if diagnosis.confidence == 0.0:  # not scored: nothing to read, or another language
                assert found is None
            else:
                assert found == diagnoser.probabilities(text) and set(found) == set(taxonomy().ids)
        assert sum(found is not None for found in probabilities) >= len(chinese)
