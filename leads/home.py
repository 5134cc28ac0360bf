"""The "leads needing attention" home widget (crm.home): overdue first contacts and the queue."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from crm.models import Membership
from leads.models import Lead


def attention_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    """Counts in one query: the open leads visible to the member whose first contact is overdue (their
    own first), and those waiting in the queue."""
    now = timezone.now()
    overdue = Q(first_contacted_at__isnull=True) & (
        Q(sla_breached_at__isnull=False) | Q(first_contact_due_at__lte=now)
    )
    counts = (
        Lead.objects.visible_to(membership)
        .open()
        .aggregate(
            mine_overdue=Count("pk", filter=overdue & Q(owner_id=membership.user_id)),
            overdue=Count("pk", filter=overdue),
            queue=Count("pk", filter=Q(owner__isnull=True)),
        )
    )
    return {"leads_attention": counts}
