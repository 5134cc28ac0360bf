"""Filter sets of the account and contact lists. The search goes through the selectors, which apply
the record visibility first; the other filters only narrow what the member may already see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import Account, Contact, Segment
from crm.models import Membership
from governance.visibility import owned_by_me_or_below


class OwnerScope:
    MINE = "me"
    TEAM = "team"
    ALL = "all"

    # "Everyone" first: a list without ?owner shows every record the member may see.
    choices = ((ALL, _("Everyone")), (MINE, _("Me")), (TEAM, _("My team")))


class SortOrder:
    NAME = "name"
    NAME_DESCENDING = "-name"
    CREATED = "created"
    CREATED_DESCENDING = "-created"

    choices = (
        (NAME, _("Name (A to Z)")),
        (NAME_DESCENDING, _("Name (Z to A)")),
        (CREATED_DESCENDING, _("Newest first")),
        (CREATED, _("Oldest first")),
    )


class _ScopedFilterSet(django_filters.FilterSet):
    """A filter set bound to a membership: the search runs through the selector of the model."""

    membership: Membership

    def __init__(self, data: Any = None, *, membership: Membership, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(data, queryset=self.base_queryset(search=""), **kwargs)

    def base_queryset(self, *, search: str) -> QuerySet[Any]:
        raise NotImplementedError

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        search = (self.form.cleaned_data.get("q") or "").strip()
        if search:
            queryset = self.base_queryset(search=search)
        return super().filter_queryset(queryset)

    def searched_by_selector(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # Applied in filter_queryset(), through the selector (visibility first, then the search).
        return queryset

    def filter_owner(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == OwnerScope.MINE:
            return queryset.filter(owner_id=self.membership.user_id)
        if value == OwnerScope.TEAM:
            return queryset.filter(owned_by_me_or_below(self.membership))
        return queryset

    @property
    def sort(self) -> str:
        if self.is_bound and self.is_valid():
            return self.form.cleaned_data.get("sort") or SortOrder.NAME
        return SortOrder.NAME


class AccountFilter(_ScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="searched_by_selector")
    account_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Account.Type.choices, empty_label=_("All types")
    )
    segment = django_filters.ModelChoiceFilter(
        label=_("Segment"), queryset=Segment.objects.none(), empty_label=_("All segments")
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), choices=OwnerScope.choices, method="filter_owner", empty_label=None
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SortOrder.choices, method="searched_by_selector", empty_label=None
    )

    class Meta:
        model = Account
        fields = ["q", "account_type", "segment", "owner", "sort"]

    def __init__(self, data: Any = None, *, membership: Membership, **kwargs: Any) -> None:
        super().__init__(data, membership=membership, **kwargs)
        self.filters["segment"].queryset = Segment.objects.all()
        self.form.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def base_queryset(self, *, search: str) -> QuerySet[Any]:
        return selectors.account_list(membership=self.membership, search=search)


class ContactFilter(_ScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="searched_by_selector")
    relationship_status = django_filters.ChoiceFilter(
        label=_("Relationship"), choices=Contact.RelationshipStatus.choices, empty_label=_("All")
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), choices=OwnerScope.choices, method="filter_owner", empty_label=None
    )

    class Meta:
        model = Contact
        fields = ["q", "relationship_status", "owner"]

    def __init__(self, data: Any = None, *, membership: Membership, **kwargs: Any) -> None:
        super().__init__(data, membership=membership, **kwargs)
        self.form.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def base_queryset(self, *, search: str) -> QuerySet[Any]:
        return selectors.contact_list(membership=self.membership, search=search)
