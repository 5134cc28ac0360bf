"""Writes of the calendar settings page: connect (test the server and keep the password encrypted),
choose or create the calendar, switch on and off, ask for a sync now, disconnect. Plus the activity
listener that queues a sync of the owner's account when one of their activities changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import secretbox
from crm.history import set_history_user
from crm.tenancy import current_tenant
from integrations.caldav.client import CalDAVError, CalendarClient, CalendarInfo, address_allowed
from integrations.models import CalDAVAccount, CalendarLink, SyncLogEntry

if TYPE_CHECKING:
    from activities.listeners import Change
    from activities.models import Activity
    from crm.models import User

NEW_CALENDAR_NAME = "CRM"
QUEUED_SECONDS = 10 * 60


@dataclass(frozen=True)
class Connection:
    account: CalDAVAccount
    calendars: list[CalendarInfo]


def caldav_account_get(*, user: User) -> CalDAVAccount | None:
    return CalDAVAccount.objects.filter(user=user).first()


def caldav_log(*, account: CalDAVAccount, limit: int = 30) -> list[SyncLogEntry]:
    return list(
        SyncLogEntry.objects.filter(kind="caldav", object_id=account.pk)
        .select_related("activity")
        .order_by("-at", "-id")[:limit]
    )


def _discover(*, url: str, username: str, password: str) -> list[CalendarInfo]:
    if not address_allowed(url):
        raise ValidationError(
            {"url": _("This address is on a private network or this machine: it cannot be used.")}
        )
    try:
        with CalendarClient(url=url, username=username, password=password) as client:
            return client.calendars()
    except CalDAVError as error:
        raise ValidationError(error.message(), code=error.kind) from error


@transaction.atomic
def caldav_account_connect(
    *, user: User, url: str, username: str, password: str, is_active: bool
) -> Connection:
    """Test the connection (the principal's calendars are discovered), then keep the settings. An empty
    password keeps the stored one. Raises ValidationError (nothing saved) when the server says no."""
    account = CalDAVAccount.objects.select_for_update().filter(user=user).first()
    if not password:
        if account is None or not account.password_encrypted:
            raise ValidationError({"password": _("Enter the password.")})
        try:
            password = secretbox.decrypt(account.password_encrypted)
        except secretbox.SecretUnreadable as error:
            raise ValidationError(
                {"password": _("The stored password can no longer be read: enter it again.")}
            ) from error
    calendars = _discover(url=url, username=username, password=password)
    if account is None:
        account = CalDAVAccount(user=user)
    server_changed = account.pk is not None and (account.url != url or account.username != username)
    account.url = url
    account.username = username
    account.password_encrypted = secretbox.encrypt(password)
    account.is_active = is_active
    if server_changed:
        # Another server or user: the old calendar and its links mean nothing there.
        account.calendar_url = ""
        account.sync_token = ""
        CalendarLink.objects.filter(account=account).delete()
    account.last_error = ""
    account.consecutive_failures = 0
    account.next_attempt_at = timezone.now()
    set_history_user(account, actor=user)
    account.save()
    return Connection(account=account, calendars=calendars)


def caldav_calendars(*, account: CalDAVAccount) -> list[CalendarInfo]:
    """The account's calendars, asked to the server now. Raises ValidationError."""
    try:
        password = secretbox.decrypt(account.password_encrypted)
    except secretbox.SecretUnreadable as error:
        raise ValidationError(_("The stored password can no longer be read: enter it again.")) from error
    return _discover(url=account.url, username=account.username, password=password)


@transaction.atomic
def caldav_calendar_choose(*, account: CalDAVAccount, calendar_url: str, actor: User) -> CalDAVAccount:
    """Sync with one of the discovered calendars, or with a new calendar named "CRM" when
    calendar_url is empty. Raises ValidationError when the calendar is not the user's."""
    calendars = caldav_calendars(account=account)
    if calendar_url:
        if calendar_url not in {calendar.url for calendar in calendars}:
            raise ValidationError({"calendar_url": _("Choose one of your calendars.")})
    else:
        existing = [calendar for calendar in calendars if calendar.name == NEW_CALENDAR_NAME]
        if existing:
            calendar_url = existing[0].url
        else:
            password = secretbox.decrypt(account.password_encrypted)
            try:
                with CalendarClient(url=account.url, username=account.username, password=password) as client:
                    calendar_url = client.calendar_create(name=NEW_CALENDAR_NAME).url
            except CalDAVError as error:
                raise ValidationError(error.message(), code=error.kind) from error
    account = CalDAVAccount.objects.select_for_update().get(pk=account.pk)
    if account.calendar_url != calendar_url:
        CalendarLink.objects.filter(account=account).delete()
        account.sync_token = ""
    account.calendar_url = calendar_url
    account.next_attempt_at = timezone.now()
    set_history_user(account, actor=actor)
    account.save()
    _enqueue_on_commit(account)
    return account


@transaction.atomic
def caldav_account_set_active(*, account: CalDAVAccount, is_active: bool, actor: User) -> CalDAVAccount:
    account = CalDAVAccount.objects.select_for_update().get(pk=account.pk)
    account.is_active = is_active
    if is_active:
        account.next_attempt_at = timezone.now()
        account.consecutive_failures = 0
    set_history_user(account, actor=actor)
    account.save()
    return account


@transaction.atomic
def caldav_sync_request(*, account: CalDAVAccount) -> None:
    """ "Sync now": due at once for the sweep, and queued for a worker after commit."""
    if not account.is_active or not account.calendar_url:
        raise ValidationError(_("Choose a calendar and switch the synchronisation on first."))
    CalDAVAccount.objects.filter(pk=account.pk).update(next_attempt_at=timezone.now())
    _enqueue_on_commit(account)


@transaction.atomic
def caldav_account_disconnect(*, account: CalDAVAccount, actor: User) -> None:
    """Forget the server: the account, its links and its log go; the CRM's activities stay, and so do
    the events on the server."""
    SyncLogEntry.objects.filter(kind="caldav", object_id=account.pk).delete()
    CalendarLink.objects.filter(account=account).delete()
    set_history_user(account, actor=actor)
    account.delete()


# Queueing ------------------------------------------------------------------------------------------


def _queued_key(tenant_id: int, account_id: int) -> str:
    return f"caldav:queued:{tenant_id}:{account_id}"


def caldav_sync_enqueue(*, account_id: int, countdown: int | None = None) -> bool:
    """Queue one sync of the account unless one is already waiting (False then); `countdown` delays
    it a little (a retry while another run holds the account)."""
    from integrations.tasks_caldav import caldav_sync

    tenant_id = current_tenant().pk
    if not cache.add(_queued_key(tenant_id, account_id), "1", timeout=QUEUED_SECONDS):
        return False
    caldav_sync.apply_async(kwargs={"tenant_id": tenant_id, "account_id": account_id}, countdown=countdown)
    return True


def caldav_sync_dequeued(*, account_id: int) -> None:
    """Called as the queued sync starts: a change made from now on queues another one."""
    cache.delete(_queued_key(current_tenant().pk, account_id))


def _enqueue_on_commit(account: CalDAVAccount) -> None:
    account_id = account.pk
    tenant = current_tenant()

    def enqueue() -> None:
        from crm.tenancy import tenant_scope

        with tenant_scope(tenant):
            caldav_sync_enqueue(account_id=account_id)

    transaction.on_commit(enqueue)


def caldav_due_claim(*, claim_for_minutes: int = 10) -> list[int]:
    """The active accounts whose next attempt is due, claimed (their next attempt moved a little
    later, rows locked with SKIP LOCKED) so that the next sweep does not queue them twice."""
    now = timezone.now()
    with transaction.atomic():
        locked = list(
            CalDAVAccount.objects.filter(is_active=True)
            .exclude(calendar_url="")
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        CalDAVAccount.objects.filter(pk__in=locked).update(
            next_attempt_at=now + timedelta(minutes=claim_for_minutes)
        )
    return locked


def on_activity_change(activity: Activity, change: Change, actor: User | None) -> None:
    """activities.listeners "caldav.push": after commit, queue a sync of the owner's account when the
    activity has something to send (no link yet, or changed since its link's synced version)."""
    from crm.models import Tenant
    from crm.tenancy import tenant_scope

    tenant = Tenant.objects.filter(pk=activity.tenant_id, is_active=True).first()
    if tenant is None:
        return
    # Called after the commit: the database scope of the transaction that wrote is gone with it.
    with tenant_scope(tenant):
        _queue_if_needed(activity, change)


def _queue_if_needed(activity: Activity, change: Change) -> None:
    account_id = (
        CalDAVAccount.objects.filter(user_id=activity.owner_id, is_active=True)
        .exclude(calendar_url="")
        .values_list("pk", flat=True)
        .first()
    )
    if account_id is None:
        return
    if change != "deleted":
        in_sync = CalendarLink.objects.filter(
            account_id=account_id, activity_id=activity.pk, synced_version__gte=F("activity__version")
        ).exists()
        if in_sync:
            return  # the change came from the calendar itself (or was already sent)
    caldav_sync_enqueue(account_id=account_id)
