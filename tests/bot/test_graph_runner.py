"""The Rasa server runs the model's graph in order: the same parses and predictions as with dask."""

from __future__ import annotations

import rasa.core.processor
from rasa.core.agent import load_agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import UserUttered

from bot import patches
from bot.graph_runner import SequentialGraphRunner
from outreach.settings import PROJECT_ROOT

patches.install({})  # the runner: installed as outreach.rasa_run does in the Rasa server

MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"
TEXTS = ["虾都死了，还发臭", "可以，就这样吧", '/rate{"rating": "5"}', "收到的螃蟹少了两只", "🦐😭", "转人工",
         "x" * 1000]


async def test_parses_and_predictions_are_the_same_as_with_dask() -> None:
    assert MODEL.exists(), "no trained model: run `make train` (make test trains first)"
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    agent = await load_agent(model_path=str(MODEL))
    runner = agent.processor.graph_runner
    assert isinstance(runner, SequentialGraphRunner)

    def with_dask(call):  # the same loaded nodes, run by Rasa's own runner
        runner.__class__ = DaskGraphRunner
        try:
            return call()
        finally:
            runner.__class__ = SequentialGraphRunner

    for text in TEXTS:
        ours = await agent.parse_message(text)
        assert ours == await with_dask(lambda: agent.parse_message(text))  # noqa: B023

        tracker = await agent.processor.fetch_tracker_and_update_session(f"buyer-{len(text)}")
        tracker.update(UserUttered(text, ours))
        predicted = agent.processor.predict_next_with_tracker(tracker)
        assert predicted is not None and predicted["scores"]
        assert predicted == with_dask(lambda: agent.processor.predict_next_with_tracker(tracker))  # noqa: B023
