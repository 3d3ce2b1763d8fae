"""The bot reads problems with the same model as bulk triage (outreach.diagnosis).

Placed after the intent classifier, which tells conversation intents (yes, no, a rating, a request for a
person...) from problem descriptions; when the message describes a problem, this component
names it with the diagnosis model, trained here from the same NLU examples, so the bot and
`outreach diagnose` agree. Low confidence is left to FallbackClassifier, and the bot then asks
which of the likeliest problems it is.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from outreach.diagnosis.classifier import Diagnoser, train_model
from outreach.diagnosis.model import LinearModel
from outreach.diagnosis.taxonomy import taxonomy

MODEL_FILE = "diagnosis.pkl"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ProblemClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, model: LinearModel | None
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.labels = set(taxonomy().ids)
        self.diagnoser = Diagnoser(model) if model is not None else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProblemClassifier:
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ProblemClassifier:
        with model_storage.read_from(resource) as directory:
            model = LinearModel.loads((directory / MODEL_FILE).read_bytes())
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (message.get(TEXT), message.get(INTENT))
            for message in training_data.intent_examples
            if message.get(INTENT) in self.labels and message.get(TEXT)
        ]
        model = train_model(examples)
        with self._storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(model.dumps())
        self.diagnoser = Diagnoser(model)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self.diagnoser is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):  # buttons send intents directly
                continue
            self._name_problem(message, text)
        return messages

    def _name_problem(self, message: Message, text: str) -> None:
        original = dict(message.get(INTENT) or {})
        intent = original.get(INTENT_NAME_KEY)
        if intent not in self.labels:  # a conversation intent: yes, no, a rating...
            return
        assert self.diagnoser is not None
        diagnosis = self.diagnoser.diagnose(text)
        if diagnosis.confidence == 0.0:  # nothing to read
            return
        ranking = [{INTENT_NAME_KEY: diagnosis.category, PREDICTED_CONFIDENCE_KEY: diagnosis.confidence}]
        probabilities = self.diagnoser.probabilities(text)
        ranking += [
            {INTENT_NAME_KEY: label, PREDICTED_CONFIDENCE_KEY: probability}
            for label, probability in sorted(probabilities.items(), key=lambda pair: -pair[1])
            if label != diagnosis.category
        ]
        others = [
            entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) not in self.labels
        ]
        message.set("conversation_intent", original, add_to_output=True)  # what the first classifier said
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking + others, add_to_output=True)
        message.set("problems", list(diagnosis.labels), add_to_output=True)
