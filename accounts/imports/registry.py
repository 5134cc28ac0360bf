"""The kinds of import: each app registers what its files hold, in its AppConfig.ready().

The import job (`accounts.imports.services`) is the shared machinery: the upload, the mapping, the dry
run, the batches, the counters, the rejected rows and the supervision. A kind says what is particular
to its records: the fields a column may fill and the column names recognised for them (French and
English), the modes it offers, the mapping it needs, the permission needed to import it, and how a
batch of rows is read and written through the owning app's services.

The accounts app registers its accounts and contacts; another app (leads) registers its own kind here
without accounts importing it (the kernel knows the registry, never the apps that fill it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models

if TYPE_CHECKING:
    from accounts.imports.models import ImportJob
    from accounts.imports.parsing import Cell
    from crm.models import Membership, User

# (line in the file, its cells, "create" | "update" | "skip", the reason it is rejected or "").
Outcome = tuple[int, list["Cell"], str, str]


class BatchRows(Protocol):
    def __call__(
        self,
        job: ImportJob,
        chunk: list[tuple[int, list[Cell]]],
        *,
        membership: Membership,
        seen: set[str],
        commit: bool,
    ) -> list[Outcome]:
        """The outcome of each row of the batch, in file order; with `commit`, the rows without a
        reason are written (in a number of queries that does not grow with the rows)."""


@dataclass(frozen=True)
class ImportKind:
    key: str  # stored on ImportJob.kind and ImportMapping.kind (16 characters at most)
    label: Any  # lazy translation: "Leads"
    fields: tuple[str, ...]  # what a column may fill
    field_label: Callable[[str], str]
    # Column names (folded as parsing.header_key writes them) -> field; None: the accounts' own.
    synonyms: dict[str, tuple[str, ...]] | None
    rows: BatchRows
    model: type[models.Model]  # the tenant's field rules of this model apply to the mapping
    add_permission: str  # needed to import this kind at all (and to create records)
    change_permission: str = ""  # needed by the modes that update records; empty: create only
    key_field: str = ""  # what an existing record is matched on
    modes: Callable[[], list[tuple[str, str]]] = lambda: []  # (mode, label), in the active language
    check_mapping: Callable[[list[str], str], None] = lambda fields, mode: None
    header_example: Callable[[], str] = lambda: ""  # a few column names, shown when none is recognised
    upload_label: Any = ""  # "Import leads"
    created_label: Any = ""  # "Leads created"
    updated_label: Any = ""
    to_create_label: Any = ""  # "Leads to create"
    to_update_label: Any = ""
    help_template: str = ""  # included in the upload page
    order: int = 100

    def field_choices(self) -> list[tuple[str, str]]:
        return [(name, self.field_label(name)) for name in self.fields]

    def may_import(self, user: User) -> bool:
        return bool(user.has_perm(self.add_permission))


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    """Add (or replace, for reloads and tests) a kind of import."""
    if len(kind.key) > 16:
        raise ValueError(f"Import kind key too long: {kind.key!r}")
    _KINDS[kind.key] = kind


def get(key: str) -> ImportKind:
    """The registered kind; KeyError for an unknown one."""
    return _KINDS[key]


def is_known(key: str) -> bool:
    return key in _KINDS


def kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.key))


def kinds_for(user: User) -> list[ImportKind]:
    """The kinds this user may import (the import pages offer these)."""
    return [kind for kind in kinds() if kind.may_import(user)]


def choices(items: Sequence[ImportKind] | None = None) -> list[tuple[str, str]]:
    return [(kind.key, str(kind.label)) for kind in (kinds() if items is None else items)]
