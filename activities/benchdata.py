"""Benchmark activities and tasks (found by crm.benchdata.discover), after the accounts, opportunities
and leads they point at.

Per tenant: the specification's eight activity types, as `activity_types_ensure` creates them; then
activities over the last three years, in the order they were logged (ids follow time, as in a real
table: an account's timeline is spread over the whole table, not clustered). Accounts draw activities
with a skew (log-normal weights, so a few accounts hold thousands at `large`), the very large account
of the main tenant a fixed share more. An activity is owned by its account's owner; about 60 % name
one or two of the account's contacts, about 20 % one of its opportunities, 10 % are about a lead (and
its converted account, when it was converted). Calls 45 %, e-mails 25 %, meetings 15 % (meetings,
demos, field visits, webinars), notes 15 %; about 5 % are planned in the coming weeks and 3 % private.

Tasks: per owner, about a third of them open (overdue, due today or upcoming), the rest done or
cancelled in the past; some with a reminder (delivered when its moment has passed), some created by a
lead assignment (`source_key` "lead.assigned:<id>", as the assignment listener would).

Finally the last contact of accounts and contacts is set as `activities.services` keeps it: the latest
done call, e-mail or meeting that already happened (NULL without one), one UPDATE per table; an
opportunity's last activity is moved forward to it when later.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from itertools import accumulate
from typing import Any

from activities.models import Activity, ActivityContact, ActivityType, Task
from crm.benchdata import BackgroundCopy, BenchContext, Generator, HistoryRows, copy_columns, register
from crm.benchdata.kernel import SALES_REPS, BenchTenant
from opportunities.benchdata.deals import AccountRow, accounts_of

CHUNK = 50_000  # activities per round of COPY
# Activities of the main tenant by profile (five per account on average), and of each small tenant.
ACTIVITIES = {"tiny": 5_000, "small": 250_000, "large": 5_000_000}
SMALL_ACTIVITIES = {"tiny": 40, "small": 100, "large": 100}
# Activities of the main tenant's very large account (the one with `skewed_account_contacts` contacts).
BIG_ACCOUNT_ACTIVITIES = {"tiny": 250, "small": 5_000, "large": 25_000}
TASKS = {"tiny": 200, "small": 10_000, "large": 200_000}
SMALL_TASKS = {"tiny": 6, "small": 10, "large": 10}

YEARS = 3
LEAD_SHARE = 0.10
CONTACT_SHARE = 0.60  # of all activities (account activities with contacts take it up)
OPPORTUNITY_SHARE = 0.20
PLANNED_SHARE = 0.05
PRIVATE_SHARE = 0.03
CANCELLED_SHARE = 0.02  # of the past activities
TASK_OPEN_SHARE = 0.30
LOGNORMAL_SIGMA = 1.5  # account weights: the largest of a million is some 2,000 times the median

ACTIVITY_COLUMNS = [
    "id", "tenant_id", "type_id", "subject", "description", "outcome", "channel", "status", "starts_at",
    "duration_minutes", "ends_at", "all_day", "location", "owner_id", "created_by_id", "account_id",
    "lead_id", "opportunity_id", "is_private", "uid", "sequence", "created_at", "updated_at", "version",
]  # fmt: skip
CONTACT_LINK_COLUMNS = ["id", "tenant_id", "activity_id", "contact_id"]
TYPE_COLUMNS = ["id", "tenant_id", "code", "name", "kind", "icon", "position", "is_active"]
TASK_COLUMNS = [
    "id", "tenant_id", "kind", "title", "description", "due_at", "priority", "status", "assignee_id",
    "created_by_id", "account_id", "contact_id", "lead_id", "opportunity_id", "remind_minutes_before",
    "remind_at", "reminded_at", "source_key", "completed_at", "created_at", "updated_at", "version",
]  # fmt: skip
A = {column: index for index, column in enumerate(ACTIVITY_COLUMNS)}


def _weighted(pairs: Sequence[tuple[Any, int]]) -> list[Any]:
    return [value for value, weight in pairs for _ in range(weight)]


# Types by share (%): calls 45, e-mails 25, meetings 15, notes 15.
TYPE_MIX = _weighted(
    [("outbound_call", 35), ("inbound_call", 10), ("email", 25), ("meeting", 8), ("demo", 3),
     ("field_visit", 3), ("webinar", 1), ("note", 15)]
)  # fmt: skip
CALL_OUTCOMES = _weighted(
    [("reached", 30), ("no_answer", 20), ("voicemail", 15), ("interested", 10), ("follow_up", 12),
     ("not_interested", 6), ("rescheduled", 5), ("wrong_number", 2)]
)  # fmt: skip
SUBJECTS: dict[str, tuple[str, ...]] = {
    "outbound_call": (
        "Appel de suivi", "Relance du devis", "Prise de rendez-vous", "Qualification du besoin",
        "Point sur le projet", "Relance après salon", "Appel de découverte", "Suivi de livraison",
    ),
    "inbound_call": (
        "Question sur la facture", "Demande de devis", "Appel entrant : disponibilité produit",
        "Réclamation livraison", "Demande de rappel", "Question sur le contrat",
    ),
    "email": (
        "Envoi de la proposition commerciale", "Re: votre demande de devis", "Compte rendu de réunion",
        "Documentation technique", "Confirmation de commande", "Relance : proposition en attente",
        "Invitation au webinaire", "Conditions tarifaires 2026",
    ),
    "meeting": (
        "Réunion de lancement", "Revue trimestrielle", "Rendez-vous découverte", "Négociation du contrat",
        "Comité de pilotage", "Point d'avancement",
    ),
    "demo": ("Démonstration de la solution", "Démo du module facturation", "Démo personnalisée"),
    "field_visit": ("Visite sur site", "Visite de l'atelier", "Tournée terrain", "Audit sur place"),
    "webinar": ("Webinaire nouveautés produit", "Webinaire bonnes pratiques"),
    "note": (
        "Note : organigramme mis à jour", "Note : budget voté en mars", "Note : concurrent en place",
        "Note interne", "Note : changement d'interlocuteur", "Note : projet reporté",
    ),
}  # fmt: skip
DESCRIPTIONS = (
    "Interlocuteur intéressé, attend une proposition chiffrée.",
    "Budget validé pour le second semestre.",
    "Rappeler la semaine prochaine.",
    "Décision en comité le mois prochain.",
    "Besoin confirmé, trois sites concernés.",
    "Souhaite une remise sur volume.",
)
LOCATIONS = ("Dans leurs locaux", "Chez nous", "Visioconférence", "Salon professionnel", "Sur site")
TASK_TITLES: dict[str, tuple[str, ...]] = {
    "sales_follow_up": (
        "Relancer le devis", "Rappeler le client", "Envoyer la documentation", "Préparer la proposition",
        "Relancer après la démo",
    ),
    "meeting_preparation": ("Préparer la réunion", "Préparer la démonstration", "Réserver la salle"),
    "after_sales": ("Vérifier la livraison", "Suivi de l'installation", "Enquête de satisfaction"),
    "internal": ("Mettre à jour le prévisionnel", "Point avec le manager", "Transmettre au support"),
}  # fmt: skip
TASK_KINDS = _weighted(
    [("sales_follow_up", 55), ("meeting_preparation", 20), ("after_sales", 15), ("internal", 10)]
)
PRIORITIES = _weighted([(1, 15), (2, 60), (3, 20), (4, 5)])
REMINDERS = (15, 30, 60, 1440)
CONTACT_KINDS = ("call", "email", "meeting")


def types(ctx: BenchContext, tenant: BenchTenant) -> dict[str, tuple[int, str]]:
    """The tenant's eight standard types (code -> (id, kind)), with their creation history rows."""
    rows = [
        (ctx.next_id("activities_activitytype"), tenant.id, code, "", str(kind), icon, position, True)
        for position, (code, _label, kind, icon) in enumerate(ActivityType.DEFAULTS)
    ]
    ctx.copy("activities_activitytype", TYPE_COLUMNS, rows)
    history = HistoryRows(ActivityType, TYPE_COLUMNS)
    admin = tenant.members[0].user_id
    when = ctx.now - timedelta(days=365.25 * YEARS + 30)
    ctx.copy(
        history.table,
        history.columns,
        [history.row(row, ctx.next_id(history.table, "history_id"), when, "+", admin) for row in rows],
    )
    return {row[2]: (row[0], row[4]) for row in rows}


class TenantActivities:
    def __init__(self, ctx: BenchContext, tenant: BenchTenant, activities: int, tasks: int, big: int) -> None:
        self.ctx, self.tenant = ctx, tenant
        self.rng = ctx.rng(f"activities:{tenant.slug}")
        self.activities, self.tasks, self.big = activities, tasks, big
        self.accounts: list[AccountRow] = accounts_of(ctx, tenant.id)
        self.account_ids = [account.id for account in self.accounts]
        self.opportunities = self._opportunities()
        self.leads = self._leads()
        reps = [member.user_id for member in tenant.with_role(*SALES_REPS)]
        self.fallback_owners = reps or [member.user_id for member in tenant.members]
        self.history = HistoryRows(Activity, ACTIVITY_COLUMNS)
        self.task_history = HistoryRows(Task, TASK_COLUMNS)

    def _opportunities(self) -> dict[int, list[int]]:
        self.ctx.cursor.execute(
            "SELECT account_id, array_agg(id ORDER BY id) FROM opportunities_opportunity"
            " WHERE tenant_id = %s GROUP BY account_id",
            [self.tenant.id],
        )
        return dict(self.ctx.cursor.fetchall())

    def _leads(self) -> list[tuple[int, int | None, int | None, int | None, int | None]]:
        """(id, owner, converted account, converted contact, converted opportunity) of every lead."""
        self.ctx.cursor.execute(
            "SELECT id, owner_id, converted_account_id, converted_contact_id, converted_opportunity_id"
            " FROM leads_lead WHERE tenant_id = %s ORDER BY id",
            [self.tenant.id],
        )
        return list(self.ctx.cursor.fetchall())

    # Which account each activity is about -------------------------------------------------------

    def _cumulative_weights(self) -> list[float]:
        """Log-normal weights per account; the first account of the main tenant (the very large one)
        is given the weight that brings it `big` activities on average."""
        rng = self.rng
        weights = [rng.lognormvariate(0.0, LOGNORMAL_SIGMA) for _ in self.accounts]
        if self.big and len(weights) > 1:
            rest = sum(weights[1:])
            account_activities = self.activities * (1 - LEAD_SHARE)
            share = min(self.big / account_activities, 0.5)
            weights[0] = rest * share / (1 - share)
        return list(accumulate(weights))

    # Rows -------------------------------------------------------------------------------------------

    def generate(self, type_ids: dict[str, tuple[int, str]]) -> None:
        ctx = self.ctx
        if not self.accounts and not self.leads:
            return
        cumulative = self._cumulative_weights() if self.accounts else []
        ids = ctx.ids("activities_activity", self.activities)
        start = ctx.now - timedelta(days=365.25 * YEARS)
        span = (ctx.now - start).total_seconds()
        with BackgroundCopy() as background:
            for first in range(0, self.activities, CHUNK):
                rows: list[list[Any]] = []
                links: list[tuple[int, int]] = []
                for n in range(first, min(first + CHUNK, self.activities)):
                    # Ids follow the moment they were logged: evenly over the three years.
                    logged = start + timedelta(seconds=span * (n + self.rng.random()) / self.activities)
                    self.activity(rows, links, ids[n], logged, cumulative, type_ids)
                background.submit(partial(self.write, rows, links))
        self.generate_tasks()

    def activity(
        self, rows: list[list[Any]], links: list[tuple[int, int]], activity_id: int, logged: datetime,
        cumulative: list[float], type_ids: dict[str, tuple[int, str]],
    ) -> None:  # fmt: skip
        rng, ctx = self.rng, self.ctx
        account_id = lead_id = opportunity_id = None
        contacts: list[int] = []
        owner: int | None = None
        if self.leads and (not cumulative or rng.random() < LEAD_SHARE):
            lead_id, owner, account_id, contact, opportunity_id = rng.choice(self.leads)
            if contact is not None and rng.random() < CONTACT_SHARE:
                contacts.append(contact)
            if opportunity_id is not None and rng.random() < 0.5:
                opportunity_id = None
            if owner is None and account_id is not None:
                owner = self._owner_of(account_id)
        else:
            account = self.accounts[bisect_right(cumulative, rng.random() * cumulative[-1])]
            account_id, owner = account.id, account.owner
            if account.contacts and account.first_contact is not None and rng.random() < 0.68:
                contacts.append(account.first_contact + rng.randrange(account.contacts))
                if account.contacts > 1 and rng.random() < 0.2:
                    other = account.first_contact + rng.randrange(account.contacts)
                    if other != contacts[0]:
                        contacts.append(other)
            opportunities = self.opportunities.get(account.id)
            if opportunities and rng.random() < 0.3:
                opportunity_id = rng.choice(opportunities)
        if owner is None:
            owner = rng.choice(self.fallback_owners)
        code = rng.choice(TYPE_MIX)
        type_id, kind = type_ids[code]
        if rng.random() < PLANNED_SHARE:
            status = "planned"
            starts_at = ctx.now + timedelta(minutes=rng.randrange(60, 60 * 24 * 42))
            starts_at = starts_at.replace(minute=(starts_at.minute // 15) * 15, second=0)
            created = min(logged, ctx.now - timedelta(minutes=rng.randrange(1, 60 * 24 * 30)))
            created = max(created, ctx.now - timedelta(days=30))
        else:
            status = "cancelled" if rng.random() < CANCELLED_SHARE else "done"
            starts_at, created = logged, logged
        outcome, channel, duration, location = "", "", None, ""
        if kind == "call":
            channel = "phone"
            duration = rng.randrange(2, 31)
            if status == "done":
                outcome = rng.choice(CALL_OUTCOMES) if code == "outbound_call" else "reached"
        elif kind == "email":
            channel = "email"
        elif kind == "meeting":
            video = code in ("webinar", "demo") or rng.random() < 0.4
            channel = "video" if video else "in_person"
            duration = (
                rng.choice((30, 45, 60, 60, 90, 120)) if code != "field_visit" else rng.choice((60, 120, 180))
            )
            location = "Visioconférence" if video else rng.choice(LOCATIONS)
            if status == "done" and rng.random() < 0.5:
                outcome = rng.choice(("interested", "follow_up", "not_interested"))
        ends_at = starts_at + timedelta(minutes=duration) if duration is not None else None
        description = rng.choice(DESCRIPTIONS) if rng.random() < 0.3 else ""
        rows.append(
            [
                activity_id, self.tenant.id, type_id, rng.choice(SUBJECTS[code]), description, outcome,
                channel, status, starts_at, duration, ends_at, False, location, owner, owner, account_id,
                lead_id, opportunity_id, rng.random() < PRIVATE_SHARE,
                f"{activity_id}.{self.tenant.id}@bench.crm", 0, created, created, 1,
            ]
        )  # fmt: skip
        for contact in contacts:
            links.append((activity_id, contact))

    def _owner_of(self, account_id: int) -> int | None:
        """The owner of one of the tenant's accounts (they are in id order: a bisection finds it)."""
        index = bisect_left(self.account_ids, account_id)
        if index < len(self.account_ids) and self.account_ids[index] == account_id:
            return self.accounts[index].owner
        return None

    def write(self, rows: list[list[Any]], links: list[tuple[int, int]]) -> None:
        ctx = self.ctx
        ctx.copy("activities_activity", ACTIVITY_COLUMNS, rows)
        link_ids = ctx.ids("activities_activitycontact", len(links))
        ctx.copy(
            "activities_activitycontact",
            CONTACT_LINK_COLUMNS,
            ((link_ids[n], self.tenant.id, activity, contact) for n, (activity, contact) in enumerate(links)),
        )
        history = self.history
        history_ids = ctx.ids(history.table, len(rows), "history_id")
        ctx.copy(
            history.table,
            history.columns,
            (
                history.row(row, history_ids[n], row[A["created_at"]], "+", row[A["owner_id"]])
                for n, row in enumerate(rows)
            ),
        )

    # Tasks --------------------------------------------------------------------------------------------

    def generate_tasks(self) -> None:
        ctx, rng = self.ctx, self.rng
        if not self.tasks:
            return
        rows: list[list[Any]] = []
        ids = ctx.ids("activities_task", self.tasks)
        today = ctx.now.replace(hour=0, minute=0, second=0)
        assigned_leads = [lead for lead in self.leads if lead[1] is not None]
        rng.shuffle(assigned_leads)
        for n in range(self.tasks):
            kind = rng.choice(TASK_KINDS)
            account_id = contact_id = lead_id = opportunity_id = None
            source_key = ""
            if assigned_leads and rng.random() < 0.1:
                lead_id, assignee, account_id, contact_id, opportunity_id = assigned_leads.pop()
                kind, title, source_key = (
                    "sales_follow_up",
                    "Contacter le nouveau prospect",
                    f"lead.assigned:{lead_id}",
                )
            elif self.accounts:
                account = rng.choice(self.accounts)
                account_id, assignee = account.id, account.owner
                if account.contacts and account.first_contact is not None and rng.random() < 0.5:
                    contact_id = account.first_contact + rng.randrange(account.contacts)
                opportunities = self.opportunities.get(account.id)
                if opportunities and rng.random() < 0.3:
                    opportunity_id = rng.choice(opportunities)
                title = rng.choice(TASK_TITLES[kind])
            else:
                assignee = rng.choice(self.fallback_owners)
                title = rng.choice(TASK_TITLES["internal"])
                kind = "internal"
            assignee = assignee if assignee is not None else rng.choice(self.fallback_owners)
            remind_minutes = remind_at = reminded_at = completed_at = None
            if rng.random() < TASK_OPEN_SHARE:
                status = "open"
                roll = rng.random()
                if roll < 0.3:  # overdue: up to three weeks late
                    due = today - timedelta(days=rng.randrange(1, 22)) + timedelta(hours=rng.randrange(8, 19))
                elif roll < 0.45:  # today
                    due = today + timedelta(hours=rng.randrange(8, 19), minutes=rng.choice((0, 30)))
                else:  # upcoming: the next six weeks
                    due = today + timedelta(days=rng.randrange(1, 43), hours=rng.randrange(8, 19))
                created = min(ctx.now, due) - timedelta(days=rng.randrange(1, 20))
                if rng.random() < 0.35:
                    remind_minutes = rng.choice(REMINDERS)
                    remind_at = due - timedelta(minutes=remind_minutes)
                    reminded_at = (
                        remind_at + timedelta(seconds=rng.randrange(5, 60)) if remind_at < ctx.now else None
                    )
            else:
                status = "cancelled" if rng.random() < 0.1 else "done"
                due = ctx.timestamp(rng, years=YEARS).replace(minute=0, second=0)
                created = due - timedelta(days=rng.randrange(1, 20))
                completed_at = due + timedelta(hours=rng.randrange(-48, 24)) if status == "done" else None
                if completed_at is not None:
                    completed_at = max(created, completed_at)
            updated = completed_at or created
            # Most tasks are one's own; some were given by someone else (their creator sees them too).
            creator = assignee if source_key or rng.random() < 0.75 else rng.choice(self.fallback_owners)
            rows.append(
                [
                    ids[n], self.tenant.id, kind, title, "", due, rng.choice(PRIORITIES), status, assignee,
                    creator,
                    account_id, contact_id, lead_id, opportunity_id, remind_minutes, remind_at, reminded_at,
                    source_key, completed_at, created, updated, 2 if status != "open" else 1,
                ]
            )  # fmt: skip
        ctx.copy("activities_task", TASK_COLUMNS, rows)
        history = self.task_history
        history_ids = ctx.ids(history.table, len(rows), "history_id")
        created_at, created_by = TASK_COLUMNS.index("created_at"), TASK_COLUMNS.index("created_by_id")
        ctx.copy(
            history.table,
            history.columns,
            (
                history.row(row, history_ids[n], row[created_at], "+", row[created_by])
                for n, row in enumerate(rows)
            ),
        )


def last_contacts(ctx: BenchContext) -> None:
    """accounts and contacts: last_contacted_at = their latest done call, e-mail or meeting that
    already happened (NULL without one), as activities.services keeps it; rows already right stay."""
    params = {"kinds": list(CONTACT_KINDS), "now": ctx.now}
    done = (
        "SELECT a.id, a.account_id, a.opportunity_id, a.starts_at FROM activities_activity a"
        " JOIN activities_activitytype t ON t.id = a.type_id"
        " WHERE a.status = 'done' AND t.kind = ANY(%(kinds)s) AND a.starts_at <= %(now)s"
    )
    ctx.cursor.execute(
        f"""
        UPDATE accounts_account target SET last_contacted_at = latest.at
        FROM (
            SELECT account.id, done.at FROM accounts_account account
            LEFT JOIN (SELECT account_id, max(starts_at) AS at FROM ({done}) d GROUP BY account_id) done
              ON done.account_id = account.id
        ) latest
        WHERE target.id = latest.id AND target.last_contacted_at IS DISTINCT FROM latest.at
        """,  # noqa: S608 - no value in the text
        params,
    )
    ctx.cursor.execute(
        f"""
        UPDATE accounts_contact target SET last_contacted_at = latest.at
        FROM (
            SELECT contact.id, done.at FROM accounts_contact contact
            LEFT JOIN (
                SELECT link.contact_id, max(d.starts_at) AS at FROM activities_activitycontact link
                JOIN ({done}) d ON d.id = link.activity_id GROUP BY link.contact_id
            ) done ON done.contact_id = contact.id
        ) latest
        WHERE target.id = latest.id AND target.last_contacted_at IS DISTINCT FROM latest.at
        """,  # noqa: S608 - no value in the text
        params,
    )
    # An opportunity's last activity only ever moves forward (GREATEST ignores its NULL), as the
    # services move it.
    ctx.cursor.execute(
        f"""
        UPDATE opportunities_opportunity target
        SET last_activity_at = GREATEST(target.last_activity_at, done.at)
        FROM (
            SELECT d.opportunity_id, max(d.starts_at) AS at FROM ({done}) d
            WHERE d.opportunity_id IS NOT NULL GROUP BY d.opportunity_id
        ) done
        WHERE target.id = done.opportunity_id
          AND target.last_activity_at IS DISTINCT FROM GREATEST(target.last_activity_at, done.at)
        """,  # noqa: S608 - no value in the text
        params,
    )


def generate(ctx: BenchContext) -> None:
    copy_columns(Activity, ACTIVITY_COLUMNS)
    copy_columns(ActivityContact, CONTACT_LINK_COLUMNS)
    copy_columns(ActivityType, TYPE_COLUMNS)
    copy_columns(Task, TASK_COLUMNS)
    name = ctx.profile.name
    for tenant in ctx.state["tenants"]:
        type_ids = types(ctx, tenant)
        if tenant.is_main:
            activities, tasks, big = ACTIVITIES[name], TASKS[name], BIG_ACCOUNT_ACTIVITIES[name]
        else:
            activities, tasks, big = SMALL_ACTIVITIES[name], SMALL_TASKS[name], 0
        TenantActivities(ctx, tenant, activities, tasks, big).generate(type_ids)
    last_contacts(ctx)


TABLES = (
    "activities_activitytype", "activities_historicalactivitytype", "activities_activity",
    "activities_historicalactivity", "activities_activitycontact", "activities_task",
    "activities_historicaltask",
    # Their last contact (last activity) is updated at the end (earlier generators wrote them).
    "accounts_account", "accounts_contact", "opportunities_opportunity",
)  # fmt: skip

register(Generator("activities", generate, tables=TABLES, order=60))
