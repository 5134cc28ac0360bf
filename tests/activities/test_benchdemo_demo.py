"""The demo activities, tasks and e-mails of `seed_demo` (activities/demo.py): seeded twice, nothing
doubles; the people see what the demo walk-through shows them."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from accounts.models import Contact
from activities.demo import ACTIVITIES, LOGGED_MESSAGE_ID, REVIEW_MESSAGE_ID, TASKS
from activities.models import Activity, ActivityType, EmailMessage, EmailSettings, Task
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from leads.models import Lead

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "types": ActivityType.objects.count(),
        "activities": Activity.objects.count(),
        "tasks": Task.objects.count(),
        "emails": EmailMessage.objects.count(),
        "settings": EmailSettings.objects.count(),
        "activity history": Activity.history.count(),  # type: ignore[attr-defined]
    }


@pytest.fixture
def demo() -> Tenant:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())
    return Tenant.objects.get(slug="demo")


def _membership(local: str) -> Membership:
    return Membership.objects.select_related("user").get(user__email=f"{local}@demo.example")


def test_seeding_twice_creates_nothing_new(demo: Tenant) -> None:
    with tenant_scope(demo):
        first = _counts()

    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    with tenant_scope(demo):
        assert _counts() == first
    # Every activity of the list (plus the logged e-mail's) and every task found its records (other
    # seeders may add their own: only this one's natural keys are counted).
    with tenant_scope(demo):
        assert Activity.objects.filter(uid__startswith="demo-").count() == len(ACTIVITIES) + 1
        assert Task.objects.filter(source_key__startswith="demo:").count() == len(
            [task for task in TASKS if task.on != "lead"]
        )
        for task in [task for task in TASKS if task.on == "lead"]:
            lead = Lead.objects.get(email=task.lead)
            assert Task.objects.filter(source_key=f"lead.assigned:{lead.pk}", assignee=lead.owner).exists()
        assert EmailMessage.objects.filter(message_id__in=[REVIEW_MESSAGE_ID, LOGGED_MESSAGE_ID]).count() == 2
    assert (first["types"], first["settings"]) == (len(ActivityType.DEFAULTS), 1)


def test_the_reps_activities_are_visible_to_the_rep_and_the_private_one_to_nobody_else(demo: Tenant) -> None:
    with tenant_scope(demo):
        rep, colleague, manager = _membership("rep"), _membership("terrain.lyon"), _membership("manager")
        own = Activity.objects.filter(owner=rep.user)
        visible_to_rep = Activity.objects.visible_to(rep).filter(owner=rep.user)  # type: ignore[attr-defined]
        private = Activity.objects.get(uid="demo-rep-10@demo.example")
        assert private.is_private

        assert own.count() >= 15
        assert set(visible_to_rep.values_list("pk", flat=True)) == set(own.values_list("pk", flat=True))
        assert private.owner_id == rep.user_id
        assert not Activity.objects.visible_to(colleague).filter(pk=private.pk).exists()  # type: ignore[attr-defined]
        assert Activity.objects.visible_to(manager).filter(pk=private.pk).exists()  # type: ignore[attr-defined]


def test_meetings_are_planned_this_week_and_next_and_tasks_fall_due_around_today(demo: Tenant) -> None:
    now = timezone.now()
    with tenant_scope(demo):
        for local in ("rep", "terrain.lyon"):
            user = _membership(local).user
            meetings = Activity.objects.filter(
                owner=user,
                status=Activity.Status.PLANNED,
                type__kind=ActivityType.Kind.MEETING,
                starts_at__gt=now,
                starts_at__lt=now + timedelta(days=15),
            )
            assert meetings.count() >= 3, local
            assert meetings.filter(starts_at__gt=now + timedelta(days=6)).exists(), local
        assert Activity.objects.filter(type__code="demo", status=Activity.Status.PLANNED).exists()
        calls = Activity.objects.filter(type__kind=ActivityType.Kind.CALL, status=Activity.Status.DONE)
        assert calls.exclude(outcome="").count() == calls.count()
        today = timezone.localdate()
        for local in ("rep", "manager", "terrain.lyon"):
            tasks = Task.objects.open().filter(assignee=_membership(local).user)
            assert tasks.filter(due_at__date__lt=today).exists(), local
            assert tasks.filter(due_at__date=today).exists(), local
            assert tasks.filter(due_at__date__gt=today).exists(), local
        assert Task.objects.filter(source_key__startswith="lead.assigned:").count() >= 2
        assert Task.objects.filter(remind_at__isnull=False).exists()


def test_activity_effects_applied_and_the_mail_is_in_place(demo: Tenant) -> None:
    with tenant_scope(demo):
        # The lead called by Camille has its first contact: its SLA stopped.
        lead = Lead.objects.get(email="marc.dubois@menuiserie-dubois.example")
        assert lead.first_contacted_at is not None
        # A contact's last contact is its latest done call, e-mail or meeting.
        contact_kinds = [ActivityType.Kind.CALL, ActivityType.Kind.EMAIL, ActivityType.Kind.MEETING]
        latest: dict[int, Any] = dict(
            Activity.objects.filter(
                status=Activity.Status.DONE, type__kind__in=contact_kinds, starts_at__lte=timezone.now()
            )
            .values("contacts")
            .annotate(at=Max("starts_at"))
            .values_list("contacts", "at")
        )
        for contact in Contact.objects.filter(pk__in=[pk for pk in latest if pk is not None]):
            assert contact.last_contacted_at is not None
            assert contact.last_contacted_at >= latest[contact.pk]
        settings = EmailSettings.objects.get()
        assert (settings.sender_name, settings.sender_address, settings.dropbox_address) == (
            "Démo CRM",
            "crm@demo.example",
            "depot@demo.example",
        )
        assert settings.signature
        review = EmailMessage.objects.get(message_id=REVIEW_MESSAGE_ID, status=EmailMessage.Status.REVIEW)
        logged = EmailMessage.objects.select_related("activity").get(
            message_id=LOGGED_MESSAGE_ID, status=EmailMessage.Status.LOGGED
        )
        assert logged.activity is not None
        assert logged.activity.contacts.filter(email=logged.from_address).exists()
    assert review.activity_id is None
    assert review.review_reason
    assert "<script" not in review.body_html
    assert review.body_text.startswith("Bonjour,")
    assert logged.body_html.startswith("<p>Bonjour Julien,</p>")
