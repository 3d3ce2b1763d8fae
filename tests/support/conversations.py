"""The conversation corpus (tests/conversations/*.yml): its schema and its loader.

Each file holds one kind of conversation (terse buyers, angry buyers, shares, opt-outs ...);
each conversation names the order it needs, the buyer's turns as a buyer types them, and the
outcome the platform rules give. The format is described in docs/conversation-corpus.md.
A file that does not fit the schema is refused with the file, the conversation and the field.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, conint, constr, root_validator, validator

from outreach.diagnosis.taxonomy import taxonomy
from outreach.importing.schema import AGE_BANDS
from outreach.lifecycle.states import CaseStatus
from outreach.rules.loader import rules
from outreach.rules.schema import ITEM_PROMISES
from outreach.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "tests" / "conversations"
# The held-out sets (tests/conversations/heldout*/): each written apart from the bot's developers
# and never played by `make test`, so its first play is an honest figure for buyers nobody tuned
# the bot on (docs/conversation-corpus.md). heldout/ came first; each heldout-freshN/ was written
# after the sets before it had guided fixes, by someone who read neither the bot's code and NLU
# data nor the other sets' texts. A new set is a new folder: nothing else to register.
HELDOUT_DIR = CORPUS_DIR / "heldout"
# Tuning sets (tests/conversations/phrasings-*/): many short conversations around one question,
# written to widen the readings; like the main corpus they are tuned on, unlike it not played by
# `make test` (EVAL_CHAT_ARGS="--set phrasings-offer").
SETS = {"main": CORPUS_DIR, **{folder.name: folder for folder in sorted(
    (f for pattern in ("heldout*", "phrasings-*") for f in CORPUS_DIR.glob(pattern)),
    key=lambda f: (f.name.startswith("phrasings"), len(f.name), f.name)) if folder.is_dir()}}
HELDOUT_SETS = [name for name in SETS if name.startswith("heldout")]
CATALOG = PROJECT_ROOT / "data" / "seed" / "catalog.yml"
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
# libyaml's loader when PyYAML has it: a hundred held-out sets load in seconds, not minutes
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Slug = constr(regex=r"^[a-z0-9][a-z0-9-]{2,60}$")


class CorpusError(ValueError):
    """A corpus file that cannot be played: says which file, conversation and field."""


def ago(text: str) -> timedelta:
    """'3d', '6h', '2d12h', '30m': how long before the conversation starts."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration like 3d, 6h, 2d12h or 30m")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid


def _duration(value: str | None) -> str | None:
    if value is not None:
        ago(value)
    return value


class Item(Strict):
    """One order line. `catalog` takes a product of data/seed/catalog.yml by a part of its title;
    the other fields override it (or describe a product the catalog does not have)."""

    catalog: str | None = None
    title: str | None = None
    kind: str | None = None
    price_fen: conint(ge=1) | None = None  # type: ignore[valid-type]
    quantity: conint(ge=1, le=10_000) = 1  # type: ignore[valid-type]
    unit: str | None = None
    promises: list[Literal[ITEM_PROMISES]] | None = None  # type: ignore[valid-type]
    live_seafood: bool | None = None
    current_price_fen: conint(ge=0) | None = None  # type: ignore[valid-type]  # the listing's price now (价保)

    @root_validator(skip_on_failure=True)
    def _complete(cls, values: dict[str, Any]) -> dict[str, Any]:
        # (a `catalog` item was filled from the catalog before validation: fill_from_catalog)
        missing = [k for k in ("title", "kind", "price_fen") if values.get(k) is None]
        if missing:
            raise ValueError(f"item needs {', '.join(missing)} (or `catalog` naming a product of {CATALOG.name})")
        values["unit"] = values.get("unit") or "件"
        values["promises"] = values.get("promises") or []
        values["live_seafood"] = bool(values.get("live_seafood"))
        return values


class OrderSpec(Strict):
    """An order of the buyer. Times are how long before the conversation: 3d, 6h, 2d12h."""

    item: Item
    total_fen: conint(ge=1) | None = None  # type: ignore[valid-type]  # default: price x quantity
    charged_fen: conint(ge=1) | None = None  # type: ignore[valid-type]  # what the payment took
    trust_badge: bool = False
    shop: str = "测试店铺"
    paid: str = "3d"
    shipped: str | None = "2d12h"
    delivered: str | None = "6h"
    ship_hours: Literal[24, 48, 72] = 48

    _times = validator("paid", "shipped", "delivered", allow_reuse=True)(_duration)

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("delivered") and not values.get("shipped"):
            raise ValueError("delivered is set but shipped is not")
        if values.get("total_fen") is None:
            values["total_fen"] = values["item"].price_fen * values["item"].quantity
        return values


class BuyerSpec(Strict):
    name: str = "测试买家"
    age_band: Literal[AGE_BANDS] = "30-44"  # type: ignore[valid-type]
    phone: str | None = "13900000000"


class Flag(Strict):
    """The platform flagged this order: a case opens with this label and the scheduler starts the chat."""

    label: str
    text: str = Field(min_length=1)
    order: conint(ge=0) = 0  # type: ignore[valid-type]
    reported: str | None = None  # when the report came (ago); default half an hour after delivery

    _reported = validator("reported", allow_reuse=True)(_duration)

    @validator("label")
    def _label(cls, value: str) -> str:
        if value not in taxonomy().ids:
            raise ValueError(f"unknown label {value!r}; one of {', '.join(taxonomy().ids)}")
        return value


class Tap(Strict):
    """A tap on the button of the latest bot message whose title contains `tap`
    (typed as text when no such button is shown, as a buyer would)."""

    tap: str = Field(min_length=1)


class Ask(Strict):
    """An off-script question, typed: after the bot's answer, the open question's buttons (those
    of the latest bot message before it) must be shown again. `answer`, when given: words of which
    at least one must appear in the bot's reply, so a reply that ignores the question (a repeated
    offer, "没太明白") does not count as an answer."""

    ask: str = Field(min_length=1)
    answer: list[str] = []


class Payload(Strict):
    """A raw payload posted by the app, offered or not (bad input: payloads never shown)."""

    payload: str = Field(regex=r"^/\S")
    text: str = ""


Turn = str | Tap | Ask | Payload


class ExpectedRemedy(Strict):
    remedy: str
    amount_fen: conint(ge=0) | None = None  # type: ignore[valid-type]

    @validator("remedy")
    def _rule(cls, value: str) -> str:
        return _known_rule(value)


def _known_rule(value: str) -> str:
    known = {rule.id for offers in rules().remedies.values() for rule in offers}
    if value != "none" and value not in known:
        raise ValueError(f"unknown rule {value!r}; a rule id of outreach/defaults/rules.yml or none")
    return value


class Expect(Strict):
    """The outcome, read from the store after the last turn. Unset fields are not checked."""

    status: Literal[tuple(s.value for s in CaseStatus)] | None = None  # type: ignore[valid-type]
    label: str | None = None
    remedy: str | None = None  # rule id, or none
    amount_fen: conint(ge=0) | None = None  # type: ignore[valid-type]
    remedies: list[ExpectedRemedy] | None = None  # several problems: every remedy, in any order
    rating: conint(ge=1, le=5) | Literal["none"] | None = None  # type: ignore[valid-type]
    opted_out: bool | None = None
    cases: conint(ge=0) | None = None  # type: ignore[valid-type]  # cases opened in the conversation
    says: list[str] = []  # each appears in some bot message
    never_says: list[str] = []  # none appears in any bot message

    _rule = validator("remedy", allow_reuse=True)(lambda v: v if v is None else _known_rule(v))

    @validator("label")
    def _label(cls, value: str | None) -> str | None:
        if value is not None and value not in taxonomy().ids:
            raise ValueError(f"unknown label {value!r}")
        return value

    @root_validator(skip_on_failure=True)
    def _one_way(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("remedies") is not None and (values.get("remedy") or values.get("amount_fen") is not None):
            raise ValueError("give either remedy/amount_fen or remedies, not both")
        if values.get("amount_fen") is not None and values.get("remedy") in (None, "none"):
            raise ValueError("amount_fen needs the remedy it is paid under")
        return values


class Conversation(Strict):
    id: Slug  # type: ignore[valid-type]
    note: str = ""  # why this conversation is here, which rule gives the amount
    ci: bool = False  # also played by `make test` (the representative subset)
    buyer: BuyerSpec = BuyerSpec()
    order: OrderSpec | None = None
    orders: list[OrderSpec] | None = None
    flag: Flag | None = None  # absent: the buyer writes first
    history: Literal["none", "closed_case", "opted_out"] = "none"
    turns: list[Turn] = Field(min_items=1)
    expect: Expect

    @root_validator(skip_on_failure=True)
    def _orders(cls, values: dict[str, Any]) -> dict[str, Any]:
        if (values.get("order") is None) == (values.get("orders") is None):
            raise ValueError("give `order` or `orders` (a list), exactly one of them")
        orders = values["orders"] or [values["order"]]
        values["orders"], values["order"] = orders, None
        flag = values.get("flag")
        if flag is not None and flag.order >= len(orders):
            raise ValueError(f"flag.order {flag.order} names no order (there are {len(orders)})")
        return values


class CorpusFile(Strict):
    kind: Slug  # type: ignore[valid-type]
    about: str
    conversations: list[Conversation] = Field(min_items=1)


NOT_KINDS = ("merchants", "nouns")  # the catalog's other sections: shops, and the names feedback texts use


Catalog = dict[str, list[dict[str, Any]]]  # products by kind, as data/seed/catalog.yml lists them


def read_catalog(path: Path = CATALOG) -> Catalog:
    """The seed catalog's products by kind (read once per load: it is the slow part of a load)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return {kind: products for kind, products in data.items() if kind not in NOT_KINDS}


def catalog_product(part: str, catalog: Catalog) -> dict[str, Any]:
    """The one product of the seed catalog whose title contains `part`, as item fields."""
    found = [
        {"title": p["title"], "kind": kind, "price_fen": p["price_fen"], "unit": p["unit"],
         "promises": p["promises"], "live_seafood": p["live_seafood"]}
        for kind, products in catalog.items() for p in products if part in p["title"]
    ]
    if len(found) != 1:
        raise ValueError(f"catalog {part!r} matches {len(found)} products of {CATALOG.name}; name exactly one")
    return found[0]


def fill_from_catalog(raw: dict[str, Any], catalog: Catalog) -> list[str]:
    """Fills every item that names a `catalog` product with the product's fields it does not set
    itself, in place; returns where a name matches no product or several."""
    problems = []
    entries = raw.get("conversations")
    for number, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        specs = [("order", entry.get("order"))]
        if isinstance(entry.get("orders"), list):
            specs += [(f"orders.{i}", spec) for i, spec in enumerate(entry["orders"])]
        for where, spec in specs:
            item = spec.get("item") if isinstance(spec, dict) else None
            if not isinstance(item, dict) or not isinstance(item.get("catalog"), str) or not item["catalog"]:
                continue
            try:
                product = catalog_product(item["catalog"], catalog)
            except ValueError as exc:
                problems.append(f"conversation {entry.get('id', '?')} (#{number + 1}), {where}.item: {exc}")
                continue
            for key, value in product.items():
                if item.get(key) is None:
                    item[key] = value
    return problems


def _where(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """'conversation terse-crab (#3), turns.2' from a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "conversations" and isinstance(loc[1], int):
        items = raw.get("conversations") or []
        entry = items[loc[1]] if loc[1] < len(items) and isinstance(items[loc[1]], dict) else {}
        rest = ".".join(str(p) for p in loc[2:] if p != "__root__")
        return f"conversation {entry.get('id', '?')} (#{loc[1] + 1})" + (f", {rest}" if rest else "")
    return ".".join(str(p) for p in loc if p != "__root__") or "file"


def load_file(path: Path, catalog: Catalog | None = None) -> CorpusFile:
    """One corpus file, validated; `catalog` (read_catalog) when several files are loaded."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: expected a mapping with kind, about and conversations")
    unknown = fill_from_catalog(raw, read_catalog() if catalog is None else catalog)
    if unknown:
        raise CorpusError("\n".join(f"{path}: {problem}" for problem in unknown))
    try:
        corpus = CorpusFile.parse_obj(raw)
    except ValidationError as exc:
        problems = sorted({f"{path}: {_where(e['loc'], raw)}: {e['msg']}" for e in exc.errors()})
        raise CorpusError("\n".join(problems)) from None
    if corpus.kind != path.stem:
        raise CorpusError(f"{path}: kind {corpus.kind!r} must be the file's name ({path.stem!r})")
    return corpus


def load_corpus(folder: Path = CORPUS_DIR) -> list[tuple[str, Conversation]]:
    """Every conversation of every file, as (kind, conversation); ids are unique across files."""
    found: list[tuple[str, Conversation]] = []
    seen: dict[str, Path] = {}
    problems: list[str] = []
    catalog = read_catalog()
    for path in sorted(folder.glob("*.yml")):
        try:
            corpus = load_file(path, catalog)
        except CorpusError as exc:
            problems.append(str(exc))
            continue
        for conversation in corpus.conversations:
            if conversation.id in seen:
                problems.append(f"{path}: conversation {conversation.id}: id already used in {seen[conversation.id]}")
            seen[conversation.id] = path
            found.append((corpus.kind, conversation))
    if problems:
        raise CorpusError("\n".join(problems))
    return found
