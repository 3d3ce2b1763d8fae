"""The problem taxonomy: one loader for defaults/taxonomy.yml, validated at start-up."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, conint, validator

from outreach.datafiles import load_yaml_model

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "defaults" / "taxonomy.yml"
NO_PROBLEM = "no_problem"


def _compiled(what: str, pattern: str) -> str:
    """The pattern, when it is a valid regular expression; else the error, naming what it is."""
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"{what} {pattern!r} is not a valid regular expression: {error}") from None
    return pattern


class Label(BaseModel):
    id: str = Field(regex=r"^[a-z_]+$")
    zh: str
    severity: conint(ge=1, le=4)  # type: ignore[valid-type]
    covers: str
    # Words that name this problem beyond doubt when told rather than asked ("又吐又拉", "起疹子"):
    # a safety net under the model for the problems a person must take first.
    signs: list[str] = []
    # Words of a clause about something else, in which the model alone does not name this label
    # ("里面连个隔板都没有" tells how goods were packed, not that pieces are missing).
    not_by_model: list[str] = []
    # What `not_by_model` is read against: the clause, or the whole message the clause is in.
    not_by_model_in: Literal["clause", "message"] = "clause"
    # Words anywhere in the message beside which the model alone names this label in no clause
    # ("包装是破了 但东西没坏": the box, not the goods), whatever `not_by_model_in` says.
    not_by_model_beside: list[str] = []
    # Words a clause about this problem nearly always holds ("晚", "态度", "斤"): beside another
    # problem named surely, a clause the model reads as this one with no more than middling
    # confidence names it only when it holds one of them; without, it is the story around the
    # other problem ("想着能撑一个月", "还没给她吃"), not a second one.
    cues: list[str] = []

    @validator("signs", "not_by_model", "not_by_model_beside", "cues", each_item=True)
    def _sign_compiles(cls, pattern: str) -> str:
        return _compiled("sign", pattern)


# A sign right after these words is denied ("没有过敏", "不拉肚子").
_DENIED = re.compile(r"(?:没|不|无|未|别|没有)(?!一共|总共)[^，,。.!！？?\s]{0,2}$"
                     # what the shop claims of the buyer: "客服张口就说是我们自己摔坏的"
                     r"|(?:说|讲|硬说|非说|赖)(?:是)?(?:我|我们|我家|买家|你)(?:们)?自己[^，,。.!！？?\s]{0,2}$"
                     # what was only thought at first: "还以为是碗摔碎了 … 碗都好好的"
                     r"|以为(?:是)?[^，,。.!！？?\s]{0,3}$")


class Qualifier(BaseModel):
    label: str
    severity: conint(ge=1, le=4)  # type: ignore[valid-type]
    reason: str
    words: list[str] = Field(min_items=1)


class RaiseUrgency(BaseModel):
    age_bands: list[str]
    order_total_above_fen: conint(ge=0)  # type: ignore[valid-type]


class Taxonomy(BaseModel):
    labels: list[Label] = Field(min_items=2)
    qualifiers: list[Qualifier] = []
    raise_urgency: RaiseUrgency
    vague_complaints: list[str] = []

    @validator("vague_complaints", each_item=True)
    def _pattern_compiles(cls, pattern: str) -> str:
        return _compiled("vague complaint", pattern)

    @validator("labels")
    def _unique_with_no_problem(cls, labels: list[Label]) -> list[Label]:
        ids = [label.id for label in labels]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate labels: {', '.join(duplicates)}")
        if NO_PROBLEM not in ids:
            raise ValueError(f"the label {NO_PROBLEM!r} must exist")
        return labels

    @validator("qualifiers", each_item=True)
    def _qualifier_label_known(cls, qualifier: Qualifier, values: dict) -> Qualifier:
        known = {label.id for label in values.get("labels", [])}
        if known and qualifier.label not in known:
            raise ValueError(f"qualifier names unknown label {qualifier.label!r}")
        return qualifier

    @property
    def ids(self) -> list[str]:
        return [label.id for label in self.labels]

    def label(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(f"unknown label {label_id!r}; known: {', '.join(self.ids)}")

    def zh(self, label_id: str) -> str:
        return self.label(label_id).zh

    def model_may_name(self, label_id: str, clause: str, message: str | None = None) -> bool:
        """Whether the model's reading alone may name the label in this clause of the message
        (`not_by_model`, read against the clause or the whole message: `not_by_model_in`; and
        `not_by_model_beside`, read against the message)."""
        label = self.label(label_id)
        words = message if label.not_by_model_in == "message" and message is not None else clause
        return not any(re.search(pattern, words) for pattern in label.not_by_model) and not any(
            re.search(pattern, message or clause) for pattern in label.not_by_model_beside)

    def cued(self, label_id: str, clause: str) -> bool:
        """Whether the clause holds one of the label's `cues`."""
        return any(re.search(pattern, clause) for pattern in self.label(label_id).cues)

    def signs_in(self, text: str) -> list[str]:
        """The labels whose signs the text shows, not denied ("我家狗又吐又拉" but not "没有过敏")."""
        found = []
        for label in self.labels:
            for sign in label.signs:
                if any(not _DENIED.search(text[:m.start()]) for m in re.finditer(sign, text)):
                    found.append(label.id)
                    break
        return found


class TaxonomyError(ValueError):
    pass


def load_taxonomy(path: Path | str = DEFAULT_PATH) -> Taxonomy:
    return load_yaml_model(path, Taxonomy, TaxonomyError, "taxonomy")


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    return load_taxonomy()
