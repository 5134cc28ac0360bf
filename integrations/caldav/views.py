"""The user's calendar sync page (/t/<slug>/integrations/calendar/): connect a CalDAV server (the
connection is tested, the password kept encrypted and never shown), choose or create the calendar,
switch the sync on or off, sync now, see the state and the recent log, disconnect. Every member
manages their own calendar only: there is no other user's account to reach from here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from crm.models import Membership, User
from integrations.caldav.client import CalendarInfo
from integrations.caldav.forms import CalDAVConnectForm, CalendarChoiceForm
from integrations.caldav.services import (
    NEW_CALENDAR_NAME,
    caldav_account_connect,
    caldav_account_disconnect,
    caldav_account_get,
    caldav_account_set_active,
    caldav_calendar_choose,
    caldav_calendars,
    caldav_log,
    caldav_sync_request,
)
from integrations.models import CalDAVAccount

SESSION_CALENDARS = "caldav_calendars"


class MemberRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    membership: Membership


def _settings_url() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("caldav:settings"))


def _remember(request: HttpRequest, calendars: list[CalendarInfo]) -> None:
    request.session[SESSION_CALENDARS] = [[calendar.url, calendar.name] for calendar in calendars]


def _remembered(request: HttpRequest) -> list[CalendarInfo]:
    return [CalendarInfo(url=url, name=name) for url, name in request.session.get(SESSION_CALENDARS, [])]


def _own_account(request: MemberRequest) -> CalDAVAccount:
    account = caldav_account_get(user=request.user)
    if account is None:
        raise Http404
    return account


def _page(
    request: MemberRequest,
    *,
    account: CalDAVAccount | None,
    form: CalDAVConnectForm | None = None,
    choice_form: CalendarChoiceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    calendars = _remembered(request) if account is not None else []
    if form is None:
        initial: dict[str, Any] = {"is_active": True}
        if account is not None:
            initial = {"url": account.url, "username": account.username, "is_active": account.is_active}
        form = CalDAVConnectForm(initial=initial)
    if choice_form is None and account is not None and SESSION_CALENDARS in request.session:
        choice_form = CalendarChoiceForm(
            calendars=calendars, initial={"calendar_url": account.calendar_url if account else ""}
        )
    calendar_name = ""
    if account is not None and account.calendar_url:
        calendar_name = next(
            (c.name for c in calendars if c.url == account.calendar_url), account.calendar_url
        )
    context = {
        "account": account,
        "form": form,
        "choice_form": choice_form,
        "calendar_name": calendar_name,
        "none_chosen": pgettext("caldav", "None chosen yet"),
        "log": caldav_log(account=account) if account is not None else [],
    }
    return render(request, "integrations/caldav/settings.html", context, status=status)


@login_required
def calendar_settings(request: MemberRequest) -> HttpResponse:
    account = caldav_account_get(user=request.user)
    if request.method != "POST":
        return _page(request, account=account)
    form = CalDAVConnectForm(request.POST)
    if form.is_valid():
        try:
            connection = caldav_account_connect(
                user=request.user,
                url=form.cleaned_data["url"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _remember(request, connection.calendars)
            if connection.account.calendar_url:
                messages.success(request, _("Connection successful: the settings are saved."))
            else:
                messages.success(request, _("Connection successful: now choose the calendar to synchronise."))
            return _settings_url()
    return _page(request, account=account, form=form, status=400)


@login_required
@require_POST
def calendar_test(request: MemberRequest) -> HttpResponse:
    account = _own_account(request)
    try:
        calendars = caldav_calendars(account=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _remember(request, calendars)
        messages.success(
            request,
            _("Connection successful: %(count)s calendar(s) found.") % {"count": len(calendars)},
        )
    return _settings_url()


@login_required
@require_POST
def calendar_choose(request: MemberRequest) -> HttpResponse:
    account = _own_account(request)
    choice_form = CalendarChoiceForm(request.POST, calendars=_remembered(request))
    if choice_form.is_valid():
        try:
            account = caldav_calendar_choose(
                account=account, calendar_url=choice_form.cleaned_data["calendar_url"], actor=request.user
            )
        except ValidationError as error:
            choice_form.add_service_errors(error)
        else:
            known = _remembered(request)
            if all(calendar.url != account.calendar_url for calendar in known):
                _remember(request, [*known, CalendarInfo(url=account.calendar_url, name=NEW_CALENDAR_NAME)])
            messages.success(request, _("The calendar is chosen: the synchronisation starts."))
            return _settings_url()
    return _page(request, account=account, choice_form=choice_form, status=400)


@login_required
@require_POST
def calendar_active(request: MemberRequest) -> HttpResponse:
    account = _own_account(request)
    is_active = request.POST.get("is_active") == "on"
    caldav_account_set_active(account=account, is_active=is_active, actor=request.user)
    if is_active:
        messages.success(request, _("The synchronisation is on."))
    else:
        messages.success(request, _("The synchronisation is paused."))
    return _settings_url()


@login_required
@require_POST
def calendar_sync_now(request: MemberRequest) -> HttpResponse:
    account = _own_account(request)
    try:
        caldav_sync_request(account=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The synchronisation is queued: refresh this page in a moment."))
    return _settings_url()


@login_required
@require_POST
def calendar_disconnect(request: MemberRequest) -> HttpResponse:
    account = _own_account(request)
    caldav_account_disconnect(account=account, actor=request.user)
    request.session.pop(SESSION_CALENDARS, None)
    messages.success(
        request, _("The calendar is disconnected. Your activities stay in the CRM, the events on the server.")
    )
    return _settings_url()
