"""Benchmark opportunities on the accounts the accounts generator wrote, with the path each one took
through its pipeline: one stage-history row for its creation and one per move (amount and probability
at that moment, dates increasing, the last one ending at its current stage), the simple-history rows
the services would have written at the same moments, contact roles, competitors, products and quotes.

Each path respects the stages' required fields at the moment it enters them: a primary contact from
qualification on (so only accounts with contacts get past detection), an amount from the proposal, a
signature date from the negotiation, a loss reason when lost. Probabilities are the stage's default,
or for a few open opportunities a value set by hand at creation and kept (as the services do).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.management.base import CommandError

from accounts.benchdata import SEARCH_COLUMNS
from crm.benchdata import BackgroundCopy, BenchContext, HistoryRows, copy_columns
from crm.benchdata.kernel import BenchTenant
from opportunities.benchdata.quotes import DraftQuote, draft_quote, write_quotes
from opportunities.benchdata.reference import PipelineRef, StageRef, TenantReference
from opportunities.models import (
    Opportunity,
    OpportunityCompetitor,
    OpportunityContactRole,
    OpportunityProduct,
    Quote,
    Stage,
)
from opportunities.search import OPPORTUNITY

CHUNK = 20_000  # opportunities per round of COPY
# Opportunities of the main tenant by profile (one per account on average), and of each small tenant.
OPPORTUNITIES = {"tiny": 1_000, "small": 50_000, "large": 1_000_000}
SMALL_OPPORTUNITIES = {"tiny": 5, "small": 50, "large": 50}
QUOTE_SHARE = 0.1  # of the opportunities that reached the proposal stage
RENEWAL_SHARE = 0.15

OPPORTUNITY_COLUMNS = [
    "id", "tenant_id", "name", "account_id", "primary_contact_id", "pipeline_id", "stage_id", "amount",
    "currency", "probability", "probability_overridden", "expected_close_date", "expected_signature_date",
    "loss_reason_id", "loss_comment", "budget_type", "sale_type", "description", "owner_id",
    "stage_entered_at", "closed_at", "last_activity_at", "close_date_alerted_at", "inactivity_reminded_at",
    "created_at", "updated_at", "version",
]  # fmt: skip
COLUMN = {column: index for index, column in enumerate(OPPORTUNITY_COLUMNS)}
STAGE_CHANGE_COLUMNS = [
    "id", "tenant_id", "opportunity_id", "pipeline_id", "from_stage_id", "to_stage_id", "changed_at",
    "changed_by_id", "amount", "currency", "probability",
]  # fmt: skip
ROLE_COLUMNS = ["id", "tenant_id", "opportunity_id", "contact_id", "role"]
PRODUCT_COLUMNS = ["id", "tenant_id", "opportunity_id", "product_id", "quantity", "unit_price"]
COMPETITOR_TABLE = "opportunities_opportunitycompetitor"
COMPETITOR_COLUMNS = ["id", "tenant_id", "opportunity_id", "competitor_id"]


def _weighted(pairs: Sequence[tuple[Any, int]]) -> list[Any]:
    return [value for value, weight in pairs for _ in range(weight)]


# Where opportunities stand now, by stage position: most open ones early, about a fifth won, a quarter
# lost (with a reason), some abandoned.
DEFAULT_FINAL = _weighted([(0, 18), (1, 14), (2, 10), (3, 6), (4, 19), (5, 26), (6, 7)])
RENEWAL_FINAL = _weighted([(0, 20), (1, 12), (2, 8), (3, 40), (4, 15), (5, 5)])
BUDGET_TYPES = _weighted([("", 40), ("opex", 35), ("capex", 25)])
SALE_TYPES = _weighted([("new_customer", 55), ("upsell", 25), ("cross_sell", 20)])
SUBJECTS = (
    "Déploiement", "Renouvellement du parc", "Contrat de maintenance", "Extension de licences",
    "Projet de migration", "Audit de sécurité", "Formation des équipes", "Équipement de l'atelier",
    "Rénovation énergétique", "Externalisation du support", "Nouveau site", "Mise en conformité",
)  # fmt: skip
LOSS_COMMENTS = ("", "", "Budget réaffecté au second semestre.", "Offre concurrente 15 % moins chère.")
ROLES = [role for role in OpportunityContactRole.Role.values if role not in ("decision_maker", "other")]


@dataclass(frozen=True)
class AccountRow:
    id: int
    owner: int
    name: str  # as str(account) gives it: the trade name, else the legal name
    legal_name: str
    trade_name: str
    first_contact: int | None
    contacts: int


def accounts_of(ctx: BenchContext, tenant_id: int) -> list[AccountRow]:
    """The tenant's accounts with their owner and their contacts (a contiguous range of ids: the accounts
    generator numbers each account's contacts in a row)."""
    ctx.cursor.execute(
        """
        SELECT a.id, a.owner_id, a.legal_name, a.trade_name, c.first, c.last, c.n
        FROM accounts_account a
        LEFT JOIN (
            SELECT account_id, min(id) AS first, max(id) AS last, count(*) AS n
            FROM accounts_contact WHERE tenant_id = %s GROUP BY account_id
        ) c ON c.account_id = a.id
        WHERE a.tenant_id = %s ORDER BY a.id
        """,
        [tenant_id, tenant_id],
    )
    rows = []
    for account_id, owner, legal_name, trade_name, first, last, count in ctx.cursor.fetchall():
        if count and last - first + 1 != count:
            raise CommandError(f"the contacts of account {account_id} are not numbered in a row")
        rows.append(
            AccountRow(account_id, owner, trade_name or legal_name, legal_name, trade_name, first, count or 0)
        )
    return rows


def opportunity_search_row(
    tenant_id: int, opportunity_id: int, name: str, account: AccountRow, stage: StageRef
) -> tuple[int, str, int, str, str, str]:
    """opportunities.search.opportunity_document of an opportunity (a test holds them equal)."""
    subtitle = " · ".join(part for part in (account.name, stage.name) if part)
    text = " ".join(part for part in (name, account.legal_name, account.trade_name) if part)
    return (tenant_id, OPPORTUNITY, opportunity_id, name, subtitle, text)


def stage_path(rng: random.Random, pipeline: PipelineRef, final: StageRef) -> list[StageRef]:
    """The stages an opportunity went through to reach `final`, forward, sometimes skipping one."""
    open_stages = pipeline.open_stages
    if final.is_open:
        last_open = final.position
    elif final.outcome == Stage.Outcome.WON:
        last_open = len(open_stages) - (1 if rng.random() < 0.8 else 2)
    elif final.outcome == Stage.Outcome.LOST:
        last_open = rng.randrange(len(open_stages))
    else:
        last_open = rng.randrange(min(3, len(open_stages)))
    start = 1 if last_open >= 1 and rng.random() < 0.15 else 0
    path = [
        stage
        for stage in open_stages[start : last_open + 1]
        if stage.position in (start, last_open) or rng.random() >= 0.1
    ]
    if not final.is_open:
        path.append(final)
    return path


@dataclass
class Chunk:
    opportunities: list[list[Any]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    stage_changes: list[tuple[Any, ...]] = field(default_factory=list)
    roles: list[tuple[Any, ...]] = field(default_factory=list)
    role_history: list[tuple[Any, ...]] = field(default_factory=list)
    products: list[tuple[Any, ...]] = field(default_factory=list)
    product_history: list[tuple[Any, ...]] = field(default_factory=list)
    competitors: list[tuple[int, int, int, int]] = field(default_factory=list)
    competitor_history: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str, int, str, str, str]] = field(default_factory=list)

    def write(
        self,
        ctx: BenchContext,
        history: HistoryRows,
        roles: HistoryRows,
        products: HistoryRows,
        competitors: HistoryRows,
    ) -> None:
        ctx.copy("opportunities_opportunity", OPPORTUNITY_COLUMNS, self.opportunities)
        ctx.copy(history.table, history.columns, self.history)
        ctx.copy("opportunities_stagechange", STAGE_CHANGE_COLUMNS, self.stage_changes)
        ctx.copy("opportunities_opportunitycontactrole", ROLE_COLUMNS, self.roles)
        ctx.copy(roles.table, roles.columns, self.role_history)
        ctx.copy("opportunities_opportunityproduct", PRODUCT_COLUMNS, self.products)
        ctx.copy(products.table, products.columns, self.product_history)
        ctx.copy(COMPETITOR_TABLE, COMPETITOR_COLUMNS, self.competitors)
        ctx.copy(competitors.table, competitors.columns, self.competitor_history)
        ctx.copy("search_entry", SEARCH_COLUMNS, self.search)


class TenantOpportunities:
    def __init__(
        self, ctx: BenchContext, tenant: BenchTenant, ref: TenantReference, owners: list[int], count: int
    ) -> None:
        self.ctx, self.tenant, self.ref, self.owners, self.count = ctx, tenant, ref, owners, count
        self.rng = ctx.rng(f"opportunities:{tenant.slug}")
        self.accounts = accounts_of(ctx, tenant.id)
        self.with_contacts = [account for account in self.accounts if account.contacts]
        if not self.accounts or not self.with_contacts:
            raise CommandError(f"{tenant.slug}: no account with contacts to put opportunities on")
        self.history = HistoryRows(Opportunity, OPPORTUNITY_COLUMNS)
        self.role_history = HistoryRows(OpportunityContactRole, ROLE_COLUMNS)
        self.product_history = HistoryRows(OpportunityProduct, PRODUCT_COLUMNS)
        self.competitor_history = HistoryRows(OpportunityCompetitor, COMPETITOR_COLUMNS)
        self.drafts: list[DraftQuote] = []
        self.today = ctx.now.date()

    def _ids(self, table: str, count: int, column: str = "id") -> range:
        return self.ctx.ids(table, count, column)

    def generate(self) -> None:
        # Every id is taken here, in this thread: the first `ids` of a table reads max(id) with the
        # cursor, which the background thread owns while it copies. So each counter is read first.
        for table, column in (
            ("opportunities_opportunity", "id"), (self.history.table, "history_id"),
            ("opportunities_stagechange", "id"), ("opportunities_opportunitycontactrole", "id"),
            (self.role_history.table, "history_id"), ("opportunities_opportunityproduct", "id"),
            (self.product_history.table, "history_id"), (COMPETITOR_TABLE, "id"),
            (self.competitor_history.table, "history_id"),
        ):  # fmt: skip
            self._ids(table, 0, column)
        ids = self._ids("opportunities_opportunity", self.count)
        with BackgroundCopy() as background:
            for start in range(0, self.count, CHUNK):
                chunk = Chunk()
                for opportunity_id in ids[start : start + CHUNK]:
                    self.opportunity(chunk, opportunity_id)
                background.submit(
                    partial(
                        chunk.write,
                        self.ctx,
                        self.history,
                        self.role_history,
                        self.product_history,
                        self.competitor_history,
                    )
                )
        write_quotes(
            self.ctx, self.tenant.id, self.ref, self.drafts, self.ctx.rng(f"quotes:{self.tenant.slug}")
        )

    def _times(self, steps: int, closed: bool) -> list[datetime]:
        """When the opportunity was created and entered each later stage: increasing, in the past."""
        rng, now = self.rng, self.ctx.now
        if closed:
            end = now - timedelta(days=rng.uniform(1, 700))
            created = end - timedelta(days=rng.uniform(10, 240))
        else:
            created = now - timedelta(days=rng.uniform(0.5, 400))
            end = created + (now - created) * rng.uniform(0.3, 1.0)
        if steps == 1:
            return [created.replace(microsecond=0)]
        middle = sorted(rng.random() for _ in range(steps - 2))
        times = [created, *(created + (end - created) * fraction for fraction in middle), end]
        result = [times[0].replace(microsecond=0)]
        for moment in times[1:]:
            result.append(max(moment.replace(microsecond=0), result[-1] + timedelta(seconds=1)))
        return result

    def _close_date(self, created: datetime, closed_at: datetime | None) -> date:
        if closed_at is not None:
            return closed_at.date()
        wanted = self.today + timedelta(days=self.rng.randint(-60, 365))
        return max(wanted, created.date() + timedelta(days=7))

    def opportunity(self, chunk: Chunk, opportunity_id: int) -> None:
        ctx, rng, ref, tenant = self.ctx, self.rng, self.ref, self.tenant
        renewal = rng.random() < RENEWAL_SHARE
        pipeline = ref.renewals if renewal else ref.default
        final = pipeline.stages[rng.choice(RENEWAL_FINAL if renewal else DEFAULT_FINAL)]
        steps = stage_path(rng, pipeline, final)
        required = {name for step in steps for name in step.required}
        account = rng.choice(self.with_contacts if "primary_contact" in required else self.accounts)
        contact = None
        if account.first_contact is not None and ("primary_contact" in required or rng.random() < 0.6):
            contact = account.first_contact + rng.randrange(account.contacts)
        owner = account.owner if rng.random() < 0.85 else rng.choice(self.owners)
        closed = not final.is_open
        times = self._times(len(steps), closed)
        closed_at = times[-1] if closed else None
        close_date = self._close_date(times[0], closed_at)

        amount = Decimal(f"{min(5_000_000.0, max(500.0, rng.lognormvariate(9.6, 1.1))):.2f}")
        quote = None
        quotable = [k for k, step in enumerate(steps) if step.position >= pipeline.proposal_position
                    and step.outcome in (Stage.Outcome.OPEN, Stage.Outcome.WON)]  # fmt: skip
        if quotable and rng.random() < QUOTE_SHARE:
            k = quotable[0]
            following = times[k + 1] if k + 1 < len(times) else ctx.now
            issued = (times[k] + (following - times[k]) * rng.uniform(0.05, 0.5)).replace(microsecond=0)
            quote = draft_quote(
                rng, ref, opportunity_id=opportunity_id, contact_id=contact, issued_at=issued, owner=owner
            )
            self._quote_status(quote, final, closed_at)
            amount = quote.total_excl_tax  # the quote's total excl. tax is the amount from then on
            self.drafts.append(quote)
        first_amount = None
        if "amount" in steps[0].required or rng.random() >= 0.3:
            first_amount = Decimal(f"{float(amount) * rng.uniform(0.7, 1.3):.2f}")
        amount_from = next((k for k, step in enumerate(steps) if "amount" in step.required), len(steps))
        signature_from = next(
            (k for k, step in enumerate(steps) if "expected_signature_date" in step.required), len(steps)
        )
        overridden = not closed and rng.random() < 0.05
        probability = min(95, max(5, final.probability + rng.choice((-15, -10, 10, 15))))
        if overridden and probability == steps[0].probability:
            probability += 5
        loss_reason = None
        if final.outcome == Stage.Outcome.LOST:
            loss_reason = ref.competitor_lost if rng.random() < 0.3 else rng.choice(ref.loss_reasons)
        competitors: list[int] = []
        if rng.random() < 0.3 or loss_reason == ref.competitor_lost:
            competitors = rng.sample(ref.competitors, 1 + (rng.random() < 0.3))
        last_activity = ctx.timestamp(rng, after=times[0]) if rng.random() < 0.6 else None
        name = (
            f"Renouvellement {close_date.year} - {account.name}"
            if renewal
            else f"{rng.choice(SUBJECTS)} - {account.name}"
        )[:200]

        row: list[Any] = [
            opportunity_id, tenant.id, name, account.id, contact, pipeline.id, steps[0].id, first_amount,
            "EUR", probability if overridden else steps[0].probability, overridden, close_date, None, None,
            "", rng.choice(BUDGET_TYPES), "renewal" if renewal else rng.choice(SALE_TYPES), "", owner,
            times[0], None, last_activity, None, None, times[0], times[0], 1,
        ]  # fmt: skip
        history_ids = self._ids(self.history.table, len(steps), "history_id")
        through_ids = self._ids(COMPETITOR_TABLE, len(competitors))
        previous: StageRef | None = None
        for k, (step, moment) in enumerate(zip(steps, times, strict=True)):
            if k:
                row[COLUMN["stage_id"]] = step.id
                row[COLUMN["stage_entered_at"]] = moment
                row[COLUMN["updated_at"]] = moment
                row[COLUMN["version"]] = k + 1
                if not overridden:
                    row[COLUMN["probability"]] = step.probability
                row[COLUMN["closed_at"]] = moment if not step.is_open else None
            if k >= amount_from:
                row[COLUMN["amount"]] = amount
            if k >= signature_from:
                row[COLUMN["expected_signature_date"]] = close_date - timedelta(days=rng.randrange(10))
            if step.outcome == Stage.Outcome.LOST:
                row[COLUMN["loss_reason_id"]] = loss_reason
                row[COLUMN["loss_comment"]] = rng.choice(LOSS_COMMENTS)
            chunk.stage_changes.append(
                (self._ids("opportunities_stagechange", 1)[0], tenant.id, opportunity_id, pipeline.id,
                 previous.id if previous else None, step.id, moment, owner, row[COLUMN["amount"]], "EUR",
                 row[COLUMN["probability"]])
            )  # fmt: skip
            chunk.history.append(self.history.row(row, history_ids[k], moment, "~" if k else "+", owner))
            previous = step
        chunk.opportunities.append(row)
        chunk.search.append(opportunity_search_row(tenant.id, opportunity_id, name, account, final))
        link_history_ids = self._ids(self.competitor_history.table, len(competitors), "history_id")
        for n, (through_id, competitor) in enumerate(zip(through_ids, competitors, strict=True)):
            values = (through_id, tenant.id, opportunity_id, competitor)
            chunk.competitors.append(values)
            chunk.competitor_history.append(
                self.competitor_history.row(values, link_history_ids[n], times[0], "+", owner)
            )
        if contact is not None and rng.random() < 0.3:
            self._contact_roles(chunk, opportunity_id, account, contact, times[0], owner)
        if rng.random() < 0.4:
            self._products(chunk, opportunity_id, times[0], owner)

    def _quote_status(self, quote: DraftQuote, final: StageRef, closed_at: datetime | None) -> None:
        rng, valid_until = self.rng, quote.issued_at.date() + timedelta(days=30)
        if final.is_open and rng.random() < 0.15:
            return  # still a draft
        quote.sent_at = quote.issued_at + timedelta(hours=rng.randint(1, 48))
        if closed_at is not None and quote.sent_at > closed_at:
            quote.sent_at = quote.issued_at
        if final.outcome == Stage.Outcome.WON:
            quote.status, quote.decided_at = Quote.Status.ACCEPTED, closed_at
        elif final.outcome == Stage.Outcome.LOST or (closed_at is not None and valid_until >= self.today):
            quote.status, quote.decided_at = Quote.Status.REFUSED, closed_at
        elif valid_until < self.today:
            quote.status = Quote.Status.EXPIRED
        else:
            quote.status = Quote.Status.SENT

    def _contact_roles(
        self, chunk: Chunk, opportunity_id: int, account: AccountRow, primary: int, when: datetime, owner: int
    ) -> None:
        rng = self.rng
        others = {account.first_contact + rng.randrange(account.contacts) for _ in range(rng.randrange(3))}  # type: ignore[operator]
        people = [(primary, rng.choice(("decision_maker", "economic_buyer")))]
        people += [(contact, rng.choice(ROLES)) for contact in sorted(others - {primary})]
        ids = self._ids("opportunities_opportunitycontactrole", len(people))
        history_ids = self._ids(self.role_history.table, len(people), "history_id")
        for n, (contact, role) in enumerate(people):
            values = (ids[n], self.tenant.id, opportunity_id, contact, role)
            chunk.roles.append(values)
            chunk.role_history.append(self.role_history.row(values, history_ids[n], when, "+", owner))

    def _products(self, chunk: Chunk, opportunity_id: int, when: datetime, owner: int) -> None:
        rng, ref = self.rng, self.ref
        products = rng.sample(ref.products, min(len(ref.products), 1 + rng.randrange(3)))
        ids = self._ids("opportunities_opportunityproduct", len(products))
        history_ids = self._ids(self.product_history.table, len(products), "history_id")
        for n, product in enumerate(products):
            price = ref.prices[product.id] if rng.random() < 0.9 else None
            values = (ids[n], self.tenant.id, opportunity_id, product.id, Decimal(rng.randint(1, 20)), price)
            chunk.products.append(values)
            chunk.product_history.append(self.product_history.row(values, history_ids[n], when, "+", owner))


def check_columns() -> None:
    copy_columns(Opportunity, OPPORTUNITY_COLUMNS)
    copy_columns(OpportunityContactRole, ROLE_COLUMNS)
    copy_columns(OpportunityProduct, PRODUCT_COLUMNS)
    from opportunities.models import StageChange

    copy_columns(StageChange, STAGE_CHANGE_COLUMNS)
