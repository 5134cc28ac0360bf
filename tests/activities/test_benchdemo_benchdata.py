"""The activities and tasks of `generate_benchmark_data`: the tiny profile loaded once into the test
database (as tests/crm/test_generate_benchmark_data.py does), then read as the application would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, F, Max, Q
from django.utils import timezone, translation

from accounts.models import Account, Contact
from activities.benchdata import (
    ACTIVITIES,
    BIG_ACCOUNT_ACTIVITIES,
    SMALL_ACTIVITIES,
    SMALL_TASKS,
    TASKS,
)
from activities.models import Activity, ActivityContact, ActivityType, Task
from crm.benchdata import reset
from crm.benchmark import DATASET_TABLE, MAIN_TENANT_SLUG
from crm.models import Tenant
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db(databases=["default", "owner"])


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        out = StringIO()
        with translation.override("fr"):
            call_command("generate_benchmark_data", "--profile", "tiny", "--seed", "11", stdout=out)
        yield out.getvalue()
        reset("owner")
        with connections["owner"].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DATASET_TABLE}")


@pytest.fixture
def main(loaded: str) -> Tenant:
    return Tenant.objects.get(slug=MAIN_TENANT_SLUG)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_every_tenant_gets_its_types_activities_and_tasks(loaded: str, main: Tenant) -> None:
    for tenant in Tenant.objects.all():
        with tenant_scope(tenant):
            expected = (
                (ACTIVITIES["tiny"], TASKS["tiny"])
                if tenant == main
                else (
                    SMALL_ACTIVITIES["tiny"],
                    SMALL_TASKS["tiny"],
                )
            )
            assert (Activity.objects.count(), Task.objects.count()) == expected, tenant.slug
            codes = set(ActivityType.objects.values_list("code", flat=True))
            assert codes == {code for code, *_rest in ActivityType.DEFAULTS}
            assert ActivityType.history.count() == len(ActivityType.DEFAULTS)  # type: ignore[attr-defined]
    lines = [line.split() for line in loaded.splitlines()]
    total = ACTIVITIES["tiny"] + SMALL_ACTIVITIES["tiny"] * (Tenant.objects.count() - 1)
    assert ["activities_activity", f"{total:,}"] in lines


def test_the_mix_of_activities_is_the_announced_one(main: Tenant) -> None:
    now = timezone.now()
    with tenant_scope(main):
        activities = Activity.objects.all()
        total = activities.count()
        by_kind = dict(activities.values_list("type__kind").annotate(n=Count("pk")))
        with_contacts = activities.filter(contact_links__isnull=False).distinct().count()
        shares = {
            "call": _share(by_kind["call"], total),
            "email": _share(by_kind["email"], total),
            "meeting": _share(by_kind["meeting"], total),
            "note": _share(by_kind["note"], total),
            "contacts": _share(with_contacts, total),
            "opportunity": _share(activities.filter(opportunity__isnull=False).count(), total),
            "lead": _share(activities.filter(lead__isnull=False).count(), total),
            "future": _share(activities.filter(starts_at__gt=now, status="planned").count(), total),
            "private": _share(activities.filter(is_private=True).count(), total),
        }
        oldest = activities.order_by("starts_at").values_list("starts_at", flat=True).first()
        # An account's activity is its owner's; a planned one lies ahead, a done one behind.
        foreign_owner = activities.filter(account__isnull=False, lead__isnull=True).exclude(
            owner_id=F("account__owner_id")
        )
        assert not foreign_owner.exists()
        assert not activities.filter(status="planned", starts_at__lte=now - timedelta(days=31)).exists()
        assert not activities.filter(status="done", starts_at__gt=now).exists()
        assert not activities.exclude(ends_at=None).filter(ends_at__lt=F("starts_at")).exists()
        # Contacts of an activity belong to its account.
        assert (
            not ActivityContact.objects.filter(activity__lead__isnull=True)
            .exclude(contact__account_id=F("activity__account_id"))
            .exists()
        )
        assert Activity.history.count() == total  # type: ignore[attr-defined]
    expected = {
        "call": 0.45, "email": 0.25, "meeting": 0.15, "note": 0.15, "contacts": 0.60, "opportunity": 0.20,
        "lead": 0.10, "future": 0.05, "private": 0.03,
    }  # fmt: skip
    for name, value in expected.items():
        assert abs(shares[name] - value) <= max(0.05, value / 4), (name, shares[name])
    assert oldest is not None
    assert now - timedelta(days=3 * 366) < oldest < now - timedelta(days=3 * 360)


def test_activities_are_skewed_over_accounts(main: Tenant) -> None:
    with tenant_scope(main):
        big = Account.objects.order_by("pk").first()
        per_account = list(
            Activity.objects.filter(account__isnull=False)
            .values("account_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("account_id", "n")
        )
        accounts = Account.objects.count()
    counts = dict(per_account)
    assert big is not None
    assert counts[big.pk] >= BIG_ACCOUNT_ACTIVITIES["tiny"] * 0.7
    mean = ACTIVITIES["tiny"] / accounts
    others = sorted((n for pk, n in per_account if pk != big.pk), reverse=True)
    # The busiest ordinary accounts hold many times the mean, and many accounts hold one or none.
    assert others[0] > 8 * mean
    assert accounts - len(per_account) + sum(1 for n in others if n == 1) > accounts // 10


def test_tasks_are_due_around_now_per_owner(main: Tenant) -> None:
    now = timezone.now()
    with tenant_scope(main):
        tasks = Task.objects.all()
        total = tasks.count()
        open_tasks = tasks.filter(status=Task.Status.OPEN)
        overdue = open_tasks.filter(due_at__lt=now).count()
        upcoming = open_tasks.filter(due_at__gt=now + timedelta(days=1)).count()
        reminded = open_tasks.filter(remind_at__isnull=False)
        assert abs(_share(open_tasks.count(), total) - 0.30) <= 0.08
        assert overdue > 0
        assert upcoming > 0
        assert open_tasks.filter(due_at__date=timezone.localdate()).exists()
        assert reminded.exists()
        assert not reminded.filter(remind_at__lt=now, reminded_at__isnull=True).exists()
        assert not tasks.filter(status=Task.Status.DONE, completed_at__isnull=True).exists()
        assert tasks.exclude(source_key="").filter(source_key__startswith="lead.assigned:").exists()
        # Several reps each have their own open tasks ("my tasks" has something to show).
        assert open_tasks.values("assignee").distinct().count() >= 5
        assert Task.history.count() == total  # type: ignore[attr-defined]


def test_last_contact_dates_are_the_latest_done_contact_activity(main: Tenant) -> None:
    contact_kinds = ["call", "email", "meeting"]
    done = Q(status="done", type__kind__in=contact_kinds, starts_at__lte=timezone.now())
    with tenant_scope(main):
        latest_of_account = dict(
            Activity.objects.filter(done, account__isnull=False)
            .values("account_id")
            .annotate(at=Max("starts_at"))
            .values_list("account_id", "at")
        )
        latest_of_contact = dict(
            ActivityContact.objects.filter(
                activity__status="done",
                activity__type__kind__in=contact_kinds,
                activity__starts_at__lte=timezone.now(),
            )
            .values("contact_id")
            .annotate(at=Max("activity__starts_at"))
            .values_list("contact_id", "at")
        )
        latest_of_opportunity = dict(
            Activity.objects.filter(done, opportunity__isnull=False)
            .values("opportunity_id")
            .annotate(at=Max("starts_at"))
            .values_list("opportunity_id", "at")
        )
        behind = [
            pk
            for pk, at in Opportunity.objects.filter(pk__in=latest_of_opportunity).values_list(
                "pk", "last_activity_at"
            )
            if at is None or at < latest_of_opportunity[pk]
        ]
        accounts = dict(Account.objects.values_list("pk", "last_contacted_at"))
        contacts = dict(Contact.objects.values_list("pk", "last_contacted_at"))
    assert latest_of_account
    assert latest_of_contact
    assert accounts == {pk: latest_of_account.get(pk) for pk in accounts}
    assert contacts == {pk: latest_of_contact.get(pk) for pk in contacts}
    assert latest_of_opportunity
    assert behind == []


def test_the_timeline_index_serves_an_account(main: Tenant) -> None:
    # The account's newest activities come from the (tenant, account, starts_at, id) index.
    with tenant_scope(main):
        big = Account.objects.order_by("pk").first()
        assert big is not None
        query = Activity.objects.filter(account=big).order_by("-starts_at", "-id")[:25]
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "activities_act_account_idx" in plan
