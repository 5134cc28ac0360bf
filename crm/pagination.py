"""Keyset pagination for lists of any size: no OFFSET, a cursor holding the last row's sort values."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    plain = json.dumps([value.isoformat() if isinstance(value, date) else value for value in values])
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def decode_cursor(model: type[models.Model], order: Sequence[str], cursor: str) -> list[Any] | None:
    """The values of the last row seen, or None for a missing or tampered cursor (the first page)."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(order):
            return None
        fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in order]
        return [field.to_python(value) for field, value in zip(fields, raw, strict=True)]
    except (ValueError, binascii.Error, ValidationError, UnicodeDecodeError):
        return None


def keyset_page(
    queryset: QuerySet[Any], *, order: Sequence[str], descending: bool, cursor: str, size: int
) -> KeysetPage:
    """One page after the cursor, ordered by `order` (unique as a whole: it ends with "id"). No OFFSET:
    page 400 costs what page 1 costs, and rows inserted meanwhile neither repeat nor vanish."""
    after = decode_cursor(queryset.model, order, cursor)
    if after is not None:
        lookup = "lt" if descending else "gt"
        condition = Q()
        for position, name in enumerate(order):
            equal = {order[index]: after[index] for index in range(position)}
            condition |= Q(**equal, **{f"{name}__{lookup}": after[position]})
        # The same rows, plus a range on the first column that an index can start from: without it
        # the OR above is checked row by row from the first one (page 2,000 took 200 ms, not 1).
        queryset = queryset.filter(condition, **{f"{order[0]}__{lookup}e": after[0]})
    ordering = [f"-{name}" if descending else name for name in order]
    rows = list(queryset.order_by(*ordering)[: size + 1])
    if len(rows) <= size:
        return KeysetPage(rows, None)
    rows = rows[:size]
    return KeysetPage(rows, encode_cursor([getattr(rows[-1], name) for name in order]))


def page_links(
    request: HttpRequest, page: KeysetPage, base: QueryDict | None = None
) -> dict[str, str | None]:
    """Links to the next and the first page. `base` is what they keep (the open saved view, or the
    filters given; `request.GET` by default)."""
    base = request.GET if base is None else base
    next_url = first_url = None
    if page.next_cursor:
        query: QueryDict = base.copy()
        query["after"] = page.next_cursor
        next_url = f"?{query.urlencode()}"
    if base.get("after"):
        query = base.copy()
        del query["after"]
        first_url = f"?{query.urlencode()}" if query else request.path
    return {"next_url": next_url, "first_url": first_url}
