"""Agenda pages (/t/<slug>/agenda/...) and the public ICS feed (/ical/<tenant id>/<feed id>/<secret>.ics).

Thin: parse, call one selector or service, render. A colleague's agenda the member may not see, or an
unknown user, answers 404 like a record of another tenant."""

from __future__ import annotations

import calendar as pycalendar
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.agenda import selectors, services
from activities.agenda.forms import CalendarImportForm, CalendarSettingsForm, MeetingForm
from activities.agenda.ics import calendar_bytes, calendar_new, event_for
from activities.models import Activity, CalendarSettings
from crm.http import TenantRequest
from crm.models import Membership, Tenant
from crm.notifications import tenant_path
from crm.tenancy import tenant_scope

VIEWS = ("day", "week", "month")
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 365
FEED_MAX_AGE_SECONDS = 15 * 60
EN_DASH = "\u2013"  # between the start and end times, as French and English typography want


# --- helpers -------------------------------------------------------------------------------------


def _anchor(request: HttpRequest) -> date:
    raw = request.GET.get("date", "")
    try:
        parsed = parse_date(raw) if raw else None
    except ValueError:
        parsed = None
    if parsed is None or not 1900 <= parsed.year <= 2200:
        return timezone.localdate()
    return parsed


def _days(view: str, anchor: date) -> tuple[list[date], date, date]:
    """The days shown, and the anchors of the previous and next pages."""
    if view == "day":
        return [anchor], anchor - timedelta(days=1), anchor + timedelta(days=1)
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return (
            [monday + timedelta(days=n) for n in range(7)],
            monday - timedelta(days=7),
            monday + timedelta(days=7),
        )
    first = anchor.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)], previous, following


def _bounds(days: list[date]) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(days[0], time.min, tzinfo=zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _activity_path(tenant: Tenant, activity: Activity) -> str:
    """The activity's page: what it is about, attendees, and (for whoever may) edit or cancel it."""
    return tenant_path("activities:activity_detail", activity.pk, tenant=tenant)


@dataclass
class Cell:
    day: date
    is_today: bool
    in_month: bool
    items: list[dict[str, Any]] = field(default_factory=list)


def _display(item: selectors.AgendaItem, day: date, tenant: Tenant) -> dict[str, Any]:
    local_start = timezone.localtime(item.starts_at)
    if item.all_day:
        when = _("All day")
    elif item.kind == "task":
        when = local_start.strftime("%H:%M")
    else:
        local_end = timezone.localtime(item.ends_at) if item.ends_at else None
        start_text = local_start.strftime("%H:%M") if local_start.date() == day else "00:00"
        if local_end and local_end > local_start:
            end_text = local_end.strftime("%H:%M") if local_end.date() == day else "24:00"
            when = f"{start_text}{EN_DASH}{end_text}"
        else:
            when = start_text
    url = ""  # someone else's private event, shown as busy: nothing to open
    if item.activity is not None:
        url = _activity_path(tenant, item.activity)
    elif item.task is not None:
        url = tenant_path("tasks:task_detail", item.task.pk, tenant=tenant)
    return {
        "kind": item.kind,
        "when": when,
        "title": item.title,
        "is_busy": item.is_busy,
        "status": item.status,
        "location": item.location,
        "url": url,
        "is_private": bool(item.activity and item.activity.is_private),
        "owner_id": item.owner_id,
    }


def _cells(
    items: list[selectors.AgendaItem], days: list[date], tenant: Tenant, month: int | None
) -> list[Cell]:
    today = timezone.localdate()
    cells = {
        day: Cell(day=day, is_today=day == today, in_month=month is None or day.month == month)
        for day in days
    }
    for item in items:
        first = timezone.localtime(item.starts_at).date()
        last = first
        if item.kind == "event" and item.ends_at and item.ends_at > item.starts_at:
            last = timezone.localtime(item.ends_at - timedelta(microseconds=1)).date()
        day = max(first, days[0])
        while day <= min(last, days[-1]):
            cells[day].items.append(_display(item, day, tenant))
            day += timedelta(days=1)
    return list(cells.values())


def _owner(request: TenantRequest, viewable: set[int]) -> Membership:
    raw = request.GET.get("user", "")
    if not raw:
        return request.membership
    try:
        user_id = int(raw)
    except ValueError:
        raise Http404 from None
    if user_id not in viewable:
        raise Http404
    found = Membership.objects.filter(user_id=user_id, is_active=True).select_related("user").first()
    if found is None:
        raise Http404
    return found


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def agenda_calendar(request: TenantRequest, view: str = "week") -> HttpResponse:
    viewable = selectors.agenda_viewable_user_ids(viewer=request.membership)
    owner = _owner(request, viewable)
    anchor = _anchor(request)
    days, previous, following = _days(view, anchor)
    start, end = _bounds(days)
    items = selectors.agenda_items(
        viewer=request.membership, owner_ids=[owner.user_id], start=start, end=end, busy_label=_("Busy")
    )
    cells = _cells(items, days, request.tenant, anchor.month if view == "month" else None)
    user_query: dict[str, str] = {"user": str(owner.user_id)} if owner.user_id != request.user.pk else {}
    new_at = datetime.combine(anchor, time(9, 0))
    context = {
        "view": view,
        "views": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "anchor": anchor,
        "cells": cells,
        "weeks": [cells[index : index + 7] for index in range(0, len(cells), 7)] if view == "month" else [],
        "weekday_names": [cell.day for cell in cells[:7]] if view != "day" else [],
        "owner": owner,
        "is_mine": owner.user_id == request.user.pk,
        "colleagues": selectors.agenda_members(user_ids=viewable),
        "previous_query": urlencode({**user_query, "date": previous.isoformat()}),
        "next_query": urlencode({**user_query, "date": following.isoformat()}),
        "today_query": urlencode(user_query),
        "user_query": urlencode(user_query),
        "anchor_query": urlencode({**user_query, "date": anchor.isoformat()}),
        "new_query": urlencode({"type": "meeting", "starts_at": new_at.strftime("%Y-%m-%dT%H:%M")}),
        "is_manager": request.membership.reports.exists() or request.membership.managed_teams.exists(),
    }
    return render(request, "activities/agenda/calendar.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def agenda_team(request: TenantRequest) -> HttpResponse:
    """The week of the reports whose agenda the manager may see, one row each."""
    from governance.selectors import membership_subordinate_user_ids

    viewable = selectors.agenda_viewable_user_ids(viewer=request.membership)
    below = membership_subordinate_user_ids(membership=request.membership) - {request.user.pk}
    members = selectors.agenda_members(user_ids=viewable & below)
    anchor = _anchor(request)
    days, previous, following = _days("week", anchor)
    start, end = _bounds(days)
    items = selectors.agenda_items(
        viewer=request.membership,
        owner_ids=[member.user_id for member in members],
        start=start,
        end=end,
        busy_label=_("Busy"),
    )
    rows = []
    for member in members:
        mine = [item for item in items if item.owner_id == member.user_id]
        rows.append({"member": member, "cells": _cells(mine, days, request.tenant, None)})
    context = {
        "rows": rows,
        "days": days,
        "anchor": anchor,
        "previous_query": urlencode({"date": previous.isoformat()}),
        "next_query": urlencode({"date": following.isoformat()}),
    }
    return render(request, "activities/agenda/team.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request: TenantRequest) -> HttpResponse:
    types = services.meeting_types()
    if request.method == "POST":
        form = MeetingForm(request.POST, membership=request.membership, types=types)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = services.meeting_create(
                    actor=request.user,
                    type=data["type"],
                    subject=data["subject"],
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    location=data["location"],
                    contacts=list(data["contacts"]),
                    account=data["account"],
                    opportunity=data["opportunity"],
                    is_private=data["is_private"],
                    description=data["description"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Meeting “%(subject)s” planned.") % {"subject": activity.subject})
                day = timezone.localtime(activity.starts_at).date().isoformat()
                return HttpResponseRedirect(reverse("agenda:day") + "?" + urlencode({"date": day}))
        status = 400
    else:
        initial: dict[str, Any] = {"duration_minutes": 60}
        wanted = request.GET.get("type", "")
        chosen = next((row for row in types if row.code == wanted), None)
        if chosen is not None:
            initial["type"] = chosen.pk
        raw_start = request.GET.get("starts_at", "")
        try:
            starts_at = parse_datetime(raw_start) if raw_start else None
        except ValueError:
            starts_at = None
        if starts_at is not None:
            initial["starts_at"] = starts_at
        form = MeetingForm(initial=initial, membership=request.membership, types=types)
        status = 200
    return render(request, "activities/agenda/meeting_form.html", {"form": form}, status=status)


def _feed_address(request: TenantRequest, row: CalendarSettings, secret: str) -> str:
    path = f"/ical/{request.tenant.pk}/{row.feed_id}/{secret}.ics"
    base = settings.CRM_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def _settings_page(
    request: TenantRequest, form: CalendarSettingsForm, *, secret_address: str = "", status: int = 200
) -> HttpResponse:
    row = selectors.calendar_settings_for(user_id=request.user.pk)
    context = {
        "form": form,
        "has_feed": bool(row.feed_secret_hash),
        "feed_created_at": row.feed_created_at,
        "secret_address": secret_address,
        "webcal_address": secret_address.replace("https://", "webcal://").replace("http://", "webcal://"),
    }
    return render(request, "activities/agenda/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agenda_settings(request: TenantRequest) -> HttpResponse:
    if request.method == "POST":
        form = CalendarSettingsForm(request.POST)
        if form.is_valid():
            services.calendar_settings_update(
                membership=request.membership, sharing=form.cleaned_data["sharing"]
            )
            messages.success(request, _("Your agenda settings are saved."))
            return HttpResponseRedirect(reverse("agenda:settings"))
        return _settings_page(request, form, status=400)
    row = selectors.calendar_settings_for(user_id=request.user.pk)
    return _settings_page(request, CalendarSettingsForm(initial={"sharing": row.sharing}))


@login_required
@require_POST
def feed_regenerate(request: TenantRequest) -> HttpResponse:
    """A new secret address, shown on this answer only (never stored in clear, never redirected)."""
    row, secret = services.calendar_feed_regenerate(membership=request.membership)
    form = CalendarSettingsForm(initial={"sharing": row.sharing})
    response = _settings_page(request, form, secret_address=_feed_address(request, row, secret))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def feed_revoke(request: TenantRequest) -> HttpResponse:
    services.calendar_feed_revoke(membership=request.membership)
    messages.success(request, _("Your calendar address is revoked: subscribed calendars stop updating."))
    return HttpResponseRedirect(reverse("agenda:settings"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agenda_import(request: TenantRequest) -> HttpResponse:
    if request.method == "POST":
        form = CalendarImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.calendar_import(
                    membership=request.membership, data=form.cleaned_data["file"].read(), actor=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, result.summary())
                return HttpResponseRedirect(reverse("agenda:week"))
        return render(request, "activities/agenda/import.html", {"form": form}, status=400)
    return render(request, "activities/agenda/import.html", {"form": CalendarImportForm()})


# --- the public feed -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def agenda_feed(request: HttpRequest, tenant_id: int, feed_id: str, secret: str) -> HttpResponse:
    """A member's agenda as iCalendar, for calendar apps: no session, the secret is the key. The
    tenant first (the kernel's table), then the settings row inside its scope; an unknown tenant,
    feed or secret, a revoked address or a departed member are all the same 404."""
    tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is None:
        raise Http404
    with tenant_scope(tenant), timezone.override(tenant.time_zone), translation.override(tenant.language):
        row = CalendarSettings.objects.filter(feed_id=feed_id).exclude(feed_secret_hash="").first()
        if row is None or not hmac.compare_digest(
            row.feed_secret_hash.encode(), CalendarSettings.hash_secret(secret).encode()
        ):
            raise Http404
        member = Membership.objects.filter(user_id=row.user_id, is_active=True).select_related("user").first()
        if member is None:
            raise Http404
        now = timezone.now()
        activities = selectors.feed_activities(
            owner_id=row.user_id,
            start=now - timedelta(days=FEED_PAST_DAYS),
            end=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        # Links must be absolute in a calendar app: the configured address, else the one asked.
        base = settings.CRM_BASE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
        calendar = calendar_new(
            name=f"{member.user.get_full_name()} · {tenant.name}", time_zone=tenant.time_zone
        )
        busy = _("Busy")
        for activity in activities:
            calendar.add_component(
                event_for(
                    activity,
                    time_zone=tenant.time_zone,
                    busy_label=busy if activity.is_private else "",
                    link=f"{base}{_activity_path(tenant, activity)}",
                )
            )
        body = calendar_bytes(calendar)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE_SECONDS}"
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
