"""Diagnosis of feedback texts: hurt or not, the problem labels, the primary one, confidence,
severity, and the decision (contact, nothing, or a person looks first).

The model (outreach.diagnosis.artifact) gives two calibrated readings of a text: p, the
probability that the buyer is hurt, and which problem it is given that they are. The twelve
labels' probabilities follow: P(no_problem) = 1 - p, P(problem) = p x P(problem | hurt). The
decision comes from p and the costs of each error (outreach.diagnosis.decisions). A text may name
several problems: each clause is read too, every problem found is reported and the primary one is
the most severe. Text in a language the model does not read is never labelled by guesswork: it
goes to a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from outreach.diagnosis import language
from outreach.diagnosis.artifact import HURT, DiagnosisModel
from outreach.diagnosis.decisions import Decision, Thresholds
from outreach.diagnosis.features import normalise, readable
from outreach.diagnosis.language import CHINESE
from outreach.diagnosis.regex_hints import union_of_required
from outreach.diagnosis.severity import Context, rules_for
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy

__all__ = ["Diagnoser", "Diagnosis", "normalise"]

# Multi-problem reading, chosen on the multi-problem and labelled real sets (`make eval`).
SECOND_MIN = 0.3  # another problem this likely (given hurt) in the whole text is reported too
CLAUSE_MIN = 0.6  # a hurt clause this sure of its problem adds it
PRIMARY_MIN = 0.9  # a more severe problem found this surely becomes the primary one
VAGUE_CONFIDENCE = 0.3  # the most a guessed label gets for a complaint that names no problem
_LETTERS = re.compile(r"[^\W_]")


class Diagnosis(NamedTuple):
    category: str  # the primary label: the most severe problem found, or no_problem
    confidence: float  # the primary label's probability
    hurt: bool
    severity: int
    severity_reasons: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # every problem found, primary first
    alternatives: tuple[tuple[str, float], ...] = ()
    note: str | None = None
    hurt_probability: float = 0.0
    decision: Decision = Decision.NONE
    language: str = CHINESE
    model_version: str | None = None

    def as_dict(self) -> dict:
        result = {
            "category": self.category,
            "labels": list(self.labels) or [self.category],
            "hurt": self.hurt,
            "hurt_probability": round(self.hurt_probability, 3),
            "decision": self.decision.value,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "severity_reasons": list(self.severity_reasons),
            "alternatives": [{"category": c, "confidence": round(p, 3)} for c, p in self.alternatives],
            "model_version": self.model_version,
        }
        if self.language != CHINESE:
            result["language"] = self.language
        if self.note:
            result["note"] = self.note
        return result


@dataclass
class _Judged:
    hurt_p: np.ndarray
    primary: list[int]  # index into the twelve labels
    confidence: list[float]
    runner_up: list[list[int]]  # the two next likeliest labels
    runner_up_p: list[list[float]]  # and their probabilities
    labels: dict[int, tuple[int, ...]]  # texts with more than one problem: all of them, primary first
    notes: dict[int, str]
    twelve: np.ndarray  # (n, 12): each label's probability, as Diagnoser.probabilities gives it


class Diagnoser:
    """Diagnoses texts with one model, decision thresholds and the taxonomy, all given."""

    def __init__(self, model: DiagnosisModel, thresholds: Thresholds, tax: Taxonomy) -> None:
        self.model, self.thresholds, self.tax = model, thresholds, tax
        self.version = model.version
        problems = model.problems.classes
        self.classes = [*problems, NO_PROBLEM]  # the twelve labels; P(no_problem) is the last column
        self._no_problem = len(problems)
        self._severity = np.array([tax.label(c).severity for c in self.classes], dtype=float)
        self._severity_rules = rules_for(tax)
        self._no_problem_severity = tax.label(NO_PROBLEM).severity
        self._single = [(label,) for label in self.classes]
        patterns = tax.vague_complaints
        self._vague = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        hints = union_of_required(patterns)  # a text without any of these characters cannot match
        self._vague_hints = re.compile("[" + re.escape("".join(sorted(hints))) + "]") if hints else None

    @classmethod
    def load(cls, var_dir: object | None = None) -> Diagnoser:
        """The current model (outreach.diagnosis.registry) with the configured thresholds."""
        from outreach.diagnosis.registry import load_diagnoser

        return load_diagnoser(var_dir)

    def diagnose(self, text: str, *, age_band: str | None = None, order_total_fen: int | None = None) -> Diagnosis:
        return self.diagnose_many([text], age_band=age_band, order_total_fen=order_total_fen)[0]

    def probabilities(self, text: str) -> dict[str, float]:
        """The probability of each of the twelve labels for one whole text."""
        return self.probabilities_many([text])[0]

    def probabilities_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """`probabilities` of each text, scored as one batch (each text's figures are its own)."""
        if not texts:
            return []
        return [dict(zip(self.classes, map(float, row))) for row in self._twelve(texts)]

    def diagnose_with_probabilities(
        self, texts: Sequence[str]
    ) -> tuple[list[Diagnosis], list[dict[str, float] | None]]:
        """`diagnose_many(texts)` and, from the same scoring, `probabilities` of each text the
        diagnosis scored: the same figures as the two calls apart. None for a text it did not
        score (no words to read, another language: its diagnosis has confidence 0)."""
        scored: list[tuple[list[int], _Judged]] = []
        diagnoses = self.diagnose_many(texts, _judged=scored)
        probabilities: list[dict[str, float] | None] = [None] * len(texts)
        for indices, judged in scored:
            for i, row in zip(indices, judged.twelve):
                probabilities[i] = dict(zip(self.classes, map(float, row)))
        return diagnoses, probabilities

    def _twelve(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.model.scorer.scores(texts)
        p = scores.heads[HURT].texts
        return np.column_stack([self.model.given_hurt(scores)[0] * p[:, None], 1.0 - p])

    def diagnose_many(
        self,
        texts: Sequence[str],
        *,
        age_band: str | None = None,
        order_total_fen: int | None = None,
        contexts: Sequence[Context] | None = None,
        _judged: list[tuple[list[int], _Judged]] | None = None,
    ) -> list[Diagnosis]:
        """Diagnose a batch; `contexts` gives (age_band, order_total_fen) per text when they differ.
        `_judged` (diagnose_with_probabilities) receives the scoring of the texts read as Chinese,
        with their indices."""
        if contexts is None:
            contexts = [(age_band, order_total_fen)] * len(texts)
        results: list[Diagnosis | None] = [None] * len(texts)
        todo: list[int] = []
        plainly_chinese = language.plainly_chinese
        for i, text in enumerate(texts):
            if plainly_chinese(text):  # the common case, two quick scans
                todo.append(i)
            elif not readable(text):
                results[i] = self._unreadable(text)
            else:
                found = language.detect(text)
                if found.chinese:
                    todo.append(i)
                else:
                    results[i] = self._foreign(found.code, found.name)
        keep: list[_Judged] | None = None if _judged is None else []
        if len(todo) == len(texts):
            diagnoses = self._diagnose_chinese(list(texts), list(contexts), keep)
            if _judged is not None and keep:
                _judged.append((todo, keep[0]))
            return diagnoses
        batch, batch_contexts = [texts[i] for i in todo], [contexts[i] for i in todo]
        chinese = self._diagnose_chinese(batch, batch_contexts, keep)
        if _judged is not None and keep:
            _judged.append((todo, keep[0]))
        for i, diagnosis in zip(todo, chinese):
            results[i] = diagnosis
        return results  # type: ignore[return-value]

    def _diagnose_chinese(self, texts: list[str], contexts: list[Context],
                          keep: list[_Judged] | None = None) -> list[Diagnosis]:
        if not texts:
            return []
        judged = self._judge(texts)
        if keep is not None:
            keep.append(judged)
        classes = self.classes
        categories = [classes[primary] for primary in judged.primary]
        severities = self._severity_rules.many(categories, texts, contexts)
        thresholds = self.thresholds
        p = judged.hurt_p
        decisions = np.where((p >= thresholds.look_from) & (p < thresholds.look_until), 2,
                             np.where(p >= thresholds.hurt_min, 0, 1)).tolist()
        by_code = (Decision.CONTACT, Decision.NONE, Decision.LOOK)
        version, single, notes, found_labels = self.version, self._single, judged.notes, judged.labels
        diagnoses = []
        for row, (primary, category, confidence, severity, hurt_p, decision, (a, b), (pa, pb)) in enumerate(zip(
            judged.primary, categories, judged.confidence, severities, p.tolist(), decisions, judged.runner_up,
            judged.runner_up_p,
        )):
            found = found_labels.get(row)
            diagnoses.append(Diagnosis(
                category, confidence, category != NO_PROBLEM, severity.level, severity.reasons,
                tuple(classes[i] for i in found) if found else single[primary],
                ((classes[a], pa), (classes[b], pb)), notes.get(row), hurt_p, by_code[decision], CHINESE, version,
            ))
        return diagnoses

    def _judge(self, texts: list[str]) -> _Judged:
        """The problems found, the primary one (most severe, then most likely), its probability and
        the next two likeliest labels, for a batch of readable Chinese texts; vectorised."""
        scores = self.model.scorer.scores(texts)
        p = scores.heads[HURT].texts
        given_hurt, clause_q = self.model.given_hurt(scores)  # (n, n_problems), (n_clauses, n_problems)
        n, n_problems = given_hurt.shape
        rows = np.arange(n)
        hurt = p >= self.thresholds.hurt_min
        order = np.argsort(-given_hurt, axis=1, kind="stable")[:, :3]
        top = np.take_along_axis(given_hurt, order, axis=1)
        best = order[:, 0]
        # found[i, label]: how sure (given hurt) each problem found in text i is; 0: not found.
        found = np.zeros((n, n_problems))
        found[rows[hurt], best[hurt]] = top[hurt, 0]
        for j in (1, 2):
            also = hurt & (top[:, j] >= SECOND_MIN)
            found[rows[also], order[also, j]] = top[also, j]
        owners = scores.clause_owner
        if len(owners) > n:  # some text has several clauses
            several = np.bincount(owners, minlength=n)[owners] > 1
            clause_best = clause_q.argmax(axis=1)
            sure = clause_q[np.arange(len(owners)), clause_best]
            clause_hurt = scores.heads[HURT].clauses >= self.thresholds.hurt_min
            keep = several & hurt[owners] & clause_hurt & (sure >= CLAUSE_MIN)
            np.maximum.at(found, (owners[keep], clause_best[keep]), sure[keep])
        is_found = found > 0
        n_found = is_found.sum(axis=1)
        eligible = found >= PRIMARY_MIN
        eligible[rows, best] = True
        severity = self._severity[:n_problems]
        rank_key = np.where(is_found, found - 10.0 * severity - 100.0 * ~eligible, -np.inf)
        primary = np.where(hurt, rank_key.argmax(axis=1), self._no_problem)
        twelve = np.column_stack([given_hurt * p[:, None], 1.0 - p])
        confidence = twelve[rows, primary]
        notes: dict[int, str] = {}
        for i in self._vague_complaints(texts, np.flatnonzero(hurt).tolist()):
            confidence[i] = min(confidence[i], VAGUE_CONFIDENCE)  # "有点问题": hurt, but which problem is a guess
            notes[i] = "a complaint that names no problem: the label is a guess"
        several_found = np.flatnonzero(hurt & (n_found > 1))
        ranked = np.argsort(-rank_key[several_found], axis=1, kind="stable").tolist()
        labels = {i: tuple(order_i[:count]) for i, order_i, count in
                  zip(several_found.tolist(), ranked, n_found[several_found].tolist())}
        # The alternatives: the two likeliest of the twelve labels other than the primary.
        masked = twelve.copy()
        masked[rows, primary] = -1.0
        runner_up = np.argsort(-masked, axis=1, kind="stable")[:, :2]
        runner_up_p = np.take_along_axis(twelve, runner_up, axis=1)
        return _Judged(
            p, primary.tolist(), confidence.tolist(), runner_up.tolist(), runner_up_p.tolist(), labels, notes, twelve
        )

    def _vague_complaints(self, texts: list[str], candidates: list[int]) -> list[int]:
        """The texts among candidates that complain without naming a problem: they match a vague
        complaint ("有点问题", "太差了") and what is left without it names no problem surely
        ("态度太差了" names the service, "质量太差" the quality). One regex pass over the batch."""
        if self._vague is None or not candidates:
            return []
        vague, hints = self._vague, self._vague_hints
        lowered_all = [texts[i].lower() for i in candidates]
        if hints is not None:
            kept = [k for k, text in enumerate(lowered_all) if hints.search(text)]
            candidates, lowered_all = [candidates[k] for k in kept], [lowered_all[k] for k in kept]
            if not candidates:
                return []
        lowered = lowered_all
        joined = "\x00".join(lowered)
        starts = np.cumsum([0] + [len(text) + 1 for text in lowered[:-1]])
        positions = [match.start() for match in vague.finditer(joined)]
        hits = np.unique(np.searchsorted(starts, positions, side="right") - 1).tolist() if positions else []
        matched = [candidates[k] for k in hits]
        rests = [vague.sub(" ", lowered[k]) for k in hits]
        readable_rests = [j for j, rest in enumerate(rests) if len(_LETTERS.findall(rest)) >= 2]
        named: set[int] = set()
        if readable_rests:
            q = self.model.given_hurt(self.model.scorer.scores([rests[j] for j in readable_rests]))[0]
            named = {matched[j] for j, sure in zip(readable_rests, q.max(axis=1)) if sure >= CLAUSE_MIN}
        return [i for i in matched if i not in named]

    def _unreadable(self, raw: str) -> Diagnosis:
        note = "empty text" if not raw.strip() else "nothing to read: no letters or digits"
        return Diagnosis(NO_PROBLEM, 0.0, False, self._no_problem_severity, ("no words to read",), (NO_PROBLEM,),
                         (), note, 0.0, Decision.NONE, CHINESE, self.version)

    def _foreign(self, code: str, name: str) -> Diagnosis:
        note = f"written in {name}: the model reads Chinese only, so a person reads it"
        return Diagnosis(NO_PROBLEM, 0.0, False, self._no_problem_severity, ("language not read",), (NO_PROBLEM,),
                         (), note, 0.0, Decision.LOOK, code, self.version)
