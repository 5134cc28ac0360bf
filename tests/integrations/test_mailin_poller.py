"""The dropbox poller against a real IMAP server (Dovecot, tests/integrations/imap_server.py): imports
once, matches contacts, reviews the rest, rejects broken input with a logged reason without stopping,
and turns server failures into a readable last error with exponential backoff, never an exception."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from activities.models import Activity, EmailAttachment, EmailMessage, EmailSettings
from crm import secretbox
from crm.roles import Role
from crm.tenancy import tenant_scope
from integrations.mail import poller
from integrations.models import Mailbox, SyncLogEntry
from integrations.tasks import mailbox_poll_task, mailbox_sweep
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories_mailin import make_mail
from tests.integrations.imap_server import ImapServer, _free_port, imap_server

__all__ = ["imap_server"]  # the fixture, used by name

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant: Any, member: Any) -> dict[str, Any]:
    rep = member(tenant, Role.FIELD_SALES_REP, user__email="rep@durand.example")
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user, legal_name="Client SA")
        alice = ContactFactory(account=account, email="alice@client.example")
        EmailSettings.objects.create(dropbox_address="crm@durand.example")
    return {"tenant": tenant, "rep": rep, "alice": alice}


def make_mailbox(tenant: Any, server: Any = None, **overrides: Any) -> Mailbox:
    values: dict[str, Any] = {
        "name": "Dropbox",
        "address": "crm@durand.example",
        "host": "127.0.0.1",
        "port": server.port if server else _free_port(),
        "use_ssl": False,
        "username": server.user if server else "dropbox",
        "password_encrypted": secretbox.encrypt(server.password if server else "x"),
    }
    values.update(overrides)
    with tenant_scope(tenant):
        return Mailbox.objects.create(**values)


def poll(tenant: Any, mailbox: Mailbox) -> dict[str, Any]:
    """The Celery task itself, run in this process: it must return, whatever happens."""
    return mailbox_poll_task(tenant_id=tenant.pk, mailbox_id=mailbox.pk)  # type: ignore[no-any-return]


def fresh(tenant: Any, mailbox: Mailbox) -> Mailbox:
    with tenant_scope(tenant):
        return Mailbox.objects.get(pk=mailbox.pk)


def log_lines(tenant: Any, mailbox: Mailbox) -> list[SyncLogEntry]:
    with tenant_scope(tenant):
        return list(SyncLogEntry.objects.filter(kind="mailbox", object_id=mailbox.pk).order_by("at", "id"))


def test_new_messages_are_imported_once(world: dict[str, Any], imap_server: ImapServer) -> None:
    tenant = world["tenant"]
    imap_server.append(make_mail(subject="Demande de prix"))
    imap_server.append(make_mail(sender="inconnu@ailleurs.example", to="crm@durand.example", subject="Qui ?"))
    mailbox = make_mailbox(tenant, imap_server)

    result = poll(tenant, mailbox)
    assert result == {"ran": True, "imported": 2, "rejected": 0, "error": ""}
    with tenant_scope(tenant):
        logged = EmailMessage.objects.get(subject="Demande de prix")
        assert logged.status == EmailMessage.Status.LOGGED
        assert logged.source == EmailMessage.Source.DROPBOX
        on_timeline = Activity.objects.filter(contacts=world["alice"])
        assert list(on_timeline.values_list("pk", flat=True)) == [logged.activity_id]
        review = EmailMessage.objects.get(subject="Qui ?")
        assert review.status == EmailMessage.Status.REVIEW
    state = fresh(tenant, mailbox)
    assert state.messages_imported == 2
    assert state.messages_rejected == 0
    assert state.last_uid == 2
    assert state.uid_validity
    assert state.last_success_at is not None
    assert state.last_error == ""
    assert state.consecutive_failures == 0
    assert [entry.action for entry in log_lines(tenant, mailbox)] == ["created", "created"]

    # Due again: a second poll finds nothing new and imports nothing.
    with tenant_scope(tenant):
        Mailbox.objects.filter(pk=mailbox.pk).update(next_attempt_at=timezone.now())
    assert poll(tenant, mailbox) == {"ran": True, "imported": 0, "rejected": 0, "error": ""}
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 2
    assert fresh(tenant, mailbox).messages_imported == 2

    # A message arriving later is the only one read.
    imap_server.append(make_mail(subject="Relance"))
    with tenant_scope(tenant):
        Mailbox.objects.filter(pk=mailbox.pk).update(next_attempt_at=timezone.now())
    assert poll(tenant, mailbox)["imported"] == 1
    assert fresh(tenant, mailbox).last_uid == 3


def test_a_mailbox_not_due_is_left_alone(world: dict[str, Any], imap_server: ImapServer) -> None:
    tenant = world["tenant"]
    imap_server.append(make_mail())
    mailbox = make_mailbox(tenant, imap_server, next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert poll(tenant, mailbox)["ran"] is False
    with tenant_scope(tenant):
        assert not EmailMessage.objects.exists()
        assert mailbox_sweep(tenant_id=tenant.pk) == []
        Mailbox.objects.filter(pk=mailbox.pk).update(next_attempt_at=None)
        assert poller.due_mailboxes(timezone.now()) == [mailbox.pk]


def test_bad_messages_are_stored_safely_or_rejected_without_stopping_the_others(
    world: dict[str, Any], imap_server: ImapServer
) -> None:
    tenant = world["tenant"]
    imap_server.append(b"\x00\x01garbage that is not an e-mail at all\r\n")
    imap_server.append(
        b"From: alice@client.example\r\nTo: crm@durand.example\r\nSubject: MIME cass\xc3\xa9\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=bogus\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n%%%not base64\r\n--b\r\nContent-Type: image/png\r\n\r\n"
    )
    huge = b"\x89PNG" + bytes(range(256)) * (30 * 1024 * 1024 // 256)
    imap_server.append(make_mail(subject="Gros fichier", attachments=[("plan.png", "image/png", huge)]))
    imap_server.append(
        make_mail(
            subject="Piège",
            html=(
                '<p>ok</p><script>alert(1)</script><img src=x onerror="alert(2)">'
                '<a href="javascript:x()">y</a>'
            ),
        )
    )
    imap_server.append(make_mail(subject="Normal"))
    mailbox = make_mailbox(tenant, imap_server)

    result = poll(tenant, mailbox)
    assert result["imported"] == 4
    assert result["rejected"] == 1
    assert result["error"] == ""
    with tenant_scope(tenant):
        assert EmailMessage.objects.filter(subject="Normal", status=EmailMessage.Status.LOGGED).exists()
        assert EmailMessage.objects.filter(subject="MIME cassé").exists()
        big = EmailAttachment.objects.get(filename="plan.png")
        assert big.content is None
        assert big.size == len(huge)
        assert "trop volumineuse (30,0\xa0Mio" in big.skipped_reason
        trap = EmailMessage.objects.get(subject="Piège").body_html
        assert "script" not in trap
        assert "onerror" not in trap
        assert "javascript" not in trap
        assert "<p>ok</p>" in trap
    rejected = [entry for entry in log_lines(tenant, mailbox) if entry.action == "rejected"]
    assert len(rejected) == 1
    assert "UID 1" in rejected[0].detail
    assert (
        "ce n’est pas un e-mail lisible" in rejected[0].detail  # noqa: RUF001
    )
    state = fresh(tenant, mailbox)
    assert state.last_uid == 5
    assert state.messages_rejected == 1
    assert state.messages_imported == 4


def test_uidvalidity_change_reads_again_without_duplicates(
    world: dict[str, Any], imap_server: ImapServer
) -> None:
    tenant = world["tenant"]
    imap_server.append(make_mail(subject="Un"))
    mailbox = make_mailbox(tenant, imap_server)
    assert poll(tenant, mailbox)["imported"] == 1
    with tenant_scope(tenant):
        Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=1, last_uid=99, next_attempt_at=None)
    assert poll(tenant, mailbox) == {"ran": True, "imported": 0, "rejected": 0, "error": ""}
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 1
    assert fresh(tenant, mailbox).last_uid == 1


def test_a_wrong_password_is_shown_and_backs_off(world: dict[str, Any], imap_server: ImapServer) -> None:
    tenant = world["tenant"]
    imap_server.append(make_mail())
    mailbox = make_mailbox(tenant, imap_server, password_encrypted=secretbox.encrypt("wrong"))
    before = timezone.now()
    result = poll(tenant, mailbox)
    assert result["ran"] is True
    assert result["imported"] == 0
    state = fresh(tenant, mailbox)
    assert state.last_error == "Le serveur a refusé l’identifiant ou le mot de passe."  # noqa: RUF001
    assert state.consecutive_failures == 1
    assert state.next_attempt_at is not None
    assert before + timedelta(minutes=2) <= state.next_attempt_at <= timezone.now() + timedelta(minutes=2)
    assert state.last_success_at is None
    # Retried once due: the second failure waits 4 minutes.
    with tenant_scope(tenant):
        Mailbox.objects.filter(pk=mailbox.pk).update(next_attempt_at=timezone.now())
    poll(tenant, mailbox)
    state = fresh(tenant, mailbox)
    assert state.consecutive_failures == 2
    assert state.next_attempt_at is not None
    assert state.next_attempt_at >= timezone.now() + timedelta(minutes=3)
    assert [entry.action for entry in log_lines(tenant, mailbox)] == ["error", "error"]
    with tenant_scope(tenant):
        assert not EmailMessage.objects.exists()


def test_a_server_down_is_shown_and_backs_off(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    port = _free_port()  # nobody listens there
    mailbox = make_mailbox(tenant, None, port=port, consecutive_failures=6)
    result = poll(tenant, mailbox)
    assert result["ran"] is True
    state = fresh(tenant, mailbox)
    assert state.last_error.startswith(f"Impossible de se connecter à 127.0.0.1:{port}")
    assert state.consecutive_failures == 7
    # 2^7 minutes is capped at an hour.
    assert state.next_attempt_at is not None
    assert (
        timezone.now() + timedelta(minutes=59)
        <= state.next_attempt_at
        <= timezone.now() + timedelta(minutes=61)
    )


def test_an_unreadable_stored_password_is_shown(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    mailbox = make_mailbox(tenant, None, password_encrypted="not-a-fernet-token")
    assert poll(tenant, mailbox)["error"] == gettext(
        "The stored password can no longer be read: enter it again."
    )  # the same sentence as CalDAV's, translated once
    assert fresh(tenant, mailbox).consecutive_failures == 1


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [poller.backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4, 5, 6, 7, 20)] == [
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]
