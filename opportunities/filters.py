"""The filters of the opportunity list and the kanban (django-filter): pipeline, stage, owner, team,
territory, close month, product, status. The search goes through the selector, which applies the
visibility first; the filters only narrow what the member may already see."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.filters import OwnerScope
from crm.models import Membership, User
from governance.models import Team, Territory
from governance.visibility import owned_by_me_or_below
from opportunities import selectors
from opportunities.models import Pipeline, Product, Stage

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Status:
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    CLOSED = "closed"

    choices = ((OPEN, _("Open")), (WON, _("Won")), (LOST, _("Lost")), (CLOSED, _("Closed")))


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="searched_by_selector")
    pipeline = django_filters.ModelChoiceFilter(
        label=_("Pipeline"), queryset=Pipeline.objects.none(), empty_label=_("All pipelines")
    )
    stage = django_filters.ModelChoiceFilter(
        label=_("Stage"), queryset=Stage.objects.none(), empty_label=_("All stages")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, method="filter_status", empty_label=_("All")
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), choices=OwnerScope.choices, method="filter_owner", empty_label=None
    )
    owner_user = django_filters.ModelChoiceFilter(
        label=_("Owned by"), queryset=User.objects.none(), field_name="owner", empty_label=_("Anyone")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.none(), method="filter_team", empty_label=_("All teams")
    )
    territory = django_filters.ModelChoiceFilter(
        label=_("Territory"),
        queryset=Territory.objects.none(),
        field_name="account__territory",
        empty_label=_("All territories"),
    )
    close_month = django_filters.CharFilter(
        label=_("Close month"), method="filter_close_month", widget=forms.TextInput(attrs={"type": "month"})
    )
    product = django_filters.ModelChoiceFilter(
        label=_("Product"),
        queryset=Product.objects.none(),
        method="filter_product",
        empty_label=_("All products"),
    )

    class Meta:
        model = None
        fields: list[str] = []

    def __init__(self, data: Any = None, *, membership: Membership, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(data, queryset=selectors.opportunity_list(membership=membership), **kwargs)
        self.filters["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.filters["stage"].queryset = Stage.objects.filter(is_active=True).select_related("pipeline")
        self.filters["owner_user"].queryset = User.objects.filter(memberships__is_active=True).order_by(
            "email"
        )
        self.filters["team"].queryset = Team.objects.all()
        self.filters["territory"].queryset = Territory.objects.all()
        self.filters["product"].queryset = Product.objects.filter(is_active=True)
        self.form.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.form.fields["stage"].label_from_instance = lambda stage: f"{stage.pipeline} · {stage}"

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        search = (self.form.cleaned_data.get("q") or "").strip()
        if search:
            queryset = selectors.opportunity_list(membership=self.membership, search=search)
        return super().filter_queryset(queryset)

    def searched_by_selector(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset  # applied in filter_queryset(), through the selector

    def filter_owner(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == OwnerScope.MINE:
            return queryset.filter(owner_id=self.membership.user_id)
        if value == OwnerScope.TEAM:
            return queryset.filter(owned_by_me_or_below(self.membership))
        return queryset

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == Status.OPEN:
            return queryset.filter(stage__outcome=Stage.Outcome.OPEN)
        if value == Status.CLOSED:
            return queryset.exclude(stage__outcome=Stage.Outcome.OPEN)
        if value in (Status.WON, Status.LOST):
            return queryset.filter(stage__outcome=value)
        return queryset

    def filter_team(self, queryset: QuerySet[Any], name: str, value: Team | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(owner_id__in=value.members.values("user_id"))

    def filter_close_month(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        match = MONTH.match(value or "")
        if not match:
            return queryset
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            return queryset
        return queryset.filter(expected_close_date__year=year, expected_close_date__month=month)

    def filter_product(self, queryset: QuerySet[Any], name: str, value: Product | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(products__product=value)


class BoardFilter(OpportunityFilter):
    """The kanban's filters: the pipeline is the board's, the stage its columns, the status all."""

    def __init__(self, data: Any = None, *, membership: Membership, **kwargs: Any) -> None:
        super().__init__(data, membership=membership, **kwargs)
        for name in ("pipeline", "stage", "status"):
            del self.filters[name]
            del self.form.fields[name]
