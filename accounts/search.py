"""Accounts and contacts in the global search (governance.search): what is indexed, who sees what.

An account is found by its legal and trade names, SIREN, SIRET, VAT number and the cities and postal
codes of its addresses; a contact by name, email, phone numbers (E.164 and the national digits as
dialled at home: "+33612345678" and "0612345678") and company name. Visibility is the models' own
`visible_to(membership)`, applied to the ranked candidates in one query per type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import phonenumbers
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import format_siren
from accounts.models import Account, Contact
from crm.models import Membership
from governance import field_policies, search

ACCOUNT = "accounts.account"
CONTACT = "accounts.contact"


def _join(parts: Iterable[str], separator: str = " ") -> str:
    return separator.join(part for part in parts if part)


def phone_forms(e164: str) -> list[str]:
    """The stored E.164 number and its national digits, so that either way of typing it matches."""
    if not e164:
        return []
    forms = [e164]
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms.append("".join(ch for ch in national if ch.isdigit()))
    return forms


def account_document(account: Account) -> search.Document:
    addresses = list(account.addresses.all())  # prefetched by a rebuild
    head_office = next((a for a in addresses if a.kind == a.Kind.HEAD_OFFICE), None)
    city = head_office.city if head_office else (addresses[0].city if addresses else "")
    subtitle = _join(
        [
            account.legal_name if account.trade_name and account.trade_name != account.legal_name else "",
            format_siren(account.siren) if account.siren else "",
            city,
        ],
        " · ",
    )
    text = _join(
        [
            account.legal_name,
            account.trade_name,
            account.siren,
            account.siret,
            account.vat_number,
            *sorted({address.city for address in addresses}),
            *sorted({address.postal_code for address in addresses}),
        ]
    )
    return search.Document(title=str(account), subtitle=subtitle, text=text)


def contact_document(contact: Contact) -> search.Document:
    account = contact.account
    company = str(account)
    subtitle = _join([contact.job_title, company], " · ") or contact.email
    text = _join(
        [
            contact.first_name,
            contact.last_name,
            contact.email,
            *phone_forms(contact.phone),
            *phone_forms(contact.mobile),
            company,
            account.legal_name if account.legal_name != company else "",
        ]
    )
    return search.Document(title=str(contact), subtitle=subtitle, text=text)


PHONE_LIKE = re.compile(r"[\s0-9.+/()-]+")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def contact_hidden_mobile_match(membership: Membership, query: str) -> Callable[[Contact], bool] | None:
    """A role that may not read contacts' mobiles must not learn whose a mobile number is by searching
    it: a query typed as a phone number that matches a contact's mobile, and not their direct line,
    drops that contact. None when the query is no phone number or the role reads mobiles."""
    digits = _digits(query)
    if len(digits) < 4 or not PHONE_LIKE.fullmatch(query):
        return None
    if "mobile" not in field_policies.hidden_fields(membership.role, Contact):
        return None

    def matched_only_by_mobile(contact: Contact) -> bool:
        in_mobile = any(digits in _digits(form) for form in phone_forms(contact.mobile))
        in_phone = any(digits in _digits(form) for form in phone_forms(contact.phone))
        return in_mobile and not in_phone

    return matched_only_by_mobile


def visible_accounts(membership: Membership, ids: list[int]) -> Iterable[Account]:
    return Account.objects.visible_to(membership).filter(pk__in=ids)


def visible_contacts(membership: Membership, ids: list[int]) -> Iterable[Contact]:
    return Contact.objects.visible_to(membership).filter(pk__in=ids)


def register_search() -> None:
    """Called from AccountsConfig.ready(). Safe to call again."""
    search.register(
        search.SearchType(
            object_type=ACCOUNT,
            model=Account,
            indexer=account_document,
            visible=visible_accounts,
            url=lambda account: reverse("accounts:account_detail", args=[account.pk]),
            label=_("Accounts"),
            permission="accounts.view_account",
            order=10,
            rebuild_queryset=lambda: Account.objects.prefetch_related("addresses"),
        )
    )
    search.register(
        search.SearchType(
            object_type=CONTACT,
            model=Contact,
            indexer=contact_document,
            visible=visible_contacts,
            url=lambda contact: reverse("accounts:contact_detail", args=[contact.pk]),
            label=_("Contacts"),
            permission="accounts.view_contact",
            order=20,
            rebuild_queryset=lambda: Contact.objects.select_related("account"),
            hidden_match=contact_hidden_mobile_match,
        )
    )
