"""The rule policy with its states cut to its longest rule predicts exactly what Rasa's own code does."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rasa.core.agent import load_agent
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import patches, rule_states
from outreach.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"
LISTEN = "action_listen"


@pytest.fixture(scope="module")
def model() -> tuple[RulePolicy, Domain]:
    assert MODEL.exists(), "no trained model: run `make train` (make test trains first)"
    patches.install({})
    agent = asyncio.run(load_agent(model_path=str(MODEL)))
    policies = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(node, "_component", None), RulePolicy)]
    assert len(policies) == 1
    return policies[0], agent.processor.domain


@contextmanager
def rasas_own_code() -> Iterator[None]:
    assert RulePolicy._prediction_states is rule_states.prediction_states, "the patch is not installed"
    del RulePolicy._prediction_states  # back to Policy._prediction_states
    RulePolicy._get_possible_keys = rule_states.ORIGINALS[  # type: ignore[method-assign]
        "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys"]
    try:
        yield
    finally:
        rule_states.install()


def predict(policy: RulePolicy, tracker: DialogueStateTracker, domain: Domain) -> tuple[PolicyPrediction, str | None]:
    return policy._predict(tracker, domain)


def conversation_walks(policy: RulePolicy, domain: Domain, seed: int, turns: int) -> Iterator[DialogueStateTracker]:
    """Trackers at every prediction of a random conversation: random intents, entities and stage
    values after the bot's actions, each action the one the rules predict."""
    rng = random.Random(seed)
    stage_slot = next(slot for slot in domain.slots if slot.name == "stage")
    stage_values = [*stage_slot.values, None]  # type: ignore[attr-defined]
    tracker = DialogueStateTracker.from_events(
        f"walk-{seed}", [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(LISTEN)],
        domain.slots)
    for _ in range(turns):
        intent = rng.choice(domain.intents)
        entities = [{"entity": rng.choice(domain.entities), "value": "1"}] if rng.random() < 0.3 else []
        tracker.update(UserUttered(rng.choice(["好的", "", "坏了两个"]), {"name": intent, "confidence": 1.0}, entities))
        for _ in range(6):
            yield tracker
            prediction, _ = predict(policy, tracker, domain)
            action = domain.action_names_or_texts[prediction.max_confidence_index]
            tracker.update(ActionExecuted(action, policy=prediction.policy_name, confidence=prediction.max_confidence,
                                          hide_rule_turn=prediction.hide_rule_turn))
            if action == LISTEN:
                break
            if action.startswith("action_") and rng.random() < 0.7:
                tracker.update(SlotSet("stage", rng.choice(stage_values)))
        else:
            tracker.update(ActionExecuted(LISTEN))


@pytest.mark.parametrize("seed", range(4))
def test_predictions_on_long_random_conversations_are_rasas(model: tuple[RulePolicy, Domain], seed: int) -> None:
    policy, domain = model
    window = rule_states.rule_window(policy)
    assert 1 < window < 40
    compared = matched = 0
    tracker = None
    for tracker in conversation_walks(policy, domain, seed, turns=45):
        ours, our_source = predict(policy, tracker, domain)
        with rasas_own_code():
            rasas, rasas_source = predict(policy, tracker, domain)
            full = tracker.past_states(domain)
        assert rule_states.trailing_states(tracker, domain, window) == full[-window:]
        assert ours.probabilities == rasas.probabilities
        assert (ours.events, ours.hide_rule_turn, ours.is_end_to_end_prediction, ours.is_no_user_prediction) == (
            rasas.events, rasas.hide_rule_turn, rasas.is_end_to_end_prediction, rasas.is_no_user_prediction)
        if rasas_source in policy.lookup[RULES]:  # a rule matched: the same rule
            matched += 1
        if our_source != rasas_source:  # no rule matched: the fallback's key is of the window
            assert rasas_source.startswith("[") and our_source.startswith("[")
            assert rasas_source.endswith(our_source[1:])
            assert our_source not in policy.lookup[RULES]
            assert our_source not in policy.lookup.get(RULES_NOT_IN_STORIES, [])
        compared += 1
    assert compared > 100 and matched > 20
    assert tracker is not None and len(tracker.events) > 150  # long enough for the window to cut

