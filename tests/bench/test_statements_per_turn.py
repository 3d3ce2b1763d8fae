"""The statement count of a chat turn (bench/statements_per_turn.py) plays the benchmark's conversation right."""

from __future__ import annotations

from bench.statements_per_turn import measure, wrong_replies


async def test_the_benchmark_conversation_is_played_right_and_every_turn_counted(any_db: str) -> None:
    buyers, played, _cpu = await measure(1)
    assert wrong_replies(buyers, played) == []
    turns = {name: tally for name, tally, _said in played[0]}
    assert list(turns) == ["start", "diagnosis", "accept", "rating"]
    assert all(tally.total > 0 and tally.begins == tally.commits >= 1 for tally in turns.values())
    assert turns["accept"].statements["INSERT"] >= 3  # the remedy, its payment, its event
