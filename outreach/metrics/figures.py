"""The figures of docs/metrics.md, computed from case facts. Pure: no database, no clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from statistics import median
from typing import Any

from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.metrics.facts import REPURCHASE_DAYS, CaseFacts


def percent(part: int, whole: int) -> float | None:
    """A share in percent, one decimal; None when there is nothing to share."""
    return round(100.0 * part / whole, 1) if whole else None


def wilson(part: int, whole: int, z: float = 1.96) -> tuple[float, float] | None:
    """The 95% Wilson score interval of a share, in percent with one decimal (None without a
    denominator). Unlike part/whole +- 2 standard errors it stays within 0-100 and is honest
    for small samples, where leads most need to see how unsure a rate is."""
    if not whole:
        return None
    share = part / whole
    centre = share + z * z / (2 * whole)
    spread = z * ((share * (1 - share) + z * z / (4 * whole)) / whole) ** 0.5
    scale = 1 + z * z / whole
    return round(100 * max(0.0, (centre - spread) / scale), 1), round(100 * min(1.0, (centre + spread) / scale), 1)


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def nps(scores: list[int]) -> float | None:
    """% of 9-10 minus % of 0-6, one decimal."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 1)


def figures(cases: Iterable[CaseFacts]) -> dict[str, Any]:
    cases = list(cases)
    reached = [c for c in cases if c.reached]
    resolved = [c for c in reached if c.resolved_at is not None]
    ratings = [c.rating for c in cases if c.rating is not None]
    scores = [c.recommend for c in cases if c.recommend is not None]
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "fen": 0})
    for case in cases:
        for rule, fen in case.paid_by_rule.items():
            by_rule[rule]["cases"] += 1
            by_rule[rule]["fen"] += fen
    paid = sum(v["fen"] for v in by_rule.values())
    result: dict[str, Any] = {
        "cases": len(cases),
        "hurt_cases": sum(1 for c in cases if c.label != NO_PROBLEM),
        "reached": len(reached),
        "reach_rate": percent(len(reached), len(cases)),
        "resolution_rate": percent(len(resolved), len(reached)),
        "first_contact_resolution": percent(
            sum(1 for c in resolved if c.reached_contacts == 1 and not c.handed_over), len(reached)),
        "handover_rate": percent(sum(1 for c in reached if c.handed_over), len(reached)),
        "optout_rate": percent(sum(1 for c in reached if c.opted_out), len(reached)),
        "minutes_to_first_contact": _median(
            [(c.first_contact_at - c.created_at).total_seconds() / 60 for c in reached if c.first_contact_at]),
        "hours_to_resolution": _median([(c.resolved_at - c.created_at).total_seconds() / 3600 for c in resolved]),
        "ratings": len(ratings),
        "csat": percent(sum(1 for r in ratings if r >= 4), len(ratings)),
        "nps_responses": len(scores),
        "nps": nps(scores),
        "paid_fen": paid,
        "paid_per_case_fen": round(paid / len(cases)) if cases else None,
        "paid_by_rule": {rule: dict(v) for rule, v in sorted(by_rule.items())},
    }
    for days in REPURCHASE_DAYS:
        known = [c.repurchase[days] for c in cases if c.repurchase.get(days) is not None]
        result[f"repurchase_{days}d"] = percent(sum(1 for k in known if k), len(known))
    return result


def grouped(cases: list[CaseFacts], key: Callable[[CaseFacts], tuple[str, str]]) -> list[dict[str, Any]]:
    """Figures per group, groups in key order; key gives (id, display name)."""
    groups: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return [{"key": k, "name": name, **figures(members)} for (k, name), members in sorted(groups.items())]
