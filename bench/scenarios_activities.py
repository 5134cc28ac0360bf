"""Benchmark scenarios of issue 6: the account timeline (a random visible account of a rep, and the very
large account of the data set) and "my tasks", each with its hand-written SQL floor.

The pages' URLs are reversed when a scenario runs, never at import: `unavailable()` tells the runner
to skip a scenario (with its reason) when its URL name does not exist in the tenant URLconf, so that a
branch without the pages still runs the rest of the suite.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from bench.base import Context, HttpScenario, Statement
from crm.models import Membership

# The timeline fragment's page (activities.views.timeline.PAGE_SIZE) and the most open tasks "my tasks"
# shows (three sections of activities.task_selectors.SECTION_LIMIT); the timeline floor fetches one row
# more, as keyset_page does. Kept as numbers here: bench imports no view module at import time.
TIMELINE_PAGE_SIZE = 20
MY_TASKS_PAGE_SIZE = 300
TIMELINE_URL = "activities:timeline"
MY_TASKS_URL = "tasks:my_tasks"
BIG_ACCOUNT_ROLE = "sales_director"  # sees every account, so the very large one too
FILTER_TYPE = "demo"  # a rare type (3 % of the activities): the filtered page reads further down the index


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _reverse(name: str, *args: Any) -> str:
    from django.conf import settings
    from django.urls import reverse

    return reverse(name, urlconf=settings.CRM_TENANT_URLCONF, args=args)


def unavailable(name: str, *args: Any) -> str:
    """Why a scenario on `name` cannot run ("" when it can): its URL is missing from this branch."""
    from django.urls import NoReverseMatch

    try:
        _reverse(name, *args)
    except NoReverseMatch:
        return f"URL name {name!r} does not exist in the tenant URLconf (its page is not merged yet)"
    return ""


def timeline_url(account_id: int) -> str:
    """The timeline fragment of an account: /activities/timeline/account/<pk>/, whether the URL takes
    the record's kind as a parameter or has it in its path."""
    from django.urls import NoReverseMatch

    try:
        return _reverse(TIMELINE_URL, "account", account_id)
    except NoReverseMatch:
        return _reverse(TIMELINE_URL, account_id)


def timeline_unavailable() -> str:
    from django.urls import NoReverseMatch

    try:
        timeline_url(1)
    except NoReverseMatch:
        return (
            f"URL name {TIMELINE_URL!r} cannot be reversed for an account in the tenant URLconf"
            " (its page is not merged yet)"
        )
    return ""


# The account timeline --------------------------------------------------------------------------


def timeline_path(context: Context, account_id: int) -> str:
    return f"{context.prefix}{timeline_url(account_id)}"


def timeline_paths(context: Context) -> list[str]:
    return [timeline_path(context, pk) for pk in context.sample_account_ids("field_sales_rep")]


def big_account_id(context: Context) -> int:
    """The data set's very large account: the main tenant's first (activities.benchdata gives it
    BIG_ACCOUNT_ACTIVITIES, accounts.benchdata `skewed_account_contacts` contacts)."""
    from accounts.models import Account

    pk = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        raise LookupError(f"{context.tenant.slug} has no account (generate the benchmark data)")
    return int(pk)


def big_timeline_paths(context: Context) -> list[str]:
    return [timeline_path(context, big_account_id(context))]


def big_filtered_paths(context: Context) -> list[str]:
    return [f"{timeline_path(context, big_account_id(context))}?type={FILTER_TYPE}"]


def _account_of(path: str) -> int:
    return int(path.split("?")[0].rstrip("/").rsplit("/", 1)[1])


def timeline_statement(context: Context, role: str, account_id: int, type_code: str = "") -> Statement:
    """The account (404 unless visible) and the first page of its visible activities, newest first,
    with their type, owner and contacts' names: one round trip."""
    from accounts.models import Account, Contact
    from activities.models import Activity, ActivityContact, ActivityType
    from bench.scenarios import predicate

    membership = context.memberships[role]
    activities, types, links, contacts = (
        _table(Activity),
        _table(ActivityType),
        _table(ActivityContact),
        _table(Contact),
    )
    accounts, users = _table(Account), _table(Membership.user.field.related_model)
    visible_activity, activity_params = predicate(Activity.objects.visible_to(membership))  # type: ignore[attr-defined]
    visible_account, account_params = predicate(Account.objects.visible_to(membership))
    of_type = f" AND {types}.code = %s" if type_code else ""
    return (
        f"SELECT {activities}.id, {activities}.subject, {activities}.starts_at, {activities}.status,"
        f" {activities}.outcome, {activities}.is_private, {activities}.duration_minutes, {types}.code,"
        f" {types}.name, {types}.icon, {users}.full_name,"
        f" (SELECT array_agg({contacts}.first_name || ' ' || {contacts}.last_name) FROM {links}"
        f"   JOIN {contacts} ON {contacts}.id = {links}.contact_id"
        f"   WHERE {links}.activity_id = {activities}.id)"
        f" FROM {activities} JOIN {types} ON {types}.id = {activities}.type_id"
        f" LEFT JOIN {users} ON {users}.id = {activities}.owner_id"
        f" WHERE {activities}.account_id = %s AND ({visible_activity}){of_type}"
        f" AND EXISTS (SELECT 1 FROM {accounts} WHERE {accounts}.id = %s AND ({visible_account}))"
        f" ORDER BY {activities}.starts_at DESC, {activities}.id DESC LIMIT {TIMELINE_PAGE_SIZE + 1}",
        [account_id, *activity_params, *([type_code] if type_code else []), account_id, *account_params],
    )


def timeline_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [timeline_statement(context, "field_sales_rep", _account_of(path)) for path in paths]


def big_timeline_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [timeline_statement(context, BIG_ACCOUNT_ROLE, _account_of(path)) for path in paths]


def big_filtered_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [timeline_statement(context, BIG_ACCOUNT_ROLE, _account_of(path), FILTER_TYPE) for path in paths]


# My tasks --------------------------------------------------------------------------------------


def my_tasks_paths(context: Context) -> list[str]:
    return [f"{context.prefix}{_reverse(MY_TASKS_URL)}"]


def my_tasks_statement(context: Context, role: str) -> Statement:
    """The member's open tasks by due date (overdue, today, upcoming follow in that order), with the
    account each one is about."""
    from accounts.models import Account
    from activities.models import Task
    from bench.scenarios import predicate

    membership = context.memberships[role]
    tasks, accounts = _table(Task), _table(Account)
    mine = Task.objects.visible_to(membership).filter(  # type: ignore[attr-defined]
        assignee_id=membership.user_id, status=Task.Status.OPEN
    )
    where, params = predicate(mine)
    return (
        f"SELECT {tasks}.id, {tasks}.title, {tasks}.kind, {tasks}.priority, {tasks}.due_at,"
        f" {tasks}.remind_at, {accounts}.legal_name, {accounts}.trade_name"
        f" FROM {tasks} LEFT JOIN {accounts} ON {accounts}.id = {tasks}.account_id"
        f" WHERE {where} ORDER BY {tasks}.due_at, {tasks}.id LIMIT {MY_TASKS_PAGE_SIZE + 1}",
        params,
    )


def my_tasks_floor(context: Context, paths: list[str]) -> list[Statement]:
    return [my_tasks_statement(context, "field_sales_rep")]


SCENARIOS = [
    HttpScenario(
        "account_timeline",
        "account timeline fragment, first page, random visible accounts",
        "field_sales_rep",
        "detail",
        timeline_paths,
        timeline_floor,
        unavailable=timeline_unavailable,
    ),
    HttpScenario(
        "account_timeline_big",
        "account timeline fragment, first page, the very large account",
        BIG_ACCOUNT_ROLE,
        "detail",
        big_timeline_paths,
        big_timeline_floor,
        unavailable=timeline_unavailable,
    ),
    HttpScenario(
        "account_timeline_big_filtered",
        f"account timeline fragment, the very large account, type {FILTER_TYPE} only",
        BIG_ACCOUNT_ROLE,
        "detail",
        big_filtered_paths,
        big_filtered_floor,
        unavailable=timeline_unavailable,
    ),
    HttpScenario(
        "my_tasks",
        "my tasks: overdue, today, upcoming",
        "field_sales_rep",
        "list",
        my_tasks_paths,
        my_tasks_floor,
        unavailable=lambda: unavailable(MY_TASKS_URL),
    ),
]
