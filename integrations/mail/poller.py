"""Polling the tenant's dropbox mailbox over IMAP (spec 2.3.1).

One poll: claim the mailbox (a lease on next_attempt_at, so two workers never poll it together), log in
(SSL or not, with a timeout), select the folder, compare UIDVALIDITY (changed: start again from UID 0;
Message-ID idempotence makes the re-reading harmless), list the UIDs above last_uid, read their sizes in
batches, then fetch and store each message in its own transaction together with the new last_uid. A
message that cannot be stored is rejected with its reason in the sync log and counted; it never blocks
the others. A connection or login failure is written for people to read (last_error), counted, and the
next attempt is pushed back 2, 4, 8… minutes (at most an hour). Nothing is ever raised out of a poll.

Run by the tenant task (crm.jobs.tenant_task), the poll lives inside the tenant scope's transaction:
each message's "own transaction" is a savepoint, rolled back alone when that message fails, and the
whole poll commits once at the end (a worker killed midway leaves last_uid and the messages as they
were: the next poll reads the same messages again). The lease update also locks the mailbox's row,
so a second worker polling the same mailbox waits, then finds it no longer due.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.email.inbound import Outcome, email_ingest
from activities.models import EmailMessage
from crm import secretbox
from integrations.models import Mailbox, SyncLogEntry

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
SIZE_BATCH = 100
MAX_MESSAGES_PER_POLL = 500
MAX_MESSAGE_BYTES = 60 * 1024 * 1024
LEASE = timedelta(minutes=15)
POLL_INTERVAL = timedelta(minutes=1)  # the sweep runs every 2 minutes: due again at the next one
BACKOFF_CAP = timedelta(hours=1)


class PollFailed(Exception):
    """The server could not be used; `str(error)` is the translated reason for people."""


@dataclass
class PollResult:
    ran: bool = False
    imported: int = 0
    rejected: int = 0
    duplicates: int = 0
    error: str = ""
    outcomes: list[str] = field(default_factory=list)


def backoff(failures: int) -> timedelta:
    """2, 4, 8, … minutes after 1, 2, 3, … failures in a row, at most an hour."""
    return min(timedelta(minutes=2 ** min(max(failures, 1), 10)), BACKOFF_CAP)


def due_mailboxes(now: datetime) -> list[int]:
    return list(
        Mailbox.objects.filter(is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim(mailbox_id: int, now: datetime, *, force: bool) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    queryset = Mailbox.objects.filter(pk=mailbox_id, is_active=True)
    if not force:
        queryset = queryset.filter(due)
    return queryset.update(next_attempt_at=now + LEASE, last_run_at=now) == 1


def _log(mailbox: Mailbox, action: str, detail: str, activity_id: int | None = None) -> None:
    SyncLogEntry.objects.create(
        kind="mailbox",
        object_id=mailbox.pk,
        direction=SyncLogEntry.Direction.INBOUND_MAIL,
        action=action,
        activity_id=activity_id,
        detail=detail[:2000],
    )


def _check(response: tuple[str, list[object]], what: str) -> list[object]:
    status, data = response
    if status != "OK":
        raise PollFailed(_("The server refused %(what)s.") % {"what": what})
    return data


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    try:
        password = secretbox.decrypt(mailbox.password_encrypted)
    except secretbox.SecretUnreadable:
        raise PollFailed(_("The stored password can no longer be read: enter it again.")) from None
    where = f"{mailbox.host}:{mailbox.port}"
    try:
        client: imaplib.IMAP4
        if mailbox.use_ssl:
            client = imaplib.IMAP4_SSL(
                mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS
            )
        else:
            client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    except ssl.SSLError as error:
        raise PollFailed(
            _("Secure connection to %(where)s failed (%(error)s).") % {"where": where, "error": error.reason}
        ) from None
    except TimeoutError:
        raise PollFailed(_("The server %(where)s did not answer in time.") % {"where": where}) from None
    except socket.gaierror:
        raise PollFailed(_("The server name %(host)s is unknown.") % {"host": mailbox.host}) from None
    except (OSError, imaplib.IMAP4.error) as error:
        raise PollFailed(
            _("Cannot connect to %(where)s (%(error)s).")
            % {"where": where, "error": getattr(error, "strerror", None) or error}
        ) from None
    try:
        client.login(mailbox.username, password)
    except imaplib.IMAP4.error:
        _close(client)
        raise PollFailed(_("The server refused the user name or the password.")) from None
    return client


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error, EOFError):
        client.logout()


def _uid_validity(client: imaplib.IMAP4, folder: str) -> int | None:
    status, _data = client.select(_quoted(folder), readonly=True)
    if status != "OK":
        raise PollFailed(_("The folder %(folder)s cannot be opened.") % {"folder": folder})
    _typ, values = client.response("UIDVALIDITY")
    try:
        return int(values[0]) if values and values[0] else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _new_uids(client: imaplib.IMAP4, after: int) -> list[int]:
    data = _check(client.uid("SEARCH", f"UID {after + 1}:*"), _("the search for new messages"))
    found: list[int] = []
    for chunk in data:
        if isinstance(chunk, bytes):
            found.extend(int(value) for value in chunk.split() if value.isdigit())
    # "n:*" always includes the last message, even when its UID is below n.
    return sorted(uid for uid in set(found) if uid > after)[:MAX_MESSAGES_PER_POLL]


def _sizes(client: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), SIZE_BATCH):
        batch = ",".join(str(uid) for uid in uids[start : start + SIZE_BATCH])
        data = _check(client.uid("FETCH", batch, "(UID RFC822.SIZE)"), _("reading the message sizes"))
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            # b"<seq> (UID n RFC822.SIZE m)": name and value pairs after the sequence number.
            words = line.replace(b"(", b" ").replace(b")", b" ").split()[1:]
            values = dict(zip(words[::2], words[1::2], strict=False))
            if b"UID" in values and b"RFC822.SIZE" in values:
                sizes[int(values[b"UID"])] = int(values[b"RFC822.SIZE"])
    return sizes


def _fetch(client: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _check(client.uid("FETCH", str(uid), "(BODY.PEEK[])"), _("reading a message"))
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _advance(mailbox: Mailbox, uid: int, *, imported: int = 0, rejected: int = 0) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_uid=uid,
        messages_imported=F("messages_imported") + imported,
        messages_rejected=F("messages_rejected") + rejected,
    )


def _reject(mailbox: Mailbox, uid: int, reason: str, result: PollResult) -> None:
    with transaction.atomic():
        _log(
            mailbox,
            SyncLogEntry.Action.REJECTED,
            _("Message UID %(uid)s rejected: %(reason)s") % {"uid": uid, "reason": reason},
        )
        _advance(mailbox, uid, rejected=1)
    result.rejected += 1


def _store_one(mailbox: Mailbox, uid: int, raw: bytes, result: PollResult) -> None:
    with transaction.atomic():
        outcome = email_ingest(raw=raw, source=EmailMessage.Source.DROPBOX, own_addresses=[mailbox.address])
        if outcome.outcome == Outcome.REJECTED:
            transaction.set_rollback(True)
        elif outcome.outcome == Outcome.DUPLICATE:
            _advance(mailbox, uid)
            result.duplicates += 1
            return
        else:
            message = outcome.message
            detail = outcome.describe()
            if message is not None:
                detail = f"{message.subject or message.message_id} — {detail}"
            for note in outcome.notes:
                detail = f"{detail}\n{note}"
            _log(mailbox, SyncLogEntry.Action.CREATED, detail, message.activity_id if message else None)
            _advance(mailbox, uid, imported=1)
            result.imported += 1
            result.outcomes.append(outcome.outcome)
            return
    _reject(mailbox, uid, outcome.reason, result)


def _import(client: imaplib.IMAP4, mailbox: Mailbox, result: PollResult) -> None:
    validity = _uid_validity(client, mailbox.folder)
    if validity != mailbox.uid_validity:
        # A new UID numbering (the folder was recreated): read it all again from the start.
        Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=0)
        if mailbox.uid_validity is not None:
            _log(
                mailbox,
                SyncLogEntry.Action.UPDATED,
                _("The folder's UID numbering changed: reading it again from the start."),
            )
        mailbox.uid_validity, mailbox.last_uid = validity, 0
    uids = _new_uids(client, mailbox.last_uid)
    sizes = _sizes(client, uids) if uids else {}
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > MAX_MESSAGE_BYTES:
            _reject(mailbox, uid, _("the message is too large (%(size)s bytes)") % {"size": size}, result)
            continue
        raw = _fetch(client, uid)
        if raw is None:
            _reject(mailbox, uid, _("the server sent no content"), result)
            continue
        try:
            _store_one(mailbox, uid, raw, result)
        except Exception as error:
            logger.exception("mailbox %s: message UID %s could not be stored", mailbox.pk, uid)
            _reject(mailbox, uid, _("unexpected error (%(error)s)") % {"error": type(error).__name__}, result)


def _finish(mailbox_id: int, *, error: str) -> None:
    now = timezone.now()
    if not error:
        Mailbox.objects.filter(pk=mailbox_id).update(
            last_success_at=now, last_error="", consecutive_failures=0, next_attempt_at=now + POLL_INTERVAL
        )
        return
    failures = (
        Mailbox.objects.filter(pk=mailbox_id).values_list("consecutive_failures", flat=True).first() or 0
    ) + 1
    Mailbox.objects.filter(pk=mailbox_id).update(
        last_error=error,
        last_error_at=now,
        consecutive_failures=failures,
        next_attempt_at=now + backoff(failures),
    )


def mailbox_poll(*, mailbox_id: int, force: bool = False) -> PollResult:
    """One poll of one mailbox of the current tenant (see the module's docstring). Never raises."""
    result = PollResult()
    now = timezone.now()
    try:
        if not _claim(mailbox_id, now, force=force):
            return result  # not due, inactive, gone, or another worker holds it
        result.ran = True
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        client = _connect(mailbox)
        try:
            _import(client, mailbox, result)
        finally:
            _close(client)
    except PollFailed as failure:
        result.error = str(failure)
    except (OSError, EOFError, imaplib.IMAP4.error) as error:
        result.error = _("The connection to the server was lost (%(error)s).") % {"error": error}
    except Exception as error:
        logger.exception("mailbox %s: poll failed", mailbox_id)
        result.error = _("Unexpected error during the poll (%(error)s).") % {"error": type(error).__name__}
    if result.ran:
        try:
            if result.error:
                with transaction.atomic():
                    mailbox_ref = Mailbox(pk=mailbox_id)
                    _log(mailbox_ref, SyncLogEntry.Action.ERROR, result.error)
            _finish(mailbox_id, error=result.error)
        except Exception:
            logger.exception("mailbox %s: the sync state could not be saved", mailbox_id)
    return result


@transaction.atomic
def mailbox_poll_request(*, mailbox: Mailbox) -> None:
    """ "Poll now": due at once, and a poll queued once this is committed."""
    from crm.tenancy import current_tenant
    from integrations.tasks import mailbox_poll_task

    Mailbox.objects.filter(pk=mailbox.pk).update(next_attempt_at=timezone.now())
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: mailbox_poll_task.delay(tenant_id=tenant_id, mailbox_id=mailbox.pk))
