"""Benchmark leads (found by crm.benchdata.discover): per tenant the default sources, settings, a
business calendar, web forms and assignment rules, then leads with their sources and UTM parameters,
owners (the reps of the lead's micro-secteur in the main tenant; a share still in the unassigned
queue), first-contact deadlines (24 hours, 4 for inbound calls) met, missed or still running, the
breaches the sweep flagged and escalated, qualification (BANT), products of interest, conversions
linked to accounts, contacts and most to the opportunity they created, consents from the web forms,
history rows and search entries.

The main tenant holds 200,000 leads at `large` (200 at `tiny`, 10,000 at `small`); small tenants a few.
Search entries mirror leads.search.lead_document (a test holds them equal), in French.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.utils.translation import override

from accounts.benchdata import SEARCH_COLUMNS, luhn_check_digit, national_digits
from crm.benchdata import BenchContext, Generator, HistoryRows, copy_columns, register
from crm.benchdata.france import (
    ACTIVITIES,
    DEPARTEMENTS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    JOB_TITLES,
    LAST_NAMES,
    Town,
)
from crm.benchdata.kernel import SALES_REPS, BenchTenant
from leads.models import (
    AssignmentRule,
    BusinessCalendar,
    Lead,
    LeadConsent,
    LeadSettings,
    LeadSource,
    WebForm,
    default_conversion_prerequisites,
    default_working_days,
)
from leads.search import LEAD

CHUNK = 20_000
LEADS = {"tiny": 200, "small": 10_000, "large": 200_000}
SMALL_LEADS = {"tiny": 5, "small": 25, "large": 25}
SETUP_SINCE = timedelta(days=800)
SOURCE_SLA_HOURS = {"inbound_call": 4}  # the rest: the tenant's 24 hours
UNASSIGNED_SHARE = 0.25  # of the new leads, still in the queue

LEAD_COLUMNS = [
    "id",
    "tenant_id",
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "language",
    "company_name",
    "siret",
    "country",
    "postal_code",
    "city",
    "segment_id",
    "partner_id",
    "source_id",
    "campaign",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "web_form_id",
    "known_contact_id",
    "score",
    "funnel_entered_at",
    "status",
    "unqualified_reason",
    "unqualified_note",
    "owner_id",
    "territory_id",
    "assignment_rule_id",
    "assigned_at",
    "first_contact_due_at",
    "first_contacted_at",
    "sla_breached_at",
    "sla_escalated_at",
    "unassigned_alerted_at",
    "budget",
    "authority",
    "need",
    "timeline",
    "qualification_answers",
    "converted_at",
    "converted_by_id",
    "converted_account_id",
    "converted_contact_id",
    "converted_opportunity_id",
    "product_of_interest_id",
    "created_at",
    "updated_at",
    "version",
]
COLUMN = {column: index for index, column in enumerate(LEAD_COLUMNS)}
CONSENT_COLUMNS = ["id", "tenant_id", "lead_id", "purpose", "status", "recorded_at", "source", "proof"]


def _weighted(pairs: Sequence[tuple[Any, int]]) -> list[Any]:
    return [value for value, weight in pairs for _ in range(weight)]


SOURCES = _weighted(
    [
        ("web_form", 30),
        ("content_download", 15),
        ("event", 12),
        ("purchased_list", 8),
        ("email_campaign", 15),
        ("inbound_call", 8),
        ("referral", 7),
        ("partner", 5),
    ]
)
STATUSES = _weighted(
    [("new", 22), ("qualifying", 18), ("qualified", 10), ("unqualified", 28), ("converted", 22)]
)
# Over how many days before the load leads of each status arrived: the new ones are recent.
AGE_DAYS = {"new": 12, "qualifying": 120, "qualified": 200, "unqualified": 730, "converted": 730}
REASONS = Lead.UnqualifiedReason.values
TIMELINES = Lead.Timeline.values
UTM = {
    "web_form": (("google", "cpc"), ("linkedin", "social"), ("bing", "cpc"), ("site", "organic")),
    "content_download": (("linkedin", "social"), ("google", "cpc"), ("partenaire", "referral")),
    "email_campaign": (("newsletter", "email"), ("brevo", "email")),
}
CAMPAIGNS = (
    "Salon Industrie Lyon",
    "Webinaire cybersécurité",
    "Printemps de la maintenance",
    "Offre de rentrée",
    "Livre blanc transition énergétique",
    "Relance clients inactifs",
)
TERMS = ("logiciel maintenance", "crm industrie", "contrat entretien", "audit énergie", "gmao pme")
BUDGETS = ("< 10 k€", "10 à 50 k€", "50 à 150 k€", "> 150 k€")
AUTHORITIES = ("Décideur", "Prescripteur", "Acheteur", "Utilisateur clé")
NEEDS = (
    "Remplacer l'outil actuel",
    "Équiper un nouveau site",
    "Réduire les coûts de maintenance",
    "Mise en conformité réglementaire",
    "Accompagner la croissance",
)


def lead_search_row(
    tenant_id: int, lead_id: int, first: str, last: str, email: str, phone: str, company: str, siret: str,
    town: Town, status_label: str,
) -> tuple[int, str, int, str, str, str]:  # fmt: skip
    """leads.search.lead_document for a lead with a French (or no) number; a test holds them equal
    (its phone_forms parses the number, a millisecond a lead at this scale)."""
    subtitle = " · ".join(part for part in (company, email, status_label) if part)
    phones = [phone, national_digits(phone)] if phone else []
    parts = (first, last, email, *phones, company, siret, town.postal_code, town.name)
    return (
        tenant_id,
        LEAD,
        lead_id,
        f"{first} {last}".strip(),
        subtitle,
        " ".join(part for part in parts if part),
    )


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(char if char.isalnum() else " " for char in plain).split())


class TenantLeads:
    def __init__(self, ctx: BenchContext, tenant: BenchTenant, count: int) -> None:
        self.ctx, self.tenant, self.count = ctx, tenant, count
        self.rng = ctx.rng(f"leads:{tenant.slug}")
        self.when = ctx.now - SETUP_SINCE
        self.admin = tenant.members[0].user_id
        self.history = HistoryRows(Lead, LEAD_COLUMNS)
        self.consent_history = HistoryRows(LeadConsent, CONSENT_COLUMNS)
        self.towns = [town for departement in DEPARTEMENTS for town in departement.towns]

    def _created(self, model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Reference rows set up by the administrator long ago, with their creation history rows."""
        self.ctx.copy(model._meta.db_table, copy_columns(model, columns), rows)
        history = HistoryRows(model, columns)
        ids = self.ctx.ids(history.table, len(rows), "history_id")
        self.ctx.copy(
            history.table,
            history.columns,
            [history.row(row, ids[n], self.when, "+", self.admin) for n, row in enumerate(rows)],
        )

    def reference(self) -> None:
        ctx, tenant = self.ctx, self.tenant
        with override("fr"):
            sources = [
                (
                    ctx.next_id("leads_leadsource"),
                    tenant.id,
                    code,
                    str(name),
                    SOURCE_SLA_HOURS.get(code),
                    n,
                    True,
                )
                for n, (code, name) in enumerate(LeadSource.DEFAULTS)
            ]
        self._created(
            LeadSource, ["id", "tenant_id", "code", "name", "sla_hours", "position", "is_active"], sources
        )
        self.sources = {row[2]: (row[0], row[4]) for row in sources}  # code -> (id, SLA hours)
        settings: tuple[Any, ...] = (
            ctx.next_id("leads_leadsettings"),
            tenant.id,
            24,
            False,
            60,
            None,
            LeadSettings.Grid.BANT.value,
            [],
            default_conversion_prerequisites(),
        )
        self._created(
            LeadSettings,
            [
                "id",
                "tenant_id",
                "first_contact_sla_hours",
                "sla_in_business_hours",
                "max_assignment_delay_minutes",
                "fallback_team_id",
                "qualification_grid",
                "custom_questions",
                "conversion_prerequisites",
            ],
            [settings],
        )
        calendar: tuple[Any, ...] = (
            ctx.next_id("leads_businesscalendar"),
            tenant.id,
            default_working_days(),
            time(9),
            time(18),
            True,
            [],
        )
        self._created(
            BusinessCalendar,
            [
                "id",
                "tenant_id",
                "working_days",
                "day_start",
                "day_end",
                "french_public_holidays",
                "closed_days",
            ],
            [calendar],
        )
        forms = [("Demande de démonstration", "demo", "web_form", ["marketing_email"])]
        if tenant.is_main:
            forms.append(("Livre blanc", "livre-blanc", "content_download", ["marketing_email", "profiling"]))
        form_rows = [
            (
                ctx.next_id("leads_webform"),
                tenant.id,
                name,
                key,
                True,
                self.sources[source][0],
                "",
                "",
                ["first_name", "phone", "company_name", "job_title"],
                ["company_name"],
                purposes,
                f"https://www.{_slug(tenant.name)}.example/merci",
            )
            for name, key, source, purposes in forms
        ]
        self._created(
            WebForm,
            [
                "id",
                "tenant_id",
                "name",
                "key",
                "is_active",
                "source_id",
                "campaign",
                "language",
                "fields",
                "required_fields",
                "consent_purposes",
                "thank_you_url",
            ],
            form_rows,
        )
        self.forms = {form[2]: (row[0], row[2], form[3]) for form, row in zip(forms, form_rows, strict=True)}
        self.rules(form_rows)

    def rules(self, form_rows: list[tuple[Any, ...]]) -> None:
        """Main tenant: web leads in turn within each sales team, by the first digits of the postal code."""
        if not self.tenant.is_main:
            return
        ctx = self.ctx
        ctx.cursor.execute(
            "SELECT id FROM governance_team WHERE tenant_id = %s AND parent_id IS NOT NULL ORDER BY id",
            [self.tenant.id],
        )
        teams = [row[0] for row in ctx.cursor.fetchall()]
        if not teams:
            return
        codes = sorted({departement.code for departement in DEPARTEMENTS})
        rows = [
            (
                ctx.next_id("leads_assignmentrule"),
                self.tenant.id,
                position,
                f"Web {code} : équipe {n % len(teams) + 1:03d}",
                True,
                "FR",
                code,
                None,
                "",
                None,
                self.sources["web_form"][0],
                None,
                teams[n % len(teams)],
                None,
                None,
            )
            for position, (n, code) in enumerate(enumerate(codes[: 4 * len(teams)]))
        ]
        self._created(
            AssignmentRule,
            [
                "id",
                "tenant_id",
                "position",
                "name",
                "is_active",
                "country",
                "postal_code_prefix",
                "segment_id",
                "language",
                "partner_id",
                "source_id",
                "target_user_id",
                "target_team_id",
                "last_assigned_user_id",
                "product_of_interest_id",
            ],
            rows,
        )

    def accounts(self) -> None:
        cursor = self.ctx.cursor
        cursor.execute(
            "SELECT a.id, min(c.id), a.account_type = 'partner' FROM accounts_account a"
            " LEFT JOIN accounts_contact c ON c.account_id = a.id AND c.tenant_id = a.tenant_id"
            " WHERE a.tenant_id = %s GROUP BY a.id ORDER BY a.id",
            [self.tenant.id],
        )
        rows = cursor.fetchall()
        self.account_contacts = [(account, contact) for account, contact, _partner in rows]
        self.first_contacts = dict(self.account_contacts)
        self.partners = [account for account, _contact, partner in rows if partner]
        cursor.execute("SELECT id FROM accounts_segment WHERE tenant_id = %s ORDER BY id", [self.tenant.id])
        self.segments = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT min(id), max(id) FROM accounts_contact WHERE tenant_id = %s", [self.tenant.id])
        self.contact_range = cursor.fetchone()
        # Conversions that created an opportunity: the opportunity's account and creation are the lead's.
        cursor.execute(
            "SELECT id, account_id, primary_contact_id, created_at FROM opportunities_opportunity"
            " WHERE tenant_id = %s AND sale_type = 'new_customer' ORDER BY id",
            [self.tenant.id],
        )
        self.opportunities = cursor.fetchall()
        cursor.execute(
            "SELECT id FROM opportunities_product WHERE tenant_id = %s AND is_active ORDER BY id",
            [self.tenant.id],
        )
        self.products = [row[0] for row in cursor.fetchall()]

    def generate(self) -> None:
        self.reference()
        self.accounts()
        micro = self.ctx.state.get("micro_territories") if self.tenant.is_main else None
        owners = [member.user_id for member in self.tenant.with_role(*SALES_REPS)] or [
            member.user_id for member in self.tenant.members
        ]
        ids = self.ctx.ids("leads_lead", self.count)
        # The search entries in the tenant's language (they show the status's label).
        with override("fr"):
            self.status_labels = {status: str(label) for status, label in Lead.Status.choices}
        self.chunks(ids, micro, owners)

    def chunks(self, ids: range, micro: dict[str, tuple[int, list[int]]] | None, owners: list[int]) -> None:
        for start in range(0, self.count, CHUNK):
            leads: list[list[Any]] = []
            history: list[tuple[Any, ...]] = []
            consents: list[tuple[Any, ...]] = []
            search: list[tuple[Any, ...]] = []
            for lead_id in ids[start : start + CHUNK]:
                self.lead(lead_id, micro, owners, leads, history, consents, search)
            self.ctx.copy("leads_lead", LEAD_COLUMNS, leads)
            self.ctx.copy(self.history.table, self.history.columns, history)
            self.ctx.copy("leads_leadconsent", CONSENT_COLUMNS, consents)
            consent_ids = self.ctx.ids(self.consent_history.table, len(consents), "history_id")
            self.ctx.copy(
                self.consent_history.table,
                self.consent_history.columns,
                [
                    self.consent_history.row(row, consent_ids[n], row[5], "+", None)
                    for n, row in enumerate(consents)
                ],
            )
            self.ctx.copy("search_entry", SEARCH_COLUMNS, search)

    def lead(
        self,
        lead_id: int,
        micro: dict[str, tuple[int, list[int]]] | None,
        owners: list[int],
        leads: list[list[Any]],
        history: list[tuple[Any, ...]],
        consents: list[tuple[Any, ...]],
        search: list[tuple[Any, ...]],
    ) -> None:
        ctx, rng, tenant, now = self.ctx, self.rng, self.tenant, self.ctx.now
        status = rng.choice(STATUSES)
        opportunity = None
        if status == "converted" and self.opportunities and rng.random() < 0.6:
            opportunity = rng.choice(self.opportunities)
        source = rng.choice(SOURCES)
        source_id, sla_hours = self.sources[source]
        created = (
            now - timedelta(days=AGE_DAYS[status] * rng.random(), minutes=rng.randrange(5, 600))
        ).replace(microsecond=0)
        if opportunity is not None:  # converted 5 to 60 days after it arrived, creating the opportunity
            created = opportunity[3] - timedelta(days=rng.uniform(5, 60))
        female = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        word, _codes = rng.choice(ACTIVITIES)
        company = f"{word} {rng.choice(LAST_NAMES)}" if rng.random() < 0.95 else ""
        domain = f"{_slug(company) or 'gmail'}.fr" if company else "gmail.com"
        email = f"{_slug(first)}.{_slug(last)}@{domain}".replace("-", ".") if rng.random() < 0.93 else ""
        phone = f"+33{rng.choice('1234567')}{rng.randrange(10**8):08d}" if rng.random() < 0.7 else ""
        town = rng.choice(self.towns)
        siret = ""
        if company and rng.random() < 0.4:
            body = f"{rng.randrange(10**7, 10**8):08d}"
            siren = body + luhn_check_digit(body)
            siret = f"{siren}0001" + luhn_check_digit(f"{siren}0001")
        territory: int | None = None
        owner: int | None = rng.choice(owners)
        if micro is not None:
            territory, reps = micro[town.postal_code[:3]]
            owner = rng.choice(reps)
        if status == "new" and rng.random() < UNASSIGNED_SHARE:
            owner = None
        utm = UTM.get(source)
        utm_source, utm_medium = rng.choice(utm) if utm else ("", "")
        campaign = (
            rng.choice(CAMPAIGNS)
            if source in ("web_form", "content_download", "email_campaign", "event")
            else ""
        )
        form = self.forms.get(source)

        assigned = created + timedelta(minutes=rng.randrange(1, 50)) if owner else None
        due = assigned + timedelta(hours=sla_hours or 24) if assigned else None
        contacted: datetime | None = None
        breached: datetime | None = None
        if status != "new" and assigned is not None and due is not None:
            if rng.random() < 0.75:
                contacted = assigned + (due - assigned) * rng.uniform(0.05, 0.95)
            else:
                contacted = due + timedelta(hours=rng.uniform(1, 72))
            if contacted > now:  # a lead that arrived hours ago: contacted since, within its deadline
                contacted = assigned + (now - assigned) * rng.uniform(0.1, 0.9)
            contacted = contacted.replace(microsecond=0)
        if due is not None and (
            (contacted is None and due < now) or (contacted is not None and contacted > due)
        ):
            breached = due + timedelta(minutes=rng.randrange(1, 15))  # the sweep's next run
        alerted = created + timedelta(minutes=60 + rng.randrange(1, 10)) if owner is None else None
        if alerted is not None and alerted > now:
            alerted = None
        qualified = status in ("qualified", "converted")
        converted_at = account = contact = None
        if opportunity is not None:
            converted_at, account = opportunity[3], opportunity[1]
            contact = opportunity[2] or self.first_contacts.get(account)
        elif status == "converted":
            converted_at = min(now, max(contacted or created, created + timedelta(days=rng.uniform(3, 60))))
            account, contact = rng.choice(self.account_contacts)
        moments = [moment for moment in (contacted, converted_at) if moment is not None]
        updated = max([created, *moments]) if status != "new" else created
        row: list[Any] = [
            lead_id,
            tenant.id,
            "mme" if female else "m",
            first,
            last,
            email,
            phone,
            rng.choice(JOB_TITLES)[0],
            "fr" if rng.random() < 0.9 else "en",
            company,
            siret,
            "FR",
            town.postal_code,
            town.name,
            rng.choice(self.segments) if self.segments and rng.random() < 0.5 else None,
            rng.choice(self.partners) if source == "partner" and self.partners else None,
            source_id,
            campaign,
            utm_source,
            utm_medium,
            _slug(campaign) if utm else "",
            rng.choice(TERMS) if utm_medium == "cpc" else "",
            rng.choice(("banniere-a", "banniere-b", "texte")) if utm else "",
            form[0] if form else None,
            self._known_contact() if form and rng.random() < 0.03 else None,
            rng.randrange(50, 101) if qualified else rng.randrange(0, 60),
            created,
            status,
            rng.choice(REASONS) if status == "unqualified" else "",
            "",
            owner,
            territory,
            None,
            assigned,
            due,
            contacted,
            breached,
            breached,
            alerted,
            rng.choice(BUDGETS) if qualified else "",
            rng.choice(AUTHORITIES) if qualified else "",
            rng.choice(NEEDS) if qualified or status == "qualifying" else "",
            rng.choice(TIMELINES) if qualified else "",
            {},
            converted_at,
            owner if converted_at else None,
            account,
            contact,
            opportunity[0] if opportunity is not None else None,
            rng.choice(self.products) if self.products and rng.random() < 0.4 else None,
            created,
            updated,
            1 if status == "new" else 2,
        ]
        leads.append(row)
        if status == "new":
            history.append(
                self.history.row(row, self.ctx.next_id(self.history.table, "history_id"), created, "+", owner)
            )
        else:
            first_version = list(row)
            for column in (
                "first_contacted_at",
                "converted_at",
                "converted_by_id",
                "converted_account_id",
                "converted_contact_id",
                "converted_opportunity_id",
            ):
                first_version[COLUMN[column]] = None
            for column in ("unqualified_reason", "budget", "authority", "need", "timeline"):
                first_version[COLUMN[column]] = ""
            if breached is not None and contacted is not None:
                first_version[COLUMN["sla_breached_at"]] = first_version[COLUMN["sla_escalated_at"]] = None
            first_version[COLUMN["status"]] = "new"
            first_version[COLUMN["version"]] = 1
            first_version[COLUMN["updated_at"]] = created
            ids = self.ctx.ids(self.history.table, 2, "history_id")
            history.append(self.history.row(first_version, ids[0], created, "+", owner))
            history.append(self.history.row(row, ids[1], updated, "~", owner))
        if form is not None and rng.random() < 0.7:
            form_name, purposes = form[1], form[2]
            for purpose in purposes:
                granted = rng.random() < 0.8
                consents.append(
                    (
                        ctx.next_id("leads_leadconsent"),
                        tenant.id,
                        lead_id,
                        purpose,
                        "granted" if granted else "refused",
                        created,
                        f"Formulaire web : {form_name}",
                        f"Case {'cochée' if granted else 'non cochée'} sur le formulaire « {form_name} »",
                    )
                )
        search.append(
            lead_search_row(
                tenant.id,
                lead_id,
                first,
                last,
                email,
                phone,
                company,
                siret,
                town,
                self.status_labels[status],
            )
        )

    def _known_contact(self) -> int | None:
        first, last = self.contact_range
        return self.rng.randint(first, last) if first is not None else None


def generate(ctx: BenchContext) -> None:
    copy_columns(Lead, LEAD_COLUMNS)
    copy_columns(LeadConsent, CONSENT_COLUMNS)
    for tenant in ctx.state["tenants"]:
        count = LEADS[ctx.profile.name] if tenant.is_main else SMALL_LEADS[ctx.profile.name]
        TenantLeads(ctx, tenant, count).generate()


register(
    Generator(
        "leads",
        generate,
        tables=(
            "leads_leadsource",
            "leads_historicalleadsource",
            "leads_leadsettings",
            "leads_historicalleadsettings",
            "leads_businesscalendar",
            "leads_historicalbusinesscalendar",
            "leads_webform",
            "leads_historicalwebform",
            "leads_assignmentrule",
            "leads_historicalassignmentrule",
            "leads_lead",
            "leads_historicallead",
            "leads_leadconsent",
            "leads_historicalleadconsent",
            "search_entry",
        ),
        order=45,  # after the accounts and contacts, the catalogue and the opportunities it points at
    )
)
