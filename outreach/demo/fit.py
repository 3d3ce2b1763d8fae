"""Which demo products a feedback text can be about: a text that names a product ("脐橙") fits
only the products that carry that name among their words (data/seed/catalog.yml); a text that
names no product ("包装很厚实") fits any product of its kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def named(text: str, nouns: Iterable[str]) -> set[str]:
    """The product names in a text; a name inside a longer one found there ("鱼" in "三文鱼") is dropped."""
    found = {noun for noun in nouns if noun in text}
    return {noun for noun in found if not any(noun != other and noun in other for other in found)}


def fits(text: str, product: dict[str, Any], nouns: Iterable[str]) -> bool:
    return named(text, nouns) <= set(product.get("words") or [])
