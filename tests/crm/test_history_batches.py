"""Batch writes copy their history rows in SQL (crm.history): the rows must be the ones
django-simple-history itself would write, and nothing of another tenant may be copied."""

from __future__ import annotations

from accounts import services
from accounts.models import Account
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import valid_siret


def test_batch_history_rows_hold_the_written_values_the_actor_and_the_kind(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        created = services.account_create_many(
            tenant=tenant,
            actor=admin.user,
            rows=[{"legal_name": "Alpha Industrie", "siret": valid_siret(1)}, {"legal_name": "Beta Négoce"}],
            head_offices=[{"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon"}, None],
        )
        alpha = Account.objects.get(legal_name="Alpha Industrie")
        services.account_update_many(actor=admin.user, changes=[(alpha, {"trade_name": "Alpha"})])
        rows = list(Account.history.filter(id=alpha.pk).order_by("history_id"))
        address_rows = list(alpha.addresses.model.history.filter(account_id=alpha.pk))
        # What simple_history reads back is a whole account, as it was at each step.
        as_created, as_renamed = rows[0].instance, rows[1].instance

    assert all(isinstance(result, Account) for result in created)
    assert [(row.history_type, row.history_user_id, row.history_change_reason) for row in rows] == [
        ("+", admin.user_id, ""),
        ("~", admin.user_id, ""),
    ]
    first, second = rows
    assert (first.legal_name, first.trade_name, first.siret, first.tenant_id, first.version) == (
        "Alpha Industrie",
        "",
        valid_siret(1),
        tenant.pk,
        1,
    )
    assert (second.trade_name, second.version) == ("Alpha", 2)
    assert (as_created.legal_name, as_created.trade_name, as_renamed.trade_name) == (
        "Alpha Industrie",
        "",
        "Alpha",
    )
    assert [(row.history_type, row.city, row.history_user_id) for row in address_rows] == [
        ("+", "Lyon", admin.user_id)
    ]


def test_batch_history_copies_only_the_rows_written(tenant, other_tenant, member) -> None:
    mine, theirs = member(tenant, Role.TENANT_ADMIN), member(other_tenant, Role.TENANT_ADMIN)
    with tenant_scope(other_tenant):
        services.account_create_many(tenant=other_tenant, actor=theirs.user, rows=[{"legal_name": "Autre"}])
    with tenant_scope(tenant):
        services.account_create_many(tenant=tenant, actor=mine.user, rows=[{"legal_name": "Mienne"}])
        assert list(Account.history.values_list("legal_name", flat=True)) == ["Mienne"]
    with tenant_scope(other_tenant):
        assert list(Account.history.values_list("legal_name", flat=True)) == ["Autre"]
