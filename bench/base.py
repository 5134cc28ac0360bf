"""The shapes shared by the scenarios, the jobs and the runner."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from accounts.models import Account
from crm.models import Membership, Tenant

Statement = tuple[str, list[Any]]
SAMPLE_SIZE = 50  # distinct accounts each detail scenario cycles through


@dataclass
class Context:
    """What the scenarios need, read once from the benchmark database before the run."""

    tenant: Tenant
    memberships: dict[str, Membership]
    profile: str
    api_key: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311 - not security

    @property
    def prefix(self) -> str:
        return f"/t/{self.tenant.slug}"

    def visible_accounts(self, role: str) -> QuerySet[Account]:
        return Account.objects.visible_to(self.memberships[role])

    def sample_account_ids(self, role: str) -> list[int]:
        """Random accounts this role may see (the same ones for the pages and their floors)."""
        ids = list(self.visible_accounts(role).order_by("?").values_list("pk", flat=True)[:SAMPLE_SIZE])
        if not ids:
            raise LookupError(f"the role {role} sees no account in {self.tenant.slug}")
        return ids


@dataclass(frozen=True)
class HttpScenario:
    name: str
    description: str
    role: str  # a key of crm.benchmark.BENCH_USERS, or "api" (a Bearer key of API_KEY_ROLE)
    target: str  # "list", "detail", "search" or "api": which latency target applies
    paths: Callable[[Context], list[str]]
    floor: Callable[[Context, list[str]], list[Statement]]
    # Why the scenario cannot run in this build ("" or None when it can): e.g. its page's URL name does
    # not exist yet. The runner skips it and says so in the report, instead of failing every request.
    unavailable: Callable[[], str] | None = None


@dataclass(frozen=True)
class JobScenario:
    name: str
    description: str
    run: Callable[[Context], JobResult]


@dataclass(frozen=True)
class JobResult:
    rows: int
    seconds: float
    detail: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0
