"""E-mail templates: the merge-field renderer (whitelist only, no template execution, HTML escaped),
the defaults (French and English, idempotent), the admin form, the tenant admin pages and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from activities.email.forms import EmailTemplateForm
from activities.email.templates import (
    DEFAULT_TEMPLATES,
    VALID_FIELDS,
    email_templates_ensure,
    merge_fields_check,
    render_text,
    text_to_html,
    unknown_placeholders,
)
from activities.models import EmailMessage, EmailTemplate
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.accounts.test_api import api, key_for
from tests.activities import smtp_server as smtp

pytestmark = pytest.mark.django_db
smtp_server = smtp.smtp_server
smtp_down = smtp.smtp_down


def test_only_whitelisted_placeholders_are_replaced_missing_ones_are_empty() -> None:
    context = {"contact.first_name": "Anne", "account.name": "Client SAS"}

    rendered = render_text(
        "Bonjour {{contact.first_name}} de {{ account.name }}, {{ contact.job_title }}! "
        "{{ settings.SECRET_KEY }} {% load static %} {{ contact.first_name|upper }}",
        context,
    )

    assert rendered == (
        "Bonjour Anne de Client SAS, ! {{ settings.SECRET_KEY }} {% load static %} "
        "{{ contact.first_name|upper }}"
    )


def test_unknown_placeholders_are_refused_with_the_valid_list() -> None:
    assert unknown_placeholders("{{ contact.password }} {{ contact.first_name }} {{ contact.password }}") == [
        "contact.password"
    ]
    with pytest.raises(ValidationError) as refused, translation.override("fr"):
        merge_fields_check(subject="{{ user.email }}", body="{{ contact.first_name }}")

    message = refused.value.message_dict["subject"][0]
    assert message.startswith(
        "Champs de fusion inconnus : {{ user.email }}. Champs de fusion valides : {{ contact.salutation }}, "
    )
    assert "{{ quote.valid_until }}" in message
    assert "body" not in refused.value.message_dict


def test_the_html_part_escapes_every_value() -> None:
    body = render_text(
        "Bonjour {{ contact.last_name }},\n\nMerci.", {"contact.last_name": "<b>O'Neil & Co</b>"}
    )

    assert text_to_html(body) == "<p>Bonjour &lt;b&gt;O&#x27;Neil &amp; Co&lt;/b&gt;,</p>\n\n<p>Merci.</p>"


def test_defaults_are_french_and_english_valid_and_created_once(tenant) -> None:
    with tenant_scope(tenant):
        first = email_templates_ensure()
        EmailTemplate.objects.filter(code="demo-follow-up", language="fr").update(subject="Changé")
        second = email_templates_ensure()
        rows = set(EmailTemplate.objects.values_list("code", "language"))
        changed = EmailTemplate.objects.get(code="demo-follow-up", language="fr").subject

    assert len(first) == len(second) == 6
    assert rows == {
        (code, language)
        for code in ("quote-follow-up", "demo-follow-up", "meeting-confirmation")
        for language in ("fr", "en")
    }
    assert changed == "Changé"
    for default in DEFAULT_TEMPLATES:
        assert unknown_placeholders(default["subject"] + default["body"]) == []
    french = {item["code"]: item for item in DEFAULT_TEMPLATES if item["language"] == "fr"}
    assert french["quote-follow-up"]["name"] == "Relance devis"
    assert "vous" in french["demo-follow-up"]["body"]
    assert french["meeting-confirmation"]["name"] == "Confirmation de rendez-vous"
    assert all(name in VALID_FIELDS for name in ("quote.number", "sender.signature", "account.city"))


def test_the_admin_form_refuses_unknown_fields_and_duplicate_codes(tenant) -> None:
    with tenant_scope(tenant), translation.override("fr"):
        email_templates_ensure()
        unknown = EmailTemplateForm(
            data={"code": "x", "language": "fr", "name": "X", "purpose": "transactional",
                  "subject": "Hello {{ contact.nickname }}", "body": "Body", "is_active": "on"}
        )  # fmt: skip
        duplicate = EmailTemplateForm(
            data={"code": "quote-follow-up", "language": "fr", "name": "X", "purpose": "transactional",
                  "subject": "Hello", "body": "Body", "is_active": "on"}
        )  # fmt: skip
        good = EmailTemplateForm(
            data={"code": "quote-follow-up", "language": "fr", "name": "X", "purpose": "transactional",
                  "subject": "Hello", "body": "Body", "is_active": "on"},
            instance=EmailTemplate.objects.get(code="quote-follow-up", language="fr"),
        )  # fmt: skip

        assert unknown.errors["subject"][0].startswith("Champs de fusion inconnus : {{ contact.nickname }}.")
        assert duplicate.errors["code"] == ["Un modèle avec ce code existe déjà dans cette langue."]
        assert good.is_valid(), good.errors


def test_tenant_admin_edits_settings_and_templates(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin.user)

    settings_page = client.post(
        "/t/durand/admin/activities/emailsettings/add/",
        {"sender_name": "Durand", "sender_address": "ventes@durand.example", "reply_to": "",
         "signature": "Sig", "dropbox_address": "", "max_attachment_bytes": "1000"},
    )  # fmt: skip
    refused = client.post(
        "/t/durand/admin/activities/emailtemplate/add/",
        {"code": "bad", "language": "fr", "name": "Bad", "purpose": "marketing", "subject": "{{ x.y }}",
         "body": "Body", "is_active": "on"},
    )  # fmt: skip
    added = client.post(
        "/t/durand/admin/activities/emailtemplate/add/",
        {"code": "good", "language": "fr", "name": "Good", "purpose": "marketing",
         "subject": "{{ contact.first_name }}", "body": "Body", "is_active": "on"},
    )  # fmt: skip

    assert settings_page.status_code == 302
    assert refused.status_code == 200
    assert "Unknown merge fields: {{ x.y }}." in refused.content.decode()
    assert added.status_code == 302
    with tenant_scope(tenant):
        assert list(EmailTemplate.objects.values_list("code", "purpose")) == [("good", "marketing")]
        assert client.get("/t/durand/admin/activities/emailsettings/add/").status_code == 403


def test_api_lists_templates_and_only_an_admin_key_writes_them(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    admin_key = key_for(tenant, Role.TENANT_ADMIN, admin)
    director_key = key_for(tenant, Role.SALES_DIRECTOR, admin)
    with tenant_scope(tenant):
        email_templates_ensure()

    listed = api("get", "/api/v1/email-templates/", director_key)
    denied = api(
        "post", "/api/v1/email-templates/", director_key,
        {"code": "n", "language": "fr", "name": "N", "subject": "S", "body": "B"},
    )  # fmt: skip
    bad = api(
        "post", "/api/v1/email-templates/", admin_key,
        {"code": "n", "language": "fr", "name": "N", "subject": "{{ contact.secret }}", "body": "B"},
    )  # fmt: skip
    created = api(
        "post", "/api/v1/email-templates/", admin_key,
        {"code": "n", "language": "fr", "name": "N", "subject": "{{ contact.first_name }}", "body": "B"},
    )  # fmt: skip
    changed = api(
        "patch", f"/api/v1/email-templates/{created.json()['id']}/", admin_key, {"purpose": "marketing"}
    )

    assert listed.status_code == 200
    assert len(listed.json()["results"]) == 6
    assert denied.status_code == 403
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"subject"}
    assert created.status_code == 201
    assert (changed.status_code, changed.json()["purpose"]) == (200, "marketing")


def test_api_sends_an_e_mail_and_returns_the_message(tenant, member, smtp_server) -> None:
    admin = member(tenant, Role.TENANT_ADMIN, user__full_name="Alice Admin")
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=admin.user), email="anne@client.example")
        template = email_templates_ensure()[0]

    refused = api(
        "post", "/api/v1/emails/send/", key,
        {"contact": contact.pk, "subject": "Hi {{ contact.nickname }}", "body": "Text"},
    )  # fmt: skip
    sent = api(
        "post", "/api/v1/emails/send/", key,
        {"contact": contact.pk, "subject": "Hi {{ contact.first_name }}",
         "body": "From {{ sender.full_name }}"},
    )  # fmt: skip
    from_template = api("post", "/api/v1/emails/send/", key, {"contact": contact.pk, "template": template.pk})
    unknown = api(
        "post", "/api/v1/emails/send/", key, {"contact": contact.pk + 1000, "subject": "a", "body": "b"}
    )

    assert refused.status_code == 400
    assert sent.status_code == 201
    body = sent.json()
    assert (body["subject"], body["status"], body["contact"]) == ("Hi Anne", "sent", contact.pk)
    assert body["body_text"] == "From Alice Admin"
    assert from_template.status_code == 201
    assert from_template.json()["template"] == template.pk
    assert unknown.status_code == 400
    assert [mail.message["Message-ID"] for mail in smtp_server.received] == [
        body["message_id"], from_template.json()["message_id"],
    ]  # fmt: skip
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 2


def test_api_send_with_the_smtp_server_down_is_a_424_with_the_failed_message(
    tenant, member, smtp_down
) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=admin.user), email="anne@client.example")

    response = api(
        "post", "/api/v1/emails/send/", key, {"contact": contact.pk, "subject": "Hi", "body": "Text"}
    )

    body = response.json()
    assert response.status_code == 424
    assert body["detail"].startswith("The e-mail could not be sent")
    assert (body["message"]["status"], body["message"]["activity"]) == ("failed", None)
    with tenant_scope(tenant):
        from activities.models import Activity

        assert Activity.objects.count() == 0
        assert EmailMessage.objects.get().status == "failed"
