"""Finding an event's class by its name without walking Rasa's class tree every time.

Rasa 3.6 rebuilds the list of every `Event` subclass for each event it reads (a tracker
from the store, an action's answer): 5 % of the Rasa server's time under load. The
lookup keeps what it found; a name it has not seen (a subclass imported later, say) is
looked up Rasa's way.
"""

from __future__ import annotations

from rasa.shared.core.events import Event

_ORIGINAL = Event.resolve_by_type
ORIGINALS = {"rasa.shared.core.events:Event.resolve_by_type": _ORIGINAL}  # what bot/patches.py checks
_found: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _found.get(type_name)
    if found is not None:
        return found
    found = _ORIGINAL(type_name, default)
    if found is not None and found.type_name == type_name:  # a match, not the default
        _found[type_name] = found
    return found


def install() -> None:
    """Idempotent; bot.patches.install() calls it, checked, before the Rasa server starts."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
