"""The taxonomy, the rules, the Rasa domain, training data and actions agree with each other."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import yaml
from rasa_sdk import Action, FormValidationAction

import actions
from outreach.diagnosis.taxonomy import taxonomy
from outreach.diagnosis.training_data import NLU_DIR, read_intent_examples
from outreach.rules.loader import rules
from outreach.settings import PROJECT_ROOT

PRODUCT_LABELS = {
    "quality_defect", "damaged", "spoiled", "late_delivery", "wrong_item", "missing_item",
    "not_as_described", "counterfeit", "price_issue", "health_reaction", "service_attitude", "no_problem",
}


def domain() -> dict:
    merged: dict = {"intents": [], "actions": [], "responses": {}, "slots": {}, "forms": {}}
    for path in sorted((PROJECT_ROOT / "bot" / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        merged["intents"] += part.get("intents", [])
        merged["actions"] += part.get("actions", [])
        merged["responses"].update(part.get("responses", {}))
        merged["slots"].update(part.get("slots", {}))
        merged["forms"].update(part.get("forms", {}))
    return merged


def implemented_actions() -> dict[str, type]:
    found = {}
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == loaded.__name__:
                found[cls().name()] = cls
    return found


def test_taxonomy_has_exactly_the_product_labels() -> None:
    assert set(taxonomy().ids) == PRODUCT_LABELS


def test_every_label_is_a_bot_intent_and_reaches_the_problem_action() -> None:
    assert set(taxonomy().ids) <= set(domain()["intents"])
    care_rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "care.yml").read_text(encoding="utf-8"))
    for rule in care_rules["rules"]:
        if rule["rule"].startswith("the buyer names a problem"):
            named = {step["intent"] for step in rule["steps"][0]["or"]}
            assert named == set(taxonomy().ids)
            assert rule["steps"][1] == {"action": "action_choose_problem"}
            break
    else:
        raise AssertionError("no rule routes problem intents to action_choose_problem")


def test_every_label_has_training_examples_and_no_example_has_two_labels() -> None:
    examples = read_intent_examples(sorted(NLU_DIR.rglob("*.yml")))
    for label in taxonomy().ids:
        assert len(examples.get(label, [])) >= 20, f"{label} has too few examples"
    seen: dict[str, str] = {}
    for intent, texts in examples.items():
        for text in texts:
            assert seen.setdefault(text, intent) == intent, f"{text!r} is both {seen[text]} and {intent}"


def test_rules_name_only_taxonomy_labels() -> None:
    assert set(rules().remedies) <= set(taxonomy().ids)


def declared_actions() -> dict[str, dict]:
    """The domain's actions and their options (e.g. send_domain)."""
    found: dict[str, dict] = {}
    for entry in domain()["actions"]:
        found.update({entry: {}} if isinstance(entry, str) else entry)
    return found


def test_domain_actions_and_implemented_actions_match() -> None:
    assert set(declared_actions()) == set(implemented_actions())


def test_exactly_the_actions_that_read_the_domain_are_sent_it() -> None:
    """Rasa sends the domain only to actions marked send_domain (selective domain, bot/endpoints*.yml).
    rasa-sdk's form validations read the forms' slots from it; our own actions never read it."""
    for path in ("endpoints.yml", "endpoints.scaled.yml"):
        endpoint = yaml.safe_load((PROJECT_ROOT / "bot" / path).read_text(encoding="utf-8"))["action_endpoint"]
        assert endpoint["enable_selective_domain"] is True, path
    sent = {name for name, options in declared_actions().items() if options.get("send_domain")}
    validations = {name for name, cls in implemented_actions().items() if issubclass(cls, FormValidationAction)}
    assert validations and sent == validations
    for name, cls in implemented_actions().items():
        if name not in sent:
            source = inspect.getsource(cls)
            assert "domain[" not in source and "domain.get" not in source, f"{name} reads the domain it is not sent"


def test_every_response_the_actions_use_exists_in_the_domain() -> None:
    used: set[str] = set()
    for path in Path(actions.__path__[0]).glob("*.py"):
        used |= set(re.findall(r'response="(utter_[a-z_]+)"', path.read_text(encoding="utf-8")))
    missing = used - set(domain()["responses"])
    assert used and not missing, f"responses missing from the domain: {missing}"


def test_every_button_payload_names_a_domain_intent() -> None:
    intents = set(domain()["intents"])
    for name, variants in domain()["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                intent = re.match(r"/([A-Za-z_]+)", button["payload"]).group(1)
                assert intent in intents, f"{name} button sends unknown intent {intent}"
