"""Tenant A's world, and the registry saying which of A's values to put in each route parameter.

Every parameter of every discovered route must be filled from here: by route name first (`ROUTES`, for
names such as `pk` that mean a different object on each route), then by parameter name (`PARAMETERS`).
Admin pages of each model registered on the tenant admin take the object from `ADMIN_OBJECTS`. A route
the registry cannot fill fails the suite (`MissingBuilder`), so no route goes unattacked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.dedup.models import DuplicateCandidate, DuplicateRules
from accounts.imports import services as import_services
from accounts.models import Account, Address, Contact, Segment, TerritoryRule
from activities.models import Activity
from crm.admin_site import tenant_admin
from crm.models import Membership, SavedView, Tenant
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance import search
from governance.models import (
    Access,
    FieldPolicy,
    FieldRule,
    SecurityEvent,
    SensitiveFieldRead,
    ShareLevel,
    SharingDefault,
    SharingRule,
    Territory,
)
from governance.sharing import share_grant
from leads.models import AssignmentRule, BusinessCalendar, Lead, LeadSettings
from leads.services import ConsentAnswer, lead_create, lead_sources_seed
from opportunities.models import Opportunity
from tests.accounts.factories import AccountFactory, ConsentFactory, ContactFactory, valid_siret
from tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, TenantFactory
from tests.leads.factories import WebFormFactory

# Every name of tenant A carries this marker, so one search of a response body finds any of them.
MARKER = "ZZ-ALPHA-CONFIDENTIEL"
A_EMAIL_DOMAIN = "alpha-confidentiel.example"
A_PHONE = "+33199887766"
A_PHONE_NATIONAL = "01 99 88 77 66"
# A's main objects get ids no other row has, so that an id in a body can be told apart from a CSRF token.
FIRST_ID = 7_730_001


class MissingBuilder(LookupError):
    """A discovered route with a parameter the registry cannot fill."""


@dataclass
class World:
    """Tenant A (the victim) with one of each object, and tenant B (the attacker) with its admin."""

    tenant_a: Tenant
    tenant_b: Tenant
    a_admin: Membership
    a_rep: Membership
    b_admin: Membership
    b_account: Account
    b_contact: Contact
    b_api_key: str
    objects: dict[str, Any] = field(default_factory=dict)
    secret_values: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.objects[name]


def _history_id(obj: models.Model, *, oldest: bool = False) -> int:
    history = obj.history.order_by("history_id" if oldest else "-history_id")  # type: ignore[attr-defined]
    return int(history.values_list("history_id", flat=True)[0])


def _opportunity_objects(
    tenant: Tenant, admin: Membership, account: Account, contact: Contact
) -> dict[str, Any]:
    """A's pipeline objects: an opportunity with a contact role, a product, a competitor, its stages."""
    from opportunities.models import (
        Competitor,
        LossReason,
        OpportunityContactRole,
        OpportunityProduct,
        PipelineSettings,
    )
    from opportunities.services import opportunity_create, pipeline_defaults_ensure
    from tests.opportunities.factories import ProductFactory

    pipeline = pipeline_defaults_ensure(tenant=tenant)
    competitor = Competitor.objects.create(tenant=tenant, id=FIRST_ID + 61, name=f"{MARKER} Concurrent")
    opportunity = opportunity_create(
        tenant=tenant,
        actor=admin.user,
        account=account,
        name=f"{MARKER} Affaire",
        expected_close_date=datetime.date(2027, 3, 31),
        primary_contact=contact,
        id=FIRST_ID + 62,
    )
    opportunity.competitors.add(competitor, through_defaults={"tenant": tenant})
    role = OpportunityContactRole.objects.create(
        tenant=tenant, id=FIRST_ID + 63, opportunity=opportunity, contact=contact
    )
    product = ProductFactory(id=FIRST_ID + 64, name=f"{MARKER} Produit")
    product_row = OpportunityProduct.objects.create(
        tenant=tenant, id=FIRST_ID + 65, opportunity=opportunity, product=product
    )
    return {
        "opportunity": opportunity,
        "pipeline": pipeline,
        "stage": pipeline.stages.order_by("position").last(),
        "contact_role": role,
        "opportunity_product": product_row,
        "opportunities.pipeline": pipeline,
        "opportunities.competitor": competitor,
        "opportunities.lossreason": LossReason.objects.order_by("position").first(),
        "opportunities.pipelinesettings": PipelineSettings.objects.create(tenant=tenant),
    }


def _task_objects(tenant: Tenant, admin: Membership, rep: Membership, account: Account) -> dict[str, Any]:
    """A's task (about its account, with a reminder) and a notification of its rep."""
    from activities.models import Task
    from crm.models import Notification

    task = Task.objects.create(
        tenant=tenant,
        id=FIRST_ID + 81,
        title=f"{MARKER} Tâche",
        due_at=datetime.datetime(2027, 3, 31, 9, 0, tzinfo=datetime.UTC),
        assignee=rep.user,
        created_by=admin.user,
        account=account,
        remind_minutes_before=60,
    )
    notification = Notification.objects.create(
        tenant=tenant, id=FIRST_ID + 82, user=rep.user, event="task.assigned", title=f"{MARKER} Notification"
    )
    return {"task": task, "notification": notification}


def build_world() -> World:
    """Tenant A with distinctive names, emails, SIRETs, phones and ids; tenant B with its own data."""
    tenant_a = TenantFactory(name=f"{MARKER} Holding", slug="alpha")
    tenant_b = TenantFactory(name="Bravo Conseil", slug="bravo")
    objects: dict[str, Any] = {}
    with tenant_scope(tenant_a):
        a_admin = MembershipFactory(
            tenant=tenant_a,
            role=Role.TENANT_ADMIN,
            user__email=f"directrice@{A_EMAIL_DOMAIN}",
            user__full_name=f"Zoé {MARKER}-DIRECTRICE",
        )
        a_rep = MembershipFactory(
            tenant=tenant_a,
            role=Role.FIELD_SALES_REP,
            manager=a_admin,
            user__email=f"commercial@{A_EMAIL_DOMAIN}",
            user__full_name=f"Yann {MARKER}-COMMERCIAL",
        )
        team = TeamFactory(name=f"{MARKER} Équipe", id=FIRST_ID + 40)
        other_team = TeamFactory(name=f"{MARKER} Équipe support", id=FIRST_ID + 41)
        TeamMemberFactory(team=team, membership=a_rep)
        territory = Territory.objects.create(tenant=tenant_a, name=f"{MARKER} Territoire", id=FIRST_ID + 50)
        segment = Segment.objects.create(tenant=tenant_a, name=f"{MARKER} Segment", id=FIRST_ID + 60)
        siret, other_siret = valid_siret(9001), valid_siret(9002)
        account = AccountFactory(
            id=FIRST_ID,
            legal_name=f"{MARKER} Industries",
            trade_name=f"{MARKER} Trade",
            siret=siret,
            siren=siret[:9],
            owner=a_admin.user,
            segment=segment,
            territory=territory,
        )
        other_account = AccountFactory(
            id=FIRST_ID + 1,
            legal_name=f"{MARKER} Négoce",
            siret=other_siret,
            siren=other_siret[:9],
            owner=a_rep.user,
        )
        # A second version of the account, so that "restore" has an older history row to go back to.
        account.website = "https://alpha-confidentiel.example"
        account.save()
        contact = ContactFactory(
            id=FIRST_ID + 10,
            account=account,
            first_name="Zélie",
            last_name=f"{MARKER}-CONTACT",
            email=f"zelie@{A_EMAIL_DOMAIN}",
            phone=A_PHONE,
        )
        other_contact = ContactFactory(
            id=FIRST_ID + 11,
            account=account,
            first_name="Zélie",
            last_name=f"{MARKER}-DOUBLON",
            email=f"zelie.doublon@{A_EMAIL_DOMAIN}",
        )
        contact.job_title = f"{MARKER} Acheteuse"
        contact.save()
        ConsentFactory(contact=contact)
        address = Address.objects.create(
            tenant=tenant_a,
            id=FIRST_ID + 20,
            account=account,
            kind=Address.Kind.HEAD_OFFICE,
            line1=f"12 rue {MARKER}",
            postal_code="75001",
            city="Paris",
        )
        user_share = share_grant(
            record=account,
            actor=a_admin.user,
            membership=a_admin,
            level=ShareLevel.READ,
            user_id=a_rep.user_id,
        )
        team_share = share_grant(
            record=account, actor=a_admin.user, membership=a_admin, level=ShareLevel.READ, team_id=team.pk
        )
        job = import_services.import_create(
            tenant=tenant_a,
            actor=a_admin.user,
            filename=f"{MARKER}.csv",
            content=f"legal_name;siret\n{MARKER} Import;{valid_siret(9003)}\n".encode(),
            kind="accounts",
        )
        saved_view = SavedView.objects.create(
            tenant=tenant_a,
            id=FIRST_ID + 30,
            owner=a_admin.user,
            list_key="accounts.account",
            name=f"{MARKER} Vue",
            query="q=ZZ&sort=legal_name",
            is_shared=True,
        )
        candidate = DuplicateCandidate.objects.create(
            tenant=tenant_a,
            kind=DuplicateCandidate.Kind.ACCOUNT,
            first_account=account,
            second_account=other_account,
            score=90,
            reasons=[DuplicateCandidate.Reason.NAME_POSTAL_CODE],
        )
        duplicate_rules, _created = DuplicateRules.objects.get_or_create(tenant=tenant_a)
        api_key, _full_key = api_key_create(
            tenant=tenant_a, name=f"{MARKER} Clé", role=Role.TENANT_ADMIN, actor=a_admin.user
        )
        lead_source = lead_sources_seed(tenant=tenant_a)[0]
        lead_source.name = f"{MARKER} Source"
        lead_source.save()
        web_form = WebFormFactory(
            source=lead_source, id=FIRST_ID + 71, name=f"{MARKER} Formulaire", key="alpha-form"
        )
        rule = AssignmentRule.objects.create(
            tenant=tenant_a,
            id=FIRST_ID + 72,
            name=f"{MARKER} Règle",
            target_team=team,
            postal_code_prefix="75",
        )
        lead = lead_create(
            tenant=tenant_a,
            actor=a_admin.user,
            data={
                "first_name": "Zacharie",
                "last_name": f"{MARKER}-PISTE",
                "email": f"zacharie@{A_EMAIL_DOMAIN}",
                "phone": A_PHONE,
                "company_name": f"{MARKER} Prospect",
                "postal_code": "75002",
                "source": lead_source,
            },
            consents=[ConsentAnswer("marketing_email", "granted", f"{MARKER} form", f"{MARKER} proof")],
        )
        # A second lead, in the queue (no rule for Belgium): another visibility path.
        queue_lead = lead_create(
            tenant=tenant_a,
            actor=a_admin.user,
            data={"first_name": "Zoé", "last_name": f"{MARKER}-FILE", "email": f"file@{A_EMAIL_DOMAIN}",
                  "country": "BE", "postal_code": "1000"},
        )  # fmt: skip
        lead_settings = LeadSettings.objects.create(tenant=tenant_a, fallback_team=team)
        calendar = BusinessCalendar.objects.create(tenant=tenant_a)
        objects.update(
            {
                "account": account,
                "other_account": other_account,
                "contact": contact,
                "other_contact": other_contact,
                "address": address,
                "user_share": user_share,
                "team_share": team_share,
                "import_job": job,
                "saved_view": saved_view,
                "candidate": candidate,
                "team": team,
                "territory": territory,
                "segment": segment,
                "crm.membership": a_rep,
                "crm.apikey": api_key,
                "crm.tenant": tenant_a,
                "governance.team": team,
                "governance.territory": territory,
                "governance.fieldpolicy": FieldPolicy.objects.create(
                    tenant=tenant_a,
                    model_label="accounts.account",
                    field_name="customer_revenue",
                    read_roles=[Role.TENANT_ADMIN],
                ),
                "governance.fieldrule": FieldRule.objects.create(
                    tenant=tenant_a,
                    model_label="accounts.account",
                    field_name="naf_code",
                    rule=FieldRule.Rule.REQUIRED,
                ),
                "governance.sensitivefieldread": SensitiveFieldRead.objects.create(
                    tenant=tenant_a,
                    user=a_admin.user,
                    model_label="accounts.account",
                    object_id=account.pk,
                    field_name="customer_revenue",
                ),
                "governance.sharingdefault": SharingDefault.objects.create(
                    tenant=tenant_a, model_label="accounts.account", access=Access.PRIVATE
                ),
                "governance.sharingrule": SharingRule.objects.create(
                    tenant=tenant_a,
                    model_label="accounts.account",
                    source_team=team,
                    target_team=other_team,
                    access=Access.READ,
                ),
                "governance.securityevent": SecurityEvent.objects.create(
                    kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, email=a_admin.user.email, user=a_admin.user
                ),
                "accounts.segment": segment,
                "accounts.territoryrule": TerritoryRule.objects.create(
                    tenant=tenant_a, territory=territory, postal_code_prefix="75"
                ),
                "accounts.duplicaterules": duplicate_rules,
                "lead": lead,
                "queue_lead": queue_lead,
                "leads.leadsource": lead_source,
                "leads.webform": web_form,
                "leads.assignmentrule": rule,
                "leads.leadsettings": lead_settings,
                "leads.businesscalendar": calendar,
            }
        )
        objects.update(_caldav_objects(tenant_a, a_admin))
        objects.update(_opportunity_objects(tenant_a, a_admin, account, contact))
        objects.update(_quote_objects(tenant_a, a_admin, account))
        objects.update(_activity_objects(a_admin, account, contact))
        objects.update(_mailout_objects(tenant_a, a_admin, contact))
        objects.update(_mailin_objects(a_rep))
        objects.update(_agenda_objects(a_rep, account))
        objects.update(_task_objects(tenant_a, a_admin, a_rep, account))
        search.index_many(
            [
                Account.objects.get(pk=account.pk),
                Account.objects.get(pk=other_account.pk),
                Opportunity.objects.select_related("account", "stage").get(pk=objects["opportunity"].pk),
                *Contact.objects.select_related("account").filter(pk__in=[contact.pk, other_contact.pk]),
                *Lead.objects.all(),
                *Activity.objects.select_related("type").all(),
            ]
        )
    with tenant_scope(tenant_b):
        b_admin = MembershipFactory(
            tenant=tenant_b,
            role=Role.TENANT_ADMIN,
            user__email="admin@bravo.example",
            user__full_name="Bruno Bravo",
        )
        b_account = AccountFactory(legal_name="Bravo Client", owner=b_admin.user, siret=valid_siret(9100))
        b_contact = ContactFactory(account=b_account, last_name="Bravo", email="contact@bravo.example")
        search.index_many(
            [
                Account.objects.get(pk=b_account.pk),
                Contact.objects.select_related("account").get(pk=b_contact.pk),
            ]
        )
        _b_key, b_api_key = api_key_create(
            tenant=tenant_b, name="Bravo integration", role=Role.TENANT_ADMIN, actor=b_admin.user
        )
    secret_values = [
        MARKER,
        MARKER.lower(),
        A_EMAIL_DOMAIN,
        siret,
        other_siret,
        siret[:9],
        # As French pages may print them: "412 345 678 00012", "412 345 678".
        f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}",
        f"{siret[:3]} {siret[3:6]} {siret[6:9]}",
        A_PHONE,
        A_PHONE_NATIONAL,
        api_key.public_id,
        objects["agenda.feed_secret"],
        *(str(pk) for pk in range(FIRST_ID, FIRST_ID + 80)),
        *(str(FIRST_ID + offset) for offset in (81, 82)),  # the task and the notification
    ]
    return World(
        tenant_a=tenant_a,
        tenant_b=tenant_b,
        a_admin=a_admin,
        a_rep=a_rep,
        b_admin=b_admin,
        b_account=b_account,
        b_contact=b_contact,
        b_api_key=b_api_key,
        objects=objects,
        secret_values=secret_values,
    )


def _activity_objects(admin: Membership, account: Account, contact: Contact) -> dict[str, Any]:
    """A's own activity type and a private activity on A's account with A's contact."""
    from tests.activities.factories import ActivityFactory, ActivityTypeFactory

    activity_type = ActivityTypeFactory(
        id=FIRST_ID + 75, code="alpha-visite", name=f"{MARKER} Visite", kind="meeting"
    )
    activity = ActivityFactory(
        id=FIRST_ID + 74,
        type=activity_type,
        subject=f"{MARKER} Rendez-vous",
        description=f"{MARKER} compte rendu",
        owner=admin.user,
        account=account,
        contacts=[contact],
        is_private=True,
    )
    return {"activity": activity, "activities.activitytype": activity_type, "activities.activity": activity}


def _mailout_objects(tenant: Any, admin: Any, contact: Contact) -> dict[str, Any]:
    """A's e-mail settings, a template and a failed outbound e-mail to A's contact."""
    from activities.models import EmailMessage, EmailSettings, EmailTemplate

    template = EmailTemplate.objects.create(
        tenant=tenant, code="alpha", name=f"{MARKER} Modèle", subject=f"{MARKER} objet", body="Bonjour"
    )
    message = EmailMessage.objects.create(
        tenant=tenant, direction=EmailMessage.Direction.OUTBOUND, status=EmailMessage.Status.FAILED,
        message_id=f"<alpha@{A_EMAIL_DOMAIN}>", from_address=f"ventes@{A_EMAIL_DOMAIN}",
        to_addresses=[f"client@{A_EMAIL_DOMAIN}"], subject=f"{MARKER} e-mail", body_text=f"{MARKER} texte",
        template=template, sent_by=admin.user, contact=contact, error="ConnectionRefusedError",
    )  # fmt: skip
    return {
        "activities.emailsettings": EmailSettings.objects.create(
            tenant=tenant,
            sender_name=f"{MARKER} Ventes",
            sender_address=f"ventes@{A_EMAIL_DOMAIN}",
            signature=f"{MARKER} signature",
        ),
        "activities.emailtemplate": template,
        "activities.emailmessage": message,
    }


def _mailin_objects(rep: Any) -> dict[str, Any]:
    """A's inbound e-mail waiting for review (with an attachment) and A's dropbox mailbox."""
    from activities.models import EmailAttachment, EmailMessage
    from crm import secretbox
    from integrations.models import Mailbox

    email = EmailMessage.objects.create(
        direction=EmailMessage.Direction.INBOUND,
        status=EmailMessage.Status.REVIEW,
        source=EmailMessage.Source.DROPBOX,
        message_id=f"<{MARKER.lower()}@{A_EMAIL_DOMAIN}>",
        thread_key=f"<{MARKER.lower()}@{A_EMAIL_DOMAIN}>",
        from_address=f"prospect@{A_EMAIL_DOMAIN}",
        subject=f"{MARKER} Demande",
        body_text=f"{MARKER} corps",
        sent_by=rep.user,
        review_reason=f"no known contact among prospect@{A_EMAIL_DOMAIN}",
    )
    attachment = EmailAttachment.objects.create(
        tenant_id=email.tenant_id,
        message=email,
        filename=f"{MARKER}.pdf",
        content_type="application/pdf",
        size=12,
        content=f"{MARKER}".encode(),
    )
    mailbox = Mailbox.objects.create(
        name=f"{MARKER} Boîte",
        address=f"crm@{A_EMAIL_DOMAIN}",
        host=f"imap.{A_EMAIL_DOMAIN}",
        username=f"crm@{A_EMAIL_DOMAIN}",
        password_encrypted=secretbox.encrypt(f"{MARKER}-password"),
    )
    return {"email_message": email, "email_attachment": attachment, "integrations.mailbox": mailbox}


def _agenda_objects(a_rep: Membership, account: Account) -> dict[str, Any]:
    """A's rep with a meeting in their agenda and a secret ICS feed address."""
    from activities.agenda.services import calendar_feed_regenerate
    from activities.models import Activity
    from activities.services.records import ActivityInput, activity_create, activity_types_ensure

    meeting_type = next(row for row in activity_types_ensure() if row.code == "meeting")
    meeting = activity_create(
        data=ActivityInput(
            type=meeting_type,
            subject=f"{MARKER} Rendez-vous",
            owner=a_rep.user,
            starts_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=1),
            duration_minutes=60,
            status=Activity.Status.PLANNED,
            account=account,
        ),
        actor=a_rep.user,
    )
    settings_row, secret = calendar_feed_regenerate(membership=a_rep)
    return {"agenda.meeting": meeting, "agenda.calendar_settings": settings_row, "agenda.feed_secret": secret}


def _caldav_objects(tenant: Tenant, admin: Membership) -> dict[str, Any]:
    """A's admin's calendar account (server address in A's domain) and a line of its sync log."""
    from crm.secretbox import encrypt
    from integrations.models import CalDAVAccount, SyncLogEntry

    caldav_account = CalDAVAccount.objects.create(
        tenant=tenant,
        id=FIRST_ID + 75,
        user=admin.user,
        url=f"https://dav.{A_EMAIL_DOMAIN}/",
        username=f"directrice@{A_EMAIL_DOMAIN}",
        password_encrypted=encrypt(f"{MARKER}-motdepasse"),
        calendar_url=f"https://dav.{A_EMAIL_DOMAIN}/directrice/crm/",
    )
    SyncLogEntry.objects.create(
        tenant=tenant,
        kind="caldav",
        object_id=caldav_account.pk,
        direction=SyncLogEntry.Direction.TO_SERVER,
        action=SyncLogEntry.Action.CREATED,
        detail=f"« {MARKER} Rendez-vous » envoyé dans l'agenda.",
    )
    return {"caldav_account": caldav_account}


def _quote_objects(tenant: Any, admin: Any, account: Account) -> dict[str, Any]:
    """A's catalogue, company profile and a quote with a line, on an opportunity of A's account."""
    from decimal import Decimal

    from opportunities.models import CompanyProfile, DiscountLimit
    from opportunities.services.quotes import quote_line_add
    from tests.opportunities.factories import OpportunityFactory, PriceFactory, make_quote

    opportunity = OpportunityFactory(account=account, owner=admin.user, name=f"{MARKER} Affaire")
    price = PriceFactory(product__name=f"{MARKER} Produit", price_list__name=f"{MARKER} Tarif")
    quote: Any = make_quote(opportunity=opportunity, author=admin.user, price_list=price.price_list)
    line = quote_line_add(quote=quote, actor=admin.user, product=price.product, quantity=Decimal("2"))
    return {
        "opportunity": opportunity,
        "quote": quote,
        "quote_line": line,
        "opportunities.product": price.product,
        "opportunities.pricelist": price.price_list,
        "opportunities.discountlimit": DiscountLimit.objects.order_by("pk").first(),
        "opportunities.companyprofile": CompanyProfile.objects.create(
            tenant=tenant, legal_name=f"{MARKER} Vendeur", siret="73282932000074"
        ),
    }


@dataclass(frozen=True)
class Parameter:
    """How to fill one parameter. `is_object` says it names one of A's records: such a route must
    answer 404. A parameter that names no record (a file format, a field name) leaves the route to
    the generic check."""

    build: Callable[[World], object]
    is_object: bool = True


def _pk(name: str) -> Parameter:
    return Parameter(lambda world: world[name].pk)


def _history(name: str, *, oldest: bool = False) -> Parameter:
    return Parameter(lambda world: _history_id(world[name], oldest=oldest))


def _text(value: str) -> Parameter:
    return Parameter(lambda world: value, is_object=False)


# By route name: the parameter means a different object on each route.
ROUTES: dict[str, dict[str, Parameter]] = {
    **{
        f"accounts:{name}": {"pk": _pk("account")}
        for name in (
            "account_detail",
            "account_update",
            "account_delete",
            "address_create",
            "address_update",
            "address_remove",
            "account_merge",
            "account_revert",
            "account_share_add",
            "account_share_remove",
            "account_inline",
        )
    },
    **{
        f"accounts:{name}": {"pk": _pk("contact")}
        for name in (
            "contact_detail",
            "contact_update",
            "contact_delete",
            "contact_merge",
            "contact_revert",
            "contact_consent_record",
            "contact_inline",
        )
    },
    "accounts:account_revert": {"pk": _pk("account"), "history_id": _history("account", oldest=True)},
    "accounts:contact_revert": {"pk": _pk("contact"), "history_id": _history("contact", oldest=True)},
    "accounts:contact_inline": {"pk": _pk("contact"), "field": _text("email")},
    **{
        f"imports:{name}": {"pk": _pk("import_job")}
        for name in ("import_detail", "import_mapping", "import_start", "import_rejects")
    },
    "dedup:dismiss": {"pk": _pk("candidate")},
    **{
        f"crm:{name}": {"pk": _pk("saved_view")}
        for name in ("saved_view_update", "saved_view_default", "saved_view_delete")
    },
    "accounts-api:account-detail": {"pk": _pk("account")},
    "accounts-api:account-share-list": {"pk": _pk("account")},
    "accounts-api:account-share-detail": {
        "pk": _pk("account"),
        "grantee_type": _text("user"),
        "grantee_id": Parameter(lambda world: world.a_rep.user_id),
    },
    "accounts-api:contact-detail": {"pk": _pk("contact")},
    **{
        f"leads:{name}": {"pk": _pk("lead")}
        for name in (
            "lead_detail",
            "lead_update",
            "lead_first_contact",
            "lead_qualification",
            "lead_qualify",
            "lead_disqualify",
            "lead_assign",
            "lead_convert",
        )
    },
    **{
        f"leads-api:{name}": {"pk": _pk("lead")}
        for name in (
            "lead-detail",
            "lead-first-contact",
            "lead-qualify",
            "lead-disqualify",
            "lead-convert",
        )
    },
    # The public web form: A's form key under B's address must not be found (a key is looked up in
    # the tenant of the address only; A's own address is public by design).
    "webforms:submit": {
        "tenant_slug": Parameter(lambda world: world.tenant_b.slug, is_object=False),
        "key": Parameter(lambda world: world["leads.webform"].key),
    },
    **{
        f"opportunities:{name}": {"pk": _pk("opportunity")}
        for name in (
            "opportunity_detail",
            "opportunity_update",
            "opportunity_delete",
            "opportunity_move",
            "contact_role_add",
            "product_add",
            "board_move",
        )
    },
    "opportunities:contact_role_remove": {"pk": _pk("opportunity"), "role_pk": _pk("contact_role")},
    "opportunities:product_remove": {"pk": _pk("opportunity"), "product_pk": _pk("opportunity_product")},
    "opportunities:board": {"pipeline_pk": _pk("pipeline")},
    "opportunities:board_more": {"pipeline_pk": _pk("pipeline"), "stage_pk": _pk("stage")},
    **{
        f"opportunities-api:{name}": {"pk": _pk("opportunity")}
        for name in ("opportunity-detail", "opportunity-move-stage", "opportunity-stage-change-list")
    },
    "quotes:quote_create": {"opportunity_pk": _pk("opportunity")},
    **{
        f"quotes:{name}": {"pk": _pk("quote")}
        for name in ("quote_detail", "quote_header", "quote_line_add", "quote_pdf")
    },
    **{
        f"quotes:{name}": {"pk": _pk("quote"), "line_pk": _pk("quote_line")}
        for name in ("quote_line_update", "quote_line_remove")
    },
    "quotes:quote_action": {"pk": _pk("quote"), "action": _text("send")},
    "quotes-api:product-detail": {"pk": _pk("opportunities.product")},
    "email:outbound_detail": {"pk": _pk("activities.emailmessage")},
    "email:outbound_retry": {"pk": _pk("activities.emailmessage")},
    "email-api:template-detail": {"pk": _pk("activities.emailtemplate")},
    "quotes-api:price-list-detail": {"pk": _pk("opportunities.pricelist")},
    **{
        f"quotes-api:quote-{name}": {"pk": _pk("quote")}
        for name in (
            "detail",
            "pdf",
            "line-create",
            "approve",
            "reject",
            "send",
            "accept",
            "refuse",
            "new-version",
        )
    },
    **{
        f"quotes-api:quote-{name}": {"pk": _pk("quote"), "line_pk": _pk("quote_line")}
        for name in ("line-detail", "line-remove")
    },
    **{
        f"activities:{name}": {"pk": _pk("activity")}
        for name in ("activity_detail", "activity_update", "activity_delete")
    },
    "activities:timeline": {"kind": _text("account"), "pk": _pk("account")},
    "activities-api:activity-detail": {"pk": _pk("activity")},
    **{
        f"email_review:{name}": {"pk": _pk("email_message")}
        for name in ("message_detail", "review_attach", "review_discard")
    },
    "email_review:attachment_download": {
        "pk": _pk("email_message"),
        "attachment_pk": _pk("email_attachment"),
    },
    "integrations:mailbox_poll_now": {"pk": _pk("integrations.mailbox")},
    # The agenda's public feed: A's feed address under B's tenant id must not be found (the feed is
    # looked up in the tenant of the address only; A's own address is the secret itself).
    "agenda_feed:feed": {
        "tenant_id": Parameter(lambda world: world.tenant_b.pk, is_object=False),
        "feed_id": Parameter(lambda world: world["agenda.calendar_settings"].feed_id),
        "secret": Parameter(lambda world: world["agenda.feed_secret"], is_object=False),
    },
    **{
        f"tasks:{name}": {"pk": _pk("task")}
        for name in ("task_detail", "task_update", "task_complete", "task_reopen")
    },
    "tasks-api:task-detail": {"pk": _pk("task")},
    "notifications:notification_read": {"pk": _pk("notification")},
    "tasks-api:notification-read": {"pk": _pk("notification")},
    # Django's password reset link: A's user with a token that is not valid. The page says the link
    # is invalid, whoever asks; a valid token is the secret that the reset mail carries.
    "password_reset_confirm": {
        "uidb64": Parameter(
            lambda world: urlsafe_base64_encode(force_bytes(world.a_admin.user_id)), is_object=False
        ),
        "token": _text("set-password"),
    },
}

# By parameter name, on any route that has no entry above.
PARAMETERS: dict[str, Parameter] = {
    "address_pk": _pk("address"),
    "share_pk": _pk("user_share"),
    "kind": _text("user"),
    "field": _text("legal_name"),
    "file_format": _text("csv"),
    "app_label": _text("accounts"),
    "url": _text("unknown-page/"),
}

# Catch-all patterns with a regular expression and no named group: a concrete path for each.
UNNAMED_REGEX: dict[str, Callable[[World], str]] = {
    "t/[^/]+/.*": lambda world: f"t/{world.tenant_a.slug}/accounts/{world['account'].pk}/",
}

# Objects of A for the tenant admin's pages, by model label; one per model registered on the site.
ADMIN_OBJECTS: dict[str, Callable[[World], models.Model]] = {
    label: (lambda world, label=label: world[label])
    for label in (
        "crm.membership",
        "crm.apikey",
        "crm.tenant",
        "governance.team",
        "governance.territory",
        "governance.fieldpolicy",
        "governance.fieldrule",
        "governance.sensitivefieldread",
        "governance.sharingdefault",
        "governance.sharingrule",
        "governance.securityevent",
        "accounts.segment",
        "accounts.territoryrule",
        "accounts.duplicaterules",
        "leads.leadsource",
        "leads.webform",
        "leads.assignmentrule",
        "leads.leadsettings",
        "leads.businesscalendar",
        "opportunities.pipeline",
        "opportunities.competitor",
        "opportunities.lossreason",
        "opportunities.pipelinesettings",
        "opportunities.product",
        "opportunities.pricelist",
        "opportunities.discountlimit",
        "opportunities.companyprofile",
        "activities.activitytype",
        "activities.activity",
        "activities.emailsettings",
        "activities.emailtemplate",
        "integrations.mailbox",
    )
}

_ADMIN_OBJECT_SUFFIXES = ("_change", "_delete", "_history", "_simple_history")


def _admin_model_label(route_name: str, template: str) -> str | None:
    """The model label of a tenant admin page about one object, from its name or its address."""
    for model in tenant_admin._registry:
        prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if route_name.startswith(info) and route_name.endswith(_ADMIN_OBJECT_SUFFIXES):
            return str(model._meta.label_lower)
        if route_name == template and template.startswith(prefix):  # the unnamed "<object_id>/" redirect
            return str(model._meta.label_lower)
    return None


def _admin_parameter(route_name: str, template: str, name: str) -> Parameter | None:
    label = _admin_model_label(route_name, template)
    if label is None or label not in ADMIN_OBJECTS:
        return None
    builder = ADMIN_OBJECTS[label]
    if name in ("object_id", "_1"):
        return Parameter(lambda world: builder(world).pk)
    if name == "_2":  # simple-history's page of one historical version
        return Parameter(lambda world: _history_id(builder(world)))
    return None


def parameter_for(route_name: str, template: str, name: str) -> Parameter:
    """The registry's answer for one parameter of one route, or MissingBuilder naming both."""
    found = ROUTES.get(route_name, {}).get(name) or _admin_parameter(route_name, template, name)
    if found is None and name in PARAMETERS:
        found = PARAMETERS[name]
    if found is None:
        raise MissingBuilder(
            f"no builder for {name} in route {route_name} ({template}): add one in tests/security/builders.py"
        )
    return found


def admin_models_without_object() -> list[str]:
    """Models registered on the tenant admin for which A's world has no object."""
    return sorted(
        str(model._meta.label_lower)
        for model in tenant_admin._registry
        if model._meta.label_lower not in ADMIN_OBJECTS
    )
