"""How well two labelling passes over the same real reviews agree: the share of reviews given the
same label, Cohen's kappa (agreement beyond chance), and the same for hurt versus no problem."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from outreach.diagnosis.review_labels import ReviewLabel


@dataclass(frozen=True)
class Agreement:
    rows: int
    same_label: float
    kappa: float
    same_hurt: float
    hurt_kappa: float
    overlapping: float  # the two passes share at least one named problem (or both say no problem)
    by_label: dict[str, tuple[int, float]]  # first pass's label: rows, share the second pass agrees

    def as_dict(self) -> dict:
        return {"rows": self.rows, "same_label": round(self.same_label, 4), "kappa": round(self.kappa, 4),
                "same_hurt": round(self.same_hurt, 4), "hurt_kappa": round(self.hurt_kappa, 4),
                "overlapping": round(self.overlapping, 4),
                "by_label": {label: {"rows": n, "agree": round(share, 4)}
                             for label, (n, share) in self.by_label.items()}}


def kappa(first: Sequence[str], second: Sequence[str]) -> float:
    n = len(first)
    if n == 0:
        return 0.0
    observed = sum(a == b for a, b in zip(first, second)) / n
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(first: dict[str, ReviewLabel], second: dict[str, ReviewLabel], labels: Sequence[str]) -> Agreement:
    rows = sorted(set(first) & set(second))
    a = [first[row].label for row in rows]
    b = [second[row].label for row in rows]
    hurt_a = [str(first[row].hurt) for row in rows]
    hurt_b = [str(second[row].hurt) for row in rows]
    overlap = sum(
        (not first[row].hurt and not second[row].hurt)
        or bool({first[row].label, *first[row].also} & {second[row].label, *second[row].also} - {"no_problem"})
        for row in rows
    )
    by_label = {}
    for label in labels:
        mine = [i for i, value in enumerate(a) if value == label]
        if mine:
            by_label[label] = (len(mine), sum(b[i] == label for i in mine) / len(mine))
    n = len(rows) or 1
    return Agreement(len(rows), sum(x == y for x, y in zip(a, b)) / n, kappa(a, b),
                     sum(x == y for x, y in zip(hurt_a, hurt_b)) / n, kappa(hurt_a, hurt_b), overlap / n, by_label)


def format_agreement(result: Agreement) -> str:
    lines = [f"{result.rows} reviews labelled twice",
             f"same label            {result.same_label:.3f}   Cohen's kappa {result.kappa:.3f}",
             f"same hurt / no hurt   {result.same_hurt:.3f}   Cohen's kappa {result.hurt_kappa:.3f}",
             f"a named problem in common (or both no problem)  {result.overlapping:.3f}", "",
             f"{'first pass label':<20}{'rows':>6}{'second agrees':>15}"]
    for label, (n, share) in result.by_label.items():
        lines.append(f"{label:<20}{n:>6}{share:>15.3f}")
    return "\n".join(lines)
