"""The conversation corpus (tests/conversations/): its schema, and the representative subset
(`ci: true`, at least one conversation of every kind) played through the session's real Rasa,
action and web servers. `make eval-chat` plays all of it and prints the rate by kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.chat_player import play
from tests.support.conversations import HELDOUT_SETS, SETS, Conversation, CorpusError, load_corpus, load_file

CORPUS = load_corpus()
SUBSET = [(kind, c) for kind, c in CORPUS if c.ci]


def test_the_corpus_holds_150_conversations_and_the_subset_covers_every_kind() -> None:
    assert len(CORPUS) >= 150
    assert {kind for kind, _ in SUBSET} == {kind for kind, _ in CORPUS}
    assert len(SUBSET) <= 22  # the subset's share of `make test` stays small


def test_a_conversation_that_breaks_the_schema_is_refused_naming_file_conversation_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yml"
    bad.write_text(
        "kind: broken\nabout: x\nconversations:\n"
        "  - id: broken-one\n    order: {item: {catalog: 智利车厘子}}\n    turns: [好]\n"
        "    expect: {remedy: spoiled_share_refund, amount_fen: -5}\n"
        "  - id: broken-two\n    order: {item: {title: 苹果, kind: fruit}}\n    turns: [好]\n    expect: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError) as caught:
        load_file(bad)
    message = str(caught.value)
    assert f"{bad}: conversation broken-one (#1), expect.amount_fen" in message
    assert "conversation broken-two (#2), order.item: item needs price_fen" in message


def test_an_unknown_rule_or_label_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "kind: rules\nabout: x\nconversations:\n"
        "  - id: rules-one\n    order: {item: {catalog: 智利车厘子}}\n    flag: {label: rotten, text: 烂了}\n"
        "    turns: [好]\n    expect: {remedy: refund_everything}\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError) as caught:
        load_file(bad)
    assert "flag.label: unknown label 'rotten'" in str(caught.value)
    assert "expect.remedy: unknown rule 'refund_everything'" in str(caught.value)


def test_a_catalog_name_that_matches_no_product_or_several_is_refused_where_it_stands(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.yml"
    bad.write_text(
        "kind: catalog\nabout: x\nconversations:\n"
        "  - id: catalog-one\n    order: {item: {catalog: 智利车厘子}}\n    turns: [好]\n    expect: {}\n"
        "  - id: catalog-two\n    orders: [{item: {catalog: 智利车厘子}}, {item: {catalog: 不存在的商品}}]\n"
        "    turns: [好]\n    expect: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError) as caught:
        load_file(bad)
    assert str(caught.value) == (
        f"{bad}: conversation catalog-two (#2), orders.1.item: catalog '不存在的商品' matches 0 products of "
        "catalog.yml; name exactly one")
    good = tmp_path / "catalog2.yml"  # valid but for a name that matches several products
    several = bad.read_text(encoding="utf-8").replace("不存在的商品", "斤").replace("kind: catalog", "kind: catalog2")
    good.write_text(several, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"orders\.1\.item: catalog '斤' matches ([2-9]|\d\d+) products"):
        load_file(good)


@pytest.mark.e2e
def test_the_representative_conversations_end_as_the_platform_rules_say(stack: dict[str, Any]) -> None:
    results = [play(kind, conversation, stack["settings"]) for kind, conversation in SUBSET]
    failures = [r.report() for r in results if not r.passed]
    passed = len(results) - len(failures)
    assert not failures, f"{passed}/{len(results)} passed\n\n" + "\n\n".join(failures)


def _trained_texts() -> set[str]:
    from outreach.diagnosis.training_data import NLU_DIR, read_intent_examples

    return {text for texts in read_intent_examples(sorted(NLU_DIR.rglob("*.yml"))).values() for text in texts}


def _typed(conversation: Conversation) -> set[str]:
    """The buyer's words of a conversation long enough to be telling (6 characters or more)."""
    turns = {t if isinstance(t, str) else getattr(t, "ask", None) or getattr(t, "text", "") for t in conversation.turns}
    return {t for t in turns if len(t) >= 6}


def test_no_buyer_turn_of_the_corpus_is_a_training_example() -> None:
    """The corpus measures understanding; a sentence copied into the NLU data would only measure memory."""
    trained = _trained_texts()
    copied = sorted({t for _, c in CORPUS for t in _typed(c) if t in trained})
    assert not copied, f"corpus turns found in data/nlu: {copied[:10]}"


@pytest.fixture(scope="module")
def every_set() -> dict[str, list[tuple[str, Conversation]]]:
    """Every set of conversations, each loaded once for the tests that compare them."""
    return {name: load_corpus(folder) for name, folder in SETS.items()}


@pytest.fixture(scope="module")
def trained() -> set[str]:
    return _trained_texts()


@pytest.mark.parametrize("name", HELDOUT_SETS)
def test_the_held_out_set_loads_apart_from_the_corpus_and_covers_every_kind(
        name: str, every_set: dict[str, list[tuple[str, Conversation]]]) -> None:
    """A held-out set (tests/conversations/heldout*/) is never played by `make test`; it only has to
    load, stay apart from the main corpus and the other sets and cover every kind of the main
    corpus, so its rate means something."""
    heldout = every_set[name]
    assert len(heldout) >= 60
    assert {kind for kind, _ in CORPUS} <= {kind for kind, _ in heldout}
    others = {c.id for other, loaded in every_set.items() if other != name for _, c in loaded}
    assert not {c.id for _, c in heldout} & others


@pytest.mark.parametrize("name", HELDOUT_SETS)
def test_no_buyer_turn_of_the_held_out_set_is_a_training_example(
        name: str, every_set: dict[str, list[tuple[str, Conversation]]], trained: set[str]) -> None:
    """Names only the conversations, not their words: the held-out texts stay unseen by whoever tunes the bot."""
    copied = sorted(c.id for _, c in every_set[name] if _typed(c) & trained)
    assert not copied, f"held-out conversations with a turn found in data/nlu (reword the NLU data): {copied}"
