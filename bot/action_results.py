"""Checking the action server's answers as strictly as Rasa does, at a fraction of the cost.

Rasa 3.6 validates each custom action's response with `jsonschema.validate`, which first
checks the response schema itself against its meta-schema: on every action call, the
largest single cost of a turn (62 % of the Rasa server's time in the first profile).
Even with the validator built once, every event is tried against all 23 event schemas of
the `oneOf` (7 % of the server's time).

The event schemas differ by their `event` constant, so exactly one of them can match an
event: the one its `event` names. `ResponseValidator` checks each event against the shared
part and that one schema, which accepts and refuses exactly what the `oneOf` does. Anything
it cannot dispatch (not an object, no or an unknown `event`) and every refusal goes through
the full schema, so the error Rasa logs is the one it always gave.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

ORIGINALS = {"rasa.core.actions.action:RemoteAction._validate_action_result":
             RemoteAction._validate_action_result}  # what bot/patches.py checks
REFUSAL_HINT = (". Failed to validate Action server response from API, make sure your response "
                "from the Action endpoint is valid (bot/action_results.py).")


class ResponseValidator:
    def __init__(self, schema: dict[str, Any]) -> None:
        cls = validator_for(schema)
        cls.check_schema(schema)  # once, as jsonschema.validate would on every call
        self.full = cls(schema)
        self.envelope: Any = None  # the response without its events' oneOf
        self.by_event: dict[str, Any] = {}
        try:
            event_schema = schema["properties"]["events"]["items"]
            variants = event_schema["oneOf"]
            shared = {key: value for key, value in event_schema.items() if key != "oneOf"}
            names = [variant["properties"]["event"]["const"] for variant in variants]
        except (KeyError, TypeError):
            return  # a schema of another shape: the full check only
        if len(set(names)) != len(names) or not all(isinstance(name, str) for name in names):
            return
        envelope = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
        self.envelope = cls(envelope)
        self.by_event = {name: cls({"allOf": [shared, variant]}) for name, variant in zip(names, variants)}

    def is_valid(self, response: Any) -> bool:
        if self.envelope is None:
            return bool(self.full.is_valid(response))
        if not self.envelope.is_valid(response):
            return False
        for event in response.get("events") or []:
            validator = self.by_event.get(event.get("event")) if isinstance(event, dict) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True

    def validate(self, response: Any) -> None:
        if not self.is_valid(response):
            self.full.validate(response)  # the refusal, with the error Rasa's own check gives


@lru_cache(maxsize=1)
def _validator() -> ResponseValidator:
    return ResponseValidator(RemoteAction.action_response_format_spec())


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += REFUSAL_HINT
        raise
    return True


def install() -> None:
    """Idempotent; bot.patches.install() calls it, checked, before the Rasa server starts."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
