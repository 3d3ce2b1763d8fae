"""First in the NLU pipeline: Chinese garbled on the way ("å°‘äº†") repaired (outreach.dialogue.mojibake)
and words typed a character at a time ("钱 多 久 能 到 账") joined back into words
(outreach.dialogue.spacing) before they are tokenised, so the intent and problem
classifiers and the custom actions (which read the parse's text) all read words. The event keeps
what the buyer typed, for the transcript and the agent's workspace."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from outreach.dialogue.mojibake import repair_mojibake
from outreach.dialogue.spacing import join_spaced_characters


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class SpacedCharactersJoiner(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacedCharactersJoiner:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):  # (a button's payload is exact)
                message.set(TEXT, join_spaced_characters(repair_mojibake(text)), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
