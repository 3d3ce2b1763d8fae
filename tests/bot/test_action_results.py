"""The Rasa server checks action responses as strictly as before, only faster."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot  # noqa: F401 - installs the check
from bot.action_results import _validate_action_result

GOOD = {"events": [{"event": "slot", "name": "stage", "value": "offering"}],
        "responses": [{"response": "utter_offer", "offer_text": "可以为您退款119.40元"}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"events": [{"event": 5}]}, {"responses": "x"}]


def test_the_rasa_server_uses_the_validator_built_once() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


def test_good_responses_pass_and_bad_ones_fail_exactly_as_with_jsonschema_validate() -> None:
    spec = RemoteAction.action_response_format_spec()
    action = RemoteAction("action_answer_yes", None)
    assert action._validate_action_result(GOOD) is True
    jsonschema.validate(GOOD, spec)
    for response in BAD:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(response, spec)
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)
