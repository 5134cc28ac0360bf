"""Sending an e-mail from a record through a real SMTP server (aiosmtpd): headers, merge fields,
Message-ID, the activity on the timelines; consent refusals and SMTP failures write nothing half-way."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Address, Consent
from activities.email.templates import email_templates_ensure
from activities.models import Activity, EmailMessage, EmailSettings, EmailTemplate
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ConsentFactory, ContactFactory
from tests.activities import smtp_server as smtp
from tests.opportunities.factories import OpportunityFactory, make_quote

pytestmark = pytest.mark.django_db
# The real SMTP server's fixtures (tests/activities/smtp_server.py), by name in this module.
smtp_server = smtp.smtp_server
smtp_down = smtp.smtp_down
COMPOSE = "/t/durand/email/compose/"


def logged_in(membership, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(membership.user)
    return client


@pytest.fixture
def rep(tenant, member):
    return member(
        tenant, Role.FIELD_SALES_REP, user__full_name="Paul Martin", user__email="paul@durand.example"
    )


@pytest.fixture
def world(tenant, rep):
    """A contact (French, e-mail, head office in Lyon) with an opportunity and a quote, and the
    company's sender settings."""
    with tenant_scope(tenant):
        EmailSettings.objects.create(
            tenant=tenant,
            sender_name="Durand Industries",
            sender_address="ventes@durand.example",
            reply_to="contact@durand.example",
            signature="Durand Industries — 01 23 45 67 89",
        )
        account = AccountFactory(legal_name="Client Exemple SAS", owner=rep.user)
        Address.objects.create(
            tenant=tenant, account=account, kind=Address.Kind.HEAD_OFFICE, line1="1 rue de la Paix",
            postal_code="69001", city="Lyon",
        )  # fmt: skip
        contact = ContactFactory(
            account=account, first_name="Anne", last_name="Leroy", salutation="mme",
            email="anne.leroy@client.example", language="fr",
        )  # fmt: skip
        opportunity = OpportunityFactory(
            account=account, owner=rep.user, name="Renouvellement parc", amount=Decimal("12500.00"),
            expected_close_date=datetime.date(2027, 3, 31), primary_contact=contact,
        )  # fmt: skip
        quote = make_quote(opportunity=opportunity, author=rep.user, contact=contact)
        email_templates_ensure()
    return {"account": account, "contact": contact, "opportunity": opportunity, "quote": quote}


def _preview(client: Client, query: str) -> dict[str, str]:
    page = client.get(f"{COMPOSE}?{query}")
    assert page.status_code == 200
    form = page.context["form"]
    return {"subject": form.initial["subject"], "body": form.initial["body"], "cc": ""}


def test_a_quote_follow_up_reaches_the_smtp_server_and_is_logged(tenant, rep, world, smtp_server) -> None:
    client = logged_in(rep)
    quote = world["quote"]
    data = _preview(client, f"quote={quote.pk}&template=quote-follow-up")

    response = client.post(f"{COMPOSE}?quote={quote.pk}&template=quote-follow-up", data)

    with tenant_scope(tenant):
        message = EmailMessage.objects.select_related("template").get()
        activity = Activity.objects.select_related("type").get()
        contact_ids = list(activity.contact_links.values_list("contact_id", flat=True))
        quote.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/t/durand/email/sent/{message.pk}/"
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    mail = received.message
    assert received.mail_from == "ventes@durand.example"
    assert received.rcpt_tos == ["anne.leroy@client.example"]
    assert mail["From"] == "Durand Industries <ventes@durand.example>"
    assert mail["To"] == "anne.leroy@client.example"
    assert mail["Reply-To"] == "contact@durand.example"
    assert mail["Subject"] == f"Votre devis {quote} — Client Exemple SAS"
    assert mail["Message-ID"] == message.message_id
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Bonjour Anne,\n\nJe reviens vers vous au sujet du devis " + str(quote))
    assert f"valable jusqu'au {quote.valid_until:%d/%m/%Y}" in text
    assert "{{" not in text
    assert text.rstrip().endswith("-- \nDurand Industries — 01 23 45 67 89")
    html_part = mail.get_body(preferencelist=("html",)).get_content()
    assert "<p>Bonjour Anne,</p>" in html_part
    # The stored message is what left; the activity is on the contact's, opportunity's and account's
    # timelines.
    assert (message.status, message.direction, message.is_marketing) == ("sent", "outbound", False)
    assert message.template.code == "quote-follow-up"
    assert message.sent_by_id == rep.user_id
    assert message.body_text == text.rstrip("\n")
    assert message.activity_id == activity.pk
    assert activity.type.code == "email"
    assert (activity.status, activity.channel) == ("done", "email")
    assert activity.subject == f"[Transactionnel] Votre devis {quote} — Client Exemple SAS"
    assert activity.description == message.body_text
    assert (activity.account_id, activity.opportunity_id, activity.owner_id) == (
        world["account"].pk, world["opportunity"].pk, rep.user_id,
    )  # fmt: skip
    assert contact_ids == [world["contact"].pk]


def test_merge_fields_of_the_opportunity_in_the_contacts_language(tenant, rep, world, smtp_server) -> None:
    with tenant_scope(tenant):
        EmailTemplate.objects.create(
            tenant=tenant, code="point", language="en", name="Point", subject="{{ opportunity.name }}",
            body="Dear {{ contact.salutation }} {{ contact.last_name }} ({{ account.city }}): "
            "{{ opportunity.amount }} by {{ opportunity.expected_close_date }}. {{ contact.job_title }}.",
        )  # fmt: skip
        world["contact"].language = "en"
        world["contact"].save()
    client = logged_in(rep)
    query = f"opportunity={world['opportunity'].pk}&template=point"
    data = _preview(client, query)

    client.post(f"{COMPOSE}?{query}", data)

    text = smtp_server.received[0].message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Dear Ms Leroy (Lyon): €12,500.00 by 31/03/2027. .")


def test_a_marketing_template_needs_the_contacts_consent(tenant, rep, world, smtp_server) -> None:
    with tenant_scope(tenant):
        EmailTemplate.objects.create(
            tenant=tenant, code="offre", language="fr", name="Offre du mois",
            purpose=EmailTemplate.Purpose.MARKETING, subject="Notre offre",
            body="Bonjour {{ contact.first_name }}",
        )  # fmt: skip
        ConsentFactory(contact=world["contact"], status=Consent.Status.WITHDRAWN)
    client = logged_in(rep)
    query = f"contact={world['contact'].pk}&template=offre"
    page = client.get(f"{COMPOSE}?{query}")

    refused = client.post(f"{COMPOSE}?{query}", {"subject": "Notre offre", "body": "Bonjour Anne", "cc": ""})

    assert page.context["consent_missing"] is True
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "Anne Leroy n'a pas accepté de recevoir des e-mails marketing : utilisez un modèle transactionnel, "
        "ou enregistrez d'abord son consentement."
    ]
    assert smtp_server.received == []
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 0
        assert Activity.objects.count() == 0
        Consent.objects.filter(contact=world["contact"]).update(status=Consent.Status.GRANTED)

    granted = client.post(f"{COMPOSE}?{query}", {"subject": "Notre offre", "body": "Bonjour Anne", "cc": ""})

    assert granted.status_code == 302
    assert len(smtp_server.received) == 1
    with tenant_scope(tenant):
        message = EmailMessage.objects.get()
        assert message.is_marketing is True
        assert message.activity.subject == "[Marketing] Notre offre"


def test_smtp_down_stores_a_failed_message_without_activity_then_retry(tenant, rep, world, settings) -> None:
    from tests.activities.smtp_server import Collector, free_port, use_smtp

    client = logged_in(rep)
    closed = free_port()
    use_smtp(settings, closed)
    query = f"contact={world['contact'].pk}&template=meeting-confirmation"
    data = _preview(client, query)

    response = client.post(f"{COMPOSE}?{query}", data, follow=True)

    with tenant_scope(tenant):
        message = EmailMessage.objects.get()
        assert Activity.objects.count() == 0
    assert (message.status, message.sent_at, message.activity_id) == ("failed", None, None)
    assert "ConnectionRefusedError" in message.error
    assert response.redirect_chain == [(f"/t/durand/email/sent/{message.pk}/", 302)]
    assert "L'e-mail n'a pas pu être envoyé" in html.unescape(response.content.decode())
    assert "Réessayer" in response.content.decode()

    from aiosmtpd.controller import Controller

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_smtp(settings, controller.port)
        retried = client.post(f"/t/durand/email/sent/{message.pk}/retry/")
        again = client.post(f"/t/durand/email/sent/{message.pk}/retry/")
    finally:
        controller.stop()

    with tenant_scope(tenant):
        message.refresh_from_db()
        activity = Activity.objects.get()
    assert retried.status_code == 302
    assert again.status_code == 302  # refused: it is no longer failed; nothing sent twice
    assert len(collector.received) == 1
    assert collector.received[0].message["Message-ID"] == message.message_id
    assert (message.status, message.activity_id, message.error) == ("sent", activity.pk, "")


def test_the_smtp_down_fixture_refuses_connections(tenant, rep, world, smtp_down) -> None:
    client = logged_in(rep, "en")
    query = f"contact={world['contact'].pk}"

    response = client.post(
        f"{COMPOSE}?{query}", {"subject": "Hello", "body": "A word", "cc": ""}, follow=True
    )

    assert "The e-mail could not be sent" in response.content.decode()
    with tenant_scope(tenant):
        assert list(EmailMessage.objects.values_list("status", flat=True)) == ["failed"]
        assert Activity.objects.count() == 0


def test_bad_cc_and_missing_address_write_nothing(tenant, rep, world, smtp_server) -> None:
    client = logged_in(rep, "en")
    with tenant_scope(tenant):
        silent = ContactFactory(account=world["account"], email="")

    bad_cc = client.post(
        f"{COMPOSE}?contact={world['contact'].pk}",
        {"subject": "Hi", "body": "Text", "cc": "boss@x.example, nope"},
    )
    no_address = client.post(f"{COMPOSE}?contact={silent.pk}", {"subject": "Hi", "body": "Text", "cc": ""})

    assert bad_cc.context["form"].errors["cc"] == ["“nope” is not a valid e-mail address."]
    assert no_address.context["form"].non_field_errors() == [f"{silent} has no e-mail address."]
    assert smtp_server.received == []
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 0


def test_cc_is_sent_and_stored(tenant, rep, world, smtp_server) -> None:
    client = logged_in(rep, "en")

    client.post(
        f"{COMPOSE}?contact={world['contact'].pk}",
        {"subject": "Hi", "body": "Text", "cc": "boss@client.example; help@client.example"},
    )

    received = smtp_server.received[0]
    assert sorted(received.rcpt_tos) == [
        "anne.leroy@client.example", "boss@client.example", "help@client.example",
    ]  # fmt: skip
    assert received.message["Cc"] == "boss@client.example, help@client.example"
    with tenant_scope(tenant):
        assert EmailMessage.objects.get().cc_addresses == ["boss@client.example", "help@client.example"]


def test_from_falls_back_to_the_platform_address(tenant, rep, world, smtp_server, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "CRM <no-reply@crm.example>"
    with tenant_scope(tenant):
        EmailSettings.objects.update(sender_address="", sender_name="", reply_to="", signature="")
    client = logged_in(rep, "en")

    client.post(f"{COMPOSE}?contact={world['contact'].pk}", {"subject": "Hi", "body": "Text", "cc": ""})

    mail = smtp_server.received[0].message
    assert mail["From"] == "CRM <no-reply@crm.example>"
    assert mail["Reply-To"] == "paul@durand.example"  # the sender's own address when the company has none
    assert mail.get_body(preferencelist=("plain",)).get_content().rstrip() == "Text"


def test_a_lead_is_written_to_and_its_first_contact_logged(tenant, rep, smtp_server) -> None:
    from leads.services import lead_create

    with tenant_scope(tenant):
        lead = lead_create(
            tenant=tenant, actor=rep.user,
            data={"first_name": "Marc", "last_name": "Dubois", "email": "marc@dubois.example",
                  "company_name": "Dubois SARL", "owner": rep.user},
        )  # fmt: skip
        email_templates_ensure()
    client = logged_in(rep)
    data = _preview(client, f"lead={lead.pk}&template=demo-follow-up")

    client.post(f"{COMPOSE}?lead={lead.pk}&template=demo-follow-up", data)

    assert smtp_server.received[0].rcpt_tos == ["marc@dubois.example"]
    text = smtp_server.received[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "au sein de Dubois SARL." in text
    with tenant_scope(tenant):
        lead.refresh_from_db()
        activity = Activity.objects.get()
    assert activity.lead_id == lead.pk
    assert lead.first_contacted_at == activity.starts_at


def test_records_of_another_tenant_or_hidden_are_404(tenant, other_tenant, rep, member, world) -> None:
    with tenant_scope(other_tenant):
        foreign = ContactFactory(email="x@y.example")
    outsider = member(tenant, Role.FINANCE)
    client = logged_in(rep)

    assert client.get(f"{COMPOSE}?contact={foreign.pk}").status_code == 404
    assert client.get(f"{COMPOSE}?contact=abc").status_code == 404
    assert logged_in(outsider).get(f"{COMPOSE}?contact={world['contact'].pk}").status_code == 403


def test_a_sent_message_is_seen_by_its_sender_not_by_a_colleague(
    tenant, rep, member, world, smtp_down
) -> None:
    colleague = member(tenant, Role.FIELD_SALES_REP)
    logged_in(rep).post(
        f"{COMPOSE}?contact={world['contact'].pk}", {"subject": "Hi", "body": "Text", "cc": ""}
    )
    with tenant_scope(tenant):
        message = EmailMessage.objects.get()

    mine = logged_in(rep).get(f"/t/durand/email/sent/{message.pk}/")
    theirs = logged_in(colleague).get(f"/t/durand/email/sent/{message.pk}/")
    retry = logged_in(colleague).post(f"/t/durand/email/sent/{message.pk}/retry/")

    assert (mine.status_code, theirs.status_code, retry.status_code) == (200, 404, 404)


def test_compose_page_query_budget(tenant, rep, world, django_assert_max_num_queries) -> None:
    client = logged_in(rep)
    client.get(f"{COMPOSE}?quote={world['quote'].pk}&template=quote-follow-up")  # warm caches

    with django_assert_max_num_queries(30):
        page = client.get(f"{COMPOSE}?quote={world['quote'].pk}&template=quote-follow-up")

    assert page.context["template"].code == "quote-follow-up"
    assert page.context["recipient"].pk == world["contact"].pk


def test_buttons_on_the_record_pages(tenant, rep, world) -> None:
    from tests.leads.factories import LeadFactory

    client = logged_in(rep)
    contact, opportunity, quote = world["contact"], world["opportunity"], world["quote"]
    with tenant_scope(tenant):
        lead = LeadFactory(owner=rep.user, email="lead@prospect.example")

    pages = {
        f"/t/durand/accounts/contacts/{contact.pk}/": f"{COMPOSE}?contact={contact.pk}",
        f"/t/durand/opportunities/{opportunity.pk}/": f"{COMPOSE}?opportunity={opportunity.pk}",
        f"/t/durand/quotes/{quote.pk}/": f"{COMPOSE}?quote={quote.pk}&amp;template=quote-follow-up",
        f"/t/durand/leads/{lead.pk}/": f"{COMPOSE}?lead={lead.pk}",
    }

    for page, link in pages.items():
        assert f'href="{link}"' in client.get(page).content.decode(), page


def test_no_button_for_a_role_that_logs_no_activity(tenant, member, world) -> None:
    finance = logged_in(member(tenant, Role.FINANCE))

    page = finance.get(f"/t/durand/quotes/{world['quote'].pk}/")

    assert page.status_code == 200
    assert COMPOSE not in page.content.decode()


def test_a_contact_hidden_from_the_member_is_neither_addressed_nor_brought_in(tenant, rep, member) -> None:
    from governance.models import Access, SharingDefault

    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        SharingDefault.objects.create(tenant=tenant, model_label="accounts.account", access=Access.PRIVATE)
        hidden = ContactFactory(account=AccountFactory(owner=colleague.user), email="cache@autre.example")
        opportunity = OpportunityFactory(
            account=AccountFactory(owner=rep.user), owner=rep.user, primary_contact=hidden
        )
    client = logged_in(rep, "en")

    direct = client.get(f"{COMPOSE}?contact={hidden.pk}")
    through_opportunity = client.get(f"{COMPOSE}?opportunity={opportunity.pk}")
    posted = client.post(
        f"{COMPOSE}?opportunity={opportunity.pk}", {"subject": "Hi", "body": "Text", "cc": ""}
    )

    assert direct.status_code == 404
    assert through_opportunity.context["recipient"] is None
    assert "Choose a contact or a lead to write to." in through_opportunity.content.decode()
    assert posted.status_code == 200
    with tenant_scope(tenant):
        assert EmailMessage.objects.count() == 0


def test_the_template_language_follows_the_contact_unless_chosen(tenant, rep, world) -> None:
    with tenant_scope(tenant):
        world["contact"].language = "en"
        world["contact"].save()
    client = logged_in(rep)
    query = f"contact={world['contact'].pk}&template=meeting-confirmation"

    default = client.get(f"{COMPOSE}?{query}")
    french = client.get(f"{COMPOSE}?{query}&language=fr")

    assert default.context["language"] == "en"
    assert default.context["form"].initial["subject"] == "Confirming our meeting — Client Exemple SAS"
    assert (
        french.context["form"].initial["subject"] == "Confirmation de notre rendez-vous — Client Exemple SAS"
    )


def test_a_line_break_in_the_sender_name_cannot_add_a_header(tenant, rep, world, smtp_server) -> None:
    with tenant_scope(tenant):
        EmailSettings.objects.update(sender_name="Durand\r\nBcc: espion@ailleurs.example")
    client = logged_in(rep, "en")

    response = client.post(
        f"{COMPOSE}?contact={world['contact'].pk}", {"subject": "Hi", "body": "Text", "cc": ""}
    )

    received = smtp_server.received[0]
    assert response.status_code == 302
    assert received.rcpt_tos == ["anne.leroy@client.example"]
    assert received.message["Bcc"] is None
    assert received.message["From"] == '"Durand Bcc: espion@ailleurs.example" <ventes@durand.example>'
