"""The mailbox status page (company administrators): per dropbox mailbox its last run and success,
counts, last error, next attempt and recent sync log lines, with a "poll now" button."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.models import EmailSettings
from crm.http import TenantRequest
from crm.roles import Role
from integrations.mail.poller import mailbox_poll_request
from integrations.models import Mailbox, SyncLogEntry

LOG_LINES_PER_MAILBOX = 10


def _require_admin(request: TenantRequest) -> None:
    if request.membership.role != Role.TENANT_ADMIN:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD"])
def mailbox_status(request: TenantRequest) -> HttpResponse:
    _require_admin(request)
    mailboxes = list(Mailbox.objects.order_by("name", "pk"))
    by_mailbox: dict[int, list[SyncLogEntry]] = defaultdict(list)
    # The latest lines of each mailbox, in one query (a row number per mailbox).
    recent = (
        SyncLogEntry.objects.filter(kind="mailbox")
        .annotate(
            row=Window(RowNumber(), partition_by=[F("object_id")], order_by=[F("at").desc(), F("id").desc()])
        )
        .filter(row__lte=LOG_LINES_PER_MAILBOX)
        .order_by("-at", "-id")
    )
    for entry in recent:
        by_mailbox[entry.object_id].append(entry)
    settings_row = EmailSettings.objects.first()
    context = {
        "rows": [(mailbox, by_mailbox.get(mailbox.pk, [])) for mailbox in mailboxes],
        "dropbox_address": settings_row.dropbox_address if settings_row else "",
    }
    return render(request, "integrations/mailbox_status.html", context)


@login_required
@require_POST
def mailbox_poll_now(request: TenantRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    mailbox = Mailbox.objects.filter(pk=pk).first()
    if mailbox is None:
        raise Http404
    if not mailbox.is_active:
        messages.error(request, _("This mailbox is inactive: activate it in the administration first."))
    else:
        mailbox_poll_request(mailbox=mailbox)
        messages.success(request, _("The mailbox will be polled in a moment."))
    return HttpResponseRedirect(reverse("integrations:mailbox_status"))
