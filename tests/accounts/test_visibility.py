"""Who sees which account and contact: owner, the management chain, company-wide roles; never another
tenant. One SQL predicate (`visible_to`), checked here through the selectors the pages and API use."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Contact
from accounts.selectors import account_get, account_list, contact_list
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


def make_account(tenant, owner, name: str, **extra) -> Account:
    with tenant_scope(tenant):
        return Account.objects.create(legal_name=name, owner=owner.user, **extra)


def make_contact(tenant, account: Account, owner, last_name: str) -> Contact:
    with tenant_scope(tenant):
        return Contact.objects.create(
            account=account, owner=owner.user, first_name="Anne", last_name=last_name
        )


@pytest.fixture
def organisation(tenant, member):
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    finance = member(tenant, Role.FINANCE)
    accounts = {
        "rep": make_account(tenant, rep, "Boulangerie Petit"),
        "manager": make_account(tenant, manager, "Garage Moreau"),
        "colleague": make_account(tenant, colleague, "Hôtel Lambert"),
    }
    return {"director": director, "manager": manager, "rep": rep, "colleague": colleague, "finance": finance,
            "accounts": accounts}  # fmt: skip


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("rep", {"Boulangerie Petit"}),
        ("manager", {"Boulangerie Petit", "Garage Moreau"}),
        ("director", {"Boulangerie Petit", "Garage Moreau", "Hôtel Lambert"}),
        ("finance", {"Boulangerie Petit", "Garage Moreau", "Hôtel Lambert"}),
        ("colleague", {"Hôtel Lambert"}),
    ],
)
def test_accounts_visible_by_relation_to_the_owner(
    tenant, organisation, viewer: str, expected: set[str]
) -> None:
    membership = organisation[viewer]

    with tenant_scope(tenant, membership=membership):
        names = set(account_list(membership=membership).values_list("legal_name", flat=True))

    assert names == expected


def test_another_tenants_accounts_are_never_visible_even_to_a_director(
    tenant, other_tenant, organisation, member
):
    foreign_director = member(other_tenant, Role.SALES_DIRECTOR)
    make_account(other_tenant, foreign_director, "Martin Frères")

    with tenant_scope(tenant, membership=organisation["director"]):
        names = set(account_list(membership=organisation["director"]).values_list("legal_name", flat=True))

    assert "Martin Frères" not in names
    assert len(names) == 3


def test_an_invisible_account_is_not_found(tenant, organisation) -> None:
    rep = organisation["rep"]
    with tenant_scope(tenant, membership=rep), pytest.raises(Account.DoesNotExist):
        account_get(membership=rep, pk=organisation["accounts"]["colleague"].pk)


def test_contacts_inherit_the_visibility_of_their_account(tenant, organisation) -> None:
    make_contact(tenant, organisation["accounts"]["rep"], organisation["rep"], "Visible")
    make_contact(tenant, organisation["accounts"]["colleague"], organisation["colleague"], "Cachée")

    with tenant_scope(tenant, membership=organisation["rep"]):
        names = set(contact_list(membership=organisation["rep"]).values_list("last_name", flat=True))

    assert names == {"Visible"}


def test_the_visibility_query_count_does_not_grow_with_rows_or_depth(tenant, organisation, member) -> None:
    manager = organisation["manager"]
    with tenant_scope(tenant, membership=manager), CaptureQueriesContext(connection) as few:
        list(account_list(membership=manager))
    boss = manager
    for depth in range(5):
        below = member(tenant, Role.FIELD_SALES_REP, manager=boss)
        for n in range(4):
            make_account(tenant, below, f"Client {depth}-{n}")
        boss = below

    with tenant_scope(tenant, membership=manager), CaptureQueriesContext(connection) as many:
        rows = list(account_list(membership=manager))

    assert len(rows) == 2 + 20
    assert len(many.captured_queries) == len(few.captured_queries)
