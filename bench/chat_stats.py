"""Figures of the chat benchmark: per-turn latency percentiles, throughput, ratios to the plain bot.

Pure functions on recorded turns; nothing here measures time itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

# Issue 8: throughput at least 0.7x the plain Rasa bot on one replica, p95 at most 2x.
THROUGHPUT_TARGET = 0.7
P95_TARGET = 2.0
RASA_MEMORY_TARGET_BYTES = 1_500_000_000  # 1.5 GB peak resident memory per Rasa server


@dataclass(frozen=True)
class Turn:
    """One buyer turn: what it was (start, diagnosis, accept, rating), how long it took, whether it was right."""

    kind: str
    seconds: float
    ok: bool


@dataclass(frozen=True)
class LevelFigures:
    setup: str
    concurrency: int
    conversations: int
    turns: int
    errors: int
    wall_seconds: float
    throughput: float  # right turns per second over the level's wall time: quick failures never count
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Our set-up against a plain bot (`baseline`) at the same concurrency."""

    setup: str
    baseline: str
    concurrency: int
    throughput_ratio: float
    p95_ratio: float

    @property
    def throughput_met(self) -> bool:
        return self.throughput_ratio >= THROUGHPUT_TARGET

    @property
    def p95_met(self) -> bool:
        return self.p95_ratio <= P95_TARGET

    def as_dict(self) -> dict[str, float | int | str | bool]:
        return {**asdict(self), "throughput_met": self.throughput_met, "p95_met": self.p95_met}


@dataclass(frozen=True)
class Scaling:
    """Throughput with several Rasa replicas against one, and the best that is possible here."""

    concurrency: int
    replicas: int
    speedup: float
    ideal: int  # replicas, but never more than the cores available

    @property
    def efficiency(self) -> float:
        return self.speedup / self.ideal

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "efficiency": self.efficiency}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between the two nearest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(setup: str, concurrency: int, conversations: int, turns: Sequence[Turn],
              wall_seconds: float) -> LevelFigures:
    """Latency percentiles over every turn, wrong ones included (they took their time too);
    throughput over the right turns only, so a set-up that fails fast does not look fast."""
    millis = [turn.seconds * 1000 for turn in turns] or [math.nan]
    have = bool(turns)
    errors = sum(not turn.ok for turn in turns)
    return LevelFigures(
        setup=setup,
        concurrency=concurrency,
        conversations=conversations,
        turns=len(turns),
        errors=errors,
        wall_seconds=wall_seconds,
        throughput=(len(turns) - errors) / wall_seconds if wall_seconds > 0 else 0.0,
        p50_ms=percentile(millis, 50) if have else math.nan,
        p95_ms=percentile(millis, 95) if have else math.nan,
        p99_ms=percentile(millis, 99) if have else math.nan,
    )


def compare(ours: LevelFigures, plain: LevelFigures) -> Comparison:
    if ours.concurrency != plain.concurrency:
        raise ValueError(f"comparing concurrency {ours.concurrency} with {plain.concurrency}")
    return Comparison(
        setup=ours.setup,
        baseline=plain.setup,
        concurrency=ours.concurrency,
        throughput_ratio=ours.throughput / plain.throughput if plain.throughput else math.nan,
        p95_ratio=ours.p95_ms / plain.p95_ms if plain.p95_ms else math.nan,
    )


def scaling(one_replica: LevelFigures, many: LevelFigures, replicas: int, cores: int) -> Scaling:
    return Scaling(
        concurrency=many.concurrency,
        replicas=replicas,
        speedup=many.throughput / one_replica.throughput if one_replica.throughput else math.nan,
        ideal=max(1, min(replicas, cores)),
    )


def mark(met: bool) -> str:
    return "met" if met else "MISSED"
