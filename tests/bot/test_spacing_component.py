"""The first NLU component joins characters typed one at a time before anything reads them."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.spacing import SpacedCharactersJoiner


def test_the_parse_text_is_joined_and_a_payload_left_exact() -> None:
    spaced, payload = Message({TEXT: "取 消 ！！！"}), Message({TEXT: '/affirm{"offer": "0"}'})
    SpacedCharactersJoiner().process([spaced, payload])
    assert spaced.get(TEXT) == "取消！！！" and TEXT in spaced.output_properties
    assert payload.get(TEXT) == '/affirm{"offer": "0"}'


def test_it_runs_first_in_the_pipeline() -> None:
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert names[0] == f"{SpacedCharactersJoiner.__module__}.{SpacedCharactersJoiner.__name__}"
