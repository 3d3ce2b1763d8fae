"""The Rasa server checks action responses as strictly as before, only faster."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import patches
from bot.action_results import _validate_action_result

patches.install({})  # the check: installed as outreach.rasa_run does in the Rasa server

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


def _responses() -> list[object]:
    """Every event type, well formed and broken in the ways the schema notices."""
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    names = [variant["properties"]["event"]["const"] for variant in EVENT_SCHEMA["oneOf"]]
    events: list[object] = [{"event": name} for name in names]
    events += [{"event": name, "timestamp": "yesterday"} for name in names]
    events += [{"event": name, "metadata": []} for name in names]
    events += [
        {"event": "slot", "name": "stage", "value": "offering"},
        {"event": "slot", "name": 5, "value": 1},
        {"event": "slot", "value": 1},
        {"event": "entities", "entities": [{"entity": "product", "value": "虾"}]},
        {"event": "entities", "entities": [{"entity": "product"}]},
        {"event": "action", "name": "action_listen", "confidence": 0.9, "policy": None},
        {"event": "action", "name": "action_listen", "confidence": "high"},
        {"event": "user", "text": "虾都死了😭", "parse_data": {"intent": {"name": "spoiled", "confidence": 1.0}}},
        {"event": "user", "text": 5},
        {"event": "user", "parse_data": {"entities": [{"entity": "x", "value": 1, "start": "0"}]}},
        {"event": "bot", "text": "好的", "data": {"buttons": []}},
        {"event": "nope"}, {"event": None}, {"event": 5}, {"name": "stage"}, [], "slot", None, 3,
    ]
    responses: list[object] = [{"events": [event]} for event in events]
    responses += [{"events": [{"event": "slot", "name": "a", "value": 1}, event]} for event in events]
    responses += [{}, {"events": []}, {"events": None}, {"events": {}}, {"responses": []},
                  {"responses": [{"text": "好"}]}, {"responses": ["好"]}, {"responses": None}, [], "x", None]
    return responses


def test_the_fast_check_accepts_and_refuses_exactly_what_the_full_schema_does() -> None:
    from bot.action_results import ResponseValidator

    spec = RemoteAction.action_response_format_spec()
    fast = ResponseValidator(spec)
    assert fast.by_event, "the event schemas were not split by their event name"
    verdicts = []
    for response in _responses():
        full = jsonschema.validators.validator_for(spec)(spec).is_valid(response)
        assert fast.is_valid(response) is full, response
        verdicts.append(full)
        if not full:
            with pytest.raises(jsonschema.ValidationError):
                fast.validate(response)
    # the corpus holds well formed responses of every event type and broken ones of each kind
    assert verdicts.count(True) >= 23 and verdicts.count(False) >= 23


def test_a_schema_it_cannot_split_is_checked_whole() -> None:
    from bot.action_results import ResponseValidator

    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}
    check = ResponseValidator(schema)
    assert check.envelope is None and check.is_valid({"events": [{}]}) and not check.is_valid({"events": [1]})
