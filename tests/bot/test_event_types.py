"""Event classes are found by name as Rasa finds them, without walking the class tree each time."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import event_types, patches

patches.install({})  # the lookup: installed as outreach.rasa_run does in the Rasa server


def test_every_event_name_gives_rasas_class() -> None:
    assert Event.resolve_by_type is event_types.resolve_by_type
    for cls in all_subclasses(Event):
        expected = event_types._ORIGINAL(cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is expected
        assert Event.resolve_by_type(cls.type_name) is expected  # the second time from what it kept
    assert Event.from_parameters({"event": "slot", "name": "stage", "value": "closed"}) == SlotSet("stage", "closed")


def test_unknown_names_behave_as_in_rasa() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert "no_such_event" not in event_types._found  # a default is never kept as the answer
    assert Event.resolve_by_type("topic") is None
