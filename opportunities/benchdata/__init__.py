"""Benchmark pipelines, catalogue, opportunities and quotes (found by crm.benchdata.discover).

Per tenant: the default pipeline exactly as a new tenant gets it, a renewals pipeline, loss reasons,
competitors, discount limits, a product catalogue with its price lists (`reference`); then the
opportunities on the accounts of the accounts generator, with their stage history, history rows,
contact roles, competitors, products and a quote for some of them (`deals`, `quotes`). The main
tenant holds one opportunity per account on average (1,000,000 at `large`); small tenants a handful.
"""

from __future__ import annotations

from crm.benchdata import BenchContext, Generator, register
from crm.benchdata.kernel import SALES_REPS, BenchTenant
from opportunities.benchdata.deals import (
    OPPORTUNITIES,
    SMALL_OPPORTUNITIES,
    TenantOpportunities,
    check_columns,
)
from opportunities.benchdata.reference import TenantReference, reference


def _approvers(tenant: BenchTenant) -> dict[int, int]:
    """Who approves a discount beyond a user's limit: her manager, else the tenant's administrator."""
    users = {member.membership_id: member.user_id for member in tenant.members}
    admin = tenant.members[0].user_id
    return {member.user_id: users.get(member.manager_membership_id or 0, admin) for member in tenant.members}


def generate(ctx: BenchContext) -> None:
    check_columns()
    for tenant in ctx.state["tenants"]:
        ref: TenantReference = reference(ctx, tenant)
        ref.approvers = _approvers(tenant)
        if tenant.is_main:
            owners = [member.user_id for member in tenant.with_role(*SALES_REPS)]
            count = OPPORTUNITIES[ctx.profile.name]
        else:
            owners = [member.user_id for member in tenant.members]
            count = SMALL_OPPORTUNITIES[ctx.profile.name]
        TenantOpportunities(ctx, tenant, ref, owners, count).generate()


TABLES = (
    "opportunities_pipeline", "opportunities_historicalpipeline", "opportunities_stage",
    "opportunities_historicalstage", "opportunities_lossreason", "opportunities_historicallossreason",
    "opportunities_competitor", "opportunities_historicalcompetitor", "opportunities_discountlimit",
    "opportunities_historicaldiscountlimit", "opportunities_pipelinesettings",
    "opportunities_historicalpipelinesettings", "opportunities_product", "opportunities_historicalproduct",
    "opportunities_pricelist", "opportunities_historicalpricelist", "opportunities_price",
    "opportunities_historicalprice", "opportunities_opportunity", "opportunities_historicalopportunity",
    "opportunities_stagechange", "opportunities_opportunitycontactrole",
    "opportunities_historicalopportunitycontactrole", "opportunities_opportunityproduct",
    "opportunities_historicalopportunityproduct", "opportunities_opportunitycompetitor",
    "opportunities_historicalopportunitycompetitor", "opportunities_quote", "opportunities_historicalquote",
    "opportunities_quoteline", "opportunities_historicalquoteline", "opportunities_quotesequence",
    "search_entry",
)  # fmt: skip

register(Generator("opportunities", generate, tables=TABLES, order=40))
