"""The account and contact lists offer saved views (crm.saved_views): registered at start-up."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.filters import AccountFilter, ContactFilter
from accounts.views import ACCOUNT_LIST_KEY, CONTACT_LIST_KEY
from crm import saved_views


def register_saved_lists() -> None:
    saved_views.register_list(
        saved_views.SavedList(
            key=ACCOUNT_LIST_KEY,
            label=_("Accounts"),
            url_name="accounts:account_list",
            permission="accounts.view_account",
            filterset=lambda data, membership: AccountFilter(data, membership=membership),
        )
    )
    saved_views.register_list(
        saved_views.SavedList(
            key=CONTACT_LIST_KEY,
            label=_("Contacts"),
            url_name="accounts:contact_list",
            permission="accounts.view_contact",
            filterset=lambda data, membership: ContactFilter(data, membership=membership),
        )
    )
