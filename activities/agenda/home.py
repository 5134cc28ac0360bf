"""The "Today" home widget (crm.home): the member's meetings and calls of the day, then their tasks due
today, in the order of the day; three queries whatever the agenda holds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.agenda.selectors import agenda_items
from crm.models import Membership

MAX_ITEMS = 8


def today_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, time.min, tzinfo=zone)
    items = agenda_items(
        viewer=membership,
        owner_ids=[membership.user_id],
        start=start,
        end=start + timedelta(days=1),
        busy_label=_("Busy"),
    )
    return {"today": today, "items": items[:MAX_ITEMS], "more": max(len(items) - MAX_ITEMS, 0)}
