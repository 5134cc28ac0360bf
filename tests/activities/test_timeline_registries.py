"""What the timeline part plugs in elsewhere: the "my activity" home widget, global search, the lead
conversion prerequisite and the opportunities' last-activity provider (seen by the inactivity reminder)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from activities.home import my_activity
from activities.models import Activity
from activities.selectors import period_range
from activities.services import ActivityInput, activity_create
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance import search
from leads import prerequisites
from opportunities import rules
from opportunities.models import Opportunity, PipelineSettings
from tests.accounts.factories import AccountFactory
from tests.activities.factories import ActivityFactory, ActivityTypeFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def log(tenant: Any, owner: Any, code: str = "outbound_call", **extra: Any) -> Activity:
    with tenant_scope(tenant):
        data = ActivityInput(
            type=ActivityTypeFactory(code=code),
            subject=extra.pop("subject", "Appel"),
            owner=owner.user,
            **extra,
        )
        return activity_create(data=data, actor=owner.user)


def test_my_activity_counts_mine_and_my_teams(tenant: Any, member: Any) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, manager=manager)
    outsider = member(tenant)
    today, week = period_range("today"), period_range("week")
    assert today is not None
    assert week is not None
    now = timezone.now()
    earlier_this_week = week[0] + HOUR if week[0] + HOUR < today[0] else None
    log(tenant, manager, starts_at=now)
    log(tenant, manager, "meeting", starts_at=now)
    log(tenant, manager, "meeting", starts_at=now, status=Activity.Status.CANCELLED)
    log(tenant, manager, "note", starts_at=now)
    log(tenant, rep, starts_at=now)
    log(tenant, rep, "inbound_call", starts_at=now)
    log(tenant, rep, starts_at=week[0] - HOUR)  # last week
    if earlier_this_week is not None:
        log(tenant, rep, starts_at=earlier_this_week)
    log(tenant, rep, "demo", status=Activity.Status.PLANNED, starts_at=min(now + HOUR, week[1] - HOUR))
    log(tenant, outsider, starts_at=now)

    with tenant_scope(tenant):
        counts = my_activity(manager, with_team=True)
        rep_counts = my_activity(rep, with_team=False)

    week_calls = 3 if earlier_this_week is not None else 2
    assert counts["mine"] == {"calls_today": 1, "calls_week": 1, "meetings_week": 1}
    assert counts["team"] == {"calls_today": 2, "calls_week": week_calls, "meetings_week": 1}
    assert rep_counts == {
        "mine": {"calls_today": 2, "calls_week": week_calls, "meetings_week": 1},
        "team": None,
    }
    client = Client(headers={"accept-language": "en"})
    client.force_login(manager.user)
    home = client.get("/t/durand/")
    widget = next(w for w in home.context["widgets"] if w["template"] == "activities/home_my_activity.html")
    assert widget["my_activity"] == counts
    # The numbers are on the page, in the manager's row and the team's row.
    html = home.content.decode()
    section = html[html.index('id="home-my-activity"') :]
    section = section[: section.index("</section>")]
    cells = [cell.split(">")[-1] for cell in section.split("</td>")[:-1]]
    assert cells == ["1", "1", "1", "2", str(week_calls), "1"]


def test_search_finds_subjects_the_member_may_see(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    colleague = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
    shared = log(tenant, colleague, account=account, subject="Démonstration Zéphyr")
    private = log(tenant, colleague, account=account, subject="Négociation Zéphyr", is_private=True)
    with tenant_scope(tenant):
        found_by_rep = {r.object_id for r in search.search(rep, "Zéphyr", types=["activities.activity"])}
        found_by_owner = {
            r.object_id for r in search.search(colleague, "Zéphyr", types=["activities.activity"])
        }
    assert found_by_rep == {shared.pk}
    assert found_by_owner == {shared.pk, private.pk}


def test_the_lead_prerequisite_needs_a_done_call_or_meeting(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = LeadFactory(owner=rep.user)
    assert "call_or_meeting" in dict(prerequisites.choices())
    log(tenant, rep, "note", lead=lead)
    log(tenant, rep, "meeting", lead=lead, status=Activity.Status.PLANNED, starts_at=timezone.now() + HOUR)
    with tenant_scope(tenant):
        assert [item.name for item in prerequisites.missing(lead, ["call_or_meeting"])] == ["call_or_meeting"]
    log(tenant, rep, "inbound_call", lead=lead)
    with tenant_scope(tenant):
        assert prerequisites.missing(lead, ["call_or_meeting"]) == []


def test_the_inactivity_reminder_sees_the_latest_done_activity(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        PipelineSettings.objects.create(tenant=tenant, inactivity_reminder_days=10)
        account = AccountFactory(owner=rep.user)
        active = OpportunityFactory(account=account, owner=rep.user, name="Active")
        quiet = OpportunityFactory(account=account, owner=rep.user, name="Calme")
        long_ago = timezone.now() - datetime.timedelta(days=90)
        Opportunity.objects.filter(pk__in=[active.pk, quiet.pk]).update(updated_at=long_ago)
        # Written directly (no stamp on the opportunity): only the provider can see them.
        ActivityFactory(
            owner=rep.user, opportunity=active, starts_at=timezone.now() - datetime.timedelta(days=2)
        )
        ActivityFactory(
            owner=rep.user, opportunity=quiet, status=Activity.Status.PLANNED, starts_at=timezone.now() + HOUR
        )
        reminded = rules.inactivity_sweep()
        assert reminded == 1
        assert list(
            Opportunity.objects.filter(inactivity_reminded_at__isnull=False).values_list("name", flat=True)
        ) == ["Calme"]


def test_a_tenant_admin_adds_an_activity_type_in_the_admin(tenant: Any, member: Any) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin.user)
    listing = client.get("/t/durand/admin/activities/activitytype/")
    assert listing.status_code == 200
    fields = {"code": "salon", "name": "Salon professionnel", "kind": "meeting", "icon": "", "position": "9"}
    added = client.post("/t/durand/admin/activities/activitytype/add/", {**fields, "is_active": "on"})
    twice = client.post("/t/durand/admin/activities/activitytype/add/", {**fields, "is_active": "on"})
    nameless = client.post(
        "/t/durand/admin/activities/activitytype/add/", {**fields, "code": "x", "name": ""}
    )
    assert added.status_code == 302
    assert twice.status_code == 200
    assert "code" in twice.context["adminform"].form.errors
    assert "name" in nameless.context["adminform"].form.errors
    with tenant_scope(tenant):
        from activities.models import ActivityType

        assert ActivityType.objects.count() == len(ActivityType.DEFAULTS) + 1  # the standard ones shown first
        assert str(ActivityType.objects.get(code="salon")) == "Salon professionnel"
    rep_client = Client()
    rep_client.force_login(member(tenant).user)
    assert rep_client.get("/t/durand/admin/activities/activitytype/").status_code == 404
