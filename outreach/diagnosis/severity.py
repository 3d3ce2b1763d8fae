"""Severity (1 most urgent) as the product brief defines it."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy


@dataclass(frozen=True)
class Severity:
    level: int
    reasons: tuple[str, ...]


def severity_of(
    label: str,
    text: str = "",
    *,
    age_band: str | None = None,
    order_total_fen: int | None = None,
    tax: Taxonomy | None = None,
) -> Severity:
    tax = tax or taxonomy()
    level = tax.label(label).severity
    reasons = [f"{label} base {level}"]
    for qualifier in tax.qualifiers:
        if qualifier.label == label and qualifier.severity < level:
            if any(word in text for word in qualifier.words):
                level = qualifier.severity
                reasons.append(qualifier.reason)
    if label != NO_PROBLEM:
        raise_rule = tax.raise_urgency
        raised = False
        if age_band is not None and age_band in raise_rule.age_bands:
            reasons.append(f"buyer aged {age_band}")
            raised = True
        if order_total_fen is not None and order_total_fen > raise_rule.order_total_above_fen:
            reasons.append(f"order above {raise_rule.order_total_above_fen // 100} yuan")
            raised = True
        if raised:
            level = max(1, level - 1)
    return Severity(level=level, reasons=tuple(reasons))
