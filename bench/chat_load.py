"""Chat load benchmark: simulated buyers hold real conversations with the assistant.

    .venv/bin/python bench/chat_load.py [--quick] [--setups plain,plain-pg,embedded,scaled]
        [--concurrency 1,10,50] [--conversations N] [--replicas 1,2] [--patches on|off|both] [--json FILE]

Each buyer is seeded through import and triage with a hurt order, then: the proactive
start (the scheduler's trigger_intent call), the diagnosis (the buyer describes the problem
in Chinese), the offer, accept, rating - through the buyers' front door (POST /api/messages,
signed buyer token). The same number of turns goes to a plain Rasa bot with no custom
actions (bench/plain_bot/, Rasa's REST channel), the ratio to beat. Prints per set-up and
concurrency: throughput (turns/s) and p50/p95/p99 per turn, the ratios to the plain bot
against the targets, the scaling with Rasa replicas, each process's peak memory and time
to ready. Every reply and the store are checked: a run with wrong answers is reported
INVALID and exits 1. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_checks import check_store  # noqa: E402
from bench.chat_driver import run_level  # noqa: E402
from bench.chat_memory import MemorySampler, cpu_seconds  # noqa: E402
from bench.chat_report import SetupResult, figures, lines  # noqa: E402
from bench.chat_seed import SeededBuyer, case_outcomes, plain_buyers, seed_buyers  # noqa: E402
from bench.chat_setups import BenchSetup, EmbeddedSetup, PlainScaledSetup, PlainSetup, ScaledSetup  # noqa: E402
from bench.chat_stats import summarise  # noqa: E402

# The plain bots first: their figures are the ratios to beat ("plain-pg" is the plain bot on
# the scaled set-up's PostgreSQL and Redis).
SETUPS = ("plain", "plain-pg", "embedded", "scaled")
WARMUP = 2  # conversations before the timed levels, checked but not counted
PATCH_CHOICES = {"on": (True,), "off": (False,), "both": (True, False)}


def _numbers(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from exc
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers of at least 1, e.g. 1,10,50")
    return values


def _setups(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = set(names) - set(SETUPS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown set-up {sorted(unknown)}; choose from {','.join(SETUPS)}")
    return [name for name in SETUPS if name in names]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke check: concurrency 1,4, 4 conversations per level, 2 replicas only")
    parser.add_argument("--setups", type=_setups, default=list(SETUPS), help="default: " + ",".join(SETUPS))
    parser.add_argument("--concurrency", type=_numbers, default=None, help="buyers talking at once (default 1,10,50)")
    parser.add_argument("--conversations", type=int, default=None,
                        help="conversations per concurrency level (default 100; at least the concurrency)")
    parser.add_argument("--replicas", type=_numbers, default=None,
                        help="Rasa replicas of the scaled set-up, one run each (default 1,2: scaling vs one)")
    parser.add_argument("--pin", action="store_true",
                        help="run the scaled set-up with N replicas on N cores (its processes only), so that "
                             "scaling is measured against the cores given, as with a machine per replica")
    parser.add_argument("--pin-all", action="store_true",
                        help="with --pin, also the stores (PostgreSQL, Redis) and the benchmark's client on those N "
                             "cores for the set-up's run: the whole system on one core against the whole system on two")
    parser.add_argument("--patches", choices=PATCH_CHOICES, default="on",
                        help="the assistant's set-ups with the Rasa patches (bot/patches.py) on, off, or both: each "
                             "set-up run twice, the figures with the patches off printed beside those with them on")
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "care.tar.gz")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run the embedded and plain set-ups' processes under cProfile, one .prof file each in DIR")
    args = parser.parse_args(argv)
    args.pin = args.pin or args.pin_all
    args.concurrency = args.concurrency or ([1, 4] if args.quick else [1, 10, 50])
    args.conversations = args.conversations or (4 if args.quick else 100)
    args.replicas = args.replicas or ([2] if args.quick else [1, 2])
    if not args.model.exists():
        parser.error(f"no trained model at {args.model}: run `make train` first, or pass --model")
    return args


def _per_level(args: argparse.Namespace, concurrency: int) -> int:
    return max(args.conversations, concurrency)


def _cpus_for(setup: BenchSetup, args: argparse.Namespace, replicas: int) -> set[int] | None:
    """With --pin, the first N cores for the scaled set-up with N replicas."""
    if not args.pin or not isinstance(setup, ScaledSetup):
        return None
    return set(sorted(os.sched_getaffinity(0))[:replicas])


@contextmanager
def _pinned(cpus: set[int] | None) -> Iterator[None]:
    if not cpus:
        yield
        return
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)  # children inherit the spawning thread's set
    try:
        yield
    finally:
        os.sched_setaffinity(0, everything)


STORE_COMMANDS = ("postgres", "redis-server")  # the machine's own servers: a new backend inherits the postmaster's set


def _store_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in STORE_COMMANDS:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@contextmanager
def _stores_and_client_pinned(cpus: set[int] | None) -> Iterator[None]:
    """--pin-all: PostgreSQL, Redis and this process (the client's threads start later) on the set-up's
    cores while it runs; every set is given back afterwards."""
    if not cpus:
        yield
        return
    before: dict[int, set[int]] = {}
    for pid in [0, *_store_pids()]:
        try:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, cpus)
        except OSError as error:  # another user's process: the figures say the stores were not pinned
            print(f"could not pin process {pid} ({error}); its cores stay as they were", flush=True)
    try:
        yield
    finally:
        for pid, cores in before.items():
            try:
                os.sched_setaffinity(pid, cores)
            except OSError:
                pass


def run_setup(setup: BenchSetup, args: argparse.Namespace, replicas: int) -> SetupResult:
    result = SetupResult(setup.label, replicas)
    setup.profile_dir = args.profile
    wanted = WARMUP + sum(_per_level(args, c) for c in args.concurrency)
    try:
        setup.prepare()
        print(f"[{setup.label}] seeding {wanted} buyers ...", flush=True)
        buyers = plain_buyers("PLN", wanted) if isinstance(setup, PlainSetup) else seed_buyers("CHAT", wanted)
        print(f"[{setup.label}] starting ...", flush=True)
        cpus = _cpus_for(setup, args, replicas)
        result.cpus = len(cpus) if cpus else None
        result.stores_pinned = bool(cpus) and args.pin_all
        with _pinned(cpus):  # the processes started here keep the set they were started with
            setup.launch()
        print(f"[{setup.label}] ready: " + ", ".join(f"{k} {v:.0f} s" for k, v in setup.ready.items()), flush=True)
        with _stores_and_client_pinned(cpus if args.pin_all else None):
            _measure(setup, args, buyers, result)
    finally:
        print(f"[{setup.label}] stopping ...", flush=True)
        with _shielded():
            setup.stop()
    return result


def _measure(setup: BenchSetup, args: argparse.Namespace, buyers: list[SeededBuyer], result: SetupResult) -> None:
    transport = setup.transport()
    done: list = []
    warm, _ = run_level(transport, buyers[:WARMUP], 1)
    done += warm
    start = WARMUP
    processes = {name.split(":", 1)[1]: pid for name, pid in setup.sampler.roots.items()
                 if name.startswith(setup.name + ":")}
    cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    cpu_before["benchmark client"] = time.process_time()
    for concurrency in args.concurrency:
        batch: list[SeededBuyer] = buyers[start:start + _per_level(args, concurrency)]
        start += len(batch)
        conversations, wall = run_level(transport, batch, concurrency)
        done += conversations
        level = summarise(setup.label, concurrency, len(batch), [t for c in conversations for t in c.turns], wall)
        result.levels.append(level)
        print(f"[{setup.label}] concurrency {concurrency}: {level.throughput:.2f} turns/s, p95 "
              f"{level.p95_ms:,.0f} ms, {level.errors} errors", flush=True)
    cpu_after = {name: cpu_seconds(pid) for name, pid in processes.items()}
    cpu_after["benchmark client"] = time.process_time()
    timed = sum(level.turns for level in result.levels)
    result.cpu_ms_per_turn = {name: (cpu_after[name] - cpu_before[name]) * 1000 / max(timed, 1)
                              for name in cpu_before}
    result.problems += [problem for conversation in done for problem in conversation.problems]
    if not isinstance(setup, PlainSetup):
        outcomes = case_outcomes([c.buyer.case_id for c in done])
        result.problems += check_store([c.expected() for c in done], outcomes)
    result.memory = setup.sampler.report()
    result.memory = [peak for peak in result.memory if peak.name.startswith(setup.name + ":")]
    result.ready_seconds = dict(setup.ready)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _cleaning_up(signum: int, _frame: object) -> None:
    print(f"signal {signum}: still stopping processes and dropping databases, one moment", flush=True)


@contextmanager
def _shielded() -> Iterator[None]:
    """A second Ctrl-C while cleaning up must not leave processes or databases behind."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _cleaning_up)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, _interrupt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for signum in STOP_SIGNALS:  # clean up on kill as on Ctrl-C,
        signal.signal(signum, _interrupt)  # also when started in the background (SIGINT ignored there)
    os.chdir(ROOT)
    cores = len(os.sched_getaffinity(0))
    load_start = os.getloadavg()[0]
    sampler = MemorySampler().start()
    results: list[SetupResult] = []
    try:
        for name in args.setups:
            if name == "plain":
                results.append(run_setup(PlainSetup(sampler), args, 1))
            elif name == "plain-pg":
                results.append(run_setup(PlainScaledSetup(sampler), args, 1))
            elif name == "embedded":
                for patches in PATCH_CHOICES[args.patches]:
                    results.append(run_setup(EmbeddedSetup(sampler, args.model, patches), args, 1))
            else:
                for replicas in args.replicas:
                    for patches in PATCH_CHOICES[args.patches]:
                        results.append(run_setup(ScaledSetup(sampler, args.model, replicas, patches), args, replicas))
    except KeyboardInterrupt:
        print("\ninterrupted: every process and database of the benchmark was stopped and dropped", flush=True)
        return 130
    finally:
        sampler.stop()
    load = (load_start, os.getloadavg()[0])
    print("\n" + "\n".join(lines(results, cores, load)))
    if args.json:
        args.json.write_text(json.dumps(figures(results, cores, load, sys.argv), indent=2, ensure_ascii=False))
        print(f"figures written to {args.json}")
    return 1 if any(result.problems for result in results) else 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"benchmark took {time.monotonic() - started:.0f} s")
    sys.exit(code)
