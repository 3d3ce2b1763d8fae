"""Checking the action server's answers without re-checking Rasa's own schema every time.

Rasa 3.6 validates each custom action's response with `jsonschema.validate`, which first
checks the response schema itself against its meta-schema: on every action call, the
largest single cost of a turn (bench/chat_load.py --profile: 62 % of the Rasa server's
time). The same schema and the same checks, with the validator built once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response "
                          "from the Action endpoint is valid (bot/action_results.py).")
        raise
    return True


def install() -> None:
    """Idempotent; called when the bot package loads in the Rasa server."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
