"""The links of an opportunity to its catalogues that pages, API and stage moves all write."""

from __future__ import annotations

from crm.models import User
from opportunities.models import Competitor, Opportunity, OpportunityCompetitor


def competitors_set(opportunity: Opportunity, competitors: list[Competitor], *, actor: User | None) -> None:
    """Add and remove links one by one: each carries the tenant and writes its history row (a plain
    `set()` would bulk-insert rows without either)."""
    wanted = {competitor.pk: competitor for competitor in competitors}
    links = {
        link.competitor_id: link for link in OpportunityCompetitor.objects.filter(opportunity=opportunity)
    }
    for competitor_id, link in links.items():
        if competitor_id not in wanted:
            link._history_user = actor  # type: ignore[attr-defined]
            link.delete()
    for competitor_id, competitor in wanted.items():
        if competitor_id not in links:
            link = OpportunityCompetitor(
                tenant_id=opportunity.tenant_id, opportunity=opportunity, competitor=competitor
            )
            link._history_user = actor  # type: ignore[attr-defined]
            link.save()
