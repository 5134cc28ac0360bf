"""Demo activities, tasks and e-mail for `seed_demo` (registered by activities.apps): the standard
activity types; some forty activities of the demo people on their accounts, contacts, leads and
opportunities (calls with their outcome, e-mails, meetings planned this week and next for rep@ and
terrain.lyon@, a demo, notes, one private); fifteen tasks of rep@, manager@ and terrain.lyon@
(overdue, today, upcoming; two from a lead assignment, done once the demo logs those leads' first
calls); the tenant's e-mail settings, one inbound
e-mail waiting in the review queue and one logged on a contact's timeline.

Activities go through `activity_create`, so their effects apply (a lead's first contact, the last
contact of contacts and accounts). Idempotent: activities are keyed on their calendar UID, tasks on
their source key, e-mails on their Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nh3
from django.utils import timezone

from accounts.models import Account, Contact
from activities.models import Activity, ActivityType, EmailMessage, EmailSettings, Task
from activities.services import ActivityInput, activity_create, activity_types_ensure
from crm.history import set_history_user
from crm.models import Membership, Tenant

UID_DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoActivity:
    key: str  # the activity's UID is demo-<key>@demo.example
    owner: str  # e-mail local part of a demo person
    code: str  # activity type
    subject: str
    day: int  # days from today: negative = done, positive = planned
    hour: int
    minutes: int | None = None  # duration
    on: str = "account"  # "account", "opportunity" or "lead"
    pick: int = 0  # which of the owner's accounts or opportunities (by name), or the lead's e-mail
    lead: str = ""
    outcome: str = ""
    description: str = ""
    location: str = ""
    private: bool = False
    contact: bool = True  # name the account's first contact


A = DemoActivity
ACTIVITIES: tuple[DemoActivity, ...] = (
    # Julien Petit (rep@): calls with outcomes, e-mails, meetings this week and next, a private note.
    A("rep-01", "rep", "outbound_call", "Appel de découverte", -40, 10, 15, outcome="reached",
      description="Besoin d'un outil de suivi des tournées, 12 commerciaux."),
    A("rep-02", "rep", "email", "Envoi de la plaquette et des tarifs", -39, 11),
    A("rep-03", "rep", "outbound_call", "Relance suite à l'envoi des tarifs", -30, 14, 5, outcome="voicemail"),
    A("rep-04", "rep", "outbound_call", "Relance suite à l'envoi des tarifs", -28, 9, 10, outcome="interested",
      description="Souhaite une démonstration avec le directeur financier."),
    A("rep-05", "rep", "meeting", "Rendez-vous de qualification", -21, 14, 60, on="opportunity",
      location="Dans leurs locaux"),
    A("rep-06", "rep", "email", "Compte rendu du rendez-vous", -20, 9, on="opportunity"),
    A("rep-07", "rep", "inbound_call", "Question sur la facture de mars", -12, 16, 8, pick=1, outcome="reached"),
    A("rep-08", "rep", "outbound_call", "Point sur le devis", -6, 11, 12, on="opportunity", outcome="follow_up"),
    A("rep-09", "rep", "note", "Note : le budget est voté en comité le 15", -5, 18, on="opportunity"),
    A("rep-10", "rep", "note", "Note personnelle : interlocuteur difficile, passer par l'assistante", -4, 18,
      pick=1, private=True, contact=False),
    A("rep-11", "rep", "outbound_call", "Premier appel suite à la demande web", -2, 10, 6, on="lead",
      lead="paul.girard@girard-btp.example", outcome="follow_up"),
    A("rep-12", "rep", "meeting", "Présentation de la proposition", 2, 10, 90, on="opportunity",
      location="Dans leurs locaux"),
    A("rep-13", "rep", "meeting", "Réunion de suivi trimestrielle", 3, 15, 60, pick=1, location="Visioconférence"),
    A("rep-14", "rep", "meeting", "Négociation du contrat", 8, 14, 60, on="opportunity",
      location="Chez nous, salle Rhône"),
    A("rep-15", "rep", "field_visit", "Visite du dépôt d'Amiens", 9, 9, 120, pick=1, location="Amiens"),
    # Camille Roux (terrain.lyon@): her Rhône-Alpes accounts, a demo, visits.
    A("lyon-01", "terrain.lyon", "outbound_call", "Appel de suivi après installation", -35, 9, 10,
      outcome="reached"),
    A("lyon-02", "terrain.lyon", "field_visit", "Visite de l'usine de Thonon", -25, 10, 180,
      location="Thonon-les-Bains"),
    A("lyon-03", "terrain.lyon", "email", "Proposition d'extension du contrat", -24, 17, on="opportunity"),
    A("lyon-04", "terrain.lyon", "outbound_call", "Relance proposition d'extension", -15, 11, 4,
      on="opportunity", outcome="no_answer"),
    A("lyon-05", "terrain.lyon", "outbound_call", "Relance proposition d'extension", -14, 9, 14,
      on="opportunity", outcome="interested"),
    A("lyon-06", "terrain.lyon", "outbound_call", "Premier appel : menuiserie à Lyon 7e", -1, 15, 9, on="lead",
      lead="marc.dubois@menuiserie-dubois.example", outcome="reached",
      description="Projet de 3 postes, rappel prévu avec le gérant."),
    A("lyon-07", "terrain.lyon", "note", "Note : concurrent Sellsy en place jusqu'en juin", -9, 18, pick=1),
    A("lyon-08", "terrain.lyon", "email", "Envoi des conditions de maintenance", -7, 10, pick=2),
    A("lyon-09", "terrain.lyon", "demo", "Démonstration de la solution", 1, 14, 60, on="opportunity",
      location="Visioconférence"),
    A("lyon-10", "terrain.lyon", "meeting", "Atelier de cadrage", 4, 9, 120, pick=1, location="Lyon 3e"),
    A("lyon-11", "terrain.lyon", "field_visit", "Visite de la fromagerie", 7, 10, 90, pick=2,
      location="Lons-le-Saunier"),
    A("lyon-12", "terrain.lyon", "meeting", "Comité de pilotage", 10, 14, 90, on="opportunity",
      location="Thonon-les-Bains"),
    # Sophie Bernard (manager@) and Karim Haddad (manager.sud@), Léa Fontaine (inside@).
    A("manager-01", "manager", "meeting", "Revue de compte avec la coopérative", -18, 10, 90,
      location="Bourges"),
    A("manager-02", "manager", "outbound_call", "Appel de courtoisie", -3, 11, 10, outcome="reached"),
    A("manager-03", "manager", "note", "Note : partenariat à renouveler en septembre", -3, 12),
    A("sud-01", "manager.sud", "outbound_call", "Relance commande de papier recyclé", -16, 10, 7,
      outcome="not_interested"),
    A("sud-02", "manager.sud", "email", "Confirmation de commande", -11, 15),
    A("sud-03", "manager.sud", "meeting", "Rendez-vous avec l'expert-comptable", 5, 11, 60, pick=1,
      location="Bordeaux"),
    A("inside-01", "inside", "inbound_call", "Demande de devis pour la saison", -19, 9, 12, outcome="interested"),
    A("inside-02", "inside", "outbound_call", "Rappel du devis", -13, 10, 3, outcome="wrong_number"),
    A("inside-03", "inside", "outbound_call", "Rappel du devis", -12, 10, 9, outcome="reached"),
    A("inside-04", "inside", "email", "Devis saison 2027", -12, 11),
    A("inside-05", "inside", "webinar", "Webinaire : nouveautés de la saison", 6, 11, 60, pick=1, contact=False,
      location="Visioconférence"),
    A("inside-06", "inside", "note", "Note : clinique ouverte le samedi matin", -8, 17, pick=1),
)  # fmt: skip


@dataclass(frozen=True)
class DemoTask:
    key: str  # source key demo:<key>, or the lead's e-mail for a task of a lead assignment
    assignee: str
    title: str
    day: int  # due: days from today (negative: overdue)
    hour: int
    kind: str = Task.Kind.SALES_FOLLOW_UP
    priority: int = Task.Priority.NORMAL
    on: str = "account"  # "account", "opportunity", "lead" or "" (internal)
    pick: int = 0
    lead: str = ""
    remind: int | None = None


T = DemoTask
TASKS: tuple[DemoTask, ...] = (
    T("rep-1", "rep", "Relancer le devis envoyé", -3, 10, priority=Task.Priority.HIGH, on="opportunity"),
    T("rep-2", "rep", "Envoyer la documentation technique", -1, 14),
    T("rep-3", "rep", "Préparer la présentation de la proposition", 0, 17, Task.Kind.MEETING_PREPARATION,
      on="opportunity", remind=60),
    T("rep-4", "rep", "Rappeler le service comptabilité", 0, 11, pick=1),
    T("rep-5", "rep", "Enquête de satisfaction après livraison", 5, 10, Task.Kind.AFTER_SALES, pick=1),
    T("rep-6", "rep", "Mettre à jour le prévisionnel du trimestre", 9, 9, Task.Kind.INTERNAL, on=""),
    T("lyon-1", "terrain.lyon", "Préparer la démonstration", 0, 9, Task.Kind.MEETING_PREPARATION,
      priority=Task.Priority.HIGH, on="opportunity", remind=30),
    T("lyon-2", "terrain.lyon", "Relancer la proposition d'extension", -2, 15, on="opportunity"),
    T("lyon-3", "terrain.lyon", "Vérifier l'installation sur site", 3, 10, Task.Kind.AFTER_SALES),
    T("lyon-4", "terrain.lyon", "Réserver la salle du comité", 8, 9, Task.Kind.MEETING_PREPARATION, pick=1),
    T("manager-1", "manager", "Valider la remise de 12 %", -1, 12, Task.Kind.INTERNAL,
      priority=Task.Priority.URGENT, on="opportunity"),
    T("manager-2", "manager", "Point mensuel avec Julien", 0, 16, Task.Kind.INTERNAL, on="", remind=15),
    T("manager-3", "manager", "Préparer la revue de pipeline", 4, 9, Task.Kind.INTERNAL, on=""),
    # Created by the lead assignment (as the assignment listener does), one per assigned lead.
    T("lead", "terrain.lyon", "Contacter le nouveau prospect", 1, 10, on="lead",
      lead="marc.dubois@menuiserie-dubois.example"),
    T("lead", "rep", "Contacter le nouveau prospect", 1, 12, on="lead", lead="paul.girard@girard-btp.example"),
)  # fmt: skip

EMAIL_SIGNATURE = "Julien Petit\nDurand Équipements SAS\n01 84 60 12 34 · www.durand-equipements.example"
REVIEW_MESSAGE_ID = "<20261120.093512.4471@transports-bernard.example>"
LOGGED_MESSAGE_ID = "<CAF3x9vQ.demo.8812@mail.example>"


def _at(day: int, hour: int) -> datetime:
    """Today (the local date) + `day`, at `hour` o'clock; a weekend moves to the Monday after for what
    lies ahead and to the Friday before for what is past ("today" stays today)."""
    local = timezone.localtime()
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=day)
    while day and moment.weekday() >= 5:
        moment += timedelta(days=1 if day > 0 else -1)
    return moment


class Records:
    """The demo records an activity or a task can be about, looked up by their owner."""

    def __init__(self, memberships: dict[str, Membership]) -> None:
        from leads.models import Lead
        from opportunities.models import Opportunity

        self.memberships = memberships
        self.accounts: dict[str, list[Account]] = {}
        self.opportunities: dict[str, list[Any]] = {}
        self._opportunity = Opportunity
        self._lead = Lead

    def user(self, local: str) -> Any:
        return self.memberships[local].user

    def account(self, owner: str, pick: int) -> Account | None:
        if owner not in self.accounts:
            mine = list(Account.objects.filter(owner=self.user(owner)).order_by("legal_name", "pk"))
            self.accounts[owner] = mine or list(Account.objects.order_by("legal_name", "pk")[:5])
        found = self.accounts[owner]
        return found[pick % len(found)] if found else None

    def opportunity(self, owner: str, pick: int) -> Any:
        if owner not in self.opportunities:
            mine = self._opportunity.objects.filter(owner=self.user(owner)).select_related("account")
            # Open ones first: the planned meetings and demos are about deals still in play.
            self.opportunities[owner] = [
                *mine.filter(stage__outcome="open").order_by("name", "pk"),
                *mine.exclude(stage__outcome="open").order_by("name", "pk"),
            ]
        found = self.opportunities[owner]
        return found[pick % len(found)] if found else None

    def lead(self, email: str) -> Any:
        return self._lead.objects.filter(email=email).first()


def _first_contact(account: Account | None) -> Contact | None:
    if account is None:
        return None
    return Contact.objects.filter(account=account).order_by("pk").first()


def seed_activity_records(types: dict[str, ActivityType], records: Records) -> int:
    created = 0
    for spec in ACTIVITIES:
        uid = f"demo-{spec.key}@{UID_DOMAIN}"
        if Activity.objects.filter(uid=uid).exists():
            continue
        owner = records.user(spec.owner)
        account = opportunity = lead = None
        if spec.on == "opportunity":
            opportunity = records.opportunity(spec.owner, spec.pick)
            account = (
                opportunity.account if opportunity is not None else records.account(spec.owner, spec.pick)
            )
        elif spec.on == "lead":
            lead = records.lead(spec.lead)
            if lead is None:
                continue
        else:
            account = records.account(spec.owner, spec.pick)
        if lead is None and account is None:
            continue
        contact = _first_contact(account) if spec.contact else None
        starts_at = _at(spec.day, spec.hour)
        kind = types[spec.code].kind
        channel = {"call": "phone", "email": "email", "note": ""}.get(
            kind, "video" if spec.location == "Visioconférence" else "in_person"
        )
        activity_create(
            data=ActivityInput(
                type=types[spec.code],
                subject=spec.subject,
                owner=owner,
                starts_at=starts_at,
                duration_minutes=spec.minutes,
                status=Activity.Status.DONE if spec.day < 0 else Activity.Status.PLANNED,
                description=spec.description,
                outcome=spec.outcome,
                channel=channel,
                location=spec.location,
                is_private=spec.private,
                account=account,
                lead=lead,
                opportunity=opportunity,
                contacts=[contact] if contact is not None else [],
                uid=uid,
            ),
            actor=owner,
        )
        created += 1
    return created


def seed_tasks(records: Records) -> int:
    created = 0
    for spec in TASKS:
        assignee = records.user(spec.assignee)
        account = opportunity = lead = None
        if spec.on == "lead":
            lead = records.lead(spec.lead)
            if lead is None:
                continue
            source_key = f"lead.assigned:{lead.pk}"
            assignee = lead.owner or assignee  # the task of an assignment is the new owner's
        else:
            source_key = f"demo:{spec.key}"
            if spec.on == "opportunity":
                opportunity = records.opportunity(spec.assignee, spec.pick)
                account = opportunity.account if opportunity is not None else None
            elif spec.on == "account":
                account = records.account(spec.assignee, spec.pick)
        if Task.objects.filter(source_key=source_key).exists():
            continue
        task = Task(
            kind=spec.kind,
            title=spec.title,
            due_at=_at(spec.day, spec.hour),
            priority=spec.priority,
            assignee=assignee,
            created_by=None if spec.on == "lead" else assignee,  # a lead assignment is nobody's doing
            account=account,
            contact=_first_contact(account),
            lead=lead,
            opportunity=opportunity,
            remind_minutes_before=spec.remind,
            source_key=source_key,
        )
        set_history_user(task, actor=assignee if spec.on != "lead" else None)
        task.save()
        created += 1
    return created


REVIEW_HTML = (
    "<p>Bonjour,</p>"
    "<p>Nous sommes un transporteur régional (14 véhicules) basé à Rouen et cherchons un outil pour "
    "suivre nos clients et nos devis. Pourriez-vous nous envoyer une documentation et vos tarifs ?</p>"
    "<p>Nous serions disponibles pour un échange téléphonique la semaine prochaine, de préférence le "
    "mardi ou le jeudi matin.</p>"
    "<p>Bien cordialement,<br>Hélène Bernard<br>Responsable d'exploitation<br>Transports Bernard<br>"
    "02 35 71 48 90</p>"
)
LOGGED_HTML = (
    "<p>Bonjour Julien,</p>"
    "<p>Merci pour la proposition reçue hier. Le comité de direction l'examinera le 15 ; pouvez-vous "
    "nous préciser le délai de mise en service pour nos trois sites ?</p>"
    "<p>Cordialement,</p>"
)


def _text(html: str) -> str:
    return nh3.clean(html.replace("<br>", "\n").replace("</p>", "\n\n"), tags=set()).strip()


def seed_email(tenant: Tenant, types: dict[str, ActivityType], records: Records) -> int:
    values = {
        "sender_name": "Démo CRM",
        "sender_address": "crm@demo.example",
        "reply_to": "",
        "signature": EMAIL_SIGNATURE,
        "dropbox_address": "depot@demo.example",
    }
    settings = EmailSettings.objects.first()
    if settings is None:
        settings = EmailSettings(tenant=tenant, **values)
        set_history_user(settings, actor=records.user("admin"))
        settings.save()
    created = 0
    now = timezone.now()
    if not EmailMessage.objects.filter(message_id=REVIEW_MESSAGE_ID).exists():
        EmailMessage.objects.create(
            direction=EmailMessage.Direction.INBOUND,
            status=EmailMessage.Status.REVIEW,
            source=EmailMessage.Source.DROPBOX,
            message_id=REVIEW_MESSAGE_ID,
            thread_key=REVIEW_MESSAGE_ID,
            from_address="h.bernard@transports-bernard.example",
            from_name="Hélène Bernard",
            to_addresses=["depot@demo.example"],
            subject="Demande de documentation et de tarifs",
            sent_at=now - timedelta(hours=20),
            body_text=_text(REVIEW_HTML),
            body_html=nh3.clean(REVIEW_HTML),
            raw_size=len(REVIEW_HTML.encode()) + 1_200,
            review_reason="Aucun contact ne correspond à l'adresse de l'expéditeur.",
        )
        created += 1
    if not EmailMessage.objects.filter(message_id=LOGGED_MESSAGE_ID).exists():
        opportunity = records.opportunity("rep", 0)
        account = opportunity.account if opportunity is not None else records.account("rep", 0)
        contact = _first_contact(account)
        if contact is not None:
            sent_at = _at(-1, 16)
            activity = activity_create(
                data=ActivityInput(
                    type=types["email"],
                    subject="Re: Proposition commerciale",
                    owner=records.user("rep"),
                    starts_at=sent_at,
                    channel=Activity.Channel.EMAIL,
                    description=_text(LOGGED_HTML),
                    account=account,
                    opportunity=opportunity,
                    contacts=[contact],
                    uid=f"demo-email-logged@{UID_DOMAIN}",
                ),
                actor=None,
            )
            EmailMessage.objects.create(
                activity=activity,
                direction=EmailMessage.Direction.INBOUND,
                status=EmailMessage.Status.LOGGED,
                source=EmailMessage.Source.DROPBOX,
                message_id=LOGGED_MESSAGE_ID,
                thread_key=LOGGED_MESSAGE_ID,
                from_address=contact.email,
                from_name=f"{contact.first_name} {contact.last_name}",
                to_addresses=["rep@demo.example"],
                cc_addresses=["depot@demo.example"],
                subject="Re: Proposition commerciale",
                sent_at=sent_at,
                body_text=_text(LOGGED_HTML),
                body_html=nh3.clean(LOGGED_HTML),
                raw_size=len(LOGGED_HTML.encode()) + 900,
            )
            created += 1
    return created


def seed_activities(tenant: Tenant, memberships: dict[str, Membership]) -> str:
    types = {activity_type.code: activity_type for activity_type in activity_types_ensure()}
    records = Records(memberships)
    activities = seed_activity_records(types, records)
    tasks = seed_tasks(records)
    emails = seed_email(tenant, types, records)
    return f"{activities} activities, {tasks} tasks, {emails} e-mails, e-mail settings (depot@demo.example)"


def ready() -> None:
    """Called by activities.apps: the demo seeder runs after the opportunities and quotes ones."""
    from crm import demo

    demo.register(demo.DemoSeeder("activities", seed_activities, order=70))
