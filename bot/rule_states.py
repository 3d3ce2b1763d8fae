"""The rule policy's states built only as far back as its longest rule reaches.

Rasa 3.6's `RulePolicy` turns the whole conversation into states before every prediction
(twice after a buyer's message: once reading the text, once the intent), replaying every
event and building a state at every action, and then tests each rule against every state,
also long after no rule could still match. A rule is tested only against the states it
has (`RulePolicy._is_rule_applicable` answers yes further back than the rule's length), so
states older than the longest rule never decide anything. With `install()`:

- `RulePolicy._prediction_states` replays the events as Rasa does but builds the states of
  only the latest `window` actions, where the window is the longest rule (or loop
  unhappy-path rule) the policy has learned; shorter conversations get all their states;
- `RulePolicy._get_possible_keys` stops when no rule is left.

The action predicted, its probabilities and whether its turn is hidden are the same
(tests/bot/test_rule_states.py compares them with Rasa's own code on long random
conversations). What differs: the debug log's list of current states is the window, and
when no rule matches, the fallback's prediction source is the key of the window instead of
the whole history (Rasa compares it with its rule keys only, which no such key equals).
The policy's featurizer must be the default one (no max history, rule data): any other
configuration takes Rasa's own path.
"""

from __future__ import annotations

from typing import Any

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import Policy, SupportedData
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

_ORIGINAL_STATES = Policy._prediction_states
_ORIGINAL_KEYS = RulePolicy._get_possible_keys
ORIGINALS = {  # what bot/patches.py checks
    "rasa.core.policies.policy:Policy._prediction_states": _ORIGINAL_STATES,
    "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys": _ORIGINAL_KEYS,
}
_WINDOW = "_outreach_rule_window"  # the policy's window, set on the instance when first needed


def rule_window(policy: RulePolicy) -> int:
    """How many trailing states the longest learned rule looks at."""
    window = policy.__dict__.get(_WINDOW)
    if window is None:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        window = max((len(policy._rule_key_to_state(key)) for key in keys), default=1)
        setattr(policy, _WINDOW, window)
    return window


def trailing_states(tracker: DialogueStateTracker, domain: Domain, window: int) -> list[State]:
    """The last `window` of the states Rasa's `tracker.past_states(domain)` lists, built alone."""
    applied = tracker.applied_events()
    count = 1 + sum(isinstance(event, ActionExecuted) for event in applied)  # a state per action, one at the end
    first = count - window
    replay = tracker.init_copy()
    states: list[State] = []
    index = 0
    for event in applied:
        if isinstance(event, ActionExecuted):
            if index >= first:
                states.append(domain._clean_state(domain.get_active_state(replay)))
            index += 1
        replay.update(event)
    states.append(domain._clean_state(domain.get_active_state(replay)))
    return states


def prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    featurizer = self.featurizer
    if (
        not isinstance(self, RulePolicy)
        or type(featurizer) is not MaxHistoryTrackerFeaturizer
        or featurizer.max_history is not None
        or self.supported_data() == SupportedData.ML_DATA
    ):
        return _ORIGINAL_STATES(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    states = trailing_states(tracker, domain, rule_window(self))
    featurizer._choose_last_user_input([states], use_text_for_last_user_input)
    return states


def possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    keys = set(lookup)
    for index, state in enumerate(reversed(states)):
        if not keys:
            break
        keys = {key for key in keys if self._is_rule_applicable(key, index, state)}
    return keys


def install() -> None:
    """Idempotent; bot.patches.install() calls it, checked, before the Rasa server starts."""
    RulePolicy._prediction_states = prediction_states  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = possible_keys  # type: ignore[method-assign]
