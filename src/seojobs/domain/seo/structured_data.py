"""JSON-LD checks: blocks that do not parse or name no @type, items missing required fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

#: Types whose items need a headline and a datePublished.
ARTICLE_TYPES: frozenset[str] = frozenset({"Article", "NewsArticle", "BlogPosting"})
#: A Product needs at least one of these besides its name.
PRODUCT_ANY_OF: tuple[str, ...] = ("offers", "review", "aggregateRating")


def _items(data: Any) -> list[Any]:
    """The top-level items of a block: a list's elements, an @graph's, or the object itself."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("@graph"), list) and "@type" not in data:
        graph: list[Any] = data["@graph"]
        return graph
    return [data]


def _types(item: dict[str, Any]) -> set[str]:
    value = item.get("@type")
    names = value if isinstance(value, list) else [value]
    # "https://schema.org/Product" and "schema:Product" name the same type as "Product".
    return {str(n).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for n in names if n}


def parse_blocks(blocks: tuple[str, ...]) -> tuple[list[str], list[dict[str, Any]]]:
    """Return (why each invalid block is invalid, every typed item of the valid blocks)."""
    invalid: list[str] = []
    items: list[dict[str, Any]] = []
    for number, block in enumerate(blocks, 1):
        try:
            data = json.loads(block)
        except json.JSONDecodeError as exc:
            invalid.append(
                f"block {number}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            )
            continue
        found = _items(data)
        untyped = [i for i in found if not isinstance(i, dict) or not _types(i)]
        if not found or untyped:
            invalid.append(f"block {number}: an item without @type")
            continue
        items += found
    return invalid, items


def _missing(item: dict[str, Any], field: str) -> bool:
    value = item.get(field)
    return value is None or value == "" or value == [] or value == {}


def incomplete(item: dict[str, Any]) -> Iterator[str]:
    """Say what a typed item lacks, one line per problem (nothing when it is complete)."""
    types = _types(item)
    if "Product" in types:
        if _missing(item, "name"):
            yield "Product lacks name"
        if all(_missing(item, f) for f in PRODUCT_ANY_OF):
            yield "Product lacks offers, review and aggregateRating"
    for kind in sorted(types & ARTICLE_TYPES):
        lacking = [f for f in ("headline", "datePublished") if _missing(item, f)]
        if lacking:
            yield f"{kind} lacks {' and '.join(lacking)}"
    if "BreadcrumbList" in types and _missing(item, "itemListElement"):
        yield "BreadcrumbList has no itemListElement"
