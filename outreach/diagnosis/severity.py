"""Severity (1 most urgent) as the product brief defines it, for one text or a whole batch."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy

Context = tuple[str | None, int | None]  # (buyer's age band, order total in fen)


class Severity(NamedTuple):
    level: int
    reasons: tuple[str, ...]


class SeverityRules:
    """The taxonomy's severity rules: base level per label, qualifiers by the buyer's words, and
    one step more urgent for elderly buyers and large orders."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        self._base = {label.id: label.severity for label in tax.labels}
        self._base_reason = {label.id: f"{label.id} base {label.severity}" for label in tax.labels}
        self._plain = {label.id: Severity(label.severity, (self._base_reason[label.id],)) for label in tax.labels}
        self._qualifiers = [
            (q.label, q.severity, q.reason, re.compile("|".join(re.escape(w) for w in q.words))) for q in tax.qualifiers
        ]
        self._qualified_labels = {q.label for q in tax.qualifiers}
        raise_rule = tax.raise_urgency
        self._age_bands = set(raise_rule.age_bands)
        self._order_above = raise_rule.order_total_above_fen
        self._order_reason = f"order above {raise_rule.order_total_above_fen // 100} yuan"

    def of(self, label: str, text: str = "", context: Context = (None, None)) -> Severity:
        if label not in self._base:
            self.tax.label(label)  # raises the clear unknown-label error
        return self.many([label], [text], [context])[0]

    def many(self, labels: Sequence[str], texts: Sequence[str], contexts: Sequence[Context] | None) -> list[Severity]:
        base, base_reason, plain, qualified = self._base, self._base_reason, self._plain, self._qualified_labels
        no_context = (None, None)
        results: list[Severity] = []
        for i, label in enumerate(labels):
            if label not in qualified and (contexts is None or contexts[i] == no_context):
                results.append(plain[label])
                continue
            level = base[label]
            reasons: tuple[str, ...] = (base_reason[label],)
            if label in self._qualified_labels:
                for q_label, q_level, q_reason, words in self._qualifiers:
                    if q_label == label and q_level < level and words.search(texts[i]):
                        level, reasons = q_level, (*reasons, q_reason)
            if contexts is not None and label != NO_PROBLEM:
                age_band, total = contexts[i]
                raised = False
                if age_band is not None and age_band in self._age_bands:
                    reasons, raised = (*reasons, f"buyer aged {age_band}"), True
                if total is not None and total > self._order_above:
                    reasons, raised = (*reasons, self._order_reason), True
                if raised:
                    level = max(1, level - 1)
            results.append(Severity(level, reasons))
        return results


_by_taxonomy: dict[int, tuple[Taxonomy, SeverityRules]] = {}


def rules_for(tax: Taxonomy | None = None) -> SeverityRules:
    tax = tax or taxonomy()
    cached = _by_taxonomy.get(id(tax))
    if cached is None or cached[0] is not tax:
        cached = _by_taxonomy[id(tax)] = (tax, SeverityRules(tax))
    return cached[1]


def severity_of(
    label: str,
    text: str = "",
    *,
    age_band: str | None = None,
    order_total_fen: int | None = None,
    tax: Taxonomy | None = None,
) -> Severity:
    return rules_for(tax).of(label, text, (age_band, order_total_fen))
