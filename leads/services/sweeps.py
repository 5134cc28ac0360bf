"""The periodic sweeps of leads (Celery beat, leads.tasks), each idempotent by a conditional UPDATE:
the statement that flags a lead also says "not flagged yet", and returns only the rows it changed, so
running a sweep twice (or two sweeps at once) notifies once.

- First-contact SLA: an open lead whose first contact is overdue is flagged breached and escalated
  (its owner and the owner's manager are e-mailed; a lead of the queue, the managers).
- Queue: a lead still unassigned after the tenant's maximum assignment delay alerts the managers.

Each flag is written with its history row (who: nobody, the system; why: the sweep), in the same
statement, as accounts.territories does for a realignment.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from crm.models import Membership, Tenant
from crm.roles import Role
from leads.models import Lead
from leads.services.config import lead_settings

MANAGER_ROLES = (Role.SALES_MANAGER, Role.SALES_DIRECTOR)
_OPEN = list(Lead.OPEN_STATUSES)


def _flag_sql(assignments: str, condition: str) -> str:
    history = Lead.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.attname) for field in history.tracked_fields)
    return f"""
WITH flagged AS (
    UPDATE leads_lead l SET {assignments}
    WHERE l.tenant_id = %(tenant)s AND l.status = ANY(%(open)s) AND {condition}
    RETURNING l.*
), logged AS (
    INSERT INTO {quote(history._meta.db_table)}
        ({columns}, history_date, history_change_reason, history_type, history_user_id)
    SELECT {columns}, %(now)s, %(reason)s, '~', NULL FROM flagged
)
SELECT id, owner_id FROM flagged ORDER BY id
"""  # noqa: S608 - identifiers from the models, values as parameters


def _flag(sql: str, params: dict[str, Any]) -> list[tuple[int, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _managers_emails() -> list[str]:
    return list(
        Membership.objects.filter(role__in=MANAGER_ROLES, is_active=True, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _recipients(owner_ids: set[int]) -> dict[int | None, list[str]]:
    """Per owner: the owner and their manager; for leads of the queue (None), the managers."""
    memberships = Membership.objects.filter(user_id__in=owner_ids).select_related("user", "manager__user")
    found: dict[int | None, list[str]] = {}
    for membership in memberships:
        emails = [membership.user.email]
        if membership.manager is not None:
            emails.append(membership.manager.user.email)
        found[membership.user_id] = emails
    found[None] = _managers_emails()
    return found


def _send(messages: list[tuple[str, str, str, list[str]]]) -> None:
    send_mass_mail(tuple(messages), fail_silently=False)


@transaction.atomic
def lead_sla_sweep(*, tenant: Tenant, now: datetime | None = None) -> list[int]:
    """Flag and escalate the open leads whose first contact is overdue, once. Returns their ids."""
    now = now or timezone.now()
    with translation.override(tenant.language):
        reason = _("First-contact SLA breached: escalated")
        rows = _flag(
            _flag_sql(
                "sla_breached_at = COALESCE(l.sla_breached_at, %(now)s), sla_escalated_at = %(now)s",
                "l.sla_escalated_at IS NULL AND l.first_contacted_at IS NULL"
                " AND l.first_contact_due_at <= %(now)s",
            ),
            {"tenant": tenant.pk, "open": _OPEN, "now": now, "reason": reason},
        )
        if not rows:
            return []
        recipients = _recipients({owner for _id, owner in rows if owner is not None})
        leads = Lead.objects.in_bulk([lead_id for lead_id, _owner in rows])
        messages = []
        for lead_id, owner_id in rows:
            to = recipients.get(owner_id) or recipients[None]
            if not to:
                continue
            link = _lead_link(tenant, lead_id)
            messages.append(
                (
                    _("First contact overdue: %(lead)s") % {"lead": leads[lead_id]},
                    _("The first contact with %(lead)s was due on %(due)s and is not logged yet.\n%(link)s")
                    % {
                        "lead": leads[lead_id],
                        "due": _when(tenant, leads[lead_id].first_contact_due_at),
                        "link": link,
                    },
                    settings.DEFAULT_FROM_EMAIL,
                    to,
                )
            )
    transaction.on_commit(functools.partial(_send, messages))
    return [lead_id for lead_id, _owner in rows]


@transaction.atomic
def lead_unassigned_sweep(*, tenant: Tenant, now: datetime | None = None) -> list[int]:
    """Alert the managers, once, about leads still unassigned after the maximum delay."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=lead_settings().max_assignment_delay_minutes)
    with translation.override(tenant.language):
        reason = _("Unassigned past the maximum delay: managers alerted")
        rows = _flag(
            _flag_sql(
                "unassigned_alerted_at = %(now)s",
                "l.owner_id IS NULL AND l.unassigned_alerted_at IS NULL AND l.created_at <= %(cutoff)s",
            ),
            {"tenant": tenant.pk, "open": _OPEN, "now": now, "cutoff": cutoff, "reason": reason},
        )
        managers = _managers_emails() if rows else []
        if not rows or not managers:
            return [lead_id for lead_id, _owner in rows]
        leads = Lead.objects.in_bulk([lead_id for lead_id, _owner in rows])
        body = "\n".join(f"- {leads[lead_id]}: {_lead_link(tenant, lead_id)}" for lead_id, _owner in rows)
        messages = [
            (
                _("%(count)s lead(s) waiting for an owner") % {"count": len(rows)},
                _("These leads are still unassigned:\n%(leads)s") % {"leads": body},
                settings.DEFAULT_FROM_EMAIL,
                managers,
            )
        ]
    transaction.on_commit(functools.partial(_send, messages))
    return [lead_id for lead_id, _owner in rows]


def _when(tenant: Tenant, moment: datetime | None) -> str:
    """A moment as the tenant reads it: its time zone, the active language's format (28/11/2026 14:30)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(tenant.time_zone))
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _lead_link(tenant: Tenant, lead_id: int) -> str:
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    return f"{base}/t/{tenant.slug}/leads/{lead_id}/"
