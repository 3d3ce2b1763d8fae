"""The chat benchmark's printed report and its JSON figures."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from bench.chat_memory import PeakMemory
from bench.chat_stats import (
    P95_TARGET,
    RASA_MEMORY_TARGET_BYTES,
    THROUGHPUT_TARGET,
    Comparison,
    LevelFigures,
    Scaling,
    compare,
    mark,
    scaling,
)


@dataclass
class SetupResult:
    label: str
    replicas: int
    levels: list[LevelFigures] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    memory: list[PeakMemory] = field(default_factory=list)
    ready_seconds: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)  # CPU time per timed turn, per process
    cpus: int | None = None  # cores its processes were limited to (--pin), None for all
    stores_pinned: bool = False  # --pin-all: PostgreSQL, Redis and the client on those cores too

    def level(self, concurrency: int) -> LevelFigures | None:
        return next((level for level in self.levels if level.concurrency == concurrency), None)

    def as_dict(self) -> dict:
        return {"label": self.label, "replicas": self.replicas, "levels": [level.as_dict() for level in self.levels],
                "problems": self.problems, "memory": [asdict(peak) for peak in self.memory],
                "ready_seconds": self.ready_seconds, "cpu_ms_per_turn": self.cpu_ms_per_turn, "cpus": self.cpus,
                "stores_pinned": self.stores_pinned}


def _against(baseline: SetupResult, others: list[SetupResult]) -> list[tuple[SetupResult, LevelFigures, LevelFigures]]:
    """(set-up, its level, the baseline's level at the same concurrency) for every other set-up."""
    return [(result, level, base) for result in others if result is not baseline for level in result.levels
            if (base := baseline.level(level.concurrency)) is not None]


PATCHES_OFF = " off"  # label suffix of a set-up run with the Rasa patches off (--patches off|both)
PLAIN = "plain"  # the plain bot on SQLite, as the embedded set-up
PLAIN_PG = "plain pg"  # the plain bot on PostgreSQL and Redis, as the scaled set-up


def comparisons(results: list[SetupResult]) -> list[Comparison]:
    """Every set-up of ours against the plain bot; the scaled ones also against the plain bot
    on their own stores, which isolates what the assistant adds from what the stores cost."""
    by_label = {result.label: result for result in results}
    ours = [result for result in results if result.label not in (PLAIN, PLAIN_PG)]
    found = []
    for baseline, compared in ((PLAIN, ours), (PLAIN_PG, [r for r in ours if r.label.startswith("scaled")])):
        if baseline in by_label:
            found += [compare(level, base) for _, level, base in _against(by_label[baseline], compared)]
    return found


def scalings(results: list[SetupResult], cores: int) -> list[Scaling]:
    scaled = [result for result in results if result.label.startswith("scaled")
              and not result.label.endswith(PATCHES_OFF)]
    one = next((result for result in scaled if result.replicas == 1), None)
    if one is None:
        return []
    return [scaling(base, level, result.replicas, cores) for result, level, base in _against(one, scaled)]


def patch_lines(results: list[SetupResult]) -> list[str]:
    """Each set-up with the Rasa patches off beside the same set-up with them on (bot/patches.py)."""
    by_label = {result.label: result for result in results}
    out = []
    for off in results:
        on = by_label.get(off.label.removesuffix(PATCHES_OFF)) if off.label.endswith(PATCHES_OFF) else None
        if on is None:
            continue
        rasa_ms = [sum(ms for name, ms in r.cpu_ms_per_turn.items() if name.startswith("rasa")) for r in (on, off)]
        for _, level, base in _against(off, [on]):
            out.append(f"  {on.label:<12}{level.concurrency:>5}{level.throughput:>10.2f}{base.throughput:>10.2f}"
                       f"{level.throughput / base.throughput if base.throughput else math.nan:>8.2f}x"
                       f"{_ms(level.p95_ms):>9}{_ms(base.p95_ms):>9}")
        out.append(f"  {on.label:<12}Rasa CPU per turn: {rasa_ms[0]:.1f} ms with the patches, {rasa_ms[1]:.1f} ms "
                   "without")
    if out:
        out = ["", "Rasa patches (bot/patches.py) on against off, same set-up and run",
               f"  {'set-up':<12}{'conc':>5}{'on t/s':>10}{'off t/s':>10}{'on/off':>9}{'p95 on':>9}{'p95 off':>9}",
               *out]
    return out


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.0f}"


def lines(results: list[SetupResult], cores: int, load: tuple[float, float]) -> list[str]:
    w = max(12, 1 + max((len(result.label) for result in results), default=0))  # "scaled x2 off"
    out = [f"chat benchmark: {cores} cores, load average {load[0]:.1f} at the start, {load[1]:.1f} at the end",
           "", f"{'set-up':<{w}}{'conc':>5}{'convs':>7}{'turns':>7}{'errors':>8}{'turns/s':>9}"
           f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    for result in results:
        for lv in result.levels:
            out.append(f"{result.label:<{w}}{lv.concurrency:>5}{lv.conversations:>7}{lv.turns:>7}{lv.errors:>8}"
                       f"{lv.throughput:>9.2f}{_ms(lv.p50_ms):>9}{_ms(lv.p95_ms):>9}{_ms(lv.p99_ms):>9}")
    found = comparisons(results)
    if found:
        out += ["", f"against the plain Rasa bot (targets: throughput >= {THROUGHPUT_TARGET}x, "
                f"p95 <= {P95_TARGET}x)",
                f"{'set-up':<{w}}{'against':<10}{'conc':>5}{'throughput':>12}{'':>8}{'p95':>8}"]
        for c in found:
            out.append(f"{c.setup:<{w}}{c.baseline:<10}{c.concurrency:>5}{c.throughput_ratio:>11.2f}x "
                       f"{mark(c.throughput_met):>7}{c.p95_ratio:>7.2f}x {mark(c.p95_met)}")
    scaled = scalings(results, cores)
    if scaled:
        pinned = [result for result in results if result.cpus]
        what = "the whole system (stores and client too)" if any(r.stores_pinned for r in pinned) else "each"
        given = (f"{what} on as many cores as replicas ({', '.join(f'{r.label} on {r.cpus}' for r in pinned)}); "
                 "its ratios to the plain bot, which had every core, mean little") if pinned else \
            f"{cores} cores available"
        best = min(cores, max(result.replicas for result in results))
        out += ["", f"scaling against one Rasa replica ({given}: at best {best}x)"]
        for s in scaled:
            out.append(f"  {s.replicas} replicas at concurrency {s.concurrency}: {s.speedup:.2f}x "
                       f"(ideal {s.ideal}x, efficiency {s.efficiency:.0%})")
    out += patch_lines(results)
    out += ["", f"peak memory (VmHWM, children included) and time to ready; Rasa target <= "
            f"{RASA_MEMORY_TARGET_BYTES / 1e9:.1f} GB"]
    for result in results:
        for peak in result.memory:
            name = peak.name.split(":", 1)[-1]
            target = ""
            if name.startswith("rasa"):
                target = f"  Rasa target {mark(peak.tree_bytes <= RASA_MEMORY_TARGET_BYTES)}"
            ready = result.ready_seconds.get(name)
            ready_text = f"{ready:6.1f} s" if ready is not None else "     - "
            out.append(f"  {result.label:<{w}}{name:<14}{_mib(peak.own_bytes):>11} own {_mib(peak.tree_bytes):>11} "
                       f"tree ({peak.processes} proc)  ready {ready_text}{target}")
    out += ["", "CPU time per turn (user + system, children included): where the turns' time goes"]
    for result in results:
        spent = sorted(result.cpu_ms_per_turn.items(), key=lambda item: -item[1])
        out.append(f"  {result.label:<{w}}" + ", ".join(f"{name} {ms:.1f} ms" for name, ms in spent)
                   + f"; total {sum(result.cpu_ms_per_turn.values()):.1f} ms")
    problems = [problem for result in results for problem in result.problems]
    out.append("")
    if problems:
        out.append(f"INVALID RUN: {len(problems)} wrong answers or store problems (first 10):")
        out += [f"  {problem}" for problem in problems[:10]]
    else:
        out.append("correctness: every conversation reached its offer, one payout per accepted case, "
                   "every rating stored")
    return out


def figures(results: list[SetupResult], cores: int, load: tuple[float, float], argv: list[str]) -> dict:
    return {
        "cores": cores, "load_average": {"start": load[0], "end": load[1]}, "argv": argv,
        "targets": {"throughput_ratio_min": THROUGHPUT_TARGET, "p95_ratio_max": P95_TARGET,
                    "rasa_peak_bytes_max": RASA_MEMORY_TARGET_BYTES},
        "setups": [result.as_dict() for result in results],
        "comparisons": [c.as_dict() for c in comparisons(results)],
        "scaling": [s.as_dict() for s in scalings(results, cores)],
        "valid": not any(result.problems for result in results),
    }
