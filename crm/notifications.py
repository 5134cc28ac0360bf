"""Notifications: telling one member about one event, in the app (the notification centre and its
unread count), by e-mail (the delivery sweep), both or not at all, as the member chose for that kind of
event (NotificationPreference), else as the event's kind says (crm.events).

`notify()` stores one row per (member, key): the same event told twice is stored once. E-mails are never
sent from the request: the row waits as "pending" and `deliver_pending()` (a Celery beat sweep, every
minute) sends it, under `FOR UPDATE SKIP LOCKED`, so two workers never send the same one twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm import events
from crm.models import Notification, NotificationPreference, Tenant, User
from crm.tenancy import current_tenant

logger = logging.getLogger("crm.notifications")

DELIVERY_BATCH = 100
Channel = NotificationPreference.Channel


def user_language(user: User, tenant: Tenant | None = None) -> str:
    """The language a member reads their notifications in: theirs, else their company's."""
    tenant = tenant or current_tenant()
    return user.language or tenant.language or settings.LANGUAGE_CODE


def tenant_path(url_name: str, *args: Any, tenant: Tenant | None = None) -> str:
    """The path of a tenant page (/t/<slug>/tasks/5/), from a request or from a worker alike."""
    tenant = tenant or current_tenant()
    path = reverse(url_name, args=args, urlconf=settings.CRM_TENANT_URLCONF)
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    return f"/t/{tenant.slug}{path}"


def absolute_url(path: str) -> str:
    """A link for an e-mail: the CRM's address (CRM_BASE_URL) and the path."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.CRM_BASE_URL.rstrip("/") + path


def channel_for(user: User | int, event: str) -> str:
    """The member's chosen channel for the event, else the event's default ("app" if unknown)."""
    user_id = user if isinstance(user, int) else user.pk
    chosen = (
        NotificationPreference.objects.filter(user_id=user_id, event=event)
        .values_list("channel", flat=True)
        .first()
    )
    if chosen:
        return chosen
    kind = events.event_kind(event)
    return kind.default_channel if kind is not None else Channel.APP


def channels_of(user: User) -> dict[str, str]:
    """Every declared event -> the member's channel (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("event", "channel"))
    return {kind.name: chosen.get(kind.name, kind.default_channel) for kind in events.event_kinds()}


@transaction.atomic
def preferences_save(*, user: User, channels: dict[str, str]) -> None:
    """Store the member's channel per event (only declared events and known channels)."""
    tenant = current_tenant()
    known = {kind.name for kind in events.event_kinds()}
    for event, channel in channels.items():
        if event not in known or channel not in Channel.values:
            raise ValueError(f"unknown event or channel: {event}={channel}")
        NotificationPreference.objects.update_or_create(
            tenant=tenant, user=user, event=event, defaults={"channel": channel}
        )


def notify(
    *, user: User, event: str, key: str, title: str, body: str = "", url: str = ""
) -> Notification | None:
    """Tell `user` about `event`, on the channel they chose. Returns the new notification, or None when
    they want none for this event or this key was already told (idempotent by key)."""
    if not user.is_active:
        return None
    if url.startswith("//") or not url.startswith(("/", "https://", "http://")):
        url = ""  # links are ours (tenant_path): anything else is dropped, never rendered as a link
    channel = channel_for(user, event)
    if channel == Channel.NONE:
        return None
    in_app = channel in (Channel.APP, Channel.BOTH)
    by_email = channel in (Channel.EMAIL, Channel.BOTH) and bool(user.email)
    if not in_app and not by_email:
        return None
    values = {
        "event": event,
        "title": title[:255],
        "body": body,
        "url": url[:500],
        "in_app": in_app,
        "email_state": Notification.EmailState.PENDING if by_email else Notification.EmailState.NONE,
    }
    if not key:
        return Notification.objects.create(tenant=current_tenant(), user=user, **values)
    # Unique on (tenant, user, key): a second delivery of the same event finds the first and adds nothing
    # (get_or_create retries the read when a concurrent insert wins the race).
    notification, created = Notification.objects.get_or_create(
        user=user, key=key[:200], defaults={"tenant": current_tenant(), **values}
    )
    return notification if created else None


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of the member's notifications read (or all of them without `pk`). Returns how many."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        rows = rows.filter(pk=pk)
    return rows.update(read_at=timezone.now())


def _message(notification: Notification, tenant: Tenant) -> EmailMessage:
    with translation.override(user_language(notification.user, tenant)):
        lines = [notification.title, ""]
        if notification.body:
            lines += [notification.body, ""]
        if notification.url:
            lines += [_("Open it in the CRM: %(url)s") % {"url": absolute_url(notification.url)}, ""]
        lines.append(
            _("You receive this e-mail because of your notification preferences in %(company)s.")
            % {"company": tenant.name}
        )
        return EmailMessage(
            subject=notification.title,
            body="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.user.email],
        )


def deliver_pending(
    *, tenant: Tenant, now: datetime | None = None, batch: int = DELIVERY_BATCH
) -> dict[str, int]:
    """E-mail this tenant's pending notifications, a batch per transaction: rows locked with SKIP LOCKED
    (another worker takes the others), each marked sent or failed in the same transaction. Each is
    e-mailed once. Returns {"sent": n, "failed": n}."""
    counts = {"sent": 0, "failed": 0}
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(email_state=Notification.EmailState.PENDING)
                .select_related("user")
                .order_by("created_at", "id")[:batch]
            )
            if not rows:
                return counts
            sent: list[int] = []
            failed: list[int] = []
            for notification in rows:
                try:
                    _message(notification, tenant).send(fail_silently=False)
                except Exception:
                    logger.exception("notification %s could not be e-mailed", notification.pk)
                    failed.append(notification.pk)
                else:
                    sent.append(notification.pk)
            moment = now or timezone.now()
            Notification.objects.filter(pk__in=sent).update(
                email_state=Notification.EmailState.SENT, emailed_at=moment
            )
            Notification.objects.filter(pk__in=failed).update(email_state=Notification.EmailState.FAILED)
            counts["sent"] += len(sent)
            counts["failed"] += len(failed)
        if len(rows) < batch:
            return counts
