"""Inbound e-mail: parsing, matching, direction, idempotence, threading, forwards, attachments,
sanitising, part handlers, bad input, and the ingest_email command."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from activities import mail_hooks
from activities.email.inbound import Outcome, email_ingest
from activities.email.inbound_sanitize import sanitize_html
from activities.models import Activity, EmailAttachment, EmailMessage, EmailSettings
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories_mailin import make_mail

pytestmark = pytest.mark.django_db

DROP = EmailMessage.Source.DROPBOX


@pytest.fixture
def world(tenant: Any, member: Any) -> dict[str, Any]:
    rep = member(tenant, Role.FIELD_SALES_REP, user__email="rep@durand.example")
    other = member(tenant, Role.FIELD_SALES_REP, user__email="paul@durand.example")
    with tenant_scope(tenant):
        account = AccountFactory(owner=other.user, legal_name="Client SA")
        alice = ContactFactory(account=account, email="Alice@Client.example", last_name="Martin")
        bob = ContactFactory(account=account, email="bob@client.example", last_name="Bernard")
        EmailSettings.objects.create(dropbox_address="crm@durand.example", max_attachment_bytes=1000)
    return {"tenant": tenant, "rep": rep, "other": other, "account": account, "alice": alice, "bob": bob}


def ingest(tenant: Any, raw: bytes, **kwargs: Any) -> Any:
    with tenant_scope(tenant):
        return email_ingest(raw=raw, source=kwargs.pop("source", DROP), **kwargs)


def test_a_contacts_mail_is_logged_on_its_timeline(world: dict[str, Any]) -> None:
    raw = make_mail(to="crm@durand.example", cc="bob@client.example, stranger@else.example")
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.LOGGED
    with tenant_scope(world["tenant"]):
        message = EmailMessage.objects.get()
        assert message.status == EmailMessage.Status.LOGGED
        assert message.direction == EmailMessage.Direction.INBOUND
        assert message.from_address == "alice@client.example"
        activity = Activity.objects.select_related("type").get()
        assert message.activity_id == activity.pk
        assert activity.type.code == "email"
        assert set(activity.contacts.values_list("pk", flat=True)) == {world["alice"].pk, world["bob"].pk}
        assert activity.account_id == world["account"].pk
        assert (
            activity.owner_id == world["other"].user_id
        )  # nobody of the company sent it: the contact's owner
        assert activity.starts_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
        assert activity.subject == "Votre devis"
        assert "voici notre demande" in activity.description
    assert "Martin" in result.describe()


def test_the_bcc_of_a_reps_mail_is_an_outbound_email_owned_by_the_rep(world: dict[str, Any]) -> None:
    raw = make_mail(sender="Rep <REP@durand.example>", to="alice@client.example")
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.LOGGED
    with tenant_scope(world["tenant"]):
        message = EmailMessage.objects.get()
        assert message.direction == EmailMessage.Direction.OUTBOUND
        assert message.sent_by_id == world["rep"].user_id
        assert message.activity.owner_id == world["rep"].user_id
        assert list(message.activity.contacts.values_list("pk", flat=True)) == [world["alice"].pk]


def test_no_known_contact_goes_to_review_and_names_the_addresses(world: dict[str, Any]) -> None:
    raw = make_mail(
        sender="x@unknown.example", to="crm@durand.example, paul@durand.example", cc="y@unknown.example"
    )
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.REVIEW
    with tenant_scope(world["tenant"]):
        message = EmailMessage.objects.get()
        assert message.status == EmailMessage.Status.REVIEW
        assert message.activity_id is None
        # The company's own users and the dropbox are never candidates.
        assert message.review_reason == "aucun contact connu parmi x@unknown.example, y@unknown.example"
        assert not Activity.objects.exists()


def test_a_contact_with_a_members_address_is_not_matched(world: dict[str, Any]) -> None:
    with tenant_scope(world["tenant"]):
        ContactFactory(account=world["account"], email="rep@durand.example")
    result = ingest(world["tenant"], make_mail(sender="rep@durand.example", to="crm@durand.example"))
    assert result.outcome == Outcome.REVIEW


def test_a_second_delivery_changes_nothing(world: dict[str, Any]) -> None:
    raw = make_mail(message_id="<once@client.example>")
    assert ingest(world["tenant"], raw).outcome == Outcome.LOGGED
    again = ingest(world["tenant"], make_mail(message_id="<once@client.example>", subject="Autre"))
    assert again.outcome == Outcome.DUPLICATE
    with tenant_scope(world["tenant"]):
        assert EmailMessage.objects.count() == 1
        assert Activity.objects.count() == 1
        assert EmailMessage.objects.get().subject == "Votre devis"


def test_the_same_message_id_in_another_tenant_is_another_message(
    world: dict[str, Any], other_tenant: Any
) -> None:
    raw = make_mail(message_id="<shared@client.example>")
    assert ingest(world["tenant"], raw).outcome == Outcome.LOGGED
    assert ingest(other_tenant, raw).outcome == Outcome.REVIEW


def test_a_message_without_message_id_gets_a_stable_one(world: dict[str, Any]) -> None:
    raw = make_mail(message_id=None)
    first = ingest(world["tenant"], raw)
    assert first.outcome == Outcome.LOGGED
    assert first.message.message_id.startswith("<")
    assert "@sans-message-id.crm>" in first.message.message_id
    assert ingest(world["tenant"], raw).outcome == Outcome.DUPLICATE


def test_threading_by_references_then_in_reply_to(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    ingest(tenant, make_mail(message_id="<first@client.example>"))
    reply = ingest(tenant, make_mail(message_id="<second@x>", in_reply_to="<first@client.example>"))
    third = ingest(tenant, make_mail(message_id="<third@x>", in_reply_to="<second@x>"))
    listed = ingest(
        tenant, make_mail(message_id="<fourth@x>", references="<root@x> <second@x>", in_reply_to="<second@x>")
    )
    unknown = ingest(tenant, make_mail(message_id="<fifth@x>", in_reply_to="<never-seen@x>"))
    assert reply.message.thread_key == "<first@client.example>"
    assert third.message.thread_key == "<first@client.example>"
    assert listed.message.thread_key == "<root@x>"
    assert listed.message.references == ["<root@x>", "<second@x>"]
    assert unknown.message.thread_key == "<fifth@x>"


def test_a_forwarded_message_is_matched_on_its_own_headers(world: dict[str, Any]) -> None:
    original = make_mail(sender="Alice <alice@client.example>", to="rep@durand.example", subject="Besoin")
    raw = make_mail(
        sender="rep@durand.example",
        to="crm@durand.example",
        subject="TR: Besoin",
        text="Pour info",
        forwarded=original,
    )
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.LOGGED
    with tenant_scope(world["tenant"]):
        message = EmailMessage.objects.get()
        assert message.direction == EmailMessage.Direction.INBOUND  # the customer wrote it
        assert message.sent_by_id == world["rep"].user_id
        activity = message.activity
        assert activity.owner_id == world["rep"].user_id  # the member who forwarded it
        assert list(activity.contacts.values_list("pk", flat=True)) == [world["alice"].pk]
        assert "Pour info" in activity.description
        assert "voici notre demande" in activity.description
        attachment = EmailAttachment.objects.get()
        assert attachment.content_type == "message/rfc822"
        assert attachment.filename == "Besoin.eml"


def test_a_forward_pasted_in_the_text_is_matched_best_effort(world: dict[str, Any]) -> None:
    text = (
        "Regarde ça\n\n---------- Message transféré ---------\n"
        "De : Bob Bernard <bob@client.example>\nDate : 19 nov. 2026\nObjet : Prix\nÀ : rep@durand.example\n\n"
        "Votre prix ?"
    )
    raw = make_mail(sender="rep@durand.example", to="crm@durand.example", subject="TR: Prix", text=text)
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.LOGGED
    assert [contact.pk for contact in result.contacts] == [world["bob"].pk]


def test_a_forward_by_a_stranger_is_not_trusted(world: dict[str, Any]) -> None:
    text = "---------- Forwarded message ---------\nFrom: alice@client.example\n\nhello"
    raw = make_mail(sender="spam@bad.example", to="crm@durand.example", text=text)
    assert ingest(world["tenant"], raw).outcome == Outcome.REVIEW


def test_attachments_are_kept_up_to_the_limit_and_listed_beyond(world: dict[str, Any]) -> None:
    raw = make_mail(
        attachments=[
            ("petit.pdf", "application/pdf", b"%PDF-" + b"a" * 100),
            ("gros.bin", "application/zip", b"z" * 5000),
        ]
    )
    ingest(world["tenant"], raw)
    with tenant_scope(world["tenant"]):
        small, large = EmailAttachment.objects.order_by("pk")
        assert (small.filename, small.size, small.skipped_reason) == ("petit.pdf", 105, "")
        assert bytes(small.content) == b"%PDF-" + b"a" * 100
        assert large.content is None
        assert large.size == 5000
        assert (
            large.skipped_reason
            == "trop volumineuse (4,9\xa0Kio, la limite est de 1000\xa0octets par pièce jointe)"
        )


def test_html_is_sanitised_before_it_is_stored(world: dict[str, Any]) -> None:
    html = (
        '<p onclick="steal()">Bonjour <b>Anne</b><script>alert(1)</script>'
        '<img src="x" onerror="alert(2)"><img src="https://tracker.example/p.gif">'
        '<a href="javascript:alert(3)">piège</a><a href="https://ok.example/">lien</a>'
        '<iframe src="https://evil.example"></iframe><style>p{}</style>'
        '<form action="https://evil.example"><input name="pw"></form></p>'
    )
    result = ingest(world["tenant"], make_mail(html=html))
    stored = result.message.body_html
    for forbidden in (
        "script",
        "alert",
        "onerror",
        "onclick",
        "javascript:",
        "iframe",
        "tracker",
        "<form",
        "<style",
        "<input",
    ):
        assert forbidden not in stored, forbidden
    assert "<b>Anne</b>" in stored
    assert 'href="https://ok.example/"' in stored
    assert 'rel="noopener noreferrer nofollow"' in stored
    assert sanitize_html('<img src="data:image/png;base64,AAAA">') == '<img src="data:image/png;base64,AAAA">'
    assert sanitize_html('<img src="cid:logo">') == "<img>"


def test_an_html_only_message_gets_a_text_description(world: dict[str, Any]) -> None:
    from email.message import EmailMessage as Mime

    mime = Mime()
    mime["From"] = "alice@client.example"
    mime["To"] = "crm@durand.example"
    mime["Subject"] = "HTML"
    mime.set_content("<p>Bonjour&nbsp;Anne</p><p>Ligne 2</p>", subtype="html")
    result = ingest(world["tenant"], mime.as_bytes())
    assert result.message.body_text == "Bonjour Anne\nLigne 2"


def test_absurd_dates_are_clamped(world: dict[str, Any]) -> None:
    future = ingest(world["tenant"], make_mail(date=datetime(2099, 1, 1, tzinfo=UTC)))
    past = ingest(world["tenant"], make_mail(date=datetime(1970, 1, 2, tzinfo=UTC)))
    broken = ingest(
        world["tenant"], make_mail(extra_headers={"X-Nothing": "1"}).replace(b"Date: ", b"Date: lundi ")
    )
    for result in (future, past, broken):
        assert result.outcome == Outcome.LOGGED
        assert result.message.sent_at.year == datetime.now(tz=UTC).year


def test_part_handlers_run_after_storing_and_their_failure_is_recorded(world: dict[str, Any]) -> None:
    seen: list[tuple[int, bytes, Any]] = []

    def calendar(message: Any, content: bytes, user: Any) -> str:
        seen.append((message.pk, content, user))
        return "Invitation lue"

    def broken(message: Any, content: bytes, user: Any) -> str:
        Activity.objects.all().delete()  # undone: a handler's writes are rolled back with it
        raise RuntimeError("fichier illisible")

    saved = dict(mail_hooks._handlers)
    mail_hooks.register_attachment_handler("text/calendar", calendar)
    mail_hooks.register_attachment_handler("application/x-broken", broken)
    try:
        raw = make_mail(
            sender="rep@durand.example",
            to="alice@client.example",
            attachments=[
                ("invite.ics", "text/calendar", b"BEGIN:VCALENDAR"),
                ("x.bin", "application/x-broken", b"x"),
            ],
        )
        result = ingest(world["tenant"], raw)
    finally:
        mail_hooks._handlers.clear()
        mail_hooks._handlers.update(saved)
    assert result.outcome == Outcome.LOGGED
    assert result.notes == ["Invitation lue"]
    assert seen == [(result.message.pk, b"BEGIN:VCALENDAR", seen[0][2])]
    assert seen[0][2].pk == world["rep"].user_id
    with tenant_scope(world["tenant"]):
        message = EmailMessage.objects.get()
        assert "application/x-broken" in message.error
        assert "fichier illisible" in message.error
        assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    "raw", [b"", b"\x00\x01\x02 garbage without headers", b"Subject: no address at all\r\n\r\nbody"]
)
def test_unreadable_input_is_rejected_and_nothing_is_written(world: dict[str, Any], raw: bytes) -> None:
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.REJECTED
    assert result.reason
    with tenant_scope(world["tenant"]):
        assert not EmailMessage.objects.exists()


def test_broken_mime_is_stored_safely(world: dict[str, Any]) -> None:
    raw = (
        b"From: alice@client.example\r\nTo: crm@durand.example\r\nSubject: =?utf-8?q?cass=C3=A9?=\r\n"
        b'Message-ID: <broken@x>\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n'
        b"--nope\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\x00\r\n"
        b'--nope\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBE"
    )
    result = ingest(world["tenant"], raw)
    assert result.outcome == Outcome.LOGGED
    assert result.message.subject == "cassé"
    assert "\x00" not in result.message.body_text


def test_command_from_a_file(world: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "message.eml"
    path.write_bytes(make_mail())
    out = io.StringIO()
    call_command("ingest_email", "--tenant", "durand", str(path), stdout=out)
    assert "Enregistré sur les contacts : " in out.getvalue()
    assert "Martin" in out.getvalue()
    with tenant_scope(world["tenant"]):
        assert EmailMessage.objects.get().source == EmailMessage.Source.FILE


def test_command_from_stdin(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    raw = make_mail(sender="x@unknown.example", to="crm@durand.example")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("ingest_email", "--tenant", "durand", "-", stdout=out)
    assert "Envoyé dans la file à revoir : aucun contact connu parmi x@unknown.example." in out.getvalue()


def test_command_rejection_fails(world: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "bad.eml"
    path.write_bytes(b"not an e-mail")
    with pytest.raises(CommandError, match="Rejeté : ce n’est pas un e-mail lisible"):  # noqa: RUF001
        call_command("ingest_email", "--tenant", "durand", str(path))
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("ingest_email", "--tenant", "durand", str(tmp_path / "missing.eml"))
    with tenant_scope(world["tenant"]):
        assert not EmailMessage.objects.exists()


def test_command_exit_status_is_non_zero_on_rejection(world: dict[str, Any], tmp_path: Path) -> None:
    from django.core.management import ManagementUtility

    path = tmp_path / "bad.eml"
    path.write_bytes(b"not an e-mail")
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "ingest_email", "--tenant", "durand", str(path)]).execute()
    assert exit_info.value.code == 1
