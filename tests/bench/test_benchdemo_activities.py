"""The benchmark scenarios of issue 6 (bench/scenarios_activities.py): registered, skipped with a reason
when their page's URL is missing, and otherwise their paths and SQL floors return what the pages show:
the account's visible activities newest first (nothing for an account the role cannot see), the
member's open tasks by due date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from activities.models import Activity, Task
from activities.services import ActivityInput, activity_create, activity_types_ensure
from bench.base import Context, Statement
from bench.floors import sql_floor_ms
from bench.scenarios import HTTP_SCENARIOS
from bench.scenarios_activities import SCENARIOS, my_tasks_statement, timeline_statement
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory

EXPECTED = {
    "account_timeline": ("field_sales_rep", "detail"),
    "account_timeline_big": ("sales_director", "detail"),
    "account_timeline_big_filtered": ("sales_director", "detail"),
    "my_tasks": ("field_sales_rep", "list"),
}


def _ids(statement: Statement) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return [row[0] for row in cursor.fetchall()]


def test_the_activity_scenarios_are_registered_with_their_role_and_target() -> None:
    assert {scenario.name for scenario in SCENARIOS} == set(EXPECTED)
    assert {name: (HTTP_SCENARIOS[name].role, HTTP_SCENARIOS[name].target) for name in EXPECTED} == EXPECTED
    assert all(HTTP_SCENARIOS[name].unavailable is not None for name in EXPECTED)


def test_without_their_pages_the_scenarios_say_why_they_are_skipped(settings: Any) -> None:
    settings.CRM_TENANT_URLCONF = "tests.bench.without_activity_urls"

    notes = {name: HTTP_SCENARIOS[name].unavailable() for name in EXPECTED}  # type: ignore[misc]

    assert "'activities:timeline'" in notes["account_timeline"]
    assert "'activities:timeline'" in notes["account_timeline_big"]
    assert "'activities:timeline'" in notes["account_timeline_big_filtered"]
    assert "'tasks:my_tasks'" in notes["my_tasks"]
    assert all("not merged yet" in note for note in notes.values())


@pytest.fixture
def world(tenant: Any, member: Any, settings: Any) -> dict[str, Any]:
    """A rep with an account of hers (the tenant's first: the "very large" one), a colleague's account
    she cannot see, activities on both, one of them private, and tasks."""
    settings.CRM_TENANT_URLCONF = "tests.bench.activity_urls"
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    director = member(tenant, Role.SALES_DIRECTOR)
    now = timezone.now()
    with tenant_scope(tenant):
        types = {t.code: t for t in activity_types_ensure()}
        mine = AccountFactory(owner=rep.user, legal_name="Boulangerie Martin")
        theirs = AccountFactory(owner=colleague.user, legal_name="Transports Girard")
        contact = ContactFactory(account=mine, first_name="Anne", last_name="Martin")

        def log(
            owner: Any, account: Account, days_ago: int, code: str = "outbound_call", **extra: Any
        ) -> Activity:
            data = ActivityInput(
                type=types[code],
                subject=f"Appel {days_ago}",
                owner=owner.user,
                starts_at=now - timedelta(days=days_ago),
                account=account,
                **extra,
            )
            return activity_create(data=data, actor=owner.user)

        oldest = log(rep, mine, 30)
        newest = log(rep, mine, 1, contacts=[contact])
        middle = log(colleague, mine, 10)  # a colleague's activity on my account: visible
        hidden = log(colleague, mine, 5, is_private=True)  # private: only its owner and above
        other = log(colleague, theirs, 2)
        demo = log(rep, mine, 20, "demo")

        def task(assignee: Any, days: int, status: str = Task.Status.OPEN) -> Task:
            return Task.objects.create(
                title=f"Tâche {days}", due_at=now + timedelta(days=days), assignee=assignee.user,
                created_by=assignee.user, account=mine, status=status,
            )  # fmt: skip

        later, overdue = task(rep, 3), task(rep, -2)
        task(rep, 1, Task.Status.DONE)
        task(colleague, 1)
    context = Context(
        tenant=tenant,
        memberships={"field_sales_rep": rep, "sales_director": director},
        profile="tiny",
    )
    return {
        "context": context, "mine": mine, "theirs": theirs, "demo": demo.pk,
        "timeline": [newest.pk, middle.pk, demo.pk, oldest.pk],
        "hidden": hidden.pk, "other": other.pk, "tasks": [overdue.pk, later.pk],
    }  # fmt: skip


def test_the_timeline_scenarios_request_the_fragment_and_their_floor_is_the_visible_page(
    world: dict[str, Any],
) -> None:
    context, mine, theirs = world["context"], world["mine"], world["theirs"]
    prefix = f"/t/{context.tenant.slug}"
    with tenant_scope(context.tenant):
        paths = HTTP_SCENARIOS["account_timeline"].paths(context)
        big_paths = HTTP_SCENARIOS["account_timeline_big"].paths(context)
        rep_page = _ids(timeline_statement(context, "field_sales_rep", mine.pk))
        foreign = _ids(timeline_statement(context, "field_sales_rep", theirs.pk))
        director_page = _ids(timeline_statement(context, "sales_director", mine.pk))
        filtered_paths = HTTP_SCENARIOS["account_timeline_big_filtered"].paths(context)
        filtered = [
            _ids(statement)
            for statement in HTTP_SCENARIOS["account_timeline_big_filtered"].floor(context, filtered_paths)
        ]
        statements = HTTP_SCENARIOS["account_timeline"].floor(context, paths)

    # The rep sees only her account; the big-account scenario opens the tenant's first account.
    assert paths == [f"{prefix}/activities/timeline/account/{mine.pk}/"]
    assert big_paths == paths
    # Newest first, the colleague's private call left out; a foreign account's page is empty (a 404).
    assert rep_page == world["timeline"]
    assert foreign == []
    assert director_page == world["timeline"]
    # The filtered page: the same account, its demos only.
    assert filtered_paths == [f"{prefix}/activities/timeline/account/{mine.pk}/?type=demo"]
    assert filtered == [[world["demo"]]]
    assert 0 <= sql_floor_ms(context.tenant, statements, runs=2) < 1_000


def test_the_my_tasks_scenario_requests_the_page_and_its_floor_is_my_open_tasks(
    world: dict[str, Any],
) -> None:
    context = world["context"]
    with tenant_scope(context.tenant):
        paths = HTTP_SCENARIOS["my_tasks"].paths(context)
        rows = _ids(my_tasks_statement(context, "field_sales_rep"))
        statements = HTTP_SCENARIOS["my_tasks"].floor(context, paths)
        unavailable = {name: HTTP_SCENARIOS[name].unavailable() for name in EXPECTED}  # type: ignore[misc]

    assert paths == [f"/t/{context.tenant.slug}/tasks/"]
    assert rows == world["tasks"]
    assert unavailable == dict.fromkeys(EXPECTED, "")
    assert 0 <= sql_floor_ms(context.tenant, statements, runs=2) < 1_000


def test_the_report_lists_the_skipped_scenarios_with_their_reason(tmp_path: Any) -> None:
    from bench import report

    outcome = report.Report(profile="tiny", duration=3)
    outcome.skipped.append("my_tasks: URL name 'tasks:my_tasks' does not exist in the tenant URLconf")

    text = report.write(outcome, tmp_path, "2026-11-28").read_text()

    assert "- SKIPPED my_tasks: URL name 'tasks:my_tasks' does not exist" in text
    assert "SKIPPED my_tasks" in report.text_table(outcome)
    assert outcome.errors == 0


def test_the_floors_read_as_many_rows_as_the_pages_show() -> None:
    """The SQL floors fetch what the pages show: a timeline page, and the three sections of my tasks."""
    from activities.task_selectors import SECTION_LIMIT
    from activities.views.timeline import PAGE_SIZE
    from bench import scenarios_activities

    assert scenarios_activities.TIMELINE_PAGE_SIZE == PAGE_SIZE
    assert scenarios_activities.MY_TASKS_PAGE_SIZE == 3 * SECTION_LIMIT
