"""Running the model's graph in order, without building a dask graph for every message.

Rasa 3.6 runs its NLU and policy graphs with `DaskGraphRunner`: for every message and every
prediction it works out the sub-graph the targets need, builds a dask task graph and lets
dask order and run it, on one thread. `SequentialGraphRunner` works out the order once per
set of targets and calls the same nodes in it with the same inputs: the same results at a
fraction of the cost (bench/chat_load.py, docs/performance.md). The Rasa server uses it for
the loaded model; training keeps Rasa's own runner.
"""

from __future__ import annotations

from typing import Any

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

Plan = list[tuple[str, list[str]]]  # (node, the nodes or inputs whose outputs it takes), in order


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], Plan] = {}

    def _plan(self, targets: list[str]) -> Plan:
        key = tuple(targets)
        plan = self._plans.get(key)
        if plan is None:
            nodes = self._graph_schema.minimal_graph_schema(targets).nodes
            plan, placed = [], set()

            def place(name: str) -> None:
                if name in placed or name not in nodes:
                    return
                placed.add(name)
                needs = list(nodes[name].needs.values())
                for need in needs:
                    place(need)
                plan.append((name, needs))

            for target in targets:
                place(target)
            self._plans[key] = plan
        return plan

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        plan = self._plan(run_targets)
        done: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of "
                                    "the input names passed to the `run` method are the same as node names in "
                                    "the graph schema.")
            done[name] = (name, value)
        try:
            for name, needs in plan:
                missing = [need for need in needs if need not in done]
                if missing:
                    raise GraphRunError(f"node '{name}' needs {missing}, which are neither nodes nor inputs")
                done[name] = self._instantiated_nodes[name](*(done[need] for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(done[target] for target in run_targets)


def install() -> None:
    """Idempotent; bot.patches.install() calls it, checked, before the Rasa server loads the model."""
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
