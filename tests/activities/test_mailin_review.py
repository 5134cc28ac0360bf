"""The review queue, the message page, attachment downloads and the mailbox status page: who may see
and act, what the actions do, safe rendering, and query counts that do not grow with rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from activities.email.inbound import Outcome, email_ingest
from activities.models import Activity, EmailAttachment, EmailMessage, EmailSettings
from crm import secretbox
from crm.roles import Role
from crm.tenancy import tenant_scope
from integrations.models import Mailbox, SyncLogEntry
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories_mailin import make_mail

pytestmark = pytest.mark.django_db


def url(tenant: Any, name: str, *args: Any) -> str:
    return f"/t/{tenant.slug}" + reverse(name, urlconf="crm.tenant_urls", args=args)


def login(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def world(tenant: Any, member: Any) -> dict[str, Any]:
    admin = member(tenant, Role.TENANT_ADMIN, user__email="admin@durand.example")
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, user__email="rep@durand.example", manager=manager)
    outsider = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user, legal_name="Client SA")
        alice = ContactFactory(account=account, email="alice@client.example", last_name="Martin")
        EmailSettings.objects.create(dropbox_address="crm@durand.example")
        review = email_ingest(
            raw=make_mail(
                sender="rep@durand.example",
                to="nouveau@prospect.example",
                subject="Premier contact",
                html='<p>Bonjour</p><script>alert("x")</script><a href="javascript:alert(1)">lien</a>',
                attachments=[
                    ("devis.pdf", "application/pdf", b"%PDF-1.4 devis"),
                    ("page.html", "text/html", b"<script>x</script>"),
                ],
            ),
            source=EmailMessage.Source.DROPBOX,
        )
        logged = email_ingest(raw=make_mail(subject="Question"), source=EmailMessage.Source.DROPBOX)
    assert review.outcome == Outcome.REVIEW
    assert logged.outcome == Outcome.LOGGED
    return {
        "tenant": tenant, "admin": admin, "manager": manager, "rep": rep, "outsider": outsider,
        "alice": alice, "review": review.message, "logged": logged.message,
    }  # fmt: skip


def test_reviewers_and_the_sender_see_the_queue(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    for who in ("admin", "manager", "rep"):
        response = login(world[who]).get(url(tenant, "email_review:review_list"))
        assert response.status_code == 200
        assert "Premier contact" in response.content.decode(), who
    response = login(world["outsider"]).get(url(tenant, "email_review:review_list"))
    assert response.status_code == 200
    assert "Premier contact" not in response.content.decode()


def test_the_queue_does_not_grow_in_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    tenant = world["tenant"]
    client = login(world["admin"])
    client.get(url(tenant, "email_review:review_list"))
    with tenant_scope(tenant):
        for number in range(15):
            email_ingest(
                raw=make_mail(sender=f"x{number}@else.example", to="crm@durand.example"), source="dropbox"
            )
    with django_assert_max_num_queries(13):
        response = client.get(url(tenant, "email_review:review_list"))
    assert response.content.decode().count("x1") >= 1


def test_the_message_page_shows_sanitised_html_and_attachments(world: dict[str, Any]) -> None:
    tenant, message = world["tenant"], world["review"]
    response = login(world["admin"]).get(url(tenant, "email_review:message_detail", message.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<p>Bonjour</p>" in body
    assert 'alert("x")' not in body
    assert "javascript:alert" not in body
    assert "devis.pdf" in body
    assert "nouveau@prospect.example" in body
    assert "Premier contact" in body


def test_who_may_open_a_message(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    review_url = url(tenant, "email_review:message_detail", world["review"].pk)
    logged_url = url(tenant, "email_review:message_detail", world["logged"].pk)
    assert login(world["outsider"]).get(review_url).status_code == 404
    assert login(world["rep"]).get(review_url).status_code == 200  # it came from them
    assert login(world["rep"]).get(logged_url).status_code == 200  # its activity is on their account
    assert login(world["outsider"]).get(logged_url).status_code == 404


def test_attachment_download_is_an_attachment_never_rendered(world: dict[str, Any]) -> None:
    tenant, message = world["tenant"], world["review"]
    with tenant_scope(tenant):
        pdf = EmailAttachment.objects.get(filename="devis.pdf")
        page = EmailAttachment.objects.get(filename="page.html")
    client = login(world["admin"])
    response = client.get(url(tenant, "email_review:attachment_download", message.pk, pdf.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="devis.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.4 devis"
    html = client.get(url(tenant, "email_review:attachment_download", message.pk, page.pk))
    assert html["Content-Type"] == "application/octet-stream"
    assert "sandbox" in html["Content-Security-Policy"]
    # Another message's id with this attachment: not found.
    assert (
        client.get(url(tenant, "email_review:attachment_download", world["logged"].pk, pdf.pk)).status_code
        == 404
    )
    assert (
        login(world["outsider"])
        .get(url(tenant, "email_review:attachment_download", message.pk, pdf.pk))
        .status_code
        == 404
    )


def test_attach_to_a_contact_logs_it(world: dict[str, Any]) -> None:
    tenant, message, alice = world["tenant"], world["review"], world["alice"]
    client = login(world["manager"])
    page = client.get(url(tenant, "email_review:message_detail", message.pk), {"q": "Martin"})
    assert "alice@client.example" in page.content.decode()
    response = client.post(url(tenant, "email_review:review_attach", message.pk), {"contact": alice.pk})
    assert response.status_code == 302
    with tenant_scope(tenant):
        message.refresh_from_db()
        assert message.status == EmailMessage.Status.LOGGED
        assert message.review_reason == ""
        activity = Activity.objects.get(pk=message.activity_id)
        assert list(activity.contacts.values_list("pk", flat=True)) == [alice.pk]
        assert activity.owner_id == world["rep"].user_id  # the member it came from
    again = client.post(
        url(tenant, "email_review:review_attach", message.pk), {"contact": alice.pk}, follow=True
    )
    assert again.status_code == 403  # no longer in the queue: nothing left to review


def test_attach_refuses_an_invisible_or_foreign_contact(world: dict[str, Any], other_tenant: Any) -> None:
    tenant, message = world["tenant"], world["review"]
    with tenant_scope(other_tenant):
        foreign = ContactFactory(email="z@other.example")
    response = login(world["admin"]).post(
        url(tenant, "email_review:review_attach", message.pk), {"contact": foreign.pk}, follow=True
    )
    assert "Choisissez un des contacts que vous voyez." in response.content.decode()
    with tenant_scope(tenant):
        message.refresh_from_db()
        assert message.status == EmailMessage.Status.REVIEW
        assert message.activity_id is None


def test_discard_and_who_may_act(world: dict[str, Any]) -> None:
    tenant, message = world["tenant"], world["review"]
    discard = url(tenant, "email_review:review_discard", message.pk)
    assert login(world["outsider"]).post(discard).status_code == 404
    assert login(world["rep"]).get(discard).status_code == 405
    assert login(world["rep"]).post(discard).status_code == 302
    with tenant_scope(tenant):
        message.refresh_from_db()
        assert message.status == EmailMessage.Status.DISCARDED
    # A logged message is not the queue's: visible, but no review action.
    logged_discard = url(tenant, "email_review:review_discard", world["logged"].pk)
    assert login(world["admin"]).post(logged_discard).status_code == 403


def test_thread_is_shown_on_the_message_page(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    with tenant_scope(tenant):
        reply = email_ingest(
            raw=make_mail(subject="Re: Question", in_reply_to=world["logged"].message_id), source="dropbox"
        ).message
    body = login(world["admin"]).get(url(tenant, "email_review:message_detail", reply.pk)).content.decode()
    assert "Re: Question" in body
    assert url(tenant, "email_review:message_detail", world["logged"].pk) in body


def test_mailbox_status_page_is_for_the_company_admin(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    with tenant_scope(tenant):
        mailbox = Mailbox.objects.create(
            name="Boîte", address="crm@durand.example", host="imap.example", username="u",
            password_encrypted=secretbox.encrypt("p"), last_error="Le serveur a refusé le mot de passe.",
            consecutive_failures=2, messages_imported=7,
        )  # fmt: skip
        SyncLogEntry.objects.create(
            kind="mailbox",
            object_id=mailbox.pk,
            direction="mail",
            action="rejected",
            detail="Message UID 4 rejeté",
        )
    status_url = url(tenant, "integrations:mailbox_status")
    assert login(world["manager"]).get(status_url).status_code == 403
    body = login(world["admin"]).get(status_url).content.decode()
    assert "crm@durand.example" in body
    assert "Le serveur a refusé le mot de passe." in body
    assert "Message UID 4 rejeté" in body
    poll_url = url(tenant, "integrations:mailbox_poll_now", mailbox.pk)
    assert login(world["manager"]).post(poll_url).status_code == 403
    assert login(world["admin"]).post(poll_url).status_code == 302
    with tenant_scope(tenant):
        mailbox.refresh_from_db()
        assert mailbox.next_attempt_at is not None


def test_mailbox_admin_password_is_write_only(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    client = login(world["admin"])
    add_url = url(tenant, "admin:integrations_mailbox_add")
    data = {
        "name": "Boîte", "address": "crm@durand.example", "host": "imap.example", "port": 993,
        "use_ssl": "on", "username": "u", "folder": "INBOX", "is_active": "on", "password": "s3cret-pw",
    }  # fmt: skip
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(tenant):
        mailbox = Mailbox.objects.get()
        assert secretbox.decrypt(mailbox.password_encrypted) == "s3cret-pw"
    change = client.get(url(tenant, "admin:integrations_mailbox_change", mailbox.pk)).content.decode()
    assert "s3cret-pw" not in change
    assert mailbox.password_encrypted not in change
    client.post(
        url(tenant, "admin:integrations_mailbox_change", mailbox.pk), {**data, "password": "", "name": "B2"}
    )
    with tenant_scope(tenant):
        mailbox.refresh_from_db()
        assert mailbox.name == "B2"
        assert secretbox.decrypt(mailbox.password_encrypted) == "s3cret-pw"


def test_roles_without_activities_have_no_email_pages(world: dict[str, Any], member: Any) -> None:
    tenant = world["tenant"]
    finance = login(member(tenant, Role.FINANCE))
    assert finance.get(url(tenant, "email_review:review_list")).status_code == 403
    assert finance.get(url(tenant, "email_review:message_detail", world["review"].pk)).status_code == 403


def test_navigation_links(world: dict[str, Any]) -> None:
    tenant = world["tenant"]
    queue, status = url(tenant, "email_review:review_list"), url(tenant, "integrations:mailbox_status")
    admin_home = login(world["admin"]).get(f"/t/{tenant.slug}/").content.decode()
    rep_home = login(world["rep"]).get(f"/t/{tenant.slug}/").content.decode()
    assert queue in admin_home
    assert status in admin_home
    assert queue in rep_home
    assert status not in rep_home


def test_message_page_queries_do_not_grow(world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    tenant = world["tenant"]
    client = login(world["admin"])
    first = url(tenant, "email_review:message_detail", world["logged"].pk)
    client.get(first)
    with tenant_scope(tenant):
        for number in range(10):
            email_ingest(
                raw=make_mail(
                    subject=f"Re {number}",
                    in_reply_to=world["logged"].message_id,
                    attachments=[(f"f{number}.pdf", "application/pdf", b"%PDF")],
                ),
                source="dropbox",
            )
    with django_assert_max_num_queries(16):
        response = client.get(first)
    assert "Re 9" in response.content.decode()


def test_mailbox_status_queries_do_not_grow(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    tenant = world["tenant"]
    client = login(world["admin"])
    status_url = url(tenant, "integrations:mailbox_status")
    with tenant_scope(tenant):
        for number in range(5):
            mailbox = Mailbox.objects.create(
                name=f"B{number}", address=f"b{number}@durand.example", host="h", username="u"
            )
            for line in range(12):
                SyncLogEntry.objects.create(
                    kind="mailbox",
                    object_id=mailbox.pk,
                    direction="mail",
                    action="created",
                    detail=f"l{line}",
                )
    with django_assert_max_num_queries(15):
        response = client.get(status_url)
    body = response.content.decode()
    assert "b4@durand.example" in body
    # The ten latest lines of every mailbox, the oldest mailbox's too.
    assert len(re.findall(r"\bl11\b", body)) == 5
    assert len(re.findall(r"\bl2\b", body)) == 5
    assert not re.findall(r"\bl[01]\b", body)
