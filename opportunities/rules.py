"""The pipeline's rules (spec 2.2.2): overdue close dates, inactivity reminders, stage changes notified
to managers. Each sweep runs inside the tenant scope (opportunities/tasks.py) and marks the rows it
alerts with one conditional UPDATE under row locks, so that running it twice alerts once. Mails leave
through Django's e-mail backend after the commit, never for a rolled-back change."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from crm import events
from crm.models import Membership, User
from crm.tenancy import current_tenant
from opportunities import activity_registry
from opportunities.models import Opportunity, PipelineSettings, StageChange

MANAGER_CHAIN_LIMIT = 20
# Told (crm.events) when the overdue close-date alert goes out, on commit: the activities app gives the
# owner a task "update the close date or close the opportunity" and a notification (in the app by
# default: the alert e-mail below keeps going as before).
CLOSE_DATE_PASSED = "opportunity.close_date_passed"
events.register_event(
    CLOSE_DATE_PASSED, gettext_lazy("An opportunity's close date has passed"), "app", order=30
)


def pipeline_settings() -> PipelineSettings:
    """The current tenant's settings, or the defaults (unsaved) when it never set them."""
    return PipelineSettings.objects.first() or PipelineSettings(tenant=current_tenant())


def _send_on_commit(*, subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return
    transaction.on_commit(
        functools.partial(
            send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False
        )
    )


def _language() -> str:
    tenant = current_tenant()
    return tenant.language if tenant is not None else settings.LANGUAGE_CODE


def overdue_close_date_sweep(*, now: datetime | None = None) -> int:
    """Alert the owners of the open opportunities whose expected close date has passed, once each
    (until the close date changes: opportunity_update clears the mark). Returns how many."""
    if not pipeline_settings().overdue_close_date_alert:
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            Opportunity.objects.open()
            .select_for_update(of=("self",), skip_locked=True)
            .filter(expected_close_date__lt=today, close_date_alerted_at__isnull=True)
            .select_related("owner", "account")
            .order_by("pk")
        )
        Opportunity.objects.filter(pk__in=[o.pk for o in due], close_date_alerted_at__isnull=True).update(
            close_date_alerted_at=now
        )
        with override(_language()):
            for opportunity in due:
                _send_on_commit(
                    subject=_("Close date passed: %(name)s") % {"name": opportunity.name},
                    body=_(
                        "The expected close date of “%(name)s” (%(account)s) was %(date)s and the "
                        "opportunity is still open. Update its close date or its stage."
                    )
                    % {
                        "name": opportunity.name,
                        "account": opportunity.account,
                        "date": opportunity.expected_close_date.strftime("%d/%m/%Y"),
                    },
                    recipients=[opportunity.owner.email],
                )
                events.emit(
                    CLOSE_DATE_PASSED,
                    opportunity_id=opportunity.pk,
                    close_date=opportunity.expected_close_date.isoformat(),
                )
    return len(due)


def inactivity_sweep(*, now: datetime | None = None) -> int:
    """Remind the owners of open opportunities without activity (activity_registry) for the tenant's
    `inactivity_reminder_days`; once per quiet period: a new activity after the reminder re-arms it."""
    days = pipeline_settings().inactivity_reminder_days
    if not days:
        return 0
    now = now or timezone.now()
    limit = now - timedelta(days=days)
    with transaction.atomic():
        quiet = list(
            Opportunity.objects.open()
            .select_for_update(of=("self",), skip_locked=True)
            .annotate(last_activity=activity_registry.last_activity_expression())
            .filter(last_activity__lt=limit)
            .filter(Q(inactivity_reminded_at__isnull=True) | Q(inactivity_reminded_at__lt=F("last_activity")))
            .select_related("owner", "account")
            .order_by("pk")
        )
        Opportunity.objects.filter(pk__in=[o.pk for o in quiet]).update(inactivity_reminded_at=now)
        with override(_language()):
            for opportunity in quiet:
                _send_on_commit(
                    subject=_("No activity for %(days)s days: %(name)s")
                    % {"days": days, "name": opportunity.name},
                    body=_(
                        "Nothing happened on “%(name)s” (%(account)s) since %(date)s. Plan the next step "
                        "or update its stage."
                    )
                    % {
                        "name": opportunity.name,
                        "account": opportunity.account,
                        "date": timezone.localtime(opportunity.last_activity).strftime("%d/%m/%Y"),  # type: ignore[attr-defined]
                    },
                    recipients=[opportunity.owner.email],
                )
    return len(quiet)


def manager_chain(user_id: int) -> list[User]:
    """The managers above this user's membership, nearest first (one query per level, bounded)."""
    managers: list[User] = []
    membership = Membership.objects.filter(user_id=user_id).select_related("manager__user").first()
    seen = set()
    while membership is not None and membership.manager is not None and len(managers) < MANAGER_CHAIN_LIMIT:
        manager = membership.manager
        if manager.pk in seen:
            break
        seen.add(manager.pk)
        if manager.is_active:
            managers.append(manager.user)
        membership = Membership.objects.filter(pk=manager.pk).select_related("manager__user").first()
    return managers


def stage_change_notify_managers(*, stage_change: StageChange) -> list[str]:
    """Queue (on commit) the mail telling the owner's managers about this move, when its amount
    reaches the tenant's threshold. Returns the addresses."""
    threshold = pipeline_settings().manager_notification_threshold
    if threshold is None or stage_change.amount is None or stage_change.amount < threshold:
        return []
    opportunity = stage_change.opportunity
    recipients = [user.email for user in manager_chain(opportunity.owner_id)]
    with override(_language()):
        _send_on_commit(
            subject=_("%(name)s moved to %(stage)s")
            % {"name": opportunity.name, "stage": stage_change.to_stage.name},
            body=_(
                "%(who)s moved “%(name)s” (%(account)s, owner %(owner)s) from %(from)s to %(to)s. "
                "Amount: %(amount)s %(currency)s, probability %(probability)s %%."
            )
            % {
                "who": stage_change.changed_by or _("Someone"),
                "name": opportunity.name,
                "account": opportunity.account,
                "owner": opportunity.owner,
                "from": stage_change.from_stage.name if stage_change.from_stage else "—",
                "to": stage_change.to_stage.name,
                "amount": stage_change.amount,
                "currency": stage_change.currency,
                "probability": stage_change.probability,
            },
            recipients=recipients,
        )
    return recipients
