"""The notification centre (newest first, unread in bold, mark one or all read) and the member's
notification preferences (per kind of event: in the app, by e-mail, both or not at all)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm import events, notifications
from crm.http import TenantRequest
from crm.models import Notification, NotificationPreference
from crm.pagination import keyset_page, page_links

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request: TenantRequest) -> HttpResponse:
    rows = Notification.objects.filter(user=request.user, in_app=True)
    page = keyset_page(
        rows, order=("created_at", "id"), descending=True, cursor=request.GET.get("after", ""), size=PAGE_SIZE
    )
    context = {"notifications": page.rows, **page_links(request, page)}
    return render(request, "crm/notifications.html", context)


def _safe_target(request: TenantRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("notifications:notification_list")


@login_required
@require_POST
def notification_read(request: TenantRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read, then go to what it is about (or back to the list)."""
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    notifications.mark_read(user=request.user, pk=notification.pk)
    if request.POST.get("open") == "1":
        return HttpResponseRedirect(_safe_target(request, notification.url))
    return HttpResponseRedirect(_safe_target(request, request.POST.get("next", "")))


@login_required
@require_POST
def notification_read_all(request: TenantRequest) -> HttpResponse:
    count = notifications.mark_read(user=request.user)
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": count})
    return HttpResponseRedirect(reverse("notifications:notification_list"))


def field_name(event: str) -> str:
    return "event_" + event.replace(".", "__")


class PreferencesForm(forms.Form):
    def __init__(self, *args: object, channels: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in events.event_kinds():
            self.fields[field_name(kind.name)] = forms.ChoiceField(
                label=str(kind.label),
                choices=NotificationPreference.Channel.choices,
                initial=channels.get(kind.name, kind.default_channel),
                widget=forms.RadioSelect,
            )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_preferences(request: TenantRequest) -> HttpResponse:
    channels = notifications.channels_of(request.user)
    form = PreferencesForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        chosen = {kind.name: form.cleaned_data[field_name(kind.name)] for kind in events.event_kinds()}
        notifications.preferences_save(user=request.user, channels=chosen)
        messages.success(request, _("Your notification preferences are saved."))
        return HttpResponseRedirect(reverse("notifications:notification_preferences"))
    status = 400 if form.errors else 200
    return render(request, "crm/notifications_preferences.html", {"form": form}, status=status)
