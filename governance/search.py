"""Global search: a registry the domain apps fill, and the reads and writes of the search table.

Governance sits on floor 0 and never imports a domain app: each domain registers its searchable models
in its `AppConfig.ready()` (`register(...)`), with
- an *indexer* that turns a record into a `Document` (title, subtitle, and the text to match),
- a *visible* function that, given a member and candidate ids, returns the records of those ids the
  member may see, in one query (the model's `visible_to(membership)` queryset),
- a *url* function for the record's page.

The search table (`search_entry`, migration governance 0002) is not readable by the application role:
`crm_search()` and `crm_search_upsert*()`/`crm_search_delete()` are SECURITY DEFINER functions that
filter on the tenant of the current scope themselves, so that the trigram index serves every search
without row-level security getting in its way, and nothing is found or written outside a tenant scope.

A search is then rounds of two steps: the function returns the next ids ranked by similarity
(`crm_search_page`, CANDIDATES of them at first, then the rest of its pool), and each registered type
keeps the ones the member may see with one query per type (`pk__in`), in rank order. The rounds stop as
soon as there are enough visible results or no more candidates, and after MAX_ROUNDS at most (POOL
candidates): a rep whose records rank below hundreds of others' still finds them, and a search costs
at most MAX_ROUNDS x (1 + types) queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection, models
from django.utils.functional import Promise

from crm.models import Membership

CANDIDATES = 200  # ids ranked by the database before visibility is applied, in the first round
# crm_search_page ranks at most POOL entries (governance 0008) and returns at most PAGE_MAX at a time:
# the first round takes the best CANDIDATES, the next ones the rest of the pool. Each round ranks the
# pool again, so few rounds: a misspelt word (trigrams) costs about 300 ms a round on 5,000,000 entries.
POOL = 3200
PAGE_MAX = 2000
MAX_ROUNDS = 3  # 200, 2,000, 1,000
DEFAULT_LIMIT = 20  # results shown
MIN_QUERY_LENGTH = 2
BATCH_SIZE = 500


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    text: str


@dataclass(frozen=True)
class SearchType:
    object_type: str  # "accounts.account": app label and model name
    model: type[models.Model]
    indexer: Callable[[Any], Document | None]  # None: the record must not be found
    visible: Callable[[Membership, list[int]], Iterable[Any]]  # one query, the visible records of the ids
    url: Callable[[Any], str]
    label: str | Promise  # the group's heading, plural ("Accounts")
    permission: str = ""  # the object permission a user needs to search this type ("accounts.view_account")
    order: int = 100
    # All records to index, for a rebuild; select/prefetch what the indexer reads.
    rebuild_queryset: Callable[[], models.QuerySet[Any]] | None = None
    # Field policies: given the member and the query, a test (or None) telling whether a visible record
    # matched only through a field the member may not read (a contact found by a mobile number the
    # role may not see): such a result is dropped. Asked once per type and round, not per row.
    hidden_match: Callable[[Membership, str], Callable[[Any], bool] | None] | None = None


@dataclass
class SearchResult:
    object_type: str
    object_id: int
    title: str
    subtitle: str
    score: float
    record: Any

    @cached_property
    def url(self) -> str:
        """Built when shown: tenant pages reverse inside the tenant URLconf of the request."""
        return _registry[self.object_type].url(self.record)


@dataclass
class SearchGroup:
    search_type: SearchType
    results: list[SearchResult] = field(default_factory=list)

    @property
    def label(self) -> str | Promise:
        return self.search_type.label


_registry: dict[str, SearchType] = {}


def register(search_type: SearchType) -> None:
    """Called from a domain app's `ready()`. Registering the same type again replaces it."""
    _registry[search_type.object_type] = search_type


def registered_types() -> list[SearchType]:
    return sorted(_registry.values(), key=lambda entry: (entry.order, entry.object_type))


def types_for(user: Any) -> list[str]:
    """The registered types this user's role may read at all (layer 1 of the sharing model)."""
    return [
        entry.object_type
        for entry in registered_types()
        if not entry.permission or user.has_perm(entry.permission)
    ]


def object_type_of(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _type_for(obj: models.Model) -> SearchType | None:
    return _registry.get(object_type_of(type(obj)))


# Writes ------------------------------------------------------------------------------------------------


def index(obj: models.Model) -> None:
    """Bring the record's entry up to date, in the current transaction. Called by the services after
    each write, inside the tenant scope. A model that is not registered is ignored."""
    index_many([obj])


def index_many(objs: Iterable[models.Model]) -> int:
    """Upsert the entries of these records (removing those whose indexer returns None), in batches."""
    count = 0
    upserts: dict[str, list[tuple[int, Document]]] = defaultdict(list)
    removals: dict[str, list[int]] = defaultdict(list)

    def flush() -> None:
        nonlocal count
        for object_type, rows in upserts.items():
            count += _upsert(object_type, rows)
        for object_type, ids in removals.items():
            _delete(object_type, ids)
        upserts.clear()
        removals.clear()

    pending = 0
    for obj in objs:
        search_type = _type_for(obj)
        if search_type is None or obj.pk is None:
            continue
        document = search_type.indexer(obj)
        if document is None:
            removals[search_type.object_type].append(obj.pk)
        else:
            upserts[search_type.object_type].append((obj.pk, document))
        pending += 1
        if pending >= BATCH_SIZE:
            flush()
            pending = 0
    flush()
    return count


def unindex(obj: models.Model) -> None:
    """Remove the record's entry (call it before or after deleting the record, in the same transaction)."""
    search_type = _type_for(obj)
    if search_type is not None and obj.pk is not None:
        _delete(search_type.object_type, [obj.pk])


def rebuild(object_type: str, *, batch_size: int = BATCH_SIZE) -> int:
    """Replace every entry of this type in the current tenant. Runs in the caller's transaction (the
    tenant scope): readers keep seeing the old entries until it commits."""
    search_type = _registry[object_type]
    if search_type.rebuild_queryset is None:
        queryset = search_type.model._default_manager.all()
    else:
        queryset = search_type.rebuild_queryset()
    _delete(object_type, None)
    count = 0
    batch: list[tuple[int, Document]] = []
    for obj in queryset.order_by("pk").iterator(chunk_size=batch_size):
        document = search_type.indexer(obj)
        if document is not None:
            batch.append((obj.pk, document))
        if len(batch) >= batch_size:
            count += _upsert(object_type, batch)
            batch = []
    if batch:
        count += _upsert(object_type, batch)
    return count


def _upsert(object_type: str, rows: Sequence[tuple[int, Document]]) -> int:
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT crm_search_upsert_many(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[])",
            [
                [object_type] * len(rows),
                [pk for pk, _document in rows],
                [document.title for _pk, document in rows],
                [document.subtitle for _pk, document in rows],
                [document.text for _pk, document in rows],
            ],
        )
        return int(cursor.fetchone()[0])


def _delete(object_type: str, ids: list[int] | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT crm_search_delete(%s, %s::bigint[])", [object_type, ids])
        return int(cursor.fetchone()[0])


# Reads -------------------------------------------------------------------------------------------------


def candidates(
    query: str, *, types: Sequence[str] | None = None, limit: int = CANDIDATES, skip: int = 0
) -> list[tuple]:
    """Ranked (object_type, object_id, title, subtitle, score) of the current tenant, from rank `skip`
    on; none outside a scope."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT object_type, object_id, title, subtitle, score"
            " FROM crm_search_page(%s, %s::text[], %s, %s)",
            [query, list(types) if types else None, limit, skip],
        )
        return cursor.fetchall()


def search(
    membership: Membership,
    query: str,
    *,
    types: Sequence[str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[SearchResult]:
    """The member's results, best first, at most `limit`. Each round takes the next candidates (one
    query), then keeps the visible ones (one query per registered type among them); see the module's
    docstring for when the rounds stop."""
    query = " ".join(query.split())
    if len(query) < MIN_QUERY_LENGTH:
        return []
    wanted = list(_registry) if types is None else [name for name in types if name in _registry]
    if not wanted:
        return []
    results: list[SearchResult] = []
    skip, size = 0, CANDIDATES
    for _round in range(MAX_ROUNDS):
        ranked = candidates(query, types=wanted, limit=size, skip=skip)
        results.extend(_visible_results(membership, ranked, query=query, limit=limit - len(results)))
        if len(results) >= limit or len(ranked) < size:
            break
        skip = skip + size
        size = min(PAGE_MAX, POOL - skip)
        if size <= 0:
            break
    return results


def _visible_results(
    membership: Membership, ranked: list[tuple], *, query: str, limit: int
) -> list[SearchResult]:
    """The candidates the member may see, in rank order, at most `limit`."""
    ids_by_type: dict[str, list[int]] = defaultdict(list)
    for object_type, object_id, *_rest in ranked:
        ids_by_type[object_type].append(object_id)
    visible: dict[tuple[str, int], Any] = {}
    hidden_match: dict[str, Callable[[Any], bool]] = {}
    for object_type, ids in ids_by_type.items():
        search_type = _registry.get(object_type)
        if search_type is None:
            continue
        for record in search_type.visible(membership, ids):
            visible[(object_type, record.pk)] = record
        test = search_type.hidden_match(membership, query) if search_type.hidden_match else None
        if test is not None:
            hidden_match[object_type] = test
    results = []
    for object_type, object_id, title, subtitle, score in ranked:
        record = visible.get((object_type, object_id))
        if record is None:
            continue
        if object_type in hidden_match and hidden_match[object_type](record):
            continue
        results.append(SearchResult(object_type, object_id, title, subtitle, float(score), record))
        if len(results) >= limit:
            break
    return results


def search_grouped(
    membership: Membership, query: str, *, types: Sequence[str] | None = None, limit: int = DEFAULT_LIMIT
) -> list[SearchGroup]:
    """`search()`, grouped by registered type in registry order; empty groups left out."""
    groups = {entry.object_type: SearchGroup(entry) for entry in registered_types()}
    for result in search(membership, query, types=types, limit=limit):
        groups[result.object_type].results.append(result)
    return [group for group in groups.values() if group.results]
