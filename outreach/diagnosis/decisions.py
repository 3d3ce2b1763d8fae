"""From the probability that a buyer is hurt to a decision: contact them, leave them, or let a
person look first. The thresholds follow from the costs in defaults/diagnosis.yml (one loader).

With p the calibrated probability that the buyer is hurt:
- contacting costs (1 - p) x false_contact, where false_contact is the cost of contacting a
  satisfied buyer plus the expected cost of paying on praise;
- leaving costs p x missed_hurt_buyer;
- a person's look costs person_look and is taken to be right.
The cheapest of the three wins, so a text is hurt from `hurt_min` on, and goes to a person when
both automatic choices cost more than a look: `look_from` <= p < `look_until`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, confloat, conint

from outreach.datafiles import load_yaml_model

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "defaults" / "diagnosis.yml"


class Decision(str, enum.Enum):
    CONTACT = "contact"  # hurt: open a case and reach out
    NONE = "none"  # not hurt: nothing to do
    LOOK = "look"  # a person decides first (the needs-a-look list)


class Costs(BaseModel):
    contact_satisfied_buyer: confloat(ge=0)  # type: ignore[valid-type]
    praise_accepts_offer_share: confloat(ge=0, le=1)  # type: ignore[valid-type]
    average_remedy_paid: confloat(ge=0)  # type: ignore[valid-type]
    missed_hurt_buyer: confloat(gt=0)  # type: ignore[valid-type]
    person_look: confloat(gt=0)  # type: ignore[valid-type]

    @property
    def false_contact(self) -> float:
        return self.contact_satisfied_buyer + self.praise_accepts_offer_share * self.average_remedy_paid


class Retrain(BaseModel):
    min_examples_per_class: conint(ge=1)  # type: ignore[valid-type]
    tolerance: confloat(ge=0, le=0.1)  # type: ignore[valid-type]


class DiagnosisConfig(BaseModel):
    costs: Costs
    retrain: Retrain

    class Config:
        extra = "forbid"


class DiagnosisConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Thresholds:
    hurt_min: float  # p >= this: hurt
    look_from: float  # look_from <= p < look_until: a person looks (empty when look_from >= look_until)
    look_until: float

    def decide(self, p: float) -> Decision:
        if self.look_from <= p < self.look_until:
            return Decision.LOOK
        return Decision.CONTACT if p >= self.hurt_min else Decision.NONE

    def as_dict(self) -> dict[str, float]:
        return {"hurt_min": round(self.hurt_min, 4), "look_from": round(self.look_from, 4),
                "look_until": round(self.look_until, 4)}


def thresholds(costs: Costs) -> Thresholds:
    false_contact, missed = costs.false_contact, costs.missed_hurt_buyer
    hurt_min = false_contact / (false_contact + missed) if false_contact + missed else 0.5
    look_from = costs.person_look / missed
    look_until = 1.0 - costs.person_look / false_contact if false_contact else 0.0
    if look_from >= look_until:  # a look never pays: no band
        look_from = look_until = hurt_min
    return Thresholds(hurt_min, look_from, look_until)


def load_config(path: Path | str = DEFAULT_PATH) -> DiagnosisConfig:
    return load_yaml_model(path, DiagnosisConfig, DiagnosisConfigError, "diagnosis settings")
