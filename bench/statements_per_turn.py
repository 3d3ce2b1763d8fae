"""SQL statements and transactions the action server spends on each turn of a chat.

The chat benchmark's conversation (bench/chat_load.py: start, diagnosis, accept, rating), its
buyers seeded the same way (bench/chat_seed.py: import, then triage), played through the custom
actions in-process on a throwaway store, as the action server runs them: trackers built in code,
each turn's slots carried from the events the last turn returned. Every statement sent is
counted per turn, with the transactions (BEGIN and COMMIT each cost a round trip on
PostgreSQL), so a change to the store's work shows as a figure, without a timing run.

    .venv/bin/python bench/statements_per_turn.py [--store postgresql|sqlite] [--conversations 4]
        [--parse-with var/models/care.tar.gz] [--log]

The buyer's words reach the actions as Rasa's parse of them. By default the parse the trained
model gave on 2026-12-05 is used (PARSES below: intent, problems named, diagnosis); with
--parse-with the model parses them anew (about 20 s to load it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

POSTGRES_URL = os.environ.get("OUTREACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ACCEPT_TEXT = "可以，就这样吧"  # bench/chat_driver.py
MODEL_VERSION = "dm-a6566d6539b4"
# What the trained model made of the benchmark's words (bot/nlu/problem_classifier.py adds the
# problems and the diagnosis); --parse-with parses them anew.
PARSES: dict[str, dict[str, Any]] = {
    text: {"intent": {"name": "spoiled", "confidence": 0.99}, "entities": [], "problems": ["spoiled"],
           "problem_clauses": {"spoiled": clause},
           "diagnosis": {"model_version": MODEL_VERSION, "hurt_probability": 0.99, "decision": "contact"}}
    for text, clause in (("虾都死了，还发臭", "虾都死了 还发臭"),
                         ("收到的时候已经全死了，有臭味", "收到的时候已经全死了 有臭味"),
                         ("海鲜全都坏了，一股腥臭味", "海鲜全都坏了 一股腥臭味"),
                         ("打开全是死的，都臭了", "打开全是死的 都臭了"))
} | {ACCEPT_TEXT: {"intent": {"name": "affirm", "confidence": 0.998}, "entities": []}}


@dataclass
class Tally:
    """What one turn sent to the store."""

    statements: Counter = field(default_factory=Counter)  # by first word: SELECT, INSERT, SAVEPOINT...
    begins: float = 0
    commits: float = 0
    rollbacks: float = 0
    calls: float = 0  # Python function calls (with --calls): a CPU figure that load does not move

    @property
    def total(self) -> int:
        return sum(self.statements.values())

    @property
    def round_trips(self) -> int:
        """Statements, plus BEGIN and COMMIT (or ROLLBACK): each its own round trip on PostgreSQL."""
        return self.total + self.begins + self.commits + self.rollbacks


class Counting:
    """Counts what every engine of the process sends, into the tally of the turn being played."""

    def __init__(self, log: bool = False, profiler: cProfile.Profile | None = None) -> None:
        self.tally = Tally()
        self.log = log
        self.profiler = profiler

    def install(self) -> None:
        for name, listener in self._listeners():
            event.listen(Engine, name, listener)

    def remove(self) -> None:
        for name, listener in self._listeners():
            event.remove(Engine, name, listener)

    def _listeners(self) -> list[tuple[str, Any]]:
        return [("before_cursor_execute", self._statement), ("begin", self._begin), ("commit", self._commit),
                ("rollback", self._rollback)]

    @contextmanager
    def turn(self) -> Iterator[Tally]:
        self.tally = tally = Tally()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            yield tally
        finally:
            if self.profiler is not None:
                self.profiler.disable()
                tally.calls = _calls(self.profiler)
                self.profiler.clear()
            self.tally = Tally()  # what runs between turns (seeding, the checks) counts nowhere

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.tally.statements[statement.split(None, 1)[0].upper()] += 1
        if self.log:
            print("      " + " ".join(statement.split())[:160])

    def _begin(self, _conn: Any) -> None:
        self.tally.begins += 1

    def _commit(self, _conn: Any) -> None:
        self.tally.commits += 1

    def _rollback(self, _conn: Any) -> None:
        self.tally.rollbacks += 1


def _calls(profiler: cProfile.Profile) -> int:
    return sum(entry.callcount for entry in profiler.getstats())


class InlineExecutor(ThreadPoolExecutor):
    """Runs what the actions hand to a worker thread (asyncio.to_thread) at once, in the calling
    thread, so that the profiler (one thread's) sees the store work too."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting action, as a thread would
            future.set_exception(error)
        return future


def tracker(buyer_id: str, slots: dict[str, Any], text: str, parse: dict[str, Any]) -> Any:
    from rasa_sdk import Tracker

    latest = {"text": text, **parse}
    return Tracker(sender_id=buyer_id, slots=dict(slots), latest_message=latest,
                   events=[{"event": "user", "text": text, "parse_data": latest}], paused=False,
                   followup_action=None, active_loop={}, latest_action_name="action_listen")


async def play(buyer: Any, parses: dict[str, dict[str, Any]], counting: Counting) -> list[tuple[str, Tally, str]]:
    """One conversation, turn by turn: (turn, what it sent, what the bot said)."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.answers import ActionAnswerYes, ActionChooseProblem
    from actions.contact import ActionRecordRating
    from actions.start_case import ActionStartCase

    rating = "/rate" + json.dumps({"rating": str(buyer.rating)})
    turns = [
        ("start", ActionStartCase(), "", {"intent": {"name": "EXTERNAL_case_outreach", "confidence": 1.0},
                                          "entities": [{"entity": "case_id", "value": str(buyer.case_id)}]}),
        ("diagnosis", ActionChooseProblem(), buyer.diagnosis, parses[buyer.diagnosis]),
        ("accept", ActionAnswerYes(), ACCEPT_TEXT, parses[ACCEPT_TEXT]),
        ("rating", ActionRecordRating(), rating, {"intent": {"name": "rate", "confidence": 1.0},
                                                 "entities": [{"entity": "rating", "value": str(buyer.rating)}]}),
    ]
    slots: dict[str, Any] = {}
    played = []
    for name, action, words, parse in turns:
        dispatcher = CollectingDispatcher()
        with counting.turn() as tally:
            events = await action.run(dispatcher, tracker(buyer.buyer_id, slots, words, parse), {})
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        said = ", ".join(m.get("response") or "text" for m in dispatcher.messages)
        played.append((name, tally, said))
    return played


# What the bot must say at each turn (a diagnosis read on its own is noted first; a rating is
# followed by the recommendation question).
EXPECTED = {"start": ("utter_case_opening",), "diagnosis": ("utter_offer", "utter_problem_noted, utter_offer"),
            "accept": ("utter_remedy_done, utter_ask_rating",),
            "rating": ("utter_thanks_for_rating", "utter_thanks_for_rating, utter_ask_recommend")}


def report(conversations: list[list[tuple[str, Tally, str]]]) -> None:
    """Per turn, the mean over the conversations; they should all agree."""
    calls = any(tally.calls for conversation in conversations for _name, tally, _said in conversation)
    print(f"{'turn':10} {'statements':>10} {'BEGIN':>6} {'COMMIT':>6} {'round trips':>12}"
          + (f" {'py calls':>9}" if calls else "") + "  by kind")
    totals = Tally()
    for index, (name, _tally, _said) in enumerate(conversations[0]):
        tallies = [conversation[index][1] for conversation in conversations]
        mean = _mean(tallies)
        spread = {t.total for t in tallies}
        note = "" if len(spread) == 1 else f"  (varies: {sorted(spread)})"
        print(_line(name, mean, calls) + note)
        totals.statements.update(mean.statements)
        totals.begins += mean.begins
        totals.commits += mean.commits
        totals.rollbacks += mean.rollbacks
        totals.calls += mean.calls
    print(_line("total", totals, calls))


def _mean(tallies: list[Tally]) -> Tally:
    n = len(tallies)
    kinds: Counter = sum((t.statements for t in tallies), Counter())
    return Tally(Counter({k: v / n for k, v in kinds.items()}), sum(t.begins for t in tallies) / n,
                 sum(t.commits for t in tallies) / n, sum(t.rollbacks for t in tallies) / n,
                 sum(t.calls for t in tallies) / n)


def _line(name: str, tally: Tally, calls: bool) -> str:
    by_kind = " ".join(f"{k} {v:g}" for k, v in sorted(tally.statements.items(), key=lambda kv: -kv[1]))
    return (f"{name:10} {tally.total:10g} {tally.begins:6g} {tally.commits:6g} {tally.round_trips:12g}"
            + (f" {tally.calls:9.0f}" if calls else "") + f"  {by_kind}")


def fresh_postgres() -> tuple[str, Any]:
    """A new database on the local server, and how to drop it."""
    name = f"outreach_stmts_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        from outreach.store.db import dispose_all

        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop


async def parse_with(model: Path, texts: list[str]) -> dict[str, dict[str, Any]]:
    from rasa.core.agent import load_agent

    from bot import patches

    patches.install({})
    agent = await load_agent(model_path=str(model))
    parsed = {}
    for words in texts:
        found = await agent.parse_message(words)
        parsed[words] = {k: v for k, v in found.items() if k not in ("text", "text_tokens", "intent_ranking")}
    return parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--conversations", type=int, default=4)
    parser.add_argument("--parse-with", type=Path, help="parse the words with this trained model")
    parser.add_argument("--log", action="store_true", help="print every statement")
    parser.add_argument("--calls", action="store_true",
                        help="count each turn's Python function calls (cProfile; the CPU figure is then meaningless)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="outreach-stmts-"))
    if args.store == "postgresql":
        url, drop = fresh_postgres()
    else:
        url, drop = f"sqlite:///{folder / 'outreach.db'}", lambda: None
    os.environ.update(OUTREACH_VAR_DIR=str(folder), OUTREACH_DATABASE_URL=url)
    try:
        return asyncio.run(_run(args, url))
    finally:
        drop()


async def measure(count: int, parses: dict[str, dict[str, Any]] | None = None, log: bool = False,
                  model: Path | None = None, calls: bool = False,
                  ) -> tuple[list[Any], list[list[tuple[str, Tally, str]]], float]:
    """`count` benchmark conversations on the configured store (migrated), after one not counted:
    the buyers, what each turn of each conversation sent and said, and the CPU seconds the
    conversations took in this process (the actions, SQLAlchemy and the database driver; not the
    database server). `calls`: count each turn's Python function calls too (all in one thread)."""
    from bench.chat_seed import seed_buyers

    warm_up, *buyers = seed_buyers("STMT", count + 1)
    if model is not None:
        parses = await parse_with(model, sorted({b.diagnosis for b in buyers} | {ACCEPT_TEXT}))
    if calls:
        asyncio.get_running_loop().set_default_executor(InlineExecutor())
    counting = Counting(log, cProfile.Profile() if calls else None)
    counting.install()
    played = []
    await play(warm_up, parses or PARSES, Counting())  # first uses (caches, compiled statements) not counted
    started = time.process_time()
    try:
        for buyer in buyers:
            if log:
                print(f"conversation of case {buyer.case_id}")
            played.append(await play(buyer, parses or PARSES, counting))
    finally:
        counting.remove()
    return buyers, played, time.process_time() - started


def wrong_replies(buyers: list[Any], played: list[list[tuple[str, Tally, str]]]) -> list[str]:
    return [f"case {buyer.case_id} {name}: said {said!r}, expected one of {EXPECTED[name]!r}"
            for buyer, conversation in zip(buyers, played) for name, _tally, said in conversation
            if said not in EXPECTED[name]]


async def _run(args: argparse.Namespace, url: str) -> int:
    from outreach.settings import get_settings
    from outreach.store.migrate import upgrade

    get_settings.cache_clear()
    upgrade(url)
    buyers, played, cpu_s = await measure(args.conversations, log=args.log, model=args.parse_with, calls=args.calls)
    print(f"SQL sent by the action server's actions per chat turn: {args.store}, "
          f"{len(buyers)} conversations of the chat benchmark (mean per conversation)")
    report(played)
    if not args.calls:
        print(f"CPU in this process: {cpu_s * 1000 / len(buyers):.1f} ms a conversation "
              "(a rough figure: use 40 or more conversations on a quiet machine)")
    wrong = wrong_replies(buyers, played)
    if wrong:
        print("WRONG REPLIES (the figures mean nothing):\n  " + "\n  ".join(wrong))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
