"""Trees of records (group companies, teams, territories, the management chain) must not loop."""

from __future__ import annotations

from django.db import models


def would_make_a_loop(node: models.Model, new_parent: models.Model | None, parent_field: str) -> bool:
    """True when `new_parent` is `node` itself or sits anywhere below it, i.e. walking up from
    `new_parent` along `parent_field` reaches `node`. A loop already in the data ends the walk."""
    if node.pk is None:
        return False
    seen: set[int] = set()
    current = new_parent
    while current is not None and current.pk not in seen:
        if current.pk == node.pk:
            return True
        seen.add(current.pk)
        current = getattr(current, parent_field)
    return False
