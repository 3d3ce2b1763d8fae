"""The bot's own sentences (responses in bot/domain/care.yml) for messages stored outside a
conversation turn: the rating question after a person settled a case, the opt-out
confirmation during a hand-over, a low rating corrected while waiting for a person. One text, in the domain."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "bot" / "domain" / "care.yml"
RATING_QUESTION = "utter_ask_rating"
OPT_OUT_DONE = "utter_opt_out_done"
RATING_CORRECTED = "utter_rating_corrected"  # {rating}: the corrected score


@lru_cache(maxsize=1)
def _responses() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


def bot_response(name: str) -> tuple[str, list[dict[str, str]]]:
    """The first variant of a domain response: its text and buttons."""
    response = _responses()[name][0]
    # The domain escapes braces for Rasa's templating: {{ -> {.
    buttons = [{"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
               for b in response.get("buttons", [])]
    return response["text"], buttons
