"""Opportunities in the global search (governance.search): found by their name and their account's
names; visibility is `Opportunity.objects.visible_to(membership)`, one query per type."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Membership
from governance import search
from opportunities.models import Opportunity

OPPORTUNITY = "opportunities.opportunity"


def opportunity_document(opportunity: Opportunity) -> search.Document:
    account = opportunity.account
    return search.Document(
        title=opportunity.name,
        subtitle=" · ".join(part for part in (str(account), opportunity.stage.name) if part),
        text=" ".join(part for part in (opportunity.name, account.legal_name, account.trade_name) if part),
    )


def visible_opportunities(membership: Membership, ids: list[int]) -> Iterable[Opportunity]:
    return Opportunity.objects.visible_to(membership).filter(pk__in=ids)


def register_search() -> None:
    """Called from OpportunitiesConfig.ready(). Safe to call again."""
    search.register(
        search.SearchType(
            object_type=OPPORTUNITY,
            model=Opportunity,
            indexer=opportunity_document,
            visible=visible_opportunities,
            url=lambda opportunity: reverse("opportunities:opportunity_detail", args=[opportunity.pk]),
            label=_("Opportunities"),
            permission="opportunities.view_opportunity",
            order=30,
            rebuild_queryset=lambda: Opportunity.objects.select_related("account", "stage"),
        )
    )
