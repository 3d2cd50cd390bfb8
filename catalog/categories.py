"""The category tree shoppers see: every category read in one query, visibility worked out."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from catalog.models import Category


class CategoryTree:
    """All categories, read in one query, with the shopper-visible part worked out.

    A category is visible when it and every ancestor are active. Plain data
    only, so the tree can be cached under the catalogue revision.
    """

    def __init__(self, rows: Iterable[dict]) -> None:
        self._nodes: dict[int, dict] = {row["id"]: dict(row) for row in rows}
        self._order = list(self._nodes)  # rows arrive in the model's ordering
        self._visible: set[int] = {pk for pk in self._nodes if self._is_visible(pk)}
        self._children: dict[int | None, list[int]] = {}
        for pk in self._order:
            if pk in self._visible:
                self._children.setdefault(self._nodes[pk]["parent_id"], []).append(pk)
        self._by_slug = {self._nodes[pk]["slug"]: pk for pk in self._visible}
        for pk, node in self._nodes.items():
            node["url"] = reverse("catalog:category_detail", kwargs={"slug": node["slug"]})
            node["depth"] = len(self._ancestor_ids(pk)) - 1 if pk in self._visible else 0
            node["indent"] = "\u2014 " * node["depth"]  # shows nesting inside a <select>

    def _ancestor_ids(self, pk: int) -> list[int]:
        """Ids from the root down to ``pk``; empty when the parent chain is broken or loops."""
        chain: list[int] = []
        seen: set[int] = set()
        current: int | None = pk
        while current is not None:
            if current in seen or current not in self._nodes:
                return []
            seen.add(current)
            chain.append(current)
            current = self._nodes[current]["parent_id"]
        return chain[::-1]

    def _is_visible(self, pk: int) -> bool:
        chain = self._ancestor_ids(pk)
        return bool(chain) and all(self._nodes[node_id]["is_active"] for node_id in chain)

    @property
    def visible_ids(self) -> frozenset[int]:
        return frozenset(self._visible)

    def get_visible(self, slug: str) -> dict | None:
        pk = self._by_slug.get(slug)
        return self._nodes[pk] if pk is not None else None

    def node(self, pk: int) -> dict:
        return self._nodes[pk]

    def children(self, pk: int | None) -> list[dict]:
        """Visible direct sub-categories (``None``: the top level), in shop order."""
        return [self._nodes[child] for child in self._children.get(pk, [])]

    def descendant_ids(self, pk: int) -> list[int]:
        """``pk`` and every visible category below it."""
        found = [pk]
        for child in self._children.get(pk, []):
            found.extend(self.descendant_ids(child))
        return found

    def ancestors(self, pk: int) -> list[dict]:
        """Categories from the root down to ``pk`` (breadcrumbs)."""
        return [self._nodes[node_id] for node_id in self._ancestor_ids(pk)]

    def flat(self) -> list[dict]:
        """Every visible category, depth first in shop order (for a select box)."""
        ordered: list[dict] = []

        def walk(parent: int | None) -> None:
            for child in self._children.get(parent, []):
                ordered.append(self._nodes[child])
                walk(child)

        walk(None)
        return ordered


def category_tree_get() -> CategoryTree:
    """Every category in one query, as a ``CategoryTree``."""
    rows = Category.objects.order_by("position", "name", "id").values(
        "id", "name", "slug", "parent_id", "is_active", "position", "description"
    )
    return CategoryTree(rows)
